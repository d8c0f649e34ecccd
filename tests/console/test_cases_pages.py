"""Console pages for cases and calls: the queue, one case and its actions, the call screen, the calls list and
the dashboard — for every role, with the success and the error path of every form."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from consular.accounts.models import User
from consular.cases.models import Call, Case, CaseEvent
from consular.cases.services import call_log, case_open, case_transition
from consular.core.models import AuditEntry
from tests.cases.conftest import case_in

ROLES = ["anonymous", "citizen", "volunteer", "officer_cnx", "officer_bkk", "hotline_operator", "hq_officer",
         "auditor"]
STAFF = {"officer_cnx", "officer_bkk", "hotline_operator", "hq_officer", "auditor"}
WORKERS = {"officer_cnx", "officer_bkk", "hotline_operator", "hq_officer"}
# Who sees a case of the Consulate-General in Chiang Mai (the case fixture): HQ roles, auditors and its officers.
SEES_CASE = {"officer_cnx", "hotline_operator", "hq_officer", "auditor"}


@pytest.fixture
def client_as(roles: dict[str, User]) -> Callable[[str], Client]:
    """A fresh client signed in as the role (none for `anonymous`)."""

    def as_role(role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(roles[role])
        return client

    return as_role


@pytest.fixture
def case(roles: dict[str, User]) -> Case:
    """A P1 traffic accident in Chiang Mai province (TH-50): the Consulate-General in Chiang Mai's."""
    return case_open(actor=roles["hotline_operator"], data=case_in())


def body_of(response: Any) -> str:
    return response.content.decode()


def error_summary(body: str) -> str:
    match = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', body, re.S)
    assert match, "no error summary"
    return match.group(1)


def flash(client: Client, response: Any) -> str:
    """Follow a redirect and return the flash message shown on the next page."""
    assert response.status_code == 302, response.status_code
    page = body_of(client.get(response["Location"]))
    match = re.search(r'<p class="flash[^"]*">(.*?)</p>', page, re.S)
    assert match, "no flash message"
    return match.group(1)


def expected(role: str, allowed: set[str], *, hidden: set[str] = frozenset()) -> int:  # type: ignore[assignment]
    if role == "anonymous":
        return 302
    if role in hidden:
        return 404
    return 200 if role in allowed else 403


# --- access: every page × every role --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/console/cases/", STAFF),
        ("/console/calls/", STAFF),
        ("/console/calls/new/", WORKERS),
        ("/console/calls/history/?caller_phone=%2B66812345678", WORKERS),
        ("/console/calls/places/?country=TH", WORKERS),
        ("/console/dashboard/", STAFF),
    ],
)
def test_pages_by_role(client_as: Callable[[str], Client], case: Case, path: str, allowed: set[str]) -> None:
    for role in ROLES:
        response = client_as(role).get(path)
        assert response.status_code == expected(role, allowed), role
        if role == "anonymous":
            assert response["Location"].startswith("/login/?next="), role
        elif response.status_code == 200:
            assert "no-store" in response["Cache-Control"], role


@pytest.mark.parametrize("role", ROLES)
def test_case_page_by_role(client_as: Callable[[str], Client], case: Case, role: str) -> None:
    response = client_as(role).get(f"/console/cases/{case.pk}/")
    # An officer of another mission gets the same answer as for a case that does not exist.
    assert response.status_code == expected(role, SEES_CASE, hidden={"officer_bkk"})
    if response.status_code == 200:
        body = body_of(response)
        assert case.reference in body and "王建国" in body and "E12345678" in body
        has_forms = "/transition/" in body
        assert has_forms == (role != "auditor")
        if role == "auditor":
            assert "只读" in body
            assert "<form method=\"post\"" not in body.split('<main')[1].split("</main>")[0]


@pytest.mark.parametrize("action", ["transition", "assign", "transfer", "note", "merge"])
def test_case_actions_by_role(client_as: Callable[[str], Client], case: Case, action: str) -> None:
    """Actions are POST only, for workers who see the case; nothing changes for anybody (every role posts an
    empty form, so all run against one case)."""
    before = CaseEvent.objects.filter(case=case).count()
    for role in ROLES:
        client = client_as(role)
        response = client.post(f"/console/cases/{case.pk}/{action}/", {})
        if role == "anonymous":
            assert response.status_code == 302
        elif role in {"citizen", "volunteer", "auditor"}:
            assert response.status_code == 403, role
        elif role == "officer_bkk":
            assert response.status_code == 404, role
        else:
            assert response.status_code == 400, role  # an empty form: the error summary
            assert "error-summary" in body_of(response), role
        assert CaseEvent.objects.filter(case=case).count() == before, role
        if role in WORKERS:
            assert client.get(f"/console/cases/{case.pk}/{action}/").status_code in {404, 405}, role


def test_unknown_case_is_404(client_as: Callable[[str], Client], case: Case) -> None:
    client = client_as("hq_officer")
    assert client.get("/console/cases/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/console/cases/not-a-uuid/").status_code == 404


def test_console_home_links_the_new_pages(client_as: Callable[[str], Client], case: Case) -> None:
    body = body_of(client_as("hotline_operator").get("/console/"))
    for path in ("/console/cases/", "/console/calls/new/", "/console/calls/", "/console/dashboard/"):
        assert body.count(f'href="{path}"') == 2, path  # in the menu and on the page
    assert "未结案件 1 件" in body
    auditor = body_of(client_as("auditor").get("/console/"))
    assert 'href="/console/calls/new/"' not in auditor and 'href="/console/cases/"' in auditor


# --- queue ----------------------------------------------------------------------------------------------------


def queue_refs(body: str) -> list[str]:
    return re.findall(r'<th scope="row" class="nowrap"><a href="/console/cases/[^"]+/">([^<]+)</a>', body)


def test_queue_is_scoped_to_the_mission(client_as: Callable[[str], Client], roles: dict[str, User],
                                        case: Case) -> None:
    bangkok = case_open(actor=roles["hotline_operator"], data=case_in(location=_place("TH", "TH-10", "Bangkok")))
    assert queue_refs(body_of(client_as("officer_cnx").get("/console/cases/"))) == [case.reference]
    client_as("officer_bkk")
    assert queue_refs(body_of(client_as("officer_bkk").get("/console/cases/"))) == [bangkok.reference]
    # HQ sees both, and may filter by mission; a mission officer's mission filter is ignored.
    hq = client_as("hq_officer")
    assert set(queue_refs(body_of(hq.get("/console/cases/")))) == {case.reference, bangkok.reference}
    assert queue_refs(body_of(hq.get("/console/cases/?mission=TH-BKK"))) == [bangkok.reference]


def _place(country: str, subdivision: str | None, city: str) -> Any:
    from consular.cases.services import Location

    return Location(country=country, subdivision=subdivision, city=city)


def test_overdue_cases_come_first_and_are_marked_in_words(
    client_as: Callable[[str], Client], roles: dict[str, User], case: Case
) -> None:
    late = case_open(actor=roles["hotline_operator"], data=case_in(urgency="p4", category="other"))
    Case.objects.filter(pk=late.pk).update(first_response_due=timezone.now() - dt.timedelta(minutes=5))
    body = body_of(client_as("officer_cnx").get("/console/cases/"))
    assert queue_refs(body) == [late.reference, case.reference]  # a P4 overdue before a P1 on time
    rows = re.findall(r"<tr( class=\"is-overdue\")?>\s*<th scope=\"row\"", body)
    assert rows == [' class="is-overdue"', ""]
    assert body.count("已超时") == 1  # in words, not by colour alone
    only = body_of(client_as("officer_cnx").get("/console/cases/?overdue=yes"))
    assert queue_refs(only) == [late.reference]
    not_late = body_of(client_as("officer_cnx").get("/console/cases/?overdue=no"))
    assert queue_refs(not_late) == [case.reference]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("?urgency=p1", True), ("?urgency=p2", False), ("?category=traffic_accident", True),
        ("?category=death", False), ("?state=new", True), ("?state=closed", False), ("?q=E12345678", True),
        ("?q=e1234 5678", True), ("?q=王建国", True), ("?q=wang jianguo", True), ("?q=%2B66 81 234 5678", True),
        ("?q=李雷", False), ("?assignee=nobody", False), ("?state=all", True),
    ],
)
def test_queue_filters_and_search(client_as: Callable[[str], Client], case: Case, query: str, found: bool) -> None:
    refs = queue_refs(body_of(client_as("hq_officer").get(f"/console/cases/{query}")))
    assert refs == ([case.reference] if found else [])


def test_queue_search_by_reference_finds_closed_cases(
    client_as: Callable[[str], Client], roles: dict[str, User], case: Case
) -> None:
    case_transition(actor=roles["hq_officer"], case=case, to="cancelled", reason="duplicate call")
    client = client_as("hq_officer")
    assert queue_refs(body_of(client.get("/console/cases/"))) == []
    assert queue_refs(body_of(client.get(f"/console/cases/?q={case.reference.lower()}"))) == [case.reference]


def test_queue_bad_filter_shows_the_error_summary(client_as: Callable[[str], Client], case: Case) -> None:
    response = client_as("hq_officer").get("/console/cases/?urgency=p9")
    body = body_of(response)
    assert '<a href="#id_urgency">' in error_summary(body)
    assert queue_refs(body) == []


def test_queue_records_what_was_shown(client_as: Callable[[str], Client], roles: dict[str, User],
                                     case: Case) -> None:
    client_as("officer_cnx").get("/console/cases/")
    entry = AuditEntry.objects.get(action="case.read", object_id=str(case.pk))
    assert entry.actor_username == roles["officer_cnx"].username
    assert entry.data == {"fields": ["persons.name_latin", "persons.name_zh", "summary"], "purpose": "queue"}


def test_queue_is_paginated_with_its_filters(client_as: Callable[[str], Client], roles: dict[str, User]) -> None:
    for _ in range(55):
        case_open(actor=roles["hotline_operator"], data=case_in(urgency="p3"))
    client = client_as("officer_cnx")
    first = body_of(client.get("/console/cases/?urgency=p3"))
    assert len(queue_refs(first)) == 50
    assert "第 1 页，共 2 页" in first
    assert '<a rel="next" href="?urgency=p3&amp;page=2">' in first
    assert len(queue_refs(body_of(client.get("/console/cases/?urgency=p3&page=2")))) == 5
    assert AuditEntry.objects.filter(action="case.read", actor_username=roles["officer_cnx"].username).count() == 55


def test_queue_query_count(client_as: Callable[[str], Client], roles: dict[str, User],
                          django_assert_max_num_queries: Any) -> None:
    for _ in range(5):
        case_open(actor=roles["hotline_operator"], data=case_in())
    client = client_as("hq_officer")
    client.get("/console/cases/")  # warm the session
    # session, user, missions (filter), count, page, persons, audit insert
    with django_assert_max_num_queries(7):
        assert len(queue_refs(body_of(client.get("/console/cases/")))) == 5


# --- one case -------------------------------------------------------------------------------------------------


def test_case_page_shows_the_case_and_records_the_read(
    client_as: Callable[[str], Client], roles: dict[str, User], case: Case
) -> None:
    call_log(actor=roles["hotline_operator"], direction="inbound", caller_name="王小明", caller_phone="+8613800000000",
             language="zh", topic="emergency", summary="儿子来电询问", started_at=timezone.now(), ended_at=None,
             case=case)
    body = body_of(client_as("officer_cnx").get(f"/console/cases/{case.pk}/"))
    assert "Bus overturned near Vang Vieng" in body
    assert "中华人民共和国驻清迈总领事馆" in body and "泰国" in body
    assert "WANG JIANGUO" in body and "1961-03-02" in body and 'href="tel:+66812345678"' in body
    assert "核实伤亡及收治医院" in body  # the traffic accident's duty
    assert "在 TH-CNX 立案" in body and "热线来电（紧急求助）" in body  # the timeline
    assert "儿子来电询问" in body and "王小明" in body  # the linked call
    # Only the states allowed from "new" are offered (assigning and merging have their own forms).
    offered = re.findall(r'name="transition-to" value="([a-z_]+)"', body)
    assert offered == ["triaged", "cancelled"]
    # The case's officers are offered for assignment, the officer of another mission is not.
    assert f'value="{roles["officer_cnx"].username}" selected' in body
    assert f'value="{roles["officer_bkk"].username}"' not in body
    read = AuditEntry.objects.get(action="case.read", object_id=str(case.pk))
    assert "persons.passport_number" in read.data["fields"]
    assert AuditEntry.objects.filter(action="call.read", data__purpose="case").count() == 1


def test_case_at_hq_is_assigned_to_hq_staff(client_as: Callable[[str], Client], roles: dict[str, User]) -> None:
    at_hq = case_open(actor=roles["hotline_operator"], data=case_in(location=_place("NO", None, "Oslo")))
    assert at_hq.mission.code == "HQ"
    body = body_of(client_as("hq_officer").get(f"/console/cases/{at_hq.pk}/"))
    assert f'value="{roles["hq_officer"].username}" selected' in body
    assert f'value="{roles["hotline_operator"].username}"' in body
    assert f'value="{roles["officer_cnx"].username}"' not in body


def test_overdue_case_and_duty_are_marked(client_as: Callable[[str], Client], case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(first_response_due=timezone.now() - dt.timedelta(minutes=1))
    body = body_of(client_as("officer_cnx").get(f"/console/cases/{case.pk}/"))
    assert 'class="overdue-banner"' in body and "首次响应已超过时限" in body


def test_transition_success_and_errors(client_as: Callable[[str], Client], case: Case) -> None:
    client = client_as("officer_cnx")
    url = f"/console/cases/{case.pk}/transition/"
    # Not offered from "new": refused by the form.
    response = client.post(url, {"transition-to": "resolved"})
    assert response.status_code == 400
    assert '<a href="#id_transition-to">' in error_summary(body_of(response))
    # Cancelling needs a reason: refused by the service, shown on the form.
    response = client.post(url, {"transition-to": "cancelled", "transition-reason": "  "})
    assert response.status_code == 400
    summary = error_summary(body_of(response))
    assert '<a href="#id_transition-reason">此项变更需要填写理由。</a>' in summary
    case.refresh_from_db()
    assert case.state == "new"
    response = client.post(url, {"transition-to": "triaged"})
    assert response["Location"] == f"/console/cases/{case.pk}/"
    assert flash(client, response) == f"案件 {case.reference} 现为“已分级”。"
    case.refresh_from_db()
    assert case.state == "triaged"


def test_stale_transition_gets_the_services_conflict(client_as: Callable[[str], Client], roles: dict[str, User],
                                                     case: Case) -> None:
    """Two officers on one case: the second one's form offered a state that is no longer allowed."""
    client = client_as("officer_cnx")
    page = body_of(client.get(f"/console/cases/{case.pk}/"))
    assert 'value="triaged"' in page
    case_transition(actor=roles["hq_officer"], case=case, to="cancelled", reason="hoax")
    response = client.post(f"/console/cases/{case.pk}/transition/", {"transition-to": "triaged"})
    assert response.status_code == 400  # the choice is no longer offered from "cancelled"
    assert "error-summary" in body_of(response)


def test_assign_to_self_then_in_progress(client_as: Callable[[str], Client], roles: dict[str, User],
                                         case: Case) -> None:
    client = client_as("officer_cnx")
    me = roles["officer_cnx"].username
    response = client.post(f"/console/cases/{case.pk}/assign/", {"assign-officer": me, "assign-note": "我来跟进"})
    assert flash(client, response) == f"案件 {case.reference} 已分派给 {me}。"
    case.refresh_from_db()
    assert case.state == "assigned" and case.assignee == roles["officer_cnx"]
    response = client.post(f"/console/cases/{case.pk}/transition/", {"transition-to": "in_progress"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "in_progress"
    body = body_of(client.get(f"/console/cases/{case.pk}/"))
    assert f"分派给 {me}" in body and "我来跟进" in body and "状态变更：已分派 → 处理中" in body


def test_assign_refuses_an_officer_of_another_mission(client_as: Callable[[str], Client], roles: dict[str, User],
                                                      case: Case) -> None:
    response = client_as("hq_officer").post(f"/console/cases/{case.pk}/assign/",
                                            {"assign-officer": roles["officer_bkk"].username})
    assert response.status_code == 400
    assert '<a href="#id_assign-officer">' in error_summary(body_of(response))
    case.refresh_from_db()
    assert case.assignee is None


def test_assign_shows_the_services_refusal(client_as: Callable[[str], Client], roles: dict[str, User],
                                          case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """An officer deactivated between the page and the post: the service refuses, the form says why."""
    officer = roles["officer_cnx"]
    from consular.cases import selectors

    # The form still offers the officer (the page was drawn before); the service checks again with its own
    # reference to the selector, which this does not replace.
    monkeypatch.setattr(selectors, "officers_eligible", lambda case: User.objects.filter(pk=officer.pk))
    User.objects.filter(pk=officer.pk).update(is_active=False)
    client = client_as("hq_officer")
    response = client.post(f"/console/cases/{case.pk}/assign/", {"assign-officer": officer.username})
    assert response.status_code == 400
    assert f"{officer.username} 不是 TH-CNX 的工作人员。" in error_summary(body_of(response))


def test_a_services_refusal_reads_in_chinese_then_in_english(client_as: Callable[[str], Client],
                                                             roles: dict[str, User], case: Case) -> None:
    """The service's message is translated where it is shown, with the state's label: Chinese by default,
    English once the officer switches the language."""
    case_transition(actor=roles["hq_officer"], case=case, to="cancelled", reason="hoax")
    client = client_as("hq_officer")
    post = {"assign-officer": roles["officer_cnx"].username}
    response = client.post(f"/console/cases/{case.pk}/assign/", post)
    assert response.status_code == 409
    assert '<a href="#id_assign-officer">案件当前为“已取消”。</a>' in error_summary(body_of(response))
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    response = client.post(f"/console/cases/{case.pk}/assign/", post)
    assert response.status_code == 409
    assert '<a href="#id_assign-officer">The case is “Cancelled”.</a>' in error_summary(body_of(response))


def test_transfer_with_a_handover_note(client_as: Callable[[str], Client], roles: dict[str, User],
                                       case: Case) -> None:
    client = client_as("officer_cnx")
    url = f"/console/cases/{case.pk}/transfer/"
    response = client.post(url, {"transfer-mission": "TH-BKK", "transfer-reason": ""})
    assert response.status_code == 400
    assert '<a href="#id_transfer-reason">' in error_summary(body_of(response))
    assert "<details class=\"action\" open>" in body_of(response)  # the failed form stays open
    response = client.post(url, {"transfer-mission": "TH-CNX", "transfer-reason": "x"})
    assert response.status_code == 400  # the case's own mission is not offered
    # Handed to Bangkok: the Chiang Mai officer no longer sees it and lands on the queue.
    response = client.post(url, {"transfer-mission": "TH-BKK", "transfer-reason": "当事人已转往曼谷治疗"})
    assert response["Location"] == "/console/cases/"
    assert flash(client, response) == f"案件 {case.reference} 已移交 TH-BKK。"
    case.refresh_from_db()
    assert case.mission.code == "TH-BKK"
    assert client.get(f"/console/cases/{case.pk}/").status_code == 404


def test_hq_transfer_stays_on_the_case(client_as: Callable[[str], Client], case: Case) -> None:
    client = client_as("hq_officer")
    response = client.post(f"/console/cases/{case.pk}/transfer/",
                           {"transfer-mission": "HQ", "transfer-reason": "交回总部"})
    assert response["Location"] == f"/console/cases/{case.pk}/"


def test_public_and_internal_notes(client_as: Callable[[str], Client], case: Case) -> None:
    client = client_as("officer_cnx")
    url = f"/console/cases/{case.pk}/note/"
    response = client.post(url, {"note-body": ""})
    assert response.status_code == 400
    assert '<a href="#id_note-body">' in error_summary(body_of(response))
    response = client.post(url, {"note-body": "已联系医院", "note-public": "on"})
    assert response["Location"] == f"/console/cases/{case.pk}/#timeline"
    assert flash(client, response) == "备注已添加，求助人可以看到。"
    response = client.post(url, {"note-body": "家属情绪激动"})
    assert flash(client, response) == "内部备注已添加。"
    notes = list(CaseEvent.objects.filter(case=case, kind="note").order_by("created_at", "id"))
    assert [(n.body, n.public) for n in notes] == [("已联系医院", True), ("家属情绪激动", False)]


def test_a_resubmitted_note_is_added_once(client_as: Callable[[str], Client], case: Case) -> None:
    """A double click sends the same form (with its idempotency key) twice: one note."""
    client = client_as("officer_cnx")
    page = body_of(client.get(f"/console/cases/{case.pk}/"))
    key = re.search(r'action="/console/cases/[^"]+/note/" novalidate><input type="hidden" name="csrfmiddlewaretoken"'
                    r' value="[^"]+"><input type="hidden" name="idempotency_key" value="([0-9a-f]+)">', page)
    assert key
    data = urlencode({"note-body": "双击", "idempotency_key": key.group(1)})
    urlencoded = "application/x-www-form-urlencoded"  # what a browser sends for this form
    first = client.post(f"/console/cases/{case.pk}/note/", data, content_type=urlencoded)
    second = client.post(f"/console/cases/{case.pk}/note/", data, content_type=urlencoded)
    assert first.status_code == second.status_code == 302
    assert second["Idempotent-Replayed"] == "true"
    assert CaseEvent.objects.filter(case=case, kind="note").count() == 1


def test_merge_into_another_case(client_as: Callable[[str], Client], roles: dict[str, User], case: Case) -> None:
    keep = case_open(actor=roles["hotline_operator"], data=case_in())
    client = client_as("officer_cnx")
    url = f"/console/cases/{case.pk}/merge/"
    response = client.post(url, {"merge-into": "C99-ZZZZ-ZZZZ"})
    assert response.status_code == 400
    assert "没有该编号的案件。" in error_summary(body_of(response))
    response = client.post(url, {"merge-into": case.reference})
    assert response.status_code == 400
    assert "案件不能并入其自身。" in error_summary(body_of(response))
    response = client.post(url, {"merge-into": keep.reference.lower(), "merge-reason": "同一事故重复报告"})
    assert response["Location"] == f"/console/cases/{keep.pk}/"
    assert flash(client, response) == f"案件 {case.reference} 已作为重复案件并入 {keep.reference}。"
    case.refresh_from_db()
    assert case.state == "merged" and case.merged_into == keep
    merged_page = body_of(client.get(f"/console/cases/{case.pk}/"))
    assert "/merge/" not in merged_page and "/transition/" not in merged_page  # nothing left to do
    assert f'href="/console/cases/{keep.pk}/">{keep.reference}</a>' in merged_page


def test_merge_target_of_another_mission_is_unknown(client_as: Callable[[str], Client], roles: dict[str, User],
                                                    case: Case) -> None:
    bangkok = case_open(actor=roles["hotline_operator"], data=case_in(location=_place("TH", "TH-10", "Bangkok")))
    response = client_as("officer_cnx").post(f"/console/cases/{case.pk}/merge/", {"merge-into": bangkok.reference})
    assert response.status_code == 400
    assert "没有该编号的案件。" in error_summary(body_of(response))


def test_duty_done(client_as: Callable[[str], Client], roles: dict[str, User], case: Case) -> None:
    task = case.tasks.get()
    client = client_as("officer_cnx")
    response = client.post(f"/console/cases/{case.pk}/tasks/{task.pk}/done/")
    assert response["Location"] == f"/console/cases/{case.pk}/#duties"
    assert flash(client, response) == "已完成事项：核实伤亡及收治医院"
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == roles["officer_cnx"]
    body = body_of(client.get(f"/console/cases/{case.pk}/"))
    assert f"/tasks/{task.pk}/done/" not in body
    # Someone else's duty, an auditor, an officer of another mission.
    other = case_open(actor=roles["hotline_operator"], data=case_in())
    assert client.post(f"/console/cases/{case.pk}/tasks/{other.tasks.get().pk}/done/").status_code == 404
    assert client_as("auditor").post(f"/console/cases/{other.pk}/tasks/{other.tasks.get().pk}/done/"
                                     ).status_code == 403
    assert client_as("officer_bkk").post(f"/console/cases/{other.pk}/tasks/{other.tasks.get().pk}/done/"
                                         ).status_code == 404
    assert other.tasks.get().done_at is None


def test_case_page_in_english(client_as: Callable[[str], Client], case: Case) -> None:
    client = client_as("officer_cnx")
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    body = body_of(client.get(f"/console/cases/{case.pk}/"))
    assert '<html lang="en">' in body
    assert "Establish casualties and hospitals" in body and "Change the state" in body
    assert "P1 — life at risk" in body


# --- the call screen ------------------------------------------------------------------------------------------


def call_form_defaults(body: str) -> dict[str, str]:
    """What a browser sends for the form as shown: checked radios, selected options, hidden and text values."""
    data: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="radio"' in tag and " checked" not in tag:
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        selected = re.search(r'<option value="([^"]*)" selected>', options)
        data[name] = selected.group(1) if selected else ""
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_call_form_defaults_make_a_routine_call_need_only_the_summary(
    client_as: Callable[[str], Client], roles: dict[str, User]
) -> None:
    client = client_as("hotline_operator")
    body = body_of(client.get("/console/calls/new/"))
    assert re.search(r'<input type="tel" name="caller_phone"[^>]*autofocus', body)
    assert 'accesskey="p"' in body and 'hx-get="/console/calls/history/"' in body
    assert 'hx-trigger="input changed delay:300ms' in body
    defaults = call_form_defaults(body)
    assert defaults["topic"] == "consultation" and defaults["direction"] == "inbound"
    assert defaults["language"] == "zh" and defaults["case_action"] == "none"
    assert defaults["started_at"] and defaults["idempotency_key"]
    response = client.post("/console/calls/new/", {**defaults, "summary": "咨询护照换发"})
    assert response["Location"] == "/console/calls/new/"
    assert flash(client, response) == "来电已登记。"
    call = Call.objects.get()
    assert (call.topic, call.direction, call.language, call.case, call.summary) == (
        "consultation", "inbound", "zh", None, "咨询护照换发")
    assert call.operator == roles["hotline_operator"] and call.ended_at and call.ended_at >= call.started_at


def test_only_a_summary_is_enough(client_as: Callable[[str], Client]) -> None:
    """Even a bare post (no defaults sent at all) logs a routine consultation."""
    client = client_as("hotline_operator")
    response = client.post("/console/calls/new/", {"summary": "问签证"})
    assert response.status_code == 302
    call = Call.objects.get()
    assert call.topic == "consultation" and abs((call.started_at - timezone.now()).total_seconds()) < 60


def test_call_without_summary_is_refused(client_as: Callable[[str], Client]) -> None:
    response = client_as("hotline_operator").post("/console/calls/new/", {"caller_phone": "+66 81 234 5678"})
    assert response.status_code == 400
    body = body_of(response)
    assert '<a href="#id_summary">' in error_summary(body)
    assert 'value="+66 81 234 5678"' in body  # what was typed is kept
    assert not Call.objects.exists()


def test_call_that_opens_a_case(client_as: Callable[[str], Client], roles: dict[str, User]) -> None:
    client = client_as("hotline_operator")
    response = client.post("/console/calls/new/", {
        "caller_phone": "+66 81 234 5678", "caller_name": "王建国", "topic": "emergency",
        "summary": "大巴翻车，一人重伤", "case_action": "new", "urgency": "p1", "category": "traffic_accident",
        "country": "泰国", "subdivision": "chiang mai", "city": "Chiang Mai", "name_zh": "王建国",
        "name_latin": "wang jianguo", "passport_number": "e12345678", "birth_date": "1961-03-02",
    })
    case = Case.objects.get()
    assert response["Location"] == f"/console/cases/{case.pk}/"
    assert flash(client, response) == f"来电已登记。案件 {case.reference} 已在 TH-CNX 立案。"
    assert (case.mission.code, case.subdivision_id, case.urgency, case.channel) == ("TH-CNX", "TH-50", "p1",
                                                                                     "hotline")
    assert case.summary == "大巴翻车，一人重伤"
    person = case.persons.get()
    assert (person.name_latin, person.passport_number) == ("WANG JIANGUO", "E12345678")
    assert Call.objects.get().case == case


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, ["id_urgency", "id_category", "id_country"]),
        ({"urgency": "p2", "category": "death", "country": "Atlantis"}, ["id_country"]),
        ({"urgency": "p2", "category": "death", "country": "TH", "subdivision": "US-NY"}, ["id_subdivision"]),
        ({"urgency": "p2", "category": "death", "country": "TH", "passport_number": "E1"}, ["id_name_zh"]),
        ({"urgency": "p2", "category": "death", "country": "TH", "crime_type": "theft"}, ["id_crime_type"]),
        ({"urgency": "p2", "category": "death", "country": "TH", "name_zh": "李", "birth_date": "2999-01-01"},
         ["id_birth_date"]),
    ],
)
def test_call_with_a_bad_new_case(client_as: Callable[[str], Client], fields: dict[str, str],
                                  errors: list[str]) -> None:
    response = client_as("hotline_operator").post("/console/calls/new/",
                                                  {"summary": "x", "case_action": "new", **fields})
    assert response.status_code == 400
    summary = error_summary(body_of(response))
    assert re.findall(r'<a href="#([^"]+)">', summary) == errors
    assert not Call.objects.exists() and not Case.objects.exists()


def test_mission_officer_cannot_open_a_case_elsewhere(client_as: Callable[[str], Client]) -> None:
    response = client_as("officer_cnx").post("/console/calls/new/", {
        "summary": "曼谷来电", "case_action": "new", "urgency": "p3", "category": "other", "country": "TH",
        "subdivision": "TH-10"})
    assert response.status_code == 400
    assert "应由 TH-BKK 负责" in error_summary(body_of(response))
    assert not Call.objects.exists()


def test_call_linking_an_existing_case(client_as: Callable[[str], Client], case: Case) -> None:
    client = client_as("hotline_operator")
    response = client.post("/console/calls/new/", {"summary": "家属再次来电", "case_action": "existing",
                                                  "case_reference": ""})
    assert '<a href="#id_case_reference">' in error_summary(body_of(response))
    response = client.post("/console/calls/new/", {"summary": "家属再次来电", "case_action": "existing",
                                                  "case_reference": "C99-AAAA-BBBB"})
    assert "没有该编号的案件。" in error_summary(body_of(response))
    response = client.post("/console/calls/new/", {"summary": "家属再次来电", "case_action": "existing",
                                                  "case_reference": case.reference.lower()})
    assert flash(client, response) == f"来电已登记，并已关联案件 {case.reference}。"
    assert Call.objects.get().case == case
    # A mission officer cannot link a case of another mission (it does not exist for them).
    response = client_as("officer_bkk").post("/console/calls/new/", {
        "summary": "x", "case_action": "existing", "case_reference": case.reference})
    assert "没有该编号的案件。" in error_summary(body_of(response))


def test_phone_history_shows_earlier_calls_and_cases(client_as: Callable[[str], Client], roles: dict[str, User],
                                                      case: Case) -> None:
    call_log(actor=roles["hotline_operator"], direction="inbound", caller_name="王建国",
             caller_phone="+66 81 234 5678", language="zh", topic="consultation", summary="问签证延期",
             started_at=timezone.now(), ended_at=None)
    client = client_as("hotline_operator")
    response = client.get("/console/calls/history/?caller_phone=%2B66812345678", HTTP_HX_REQUEST="true")
    body = body_of(response)
    assert case.reference in body  # the number is a person's phone on the case
    assert "问签证延期" in body
    assert 'id="phone-history-status" hx-swap-oob="innerHTML"' in body
    assert "以往来电：1，案件：1" in body
    assert AuditEntry.objects.filter(action="call.read", data__purpose="phone history").count() == 1
    assert AuditEntry.objects.filter(action="case.read", data__purpose="phone history").count() == 1
    # A number not seen before, and a number too short to look up.
    assert "该号码没有以往来电或案件" in body_of(client.get("/console/calls/history/?caller_phone=%2B1202555"))
    short = body_of(client.get("/console/calls/history/?caller_phone=12"))
    assert "该号码没有以往来电或案件" not in short and "输入来电号码后" in short
    # A mission officer sees only the mission's: nothing of Chiang Mai for Bangkok.
    other = body_of(client_as("officer_bkk").get("/console/calls/history/?caller_phone=%2B66812345678"))
    assert case.reference not in other


def test_places_suggest_the_countrys_provinces(client_as: Callable[[str], Client], case: Case) -> None:
    body = body_of(client_as("hotline_operator").get("/console/calls/places/?country=泰国"))
    assert '<datalist id="subdivision-options">' in body and '<option value="TH-50">Chiang Mai</option>' in body
    empty = body_of(client_as("hotline_operator").get("/console/calls/places/?country=nowhere"))
    assert "<option" not in empty


def test_calls_list_is_scoped_and_audited(client_as: Callable[[str], Client], roles: dict[str, User],
                                         case: Case) -> None:
    on_case = call_log(actor=roles["hotline_operator"], direction="inbound", caller_name="王建国",
                       caller_phone="+66 81 234 5678", language="zh", topic="emergency", summary="求助",
                       started_at=timezone.now(), ended_at=None, case=case)
    call_log(actor=roles["hotline_operator"], direction="inbound", caller_name="李雷", caller_phone="+8613900000000",
             language="zh", topic="consultation", summary="咨询", started_at=timezone.now(), ended_at=None)
    hq = body_of(client_as("hotline_operator").get("/console/calls/"))
    assert "共 2 个来电" in hq and "李雷" in hq
    cnx = body_of(client_as("officer_cnx").get("/console/calls/"))
    assert "共 1 个来电" in cnx and "李雷" not in cnx and case.reference in cnx
    assert "共 0 个来电" in body_of(client_as("officer_bkk").get("/console/calls/"))
    filtered = body_of(client_as("hq_officer").get("/console/calls/?phone=%2B66812345678"))
    assert "共 1 个来电" in filtered
    assert "共 1 个来电" in body_of(client_as("hq_officer").get("/console/calls/?topic=consultation"))
    reads = AuditEntry.objects.filter(action="call.read", object_id=str(on_case.pk), data__purpose="calls")
    assert reads.count() == 3  # not by the Bangkok officer, not in the list of consultations


def test_calls_list_query_count(client_as: Callable[[str], Client], roles: dict[str, User],
                               django_assert_max_num_queries: Any) -> None:
    for i in range(5):
        call_log(actor=roles["hotline_operator"], direction="inbound", caller_name=f"来电人{i}",
                 caller_phone="+8613900000000", language="zh", topic="consultation", summary="咨询",
                 started_at=timezone.now(), ended_at=None)
    client = client_as("hq_officer")
    client.get("/console/calls/")
    # session, user, count, page, audit insert
    with django_assert_max_num_queries(5):
        assert "共 5 个来电" in body_of(client.get("/console/calls/"))


# --- dashboard ------------------------------------------------------------------------------------------------


def test_dashboard_draws_its_charts_on_the_server(client_as: Callable[[str], Client], roles: dict[str, User],
                                                  case: Case) -> None:
    case_open(actor=roles["hotline_operator"], data=case_in(category="death", urgency="p2"))
    call_log(actor=roles["hotline_operator"], direction="inbound", caller_name="", caller_phone="", language="zh",
             topic="consultation", summary="x", started_at=timezone.now(), ended_at=None)
    body = body_of(client_as("hq_officer").get("/console/dashboard/"))
    assert "<script" not in body.split("<main")[1]  # no chart library: every chart is inline SVG
    assert body.count('<svg class="chart__svg') == 5  # one mission with cases: no per-mission chart
    for chart in ("chart-months", "chart-urgency", "chart-category", "chart-topic", "chart-weeks"):
        assert f'<title id="{chart}-title">' in body and f'<desc id="{chart}-desc">' in body
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in body
    assert 'viewBox="0 0 320 ' in body and 'width="100%"' in body
    # The numbers are in tables for screen readers too.
    assert re.search(r'<div class="visually-hidden"><table>\s*<caption>按类别统计案件</caption>', body)
    assert "<th scope=\"row\">交通事故</th><td>1</td>" in body and "<th scope=\"row\">死亡</th><td>1</td>" in body
    assert "<th scope=\"row\">咨询</th><td>1</td>" in body
    figures = dict(re.findall(r'<span class="figures__label">([^<]+)</span> <strong class="figures__value">'
                              r'([^<]+)</strong>', body))
    assert figures["案件"] == "2" and figures["热线来电"] == "1" and figures["首次响应时间（中位数）"] == "—"


def test_dashboard_year_and_scope(client_as: Callable[[str], Client], roles: dict[str, User], case: Case) -> None:
    case_open(actor=roles["hotline_operator"], data=case_in(location=_place("TH", "TH-10", "Bangkok")))
    year = timezone.localdate().year
    cnx = body_of(client_as("officer_cnx").get("/console/dashboard/"))
    assert "中华人民共和国驻清迈总领事馆" in cnx
    assert re.search(r'<span class="figures__label">案件</span> <strong class="figures__value">1</strong>', cnx)
    last_year = body_of(client_as("hq_officer").get(f"/console/dashboard/?year={year - 1}"))
    assert f'<option value="{year - 1}" selected>' in last_year
    assert re.search(r'<span class="figures__label">案件</span> <strong class="figures__value">0</strong>',
                     last_year)
    assert "本年度暂无数据" in last_year
    # A year that is not offered falls back to this year.
    assert f"{year}年" in body_of(client_as("hq_officer").get("/console/dashboard/?year=1900"))


def test_dashboard_in_english(client_as: Callable[[str], Client], case: Case) -> None:
    client = client_as("hq_officer")
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    body = body_of(client.get("/console/dashboard/"))
    assert "Cases by category" in body and "<th scope=\"row\">Traffic accident</th><td>1</td>" in body
    assert "<th scope=\"row\">January</th>" in body
