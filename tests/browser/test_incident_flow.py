"""A major incident in a real browser: an HQ officer opens it, imports a passenger manifest (one row a confident
match of a person already in the registry, one a possible match, one new), checks the recognised columns and
confirms the possible match in the review queue; then a hotline operator takes a family's call in Chinese
("王建国", born 1961), finds the person among the candidates with what may be told, and attaches the inquiry.
Screenshots go to test-results/."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect

from consular.accounts.models import User
from consular.incidents.import_models import ListImport, MatchReview
from consular.incidents.models import AffectedPerson, Incident, Inquiry
from tests.browser.test_shell import assert_fits
from tests.conftest import PASSWORD
from tests.incidents.incident_helpers import add_person

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
UUID = r"[0-9a-f-]{36}"
MANIFEST = (
    "Passenger manifest LA 123\n"
    "姓名,Name,Sex,Date of birth,Passport No.,Nationality,Status,Seat\n"
    "王建国,WANG JIANGUO,M,02/03/1961,E12345678,CHN,injured,12A\n"  # the same person as in the registry
    ",ZHAO MING,F,1975,,CN,safe,14C\n"  # 赵敏 ZHAO MIN: another spelling, only the year of birth: possible
    "陈小明,CHEN XIAOMING,M,1990-01-01,G99887766,中国,safe,20B\n"  # nobody yet: a new person
).encode()


def log_in(page: Page, user: User, next_path: str) -> None:
    page.goto(f"/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"^https?://[^/]+{re.escape(next_path)}$"))


@pytest.fixture
def desktop(browser: Browser, live_server: object) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=str(live_server), viewport=DESKTOP, locale="zh-CN")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_officer_imports_a_manifest_reviews_and_a_family_inquiry_finds_the_person(
    browser: Browser, live_server: object, desktop: BrowserContext, phone: BrowserContext,
    make_user: Callable[..., User], screenshots: Path,
) -> None:
    hq = make_user("hq_officer", username="zhou.min")
    operator = make_user("hotline_operator", username="li.na")

    # --- the HQ officer opens the incident ---------------------------------------------------------------------
    page = desktop.new_page()
    log_in(page, hq, "/console/incidents/")
    page.click("a[href='/console/incidents/new/']")
    page.wait_for_url("**/console/incidents/new/")
    expect(page.locator("#id_title")).to_be_focused()
    page.keyboard.type("万象旅游大巴翻车")
    page.select_option("#id_kind", "transport_accident")
    page.fill("#id_country", "老挝")
    page.fill("#id_city", "Vang Vieng")
    started = (datetime.datetime.now() - datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_started_at", started)
    page.fill("#id_missions", "TH-CNX")
    page.screenshot(path=screenshots / "incident-open-zh.png", full_page=True)
    page.locator("form[action='/console/incidents/new/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/console/incidents/{UUID}/$"))
    incident = Incident.objects.get()
    assert incident.lead_mission.code == "LA-VTE" and incident.opened_by == hq
    assert set(incident.missions.values_list("code", flat=True)) == {"LA-VTE", "TH-CNX"}
    expect(page.locator("h1")).to_contain_text(incident.reference)

    # The registry already holds two persons (reported by the airline and by a hotline call).
    wang = add_person(hq, incident)
    zhao = add_person(hq, incident, name_zh="赵敏", name_latin="ZHAO MIN", birth_date=datetime.date(1975, 4, 4),
                      passport_number="")

    # --- the manifest: check the recognised columns, then import ------------------------------------------------
    page.goto(f"/console/incidents/{incident.pk}/imports/")
    page.set_input_files("#id_file", files=[FilePayload(name="manifest-LA123.csv", mimeType="text/csv",
                                                        buffer=MANIFEST)])
    page.select_option("#id_kind", "manifest")
    page.click("button[name=preview]")
    page.wait_for_url(f"**/console/incidents/{incident.pk}/imports/")
    expect(page.locator("#id_map_name_zh")).to_have_value("姓名")
    expect(page.locator("#id_map_name_latin")).to_have_value("Name")
    expect(page.locator("#id_map_birth_date")).to_have_value("Date of birth")
    expect(page.locator("#id_map_passport_number")).to_have_value("Passport No.")
    expect(page.locator("#id_map_seat_or_room")).to_have_value("Seat")
    assert not ListImport.objects.exists()
    page.screenshot(path=screenshots / "incident-import-columns-zh.png", full_page=True)
    page.locator("#confirm-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/console/incidents/{incident.pk}/imports/{UUID}/$"))
    for name, n in (("total", 3), ("linked", 1), ("created", 1), ("review", 1), ("bad", 0)):
        expect(page.locator(f"[data-count='{name}']")).to_have_text(str(n))
    assert AffectedPerson.objects.get(pk=wang.pk).status == "injured"  # the linked row's status, with its source
    page.screenshot(path=screenshots / "incident-import-result-zh.png", full_page=True)

    # --- the review queue: the row next to the candidate; confirm ---------------------------------------------
    page.goto(f"/console/incidents/{incident.pk}/reviews/")
    review = MatchReview.objects.get()
    section = page.locator(f"[data-review='{review.pk}']")
    expect(section).to_contain_text("ZHAO MING")
    expect(section).to_contain_text("赵敏")
    expect(section).to_contain_text(f"{round(review.score * 100)}%")
    page.screenshot(path=screenshots / "incident-review-queue-zh.png", full_page=True)
    section.locator("button[data-action=confirm]").click()
    page.wait_for_url(f"**/console/incidents/{incident.pk}/reviews/")
    expect(page.locator("[data-review]")).to_have_count(0)
    review.refresh_from_db()
    assert review.state == "confirmed" and review.import_row.person_id == zhao.pk
    assert AffectedPerson.objects.get(pk=zhao.pk).status == "safe"
    assert AffectedPerson.objects.count() == 3

    # --- a family calls: the operator records the inquiry in Chinese ------------------------------------------
    operator_context = browser.new_context(base_url=str(live_server), viewport=DESKTOP,  # type: ignore[arg-type]
                                           locale="zh-CN")
    operator_context.set_default_timeout(10_000)
    try:
        page = operator_context.new_page()
        new_inquiry = f"/console/incidents/{incident.pk}/inquiries/new/"
        log_in(page, operator, new_inquiry)
        expect(page.locator("#id_subject_name")).to_be_focused()
        page.keyboard.type("王建国")
        page.keyboard.press("Tab")
        page.keyboard.type("1961")
        page.fill("#id_inquirer_name", "王芳")
        page.fill("#id_inquirer_relation", "女儿")
        page.fill("#id_inquirer_phone", "+86 139 1111 2222")
        page.fill("#id_message", "我父亲坐那辆大巴去万荣")
        page.keyboard.press("Control+Enter")  # records the inquiry and looks for the person
        page.wait_for_url(re.compile(rf"/console/incidents/{incident.pk}/inquiries/{UUID}/$"))
        inquiry = Inquiry.objects.get()
        assert (inquiry.subject_name, inquiry.subject_birth_date) == ("王建国", "1961")
        assert inquiry.inquirer_relation == "女儿"
        # The person is the best candidate, with the status the family may be told.
        first = page.locator("#candidates tbody tr").first
        expect(first).to_have_attribute("data-person", str(wang.pk))
        expect(first).to_have_attribute("data-level", "match")
        expect(first.locator("[data-public-status]")).to_have_attribute("data-public-status", "injured")
        expect(first).to_contain_text("受伤")
        expect(page.locator("#what-to-tell")).to_contain_text("请等候我们的电话")
        page.screenshot(path=screenshots / "incident-inquiry-candidates-zh.png", full_page=True)
        first.locator("button[type=submit]").click()
        page.wait_for_url(f"**/console/incidents/{incident.pk}/inquiries/{inquiry.pk}/")
        expect(page.locator("#attached")).to_have_attribute("data-person", str(wang.pk))
        inquiry.refresh_from_db()
        assert inquiry.person_id == wang.pk and inquiry.state == "matched"
    finally:
        operator_context.close()

    # --- the dashboard and the inquiry on a phone ----------------------------------------------------------------
    page = phone.new_page()
    log_in(page, hq, f"/console/incidents/{incident.pk}/")
    expect(page.locator("[data-figure='persons']")).to_have_text("3")
    expect(page.locator("[data-figure='review_queue_length']")).to_have_text("0")
    expect(page.locator("[data-figure='inquiries_waiting']")).to_have_text("1")
    assert_fits(page)
    page.screenshot(path=screenshots / "incident-dashboard-phone-zh.png", full_page=True)
    page.goto(f"/console/incidents/{incident.pk}/inquiries/{inquiry.pk}/")
    expect(page.locator("#attached")).to_be_visible()
    assert_fits(page)
