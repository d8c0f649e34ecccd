"""The web shell in a real browser on a 360 px phone: keyboard-only login, language switch, htmx filter, logout."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from consular.accounts.models import User
from consular.core.models import Mission
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WIDTH = 360


def assert_fits(page: Page) -> None:
    """Nothing sticks out sideways: the page never scrolls horizontally on a 360 px phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width}px wide"


def lang(page: Page) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def tab_until(page: Page, condition: str, limit: int = 30) -> None:
    """Press Tab until `condition` (a JS expression over `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({condition}); }})()"):
            return
    raise AssertionError(f"never reached an element where {condition}")


def test_keyboard_login_language_switch_and_logout(
    phone: BrowserContext, make_user: Callable[..., User], screenshots: Path
) -> None:
    officer = make_user("mission_officer", "TH-BKK", username="wang.fang")
    page = phone.new_page()

    # The portal, in Chinese by default.
    page.goto("/")
    assert lang(page) == "zh-hans"
    expect(page.locator("h1")).to_have_text("为海外公民提供帮助与服务")
    expect(page.locator(".call-button")).to_have_attribute("href", "tel:+86-10-12308")
    assert_fits(page)
    page.screenshot(path=screenshots / "portal-home-zh.png", full_page=True)

    # The first Tab stop is the skip link, and it becomes visible.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    # Keyboard only: Tab to "登录", Enter, type into the fields, Enter.
    page.screenshot(path=screenshots / "focus-skip-link.png")
    tab_until(page, "el.getAttribute('href') === '/login/'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused link shows no focus ring"
    page.screenshot(path=screenshots / "focus-login-link.png")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/")
    expect(page.locator("#id_username")).to_be_focused()
    assert_fits(page)
    page.keyboard.type(officer.username)
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    # A mission officer lands in the console, in Chinese.
    page.wait_for_url("**/console/")
    assert lang(page) == "zh-hans"
    expect(page.locator("h1")).to_have_text("领事工作台")
    expect(page.locator("main")).to_contain_text("wang.fang")
    expect(page.locator("main")).to_contain_text("使领馆工作人员")
    expect(page.locator("main")).to_contain_text("中华人民共和国驻泰国大使馆")
    assert_fits(page)
    page.screenshot(path=screenshots / "console-zh.png", full_page=True)

    # Switch to English with the keyboard; the same page comes back in English.
    tab_until(page, "el.name === 'language' && el.value === 'en'")
    page.keyboard.press("Enter")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url.endswith("/console/")
    expect(page.locator("h1")).to_have_text("Officer console")
    expect(page.locator("main")).to_contain_text("Mission officer")
    expect(page.locator(".brand")).to_have_text("Consular protection and services")
    assert_fits(page)
    page.screenshot(path=screenshots / "console-en.png", full_page=True)

    # And back to Chinese.
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    expect(page.locator("h1")).to_have_text("领事工作台")
    expect(page.locator(".brand")).to_have_text("领事保护与服务")
    assert_fits(page)

    # The missions list: the country filter swaps the list through htmx, without reloading the page.
    page.goto("/missions/")
    countries = Mission.objects.filter(active=True).exclude(kind="hq").values("country").distinct().count()
    expect(page.locator("#mission-list h2")).to_have_count(countries)
    assert_fits(page)
    page.screenshot(path=screenshots / "missions-zh.png", full_page=True)
    page.evaluate("window.__same_page = true")
    page.select_option("#id_country", "TH")
    expect(page.locator("#mission-list h2")).to_have_text(["泰国"])
    expect(page.locator("#mission-status")).to_have_text("共 2 个使领馆")
    assert page.evaluate("window.__same_page") is True
    assert page.url.endswith("/missions/?country=TH")
    page.get_by_role("link", name="中华人民共和国驻清迈总领事馆").click()
    page.wait_for_url("**/missions/TH-CNX/")
    expect(page.locator("main")).to_contain_text("Mae Hong Son")
    assert_fits(page)
    page.screenshot(path=screenshots / "mission-detail-zh.png", full_page=True)

    # Log out: a POST button; back on the portal as an anonymous visitor.
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))
    expect(page.get_by_role("link", name="登录").first).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)
    page.goto("/console/")
    page.wait_for_url("**/login/?next=/console/")


def test_login_failure_shows_the_error_summary(
    phone: BrowserContext, make_user: Callable[..., User], screenshots: Path
) -> None:
    citizen = make_user("citizen", username="li.lei")
    page = phone.new_page()
    page.goto("/login/")
    page.fill("#id_username", citizen.username)
    page.fill("#id_password", "not-the-password")
    page.get_by_role("button", name="登录").last.click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("出现了问题")
    expect(summary).to_contain_text("请输入一个正确的")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_username")
    expect(page.locator("#id_username")).to_have_value("li.lei")
    expect(page.locator("#id_password")).to_have_value("")
    assert_fits(page)
    page.screenshot(path=screenshots / "login-error-zh.png", full_page=True)


def test_country_filter_without_javascript(browser: Browser, live_server: object, reference: None) -> None:
    context = browser.new_context(
        base_url=str(live_server),
        viewport={"width": WIDTH, "height": 740},
        locale="zh-CN",
        java_script_enabled=False,
    )
    try:
        page = context.new_page()
        page.goto("/missions/")
        page.select_option("#id_country", "US")
        page.get_by_role("button", name="显示").click()
        page.wait_for_url("**/missions/?country=US")
        expect(page.locator("#mission-list h2")).to_have_text(["美国"])
        assert_fits(page)
    finally:
        context.close()


def test_audit_log_on_a_phone_and_a_desktop(
    browser: Browser, live_server: object, make_user: Callable[..., User], screenshots: Path
) -> None:
    """The audit table scrolls inside its own region on a phone; the filters sit in a grid on a desktop."""
    from consular.core.audit import audit_record

    auditor = make_user("auditor", username="zhao.audit")
    officer = make_user("mission_officer", "TH-CNX", username="chen.officer")
    for i in range(3):
        audit_record(actor=officer, action="case.transition", object_type="cases.case", object_id=f"case-{i}",
                     data={"from": "new", "to": "assigned", "note": "转交清迈总领馆跟进"})
    for size, name in (({"width": WIDTH, "height": 740}, "phone"), ({"width": 1280, "height": 800}, "desktop")):
        context = browser.new_context(base_url=str(live_server), viewport=size, locale="zh-CN")  # type: ignore[arg-type]
        try:
            page = context.new_page()
            page.goto("/login/?next=/console/audit/")
            page.fill("#id_username", auditor.username)
            page.fill("#id_password", PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url("**/console/audit/")
            page.fill("#id_action", "case.")
            page.get_by_role("button", name="筛选").click()
            page.wait_for_url("**/console/audit/?*action=case.*")
            expect(page.locator("tbody tr")).to_have_count(3)
            expect(page.locator("#audit-caption")).to_contain_text("Asia/Shanghai")
            if name == "phone":
                assert_fits(page)
            page.screenshot(path=screenshots / f"audit-{name}-zh.png", full_page=True)
            if name == "desktop":
                page.goto("/")
                page.screenshot(path=screenshots / "portal-home-desktop-zh.png", full_page=True)
        finally:
            context.close()
