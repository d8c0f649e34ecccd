"""A safety alert from draft to "I am safe", in a real browser: HQ officer A writes an alert for Thailand linked
to a flood incident in the console and finds no way to approve it herself; officer B, on a 360 px phone, approves
and publishes it; the sender delivers the email to a local SMTP server (in-process); the traveller opens the
personal link from the email on a phone and answers "I am safe"; officer B finds the traveller safe in the
incident registry, and the alert's delivery report shows the delivered email and the one "safe" answer.
Screenshots go to test-results/."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, expect

from consular.accounts.models import User
from consular.alerts.models import Alert, CheckIn, Delivery
from consular.alerts.sender import deliveries_send
from consular.cases.services import Location
from consular.incidents.models import AffectedPerson
from tests.alerts.alert_helpers import register
from tests.browser.test_incident_flow import log_in
from tests.browser.test_shell import assert_fits, lang
from tests.incidents.incident_helpers import open_incident
from tests.smtp import Inbox, smtp_server, use_smtp

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"
LINK = re.compile(r"https?://[^\s/]+(/checkin/[0-9]+\.[A-Za-z0-9_-]+/)")


def _text(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else None
    payload = (part or message).get_payload(decode=True)
    return payload.decode("utf-8") if isinstance(payload, bytes) else str(payload)


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_officer_drafts_another_publishes_and_the_citizens_safe_answer_reaches_the_registry(
    browser: Browser, live_server: object, phone: BrowserContext, make_user: Callable[..., User],
    screenshots: Path, settings: Any,
) -> None:
    officer_a = make_user("hq_officer", username="zhou.min")
    officer_b = make_user("hq_officer", username="li.na")
    incident = open_incident(officer_a, kind="natural_disaster", title="曼谷洪水", missions=[],
                             location=Location(country="TH", subdivision="TH-10", city="Bangkok"))
    registration = register(make_user("citizen"), [{"country": "TH", "subdivision": "TH-10"}], channels=["email"],
                            email="li.lei@example.org")
    registration.name_zh, registration.name_latin = "李雷", "LI LEI"
    registration.birth_date, registration.passport_number = datetime.date(1990, 5, 4), "E99887766"
    registration.consent_share_with_incident = True
    registration.save()

    # --- Officer A writes the alert in the console, linked to the incident -----------------------------------
    desk = browser.new_context(base_url=str(live_server), viewport={"width": 1280, "height": 900},
                               locale="zh-CN")
    desk.set_default_timeout(10_000)
    officer_b_phone = browser.new_context(base_url=str(live_server), viewport={"width": 360, "height": 740},
                                          device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    officer_b_phone.set_default_timeout(10_000)
    try:
        page = desk.new_page()
        log_in(page, officer_a, "/console/alerts/new/")
        page.select_option("#id_level", "warning")
        page.select_option("#id_category", "natural_disaster")
        page.fill("#id_headline_zh", "曼谷洪水预警")
        page.fill("#id_headline_en", "Flood warning for Bangkok")
        page.fill("#id_body_zh", "湄南河水位上涨，低洼地区可能被淹。")
        page.fill("#id_instructions_zh", "请前往高处，关注当地政府通知。")
        page.fill("#id_countries", "TH")
        page.fill("#id_incident", incident.reference)
        page.screenshot(path=str(screenshots / "alert-write-zh.png"), full_page=True)
        page.locator("form .actions button[type=submit]:not([name=count_reach])").click()
        page.wait_for_url(re.compile(rf"/console/alerts/{UUID}/$"))
        alert = Alert.objects.get()
        edition = alert.editions.get()
        assert (alert.state, edition.author, edition.incident) == ("draft", officer_a, incident)
        expect(page.locator("h1")).to_contain_text(alert.reference)
        # The author cannot approve her own alert: no button, and the page says who must.
        expect(page.locator("form[action$='/approve/']")).to_have_count(0)
        expect(page.locator("form[action$='/publish/']")).to_have_count(0)
        expect(page.locator(".actions")).to_contain_text(
            _zh("You wrote this edition: another officer must approve it."))
        page.screenshot(path=str(screenshots / "alert-draft-own-zh.png"), full_page=True)

        # --- Officer B approves and publishes, on a phone -----------------------------------------------------
        other = officer_b_phone.new_page()
        log_in(other, officer_b, f"/console/alerts/{alert.pk}/")
        assert lang(other) == "zh-hans"
        expect(other.locator("form[action$='/publish/']")).to_have_count(0)  # not before approval
        other.locator("form[action$='/approve/'] button").tap()
        other.wait_for_url(f"**/console/alerts/{alert.pk}/")
        other.locator("form[action$='/publish/'] button").tap()
        other.wait_for_url(f"**/console/alerts/{alert.pk}/")
        expect(other.locator(".flash")).to_contain_text(
            _zh("Alert published: %(n)s messages queued.") % {"n": 1})
        alert.refresh_from_db()
        assert alert.state == "published" and alert.editions.get().approved_by == officer_b
        assert_fits(other)

        # --- The sender delivers the email (in-process, to a local SMTP server) -------------------------------
        inbox: Inbox
        with smtp_server() as (inbox, port):
            use_smtp(settings, port)
            report = deliveries_send()
        assert report.by_outcome == {"delivered": 1}
        assert inbox.recipients == [["li.lei@example.org"]]
        text = _text(inbox.messages[0])
        assert "曼谷洪水预警" in text
        link = LINK.search(text)
        assert link, text

        # --- The traveller answers "I am safe" from the link, on a phone ---------------------------------------
        citizen = phone.new_page()
        citizen.goto(link.group(1))
        expect(citizen.locator("h1")).to_have_text("曼谷洪水预警")
        assert "李雷" not in citizen.content()
        assert_fits(citizen)
        citizen.locator("button[value=safe]").tap()
        expect(citizen.locator("h1")).to_have_text(_zh("Thank you: your answer was received"))
        citizen.screenshot(path=str(screenshots / "alert-checkin-safe-zh.png"), full_page=True)
        assert CheckIn.objects.get().status == "safe"

        # --- Officer B sees the traveller safe in the registry ---------------------------------------------------
        person = AffectedPerson.objects.get(incident=incident)
        assert person.status == "safe"
        other.goto(f"/console/incidents/{incident.pk}/persons/?status=safe")
        expect(other.locator("main")).to_contain_text("李雷")
        other.screenshot(path=str(screenshots / "alert-registry-safe-zh.png"), full_page=True)

        # --- … and the delivery report: the delivered email, one "safe" answer, on a 360 px phone -------------
        other.goto(f"/console/alerts/{alert.pk}/")
        other.locator("#delivery-report-link").tap()
        other.wait_for_url(f"**/console/alerts/{alert.pk}/deliveries/")
        email_row = other.locator("#deliveries-total tr[data-channel=email]")
        expect(email_row.locator("td[data-status=delivered]")).to_have_text("1")
        expect(email_row.locator("td[data-status=pending]")).to_have_text("0")
        last_column = email_row.locator("td").last
        box = last_column.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 360  # every column fits the phone's width
        expect(other.locator("[data-figure=safe]")).to_have_text("1")
        expect(other.locator("[data-figure=need_help]")).to_have_text("0")
        expect(other.locator("#last-sent")).to_be_visible()
        assert "李雷" not in other.content() and "li.lei@example.org" not in other.content()
        assert other.locator("meta[http-equiv=refresh]").count() == 0  # nothing pending any more
        assert_fits(other)
        other.screenshot(path=str(screenshots / "alert-delivery-report-zh.png"), full_page=True)
        assert Delivery.objects.get().status == "delivered"
    finally:
        desk.close()
        officer_b_phone.close()
