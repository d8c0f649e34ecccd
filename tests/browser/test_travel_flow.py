"""A citizen registers a trip on a phone screen (360 × 740, touch, Chinese system language): logs in, fills a trip
with two stops ("add another stop" works without JavaScript) mostly with the keyboard, and finds it in the list,
where "receive alerts on this phone" is offered once a VAPID key is configured. The installed-app part: the page
links the manifest and registers the service worker for the whole portal, which shows the offline page (never a
personal page) without a network. Real push delivery is not tested here (see tests/notify and tests/portal)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from consular.accounts.models import User
from consular.notify.channels.webpush import generate_vapid_keys
from consular.travel.models import Registration
from tests.browser.test_cases_flow import focused, log_in
from tests.browser.test_shell import assert_fits, lang

pytestmark = pytest.mark.browser


def day(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def type_into(page: Page, field_id: str, text: str) -> None:
    """Tab to the field (it must be the next one), then type."""
    page.keyboard.press("Tab")
    assert focused(page) == field_id
    page.keyboard.type(text)


def fill_stop(page: Page, n: int, subdivision: str, city: str, arrive: str, depart: str) -> None:
    page.select_option(f"#id_legs-{n}-country", "TH")
    # The country's provinces are loaded when the country changes (htmx).
    expect(page.locator(f"#id_legs-{n}-subdivision option[value='{subdivision}']")).to_have_count(1)
    page.select_option(f"#id_legs-{n}-subdivision", subdivision)
    page.locator(f"#id_legs-{n}-subdivision").focus()
    type_into(page, f"id_legs-{n}-city", city)
    page.fill(f"#id_legs-{n}-arrive", arrive)
    page.fill(f"#id_legs-{n}-depart", depart)


def test_citizen_registers_a_trip_with_two_stops_on_a_phone(
    browser: Browser, phone: BrowserContext, make_user: Callable[..., User], screenshots: Path, settings: Any
) -> None:
    settings.VAPID_PRIVATE_KEY = ""
    citizen = make_user("citizen", username="li.lei")
    page = phone.new_page()
    log_in(page, citizen, "/travel/new/")
    assert lang(page) == "zh-hans"
    expect(page.locator(".brand")).to_have_text("领事保护与服务")  # Chinese by default
    expect(page.locator("link[rel=manifest]")).to_have_attribute("href", "/manifest.webmanifest")
    assert_fits(page)

    fill_stop(page, 0, "TH-10", "曼谷", day(5), day(9))
    page.locator("button[name=add_stop]").focus()
    page.keyboard.press("Enter")  # "add another stop": the page comes back with a second, empty stop
    expect(page.locator("#id_legs-1-country")).to_be_visible()
    expect(page.locator("#id_legs-0-subdivision")).to_have_value("TH-10")
    expect(page.locator("#id_legs-0-city")).to_have_value("曼谷")
    assert Registration.objects.count() == 0
    fill_stop(page, 1, "TH-50", "清迈", day(9), day(14))

    page.locator("#id_name_zh").focus()
    page.keyboard.type("李雷")
    type_into(page, "id_name_latin", "li lei")
    page.locator("#id_phone").focus()
    page.keyboard.type("+86 138 0013 8000")
    page.locator("#id_channels_0").focus()  # SMS
    page.keyboard.press("Space")
    expect(page.locator("#id_channels_0")).to_be_checked()
    assert_fits(page)
    page.screenshot(path=screenshots / "travel-form-two-stops-zh.png", full_page=True)
    page.locator("form.help-form .actions button[type=submit]:not([name])").focus()
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/travel/#r-[0-9a-f-]{36}$"))
    registration = Registration.objects.get()
    assert registration.owner == citizen and registration.channels == ["sms"]
    assert list(registration.legs.values_list("subdivision_id", "city")) == [("TH-10", "曼谷"), ("TH-50", "清迈")]
    expect(page.locator("h1")).to_have_text("我的行程")
    item = page.locator(f"#r-{registration.pk}")
    expect(item).to_be_visible()
    expect(item.locator(".trip__title")).to_contain_text("曼谷")
    expect(item.locator(".trip__title")).to_contain_text("清迈")
    expect(item).to_contain_text(day(5))
    expect(item).to_contain_text(day(14))
    # Without a VAPID key: no push button, the sentence that alerts come by the channel chosen (SMS).
    expect(item.locator(".push-optin__fallback")).to_be_visible()
    expect(item.locator(".push-optin__fallback")).to_contain_text("短信")
    expect(item.locator("[data-push-action]")).to_have_count(0)
    assert lang(page) == "zh-hans"
    assert_fits(page)
    page.screenshot(path=screenshots / "travel-list-zh.png", full_page=True)

    # With a key and a browser that supports Push: the button replaces the sentence (not clicked: no real push).
    settings.VAPID_PRIVATE_KEY = generate_vapid_keys()[0]
    phone.grant_permissions(["notifications"])
    page.reload()
    expect(item.locator("[data-push-action=subscribe]")).to_be_visible()
    expect(item.locator(".push-optin__fallback")).to_be_hidden()
    expect(item.locator("[data-push-action=unsubscribe]")).to_be_hidden()
    assert_fits(page)
    page.screenshot(path=screenshots / "travel-list-push-zh.png", full_page=True)

    # Without JavaScript the sentence stays and no button shows.
    plain = browser.new_context(base_url=page.url.split("/travel/")[0], viewport={"width": 360, "height": 740},
                                java_script_enabled=False, locale="zh-CN")
    try:
        plain.add_cookies(phone.cookies())  # type: ignore[arg-type]  # a Cookie is a valid SetCookieParam
        static_page = plain.new_page()
        static_page.goto("/travel/")
        expect(static_page.locator(f"#r-{registration.pk} .push-optin__fallback")).to_be_visible()
        expect(static_page.locator(f"#r-{registration.pk} [data-push-action=subscribe]")).to_be_hidden()
    finally:
        plain.close()

    # The service worker controls the whole portal; offline, a personal page is never shown from a copy.
    scope = page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.scope)")
    assert scope == page.url.split("/travel/")[0] + "/"
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.set_offline(True)
    try:
        page.goto("/travel/")
        expect(page.locator("section[lang=en] h2")).to_have_text("You are offline")
        expect(page.locator("a.hotline").first).to_have_text(settings.CONSULAR_DEPLOYMENT["hotline"])
        expect(page.locator(f"#r-{registration.pk}")).to_have_count(0)
        page.screenshot(path=screenshots / "offline-zh.png", full_page=True)
    finally:
        phone.set_offline(False)
