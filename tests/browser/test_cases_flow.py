"""Cases in a real browser: a hotline operator logs a call that opens a P1 case with the keyboard alone, the
responsible mission's officer takes it from the top of the queue; a citizen on a 360 px phone asks for help in
Chinese and follows the request up. Screenshots of every page go to test-results/."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from consular.accounts.models import User
from consular.cases.models import Call, Case
from consular.cases.services import case_open
from tests.browser.test_shell import assert_fits
from tests.cases.conftest import case_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def log_in(page: Page, user: User, next_path: str) -> None:
    page.goto(f"/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"^https?://[^/]+{re.escape(next_path)}$"))


def focused(page: Page) -> str:
    """The id (or name=value) of the focused element."""
    return str(page.evaluate(
        "(() => { const el = document.activeElement; return el.id || `${el.name}=${el.value}`; })()"
    ))


@pytest.fixture
def desktop(browser: Browser, live_server: object) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=str(live_server), viewport=DESKTOP, locale="zh-CN")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_operator_logs_a_p1_call_and_the_mission_officer_takes_it(
    browser: Browser, live_server: object, desktop: BrowserContext, make_user: Callable[..., User],
    screenshots: Path,
) -> None:
    operator = make_user("hotline_operator", username="li.na")
    officer = make_user("mission_officer", "TH-CNX", username="wang.fang", full_name="王芳")
    make_user("mission_officer", "TH-CNX", username="chen.jing")
    # The Chiang Mai queue already holds less urgent work.
    for urgency, category in (("p3", "lost_documents"), ("p2", "illness_injury"), ("p4", "consultation")):
        case_open(actor=operator, data=case_in(urgency=urgency, category=category))
    earlier = Call.objects.create(caller_name="王建国", caller_phone="+66 81 234 5678", topic="consultation",
                                  summary="咨询签证延期", started_at=Case.objects.first().created_at,  # type: ignore[union-attr]
                                  operator=operator)

    # --- the operator, keyboard only -------------------------------------------------------------------------
    page = desktop.new_page()
    log_in(page, operator, "/console/calls/new/")
    expect(page.locator("h1")).to_have_text("登记来电")
    expect(page.locator("#id_caller_phone")).to_be_focused()
    page.keyboard.type("+66 81 234 5678")
    # The number's earlier call appears as soon as the operator stops typing.
    expect(page.locator("#phone-history-status")).to_contain_text("以往来电：1，案件：3")
    expect(page.locator("#phone-history")).to_contain_text("咨询签证延期")
    page.keyboard.press("Tab")
    assert focused(page) == "id_caller_name"
    page.keyboard.type("王建国")
    page.keyboard.press("Tab")  # the topic: "consultation" is preselected
    assert focused(page) == "id_topic_1"
    page.keyboard.press("ArrowLeft")  # → emergency
    expect(page.locator("#id_topic_0")).to_be_checked()
    page.keyboard.press("Tab")
    assert focused(page) == "id_summary"
    page.keyboard.type("清迈府山区大巴翻车，一名中国游客重伤，呼吸困难")
    page.keyboard.press("Tab")  # the case: "no case" is preselected
    assert focused(page) == "id_case_action_0"
    expect(page.locator(".case-new")).to_be_hidden()
    page.keyboard.press("ArrowRight")  # → open a new case
    expect(page.locator(".case-new")).to_be_visible()
    page.keyboard.press("Tab")  # urgency: no default for a new case
    assert focused(page) == "id_urgency_0"
    page.keyboard.press("Space")  # P1
    expect(page.locator("#id_urgency_0")).to_be_checked()
    page.keyboard.press("Tab")
    assert focused(page) == "id_category"
    page.keyboard.press("ArrowDown")  # the first category: traffic accident
    expect(page.locator("#id_category")).to_have_value("traffic_accident")
    page.keyboard.press("Tab")
    assert focused(page) == "id_crime_type"
    page.keyboard.press("Tab")
    assert focused(page) == "id_country"
    page.keyboard.type("TH")
    page.keyboard.press("Tab")
    assert focused(page) == "id_subdivision"
    # The country's provinces are offered as suggestions (loaded when the country changed).
    expect(page.locator("#subdivision-options option[value='TH-50']")).to_have_count(1)
    page.keyboard.type("TH-50")
    page.keyboard.press("Tab")
    assert focused(page) == "id_city"
    page.keyboard.type("Chiang Mai")
    page.keyboard.press("Tab")
    page.keyboard.type("王建国")
    page.keyboard.press("Tab")
    page.keyboard.type("WANG JIANGUO")
    page.screenshot(path=screenshots / "call-form-filled-zh.png", full_page=True)
    page.keyboard.press("Enter")  # submits the form from a one-line field

    page.wait_for_url(re.compile(r"/console/cases/[0-9a-f-]{36}/$"))
    case = Case.objects.get(urgency="p1")
    assert case.mission.code == "TH-CNX" and case.subdivision_id == "TH-50"
    assert case.persons.get().name_latin == "WANG JIANGUO"
    call = case.calls.get()
    assert call.topic == "emergency" and call.caller_phone == "+66 81 234 5678" and call.operator == operator
    assert call.pk != earlier.pk
    expect(page.locator(".flash")).to_contain_text(f"案件 {case.reference} 已在 TH-CNX 立案")
    expect(page.locator("h1")).to_contain_text(case.reference)
    page.screenshot(path=screenshots / "case-detail-operator-zh.png", full_page=True)

    # --- the officer of the responsible mission ----------------------------------------------------------------
    officer_context = browser.new_context(base_url=str(live_server), viewport=DESKTOP,  # type: ignore[arg-type]
                                          locale="zh-CN")
    try:
        page = officer_context.new_page()
        log_in(page, officer, "/console/cases/")
        rows = page.locator("table.queue tbody tr")
        expect(rows).to_have_count(4)
        expect(rows.first.locator("th a")).to_have_text(case.reference)
        expect(rows.first).to_contain_text("P1 — 危及生命")
        assert_fits_desktop(page)
        page.screenshot(path=screenshots / "queue-desktop-zh.png", full_page=True)
        rows.first.locator("th a").click()
        page.wait_for_url(f"**/console/cases/{case.pk}/")
        # Assign: the officer is preselected.
        expect(page.locator("#id_assign-officer")).to_have_value("wang.fang")
        page.get_by_role("button", name="分派").click()
        expect(page.locator(".flash")).to_contain_text("已分派给 wang.fang")
        expect(page.locator(".case-info .details")).to_contain_text("已分派")
        # Then to "in progress".
        page.get_by_label("处理中").check()
        page.get_by_role("button", name="变更状态").click()
        expect(page.locator(".flash")).to_contain_text("现为“处理中”")
        page.screenshot(path=screenshots / "case-detail-in-progress-zh.png", full_page=True)
        case.refresh_from_db()
        assert case.state == "in_progress" and case.assignee == officer and case.first_response_at is not None
        expect(page.locator("#timeline")).to_contain_text("状态变更：已分派 → 处理中")
    finally:
        officer_context.close()


def assert_fits_desktop(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DESKTOP["width"], f"{page.url} is {width}px wide"


def test_citizen_asks_for_help_on_a_phone_and_follows_it_up(
    phone: BrowserContext, reference: None, screenshots: Path
) -> None:
    page = phone.new_page()
    page.goto("/")
    expect(page.locator(".big-link--primary")).to_contain_text("求助")
    assert_fits(page)
    page.screenshot(path=screenshots / "portal-home-help-zh.png", full_page=True)
    page.locator(".big-link--primary").click()
    page.wait_for_url("**/help/")
    expect(page.locator("h1")).to_have_text("求助")
    assert_fits(page)
    page.screenshot(path=screenshots / "help-form-zh.png", full_page=True)

    # Sending without a way to reach them: the error summary says so and takes the focus.
    page.select_option("#id_category", "crime_victim")
    page.fill("#id_description", "在清迈古城被抢了背包，护照和手机都在里面")
    page.select_option("#id_country", "TH")
    expect(page.locator("#id_subdivision option[value='TH-50']")).to_have_count(1)  # loaded for Thailand
    page.select_option("#id_subdivision", "TH-50")
    page.fill("#id_city", "清迈")
    page.fill("#id_name", "李雷")
    page.get_by_role("button", name="提交求助").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("请填写电话号码或电子邮箱")
    assert_fits(page)
    page.screenshot(path=screenshots / "help-form-error-zh.png", full_page=True)
    # The answers are kept, the provinces too.
    expect(page.locator("#id_subdivision")).to_have_value("TH-50")
    page.fill("#id_phone", "+66 81 555 0101")
    page.get_by_role("button", name="提交求助").click()

    page.wait_for_url("**/help/sent/")
    reference_text = page.locator(".code-text").nth(0).inner_text()
    code_text = page.locator(".code-text").nth(1).inner_text()
    case = Case.objects.get(reference=reference_text)
    assert case.channel == "web" and case.mission.code == "TH-CNX" and case.urgency == "p2"
    assert code_text not in page.url
    assert_fits(page)
    page.screenshot(path=screenshots / "help-sent-zh.png", full_page=True)

    # Later, from the portal home: follow the request with the reference and the code.
    page.goto("/")
    page.get_by_role("link", name="查询求助进展").first.click()
    page.wait_for_url("**/help/status/")
    page.fill("#id_reference", reference_text.lower())
    page.fill("#id_code", "WRONG234")
    page.get_by_role("button", name="查看我的求助").click()
    expect(page.get_by_role("alert")).to_contain_text("找不到与该编号和查询码对应的求助")
    assert_fits(page)
    page.screenshot(path=screenshots / "help-status-wrong-code-zh.png", full_page=True)
    page.fill("#id_code", code_text)
    page.get_by_role("button", name="查看我的求助").click()
    page.wait_for_url("**/help/status/request/")
    assert code_text not in page.url
    expect(page.locator(".citizen-status")).to_have_text("已收到")
    expect(page.locator("main .details")).to_contain_text("中华人民共和国驻清迈总领事馆")
    page.fill("#id_body", "我现在在清迈警察局报案，电话可以打通")
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".flash")).to_contain_text("您补充的信息已发送")
    expect(page.locator(".timeline")).to_contain_text("我现在在清迈警察局报案")
    assert case.events.filter(kind="message").count() == 1
    assert_fits(page)
    page.screenshot(path=screenshots / "help-status-zh.png", full_page=True)


def test_console_pages_on_a_phone_and_a_desktop(
    browser: Browser, live_server: object, make_user: Callable[..., User], screenshots: Path
) -> None:
    """Every new console page with a year of (fictitious) demo data: nothing sticks out sideways on a 360 px
    phone, the dashboard's charts are drawn, and each page is photographed for a look."""
    from consular.server.demo_cases import demo_cases_load

    operator = make_user("hotline_operator", username="operator")
    make_user("hq_officer", username="hq.zhang", full_name="张伟")
    made, _ = demo_cases_load(cases=160, calls_per_case=1.5)
    assert made == 160
    detention = case_open(actor=operator, data=case_in(category="detention", urgency="p2"))
    Case.objects.filter(pk=detention.pk).update(first_response_due=detention.created_at)  # overdue at once
    pages = [
        ("console-home", "/console/"),
        ("queue", "/console/cases/"),
        ("case-detail", f"/console/cases/{detention.pk}/"),
        ("call-form", "/console/calls/new/"),
        ("calls", "/console/calls/"),
        ("dashboard", "/console/dashboard/"),
    ]
    for size, name in (({"width": 360, "height": 740}, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(base_url=str(live_server), viewport=size, locale="zh-CN")  # type: ignore[arg-type]
        try:
            page = context.new_page()
            log_in(page, operator, "/console/")
            for label, path in pages:
                page.goto(path)
                if name == "phone":
                    assert_fits(page)
                page.screenshot(path=screenshots / f"{label}-{name}-zh.png", full_page=True)
            page.goto("/console/cases/")
            first = page.locator("table.queue tbody tr").first
            expect(first).to_have_class(re.compile("is-overdue"))
            expect(first).to_contain_text("已超时")
            expect(first.locator("th a")).to_have_text(detention.reference)
            page.goto("/console/dashboard/")
            expect(page.locator("svg.chart__svg")).to_have_count(6)
            expect(page.locator("#chart-category-title")).to_have_text("按类别统计案件")
            page.locator("figure.chart").nth(0).screenshot(path=screenshots / f"chart-months-{name}-zh.png")
            page.locator("figure.chart").nth(2).screenshot(path=screenshots / f"chart-category-{name}-zh.png")
            # English second: the same pages in the other language.
            page.get_by_role("button", name="English").click()
            page.wait_for_function("document.documentElement.lang === 'en'")
            expect(page.locator("h1")).to_have_text("Dashboard")
            for label, path in pages[1:4]:
                page.goto(path)
                if name == "phone":
                    assert_fits(page)
                page.screenshot(path=screenshots / f"{label}-{name}-en.png", full_page=True)
        finally:
            context.close()
