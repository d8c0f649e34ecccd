"""The citizens' help request and its follow-up: open to everyone, Chinese first, the follow-up code never in a
URL, the same answer for a wrong code and an unknown reference, and a pause after repeated wrong codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from consular.accounts.models import User
from consular.cases.models import Case, CaseEvent
from consular.cases.services import case_note, case_transition

ROLES = ["anonymous", "citizen", "volunteer", "officer_bkk", "hotline_operator", "hq_officer", "auditor"]
HELP = {
    "category": "crime_victim", "description": "在清迈古城被抢了背包，护照和手机都在里面", "country": "TH",
    "subdivision": "TH-50", "city": "清迈", "name": "李雷", "phone": "+66 81 555 0101", "email": "",
}


@pytest.fixture
def client_as(client: Client, roles: dict[str, User]) -> Callable[[str], Client]:
    def as_role(role: str) -> Client:
        if role != "anonymous":
            client.force_login(roles[role])
        return client

    return as_role


def body_of(response: Any) -> str:
    return response.content.decode()


def error_summary(body: str) -> str:
    match = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', body, re.S)
    assert match, "no error summary"
    return match.group(1)


def send(client: Client, **changes: str) -> Any:
    return client.post("/help/", {**HELP, **changes})


def sent_codes(client: Client) -> tuple[str, str]:
    body = body_of(client.get("/help/sent/"))
    codes = re.findall(r'<span class="code-text" translate="no">([^<]+)</span>', body)
    assert len(codes) == 2
    return codes[0], codes[1]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/help/", "/help/status/"])
def test_help_pages_open_to_everyone_in_chinese(client_as: Callable[[str], Client], role: str, path: str) -> None:
    response = client_as(role).get(path)
    assert response.status_code == 200
    body = body_of(response)
    assert '<html lang="zh-hans">' in body
    assert "no-store" in response["Cache-Control"]
    if path == "/help/":
        assert "<h1>求助</h1>" in body
        assert '<option value="TH">泰国</option>' in body  # country names in the reader's language
        assert '<option value="crime_victim">遭受犯罪侵害</option>' in body
        assert 'name="idempotency_key"' in body
        assert 'hx-get="/help/places/"' in body


@pytest.mark.parametrize("role", ROLES)
def test_help_request_by_every_role(client_as: Callable[[str], Client], role: str) -> None:
    client = client_as(role)
    response = send(client)
    assert response.status_code == 302 and response["Location"] == "/help/sent/"
    reference, code = sent_codes(client)
    assert code not in response["Location"]
    case = Case.objects.get(reference=reference)
    assert (case.channel, case.mission.code, case.category, case.urgency) == ("web", "TH-CNX", "crime_victim", "p2")
    assert case.persons.get().name_zh == "李雷"


def test_portal_home_and_menu_lead_to_help(client: Client, reference: None) -> None:
    body = body_of(client.get("/"))
    assert body.count('href="/help/"') == 2 and body.count('href="/help/status/"') == 2
    assert '<a class="big-link big-link--primary" href="/help/">' in body


def test_sent_page_shows_the_reference_and_code_and_the_hotline(client: Client, reference: None) -> None:
    send(client)
    response = client.get("/help/sent/")
    body = body_of(response)
    assert "no-store" in response["Cache-Control"]
    assert "请记下或截屏保存以下两项" in body
    reference_text, code = sent_codes(client)
    assert re.fullmatch(r"C\d{2}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", reference_text)
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", code)
    assert 'href="tel:+86-10-12308"' in body


def test_sent_page_without_a_request_goes_back_to_the_form(client: Client, reference: None) -> None:
    response = client.get("/help/sent/")
    assert response.status_code == 302 and response["Location"] == "/help/"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "", "email": ""}, "phone", "请填写电话号码或电子邮箱"),
        ({"name": ""}, "name", "该字段是必填项"),
        ({"description": ""}, "description", "该字段是必填项"),
        ({"category": "alien_abduction"}, "category", "选择一个有效的选项"),
        ({"country": "XX"}, "country", "选择一个有效的选项"),
        ({"subdivision": "US-NY"}, "subdivision", "选择一个有效的选项"),
        ({"email": "not-an-email", "phone": ""}, "email", "合法的邮件地址"),
    ],
)
def test_bad_help_requests_show_the_error_summary(client: Client, reference: None, changes: dict[str, str],
                                                  field: str, message: str) -> None:
    response = send(client, **changes)
    assert response.status_code == 400
    body = body_of(response)
    summary = error_summary(body)
    assert f'<a href="#id_{field}">' in summary and message in summary
    assert not Case.objects.exists()
    # What the citizen typed is kept, the provinces of the chosen country too.
    assert "在清迈古城被抢了背包" in body or field == "description"
    if changes.get("country", "TH") == "TH":
        assert '<option value="TH-50"' in body


def test_service_refusal_is_shown_on_the_form(client: Client, reference: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule only the service knows (here: the reference data changed between the page and the post) still
    comes back on the form, on the right field, in words for a citizen (chosen by the error code) and in the
    page's language."""
    from consular.cases import services
    from consular.core.jurisdiction import responsible_mission

    def refuse(**_kwargs: Any) -> None:
        responsible_mission("TH", "US-NY")

    monkeypatch.setattr(services, "help_request_submit", refuse)
    response = send(client)
    assert response.status_code == 400
    summary = error_summary(body_of(response))
    assert '<a href="#id_subdivision">请选择所选国家的省或地区，或不填。</a>' in summary
    client.post("/i18n/setlang/", {"language": "en", "next": "/help/"})
    summary = error_summary(body_of(send(client)))
    assert '<a href="#id_subdivision">Choose a province or region of the country you chose, or skip it.</a>' in summary


def test_a_message_the_service_refuses_is_shown_on_the_form(client: Client, request_sent: tuple[Case, str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal without citizen wording of its own is shown as the service words it, in the page's language,
    on the field it names."""
    from consular.cases import services

    case, code = request_sent
    follow(client, case.reference, code)
    monkeypatch.setattr(services, "help_request_message", lambda **_kwargs: services.case_note(
        actor=None, case=case, body=" "))
    response = client.post("/help/status/request/", {"body": "我在警察局"})
    assert response.status_code == 400
    assert '<a href="#id_body">该字段是必填项。</a>' in error_summary(body_of(response))
    client.post("/i18n/setlang/", {"language": "en", "next": "/help/"})
    response = client.post("/help/status/request/", {"body": "at the police station"})
    assert '<a href="#id_body">This field is required.</a>' in error_summary(body_of(response))


def test_places_are_the_countrys_provinces(client: Client, reference: None) -> None:
    body = body_of(client.get("/help/places/?country=TH"))
    assert body.startswith('<option value="">不确定 / 不填</option>')
    assert '<option value="TH-50">Chiang Mai</option>' in body
    assert body_of(client.get("/help/places/?country=")) .count("<option") == 1


def test_a_double_submitted_request_opens_one_case(client: Client, reference: None) -> None:
    page = body_of(client.get("/help/"))
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page)
    assert key
    data = urlencode({**HELP, "idempotency_key": key.group(1)})
    urlencoded = "application/x-www-form-urlencoded"
    first = client.post("/help/", data, content_type=urlencoded)
    second = client.post("/help/", data, content_type=urlencoded)
    assert first["Location"] == second["Location"] == "/help/sent/"
    assert Case.objects.count() == 1


# --- follow-up ------------------------------------------------------------------------------------------------


@pytest.fixture
def request_sent(client: Client, reference: None) -> tuple[Case, str]:
    """A help request sent from another device: this client knows only what the citizen wrote down."""
    other = Client()
    send(other)
    reference_text, code = sent_codes(other)
    return Case.objects.get(reference=reference_text), code


def follow(client: Client, reference: str, code: str, address: str = "203.0.113.9") -> Any:
    return client.post("/help/status/", {"reference": reference, "code": code}, REMOTE_ADDR=address)


def test_follow_up_with_the_right_code(client: Client, roles: dict[str, User], request_sent: tuple[Case, str]) -> None:
    case, code = request_sent
    officer = User.objects.create(username="cnx", role="mission_officer", mission=case.mission)
    case_note(actor=officer, case=case, body="我们已联系清迈警方，请保持电话畅通", public=True)
    case_note(actor=officer, case=case, body="内部：疑似团伙作案", public=False)
    response = follow(client, case.reference.lower(), f" {code.lower()} ")
    assert response.status_code == 302 and response["Location"] == "/help/status/request/"
    assert code not in response["Location"]
    page = client.get("/help/status/request/")
    assert "no-store" in page["Cache-Control"]
    body = body_of(page)
    assert case.reference in body and '<strong class="citizen-status">已收到</strong>' in body
    assert "中华人民共和国驻清迈总领事馆" in body
    assert "已收到求助" in body and "我们已联系清迈警方" in body
    assert "疑似团伙作案" not in body  # internal notes stay internal
    assert code not in body  # the code is never shown again


def test_citizen_adds_information(client: Client, request_sent: tuple[Case, str]) -> None:
    case, code = request_sent
    follow(client, case.reference, code)
    response = client.post("/help/status/request/", {"body": ""})
    assert response.status_code == 400
    assert '<a href="#id_body">' in error_summary(body_of(response))
    response = client.post("/help/status/request/", {"body": "我现在在清迈警察局报案"})
    assert response.status_code == 302 and response["Location"] == "/help/status/request/"
    body = body_of(client.get("/help/status/request/"))
    assert "您补充的信息已发送给处理您求助的工作人员" in body
    assert "您的留言" in body and "我现在在清迈警察局报案" in body
    message = CaseEvent.objects.get(case=case, kind="message")
    assert message.public and message.actor is None


def test_officer_status_changes_reach_the_citizen(client: Client, roles: dict[str, User],
                                                  request_sent: tuple[Case, str]) -> None:
    case, code = request_sent
    case_transition(actor=roles["officer_cnx"], case=case, to="triaged")
    follow(client, case.reference, code)
    body = body_of(client.get("/help/status/request/"))
    assert "状态：已收到" in body
    case_transition(actor=roles["officer_cnx"], case=case, to="cancelled", reason="重复提交")
    body = body_of(client.get("/help/status/request/"))
    assert '<strong class="citizen-status">已结案</strong>' in body
    assert 'name="body"' not in body and "此求助已结束" in body
    # A message posted to a closed request is refused with the reason.
    response = client.post("/help/status/request/", {"body": "还在吗"})
    assert response.status_code == 409
    assert "此求助已结束" in body_of(response)
    assert not CaseEvent.objects.filter(case=case, kind="message").exists()


@pytest.mark.parametrize("wrong", ["code", "reference"])
def test_wrong_code_and_unknown_reference_get_the_same_answer(client: Client, request_sent: tuple[Case, str],
                                                              wrong: str) -> None:
    case, code = request_sent
    reference, given = (case.reference, "WRONG234") if wrong == "code" else ("C20-2345-6789", code)
    response = follow(client, reference, given)
    assert response.status_code == 404
    body = body_of(response)
    assert "找不到与该编号和查询码对应的求助" in error_summary(body)
    assert case.reference not in body.replace(f'value="{case.reference}"', "")
    assert client.get("/help/status/request/")["Location"] == "/help/status/"  # nothing remembered


def test_repeated_wrong_codes_are_paused(client: Client, settings: Any, request_sent: tuple[Case, str]) -> None:
    settings.FOLLOWUP_MAX_FAILURES = 2
    case, code = request_sent
    assert follow(client, case.reference, "WRONG234").status_code == 404
    assert follow(client, case.reference, "WRONG345").status_code == 404
    response = follow(client, case.reference, code)  # even the right code waits now
    assert response.status_code == 429
    assert "查询码错误次数过多" in error_summary(body_of(response))
    assert int(response["Retry-After"]) == settings.FOLLOWUP_WINDOW_SECONDS
    # The reference itself is paused, from any address.
    assert follow(client, case.reference, code, address="198.51.100.7").status_code == 429


def test_bad_follow_up_form(client: Client, reference: None) -> None:
    response = client.post("/help/status/", {"reference": "", "code": ""})
    assert response.status_code == 400
    summary = error_summary(body_of(response))
    assert '<a href="#id_reference">' in summary and '<a href="#id_code">' in summary


def test_details_without_a_followed_request_go_to_the_form(client: Client, reference: None) -> None:
    assert client.get("/help/status/request/")["Location"] == "/help/status/"
    assert client.post("/help/status/request/", {"body": "hi"})["Location"] == "/help/status/"
    assert not CaseEvent.objects.filter(kind="message").exists()


def test_the_code_is_kept_in_the_session_not_the_url(client: Client, request_sent: tuple[Case, str]) -> None:
    case, code = request_sent
    follow(client, case.reference, code)
    assert client.session["help_following"] == {"reference": case.reference, "code": code}
    # Forgetting it on a shared device.
    response = client.post("/help/status/forget/")
    assert response["Location"] == "/help/status/"
    assert "help_following" not in client.session
    assert client.get("/help/status/request/")["Location"] == "/help/status/"
    assert client.get("/help/status/forget/").status_code == 405


def test_just_sent_request_can_be_followed_at_once(client: Client, reference: None) -> None:
    send(client)
    reference_text, _code = sent_codes(client)
    body = body_of(client.get("/help/status/request/"))
    assert reference_text in body and "已收到" in body
    # The follow-up form is prefilled with the reference (never with the code).
    form = body_of(client.get("/help/status/"))
    assert f'value="{reference_text}"' in form


def test_help_pages_in_english(client: Client, reference: None) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/help/"})
    body = body_of(client.get("/help/"))
    assert '<html lang="en">' in body and "<h1>Ask for help</h1>" in body
    assert '<option value="TH">Thailand</option>' in body
    response = send(client, phone="", email="")
    assert "Give a phone number or an email" in error_summary(body_of(response))


def test_the_web_form_is_throttled_per_address(client, reference, settings):
    settings.HELP_FORM_MAX_PER_HOUR = 2
    for _ in range(2):
        client.post("/help/", {})
    response = client.post("/help/", {})
    assert response.status_code == 429
    assert "热线" in response.content.decode()
