"""Officer console pages: staff only, the console home, and the auditors' audit log browser."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from consular.accounts.models import User
from consular.core import audit as audit_module
from consular.core.audit import audit_record
from consular.core.models import AuditEntry

ROLES = ["anonymous", "citizen", "volunteer", "officer_bkk", "hotline_operator", "hq_officer", "auditor"]
STAFF = {"officer_bkk", "hotline_operator", "hq_officer", "auditor"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def client_as(client: Client, roles: dict[str, User]) -> Callable[[str], Client]:
    def as_role(role: str) -> Client:
        if role != "anonymous":
            client.force_login(roles[role])
        return client

    return as_role


def expected_status(role: str, *, allowed: set[str]) -> int:
    if role == "anonymous":
        return 302
    return 200 if role in allowed else 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "allowed"), [("/console/", STAFF), ("/console/audit/", {"auditor"})])
def test_console_access_by_role(client_as: Callable[[str], Client], role: str, path: str, allowed: set[str]) -> None:
    response = client_as(role).get(path)
    assert response.status_code == expected_status(role, allowed=allowed)
    if role == "anonymous":
        assert response["Location"] == f"/login/?next={path}"
    elif response.status_code == 403:
        body = response.content.decode()
        assert "无权访问" in body and '<html lang="zh-hans">' in body
    else:
        # Pages with personal data are never kept in the browser's cache.
        assert "no-store" in response["Cache-Control"]


def details(body: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", body))


def test_console_home_shows_who_is_logged_in(client_as: Callable[[str], Client], roles: dict[str, User]) -> None:
    body = client_as("officer_bkk").get("/console/").content.decode()
    assert "<h1>领事工作台</h1>" in body
    assert details(body) == {
        "用户名": roles["officer_bkk"].username,
        "角色": "使领馆工作人员",
        "所属使领馆": "中华人民共和国驻泰国大使馆",
    }
    assert "/console/audit/" not in body


def test_console_home_for_an_auditor_links_the_audit_log(
    client_as: Callable[[str], Client], roles: dict[str, User]
) -> None:
    body = client_as("auditor").get("/console/").content.decode()
    assert details(body)["角色"] == "审计员"
    assert details(body)["所属使领馆"] == "无"
    assert body.count('href="/console/audit/"') == 2  # in the console menu and on the page


def test_console_home_in_english(client_as: Callable[[str], Client], roles: dict[str, User]) -> None:
    client = client_as("hotline_operator")
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    body = client.get("/console/").content.decode()
    assert '<html lang="en">' in body and "<h1>Officer console</h1>" in body
    assert details(body) == {
        "Username": roles["hotline_operator"].username,
        "Role": "Hotline operator",
        "Mission": "Department of Consular Affairs",
    }


# --- audit log ---------------------------------------------------------------------------------------------------


@pytest.fixture
def entries(roles: dict[str, User], monkeypatch: pytest.MonkeyPatch) -> dict[str, AuditEntry]:
    """Four entries at known times (Asia/Shanghai), two on either side of midnight at the start of 19 January.
    The log is append-only (updates are refused), so the clock is set before each entry is written."""

    def at(when: dt.datetime) -> None:
        monkeypatch.setattr(audit_module.timezone, "now", lambda: when)

    at(dt.datetime(2020, 1, 18, 10, 0, tzinfo=SHANGHAI))
    opened = audit_record(actor=roles["officer_bkk"], action="case.open", object_type="cases.case", object_id="c-1")
    at(dt.datetime(2020, 1, 18, 23, 59, tzinfo=SHANGHAI))
    moved = audit_record(
        actor=roles["officer_bkk"], action="case.transition", object_type="cases.case", object_id="c-1",
        data={"to": "closed", "note": "已结案"},
    )
    at(dt.datetime(2020, 1, 19, 0, 1, tzinfo=SHANGHAI))
    read = audit_record(actor=roles["hq_officer"], action="person.read", object_type="incidents.person",
                        object_id="p-7", data={"fields": ["passport"]})
    at(dt.datetime(2020, 1, 19, 23, 59, tzinfo=SHANGHAI))
    late = audit_record(actor=roles["hotline_operator"], action="call.log", object_type="cases.call", object_id="k-2")
    monkeypatch.undo()
    return {"open": opened, "move": moved, "read": read, "late": late}


def shown(body: str) -> list[int]:
    """Entry ids in the table, in order."""
    return [int(n) for n in re.findall(r'<tr>\s*<td class="nowrap">(\d+)</td>', body)]


def browse(client: Client, query: str = "") -> str:
    response = client.get(f"/console/audit/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_audit_log_lists_newest_first(client_as: Callable[[str], Client], entries: dict[str, AuditEntry]) -> None:
    body = browse(client_as("auditor"), "?object_type=cases.case")
    assert shown(body) == [entries["move"].pk, entries["open"].pk]
    assert "共 2 条记录" in body
    assert '<time datetime="2020-01-18T23:59:00+08:00">2020-01-18 23:59:00</time>' in body
    assert "{&quot;note&quot;: &quot;已结案&quot;, &quot;to&quot;: &quot;closed&quot;}" in body
    assert 'role="region" aria-labelledby="audit-caption" tabindex="0"' in body
    assert "Asia/Shanghai" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?actor={officer}", ["move", "open"]),
        ("?action=case.", ["move", "open"]),
        ("?action=case.open", ["open"]),
        ("?object_type=incidents.person", ["read"]),
        ("?object_type=cases.case&object_id=c-1", ["move", "open"]),
        ("?object_id=k-2", ["late"]),
        ("?since=2020-01-19&object_type=cases.call", ["late"]),
        ("?since=2020-01-19&until=2020-01-19&action=p", ["read"]),
        ("?until=2020-01-18&action=case.", ["move", "open"]),
        ("?since=2020-01-19&until=2020-01-19&action=case.", []),
    ],
)
def test_audit_filters(
    client_as: Callable[[str], Client],
    roles: dict[str, User],
    entries: dict[str, AuditEntry],
    query: str,
    expected: list[str],
) -> None:
    body = browse(client_as("auditor"), query.format(officer=roles["officer_bkk"].username))
    assert shown(body) == [entries[key].pk for key in expected]
    if not expected:
        assert "没有符合筛选条件的记录。" in body


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?since=2020-02-30", "since", "输入一个有效的日期。"),
        ("?until=yesterday", "until", "输入一个有效的日期。"),
        ("?since=0001-01-01", "since", "确保该值大于或等于"),
        ("?since=2020-01-20&until=2020-01-19", "until", "结束日期不能早于开始日期。"),
        ("?object_id=" + "x" * 65, "object_id", "确保该变量包含不超过 64 字符"),
    ],
)
def test_bad_filters_are_refused_through_the_error_summary(
    client_as: Callable[[str], Client], entries: dict[str, AuditEntry], query: str, field: str, message: str
) -> None:
    client = client_as("auditor")
    before = AuditEntry.objects.count()
    body = browse(client, query)
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', body, re.S)
    assert summary, "error summary missing"
    assert f'<a href="#id_{field}">' in summary.group(1) and message in summary.group(1)
    widget = re.search(rf'<input [^>]*id="id_{field}"[^>]*>', body)
    assert widget and 'aria-invalid="true"' in widget.group(0) and f"id_{field}_error" in widget.group(0)
    assert shown(body) == []
    # Nothing was shown, so nothing was recorded.
    assert AuditEntry.objects.count() == before


def test_date_fields_have_help_text_linked_to_the_input(
    client_as: Callable[[str], Client], roles: dict[str, User]
) -> None:
    body = browse(client_as("auditor"))
    assert '<p class="hint" id="id_since_helptext">' in body
    assert re.search(r'<input type="date" name="since"[^>]*aria-describedby="id_since_helptext"', body)


def test_each_browse_is_recorded(
    client_as: Callable[[str], Client], roles: dict[str, User], entries: dict[str, AuditEntry]
) -> None:
    browse(client_as("auditor"), "?action=case.&since=2020-01-18&actor=%20someone%20")
    entry = AuditEntry.objects.filter(action="audit.browse").get()
    assert entry.actor_username == roles["auditor"].username
    assert entry.object_type == "audit"
    assert entry.data == {"action": "case.", "since": "2020-01-18", "actor": "someone", "page": "1"}
    assert entry.request_id  # tied to the request by the middleware


def test_refused_roles_record_nothing_and_see_nothing(
    client_as: Callable[[str], Client], entries: dict[str, AuditEntry]
) -> None:
    response = client_as("hq_officer").get("/console/audit/?action=case.")
    assert response.status_code == 403
    assert "case.open" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="audit.browse").exists()


def test_audit_pagination_keeps_the_filters(client_as: Callable[[str], Client], roles: dict[str, User]) -> None:
    for i in range(120):
        audit_record(actor=None, action="bulk.test", object_type="thing", object_id=str(i))
    client = client_as("auditor")
    first = browse(client, "?action=bulk.")
    assert len(shown(first)) == 50
    assert "第 1 页，共 3 页" in first
    assert '<a rel="next" href="?action=bulk.&amp;page=2">' in first
    assert 'rel="prev"' not in first
    last = browse(client, "?action=bulk.&page=3")
    assert len(shown(last)) == 20
    assert '<a rel="prev" href="?action=bulk.&amp;page=2">' in last
    # A page number past the end shows the last page; nonsense shows the first.
    assert shown(browse(client, "?action=bulk.&page=99")) == shown(last)
    assert len(shown(browse(client, "?action=bulk.&page=abc"))) == 50
    browses = AuditEntry.objects.filter(action="audit.browse").order_by("id")
    assert [entry.data["page"] for entry in browses] == ["1", "3", "3", "1"]


def test_audit_page_query_count(
    client_as: Callable[[str], Client], entries: dict[str, AuditEntry], django_assert_max_num_queries
) -> None:
    client = client_as("auditor")
    client.get("/console/audit/")  # warm the session
    # session, user, count, page, audit insert
    with django_assert_max_num_queries(5):
        browse(client, "?action=case.")
