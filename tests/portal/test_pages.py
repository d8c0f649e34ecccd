"""Citizen portal pages: who may see them, the language switch, login, the missions list and error pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db.models import QuerySet
from django.test import Client, RequestFactory
from django.utils import translation

from consular.accounts.models import User
from consular.core.models import Mission
from consular.portal import views as portal_views
from tests.conftest import PASSWORD

ROLES = ["anonymous", "citizen", "volunteer", "officer_bkk", "hotline_operator", "hq_officer", "auditor"]
STAFF = {"officer_bkk", "hotline_operator", "hq_officer", "auditor"}

PUBLIC_PAGES = ["/", "/missions/", "/missions/?country=TH", "/missions/TH-CNX/", "/missions/th-bkk/", "/login/"]


@pytest.fixture
def client_as(client: Client, roles: dict[str, User]) -> Callable[[str], Client]:
    def as_role(role: str) -> Client:
        if role != "anonymous":
            client.force_login(roles[role])
        return client

    return as_role


def html_lang(body: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', body)
    assert match, "no <html lang>"
    return match.group(1)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_open_to_everyone(client_as: Callable[[str], Client], role: str, path: str) -> None:
    response = client_as(role).get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert html_lang(body) == "zh-hans"
    assert 'href="#main"' in body and '<main id="main"' in body
    assert 'href="tel:+86-10-12308"' in body
    if role == "anonymous":
        assert 'href="/login/"' in body
    else:
        # Logging out is a POST form with a CSRF token, never a link.
        logout = r'<form method="post" action="/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken"'
        assert re.search(logout, body)
        assert "退出登录" in body
    assert ('href="/console/"' in body) == (role in STAFF)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/missions/NOPE/", "/missions/HQ/", "/no-such-page/"])
def test_unknown_pages_are_friendly_404s(client_as: Callable[[str], Client], role: str, path: str) -> None:
    response = client_as(role).get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert "找不到该页面" in body
    assert 'href="/missions/"' in body


def test_logout_needs_a_post(client_as: Callable[[str], Client]) -> None:
    client = client_as("citizen")
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


# --- language -----------------------------------------------------------------------------------------------


def test_chinese_by_default(client: Client, reference: None) -> None:
    body = client.get("/").content.decode()
    assert html_lang(body) == "zh-hans"
    assert "领事保护与服务" in body and "为海外公民提供帮助与服务" in body
    assert "Consular protection and services" not in body


def test_an_unsupported_browser_language_falls_back_to_chinese(client: Client, reference: None) -> None:
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="th-TH,th;q=0.9").content.decode()
    assert html_lang(body) == "zh-hans" and "领事保护与服务" in body


def test_language_switch_is_a_form_on_every_page_that_returns_to_it(client: Client, reference: None) -> None:
    body = client.get("/missions/?country=TH").content.decode()
    form = re.search(r'<form class="lang-switch" action="/i18n/setlang/" method="post"[^>]*>(.*?)</form>', body, re.S)
    assert form, "language switch form missing"
    inner = form.group(1)
    assert 'name="csrfmiddlewaretoken"' in inner
    assert '<input type="hidden" name="next" value="/missions/?country=TH">' in inner
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in inner


def test_switching_to_english_and_back(client: Client, reference: None) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/missions/"})
    assert response.status_code == 302 and response["Location"] == "/missions/"
    body = client.get("/missions/").content.decode()
    assert html_lang(body) == "en"
    assert "Consular protection and services" in body and "Embassies and consulates" in body
    assert "Thailand" in body and "Embassy of the People&#x27;s Republic of China in Thailand" in body
    assert "领事保护与服务" not in body
    # The switch now offers Chinese, labelled in Chinese.
    assert '<button type="submit" name="language" value="zh-hans" lang="zh-hans">简体中文</button>' in body

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    body = client.get("/").content.decode()
    assert html_lang(body) == "zh-hans" and "领事保护与服务" in body


def test_language_switch_refuses_foreign_next(client: Client, reference: None) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


# --- login ----------------------------------------------------------------------------------------------------


def test_login_page_uses_the_accessible_form(client: Client, reference: None) -> None:
    body = client.get("/login/").content.decode()
    assert '<label for="id_username">用户名</label>' in body
    assert '<label for="id_password">密码</label>' in body
    assert 'autocomplete="current-password"' in body
    assert "error-summary" not in body
    assert "novalidate" in body


def test_wrong_password_shows_the_error_summary_in_chinese(client: Client, roles: dict[str, User]) -> None:
    response = client.post("/login/", {"username": roles["officer_bkk"].username, "password": "wrong-password"})
    assert response.status_code == 200
    body = response.content.decode()
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', body, re.S)
    assert summary, "error summary missing"
    assert "出现了问题" in summary.group(1)
    assert '<a href="#id_username">请输入一个正确的' in summary.group(1)
    assert "_auth_user_id" not in client.session
    # The username is kept, the password is not echoed back.
    assert f'value="{roles["officer_bkk"].username}"' in body
    assert "wrong-password" not in body


def test_wrong_password_in_english_after_switching(client: Client, roles: dict[str, User]) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.post("/login/", {"username": roles["citizen"].username, "password": "nope"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and "Please enter a correct username and password" in body


def test_empty_fields_are_linked_from_the_summary_and_described(client: Client, reference: None) -> None:
    response = client.post("/login/", {"username": "", "password": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<a href="#id_username">该字段是必填项。</a>' in body
    assert '<a href="#id_password">该字段是必填项。</a>' in body
    username_input = re.search(r'<input type="text" name="username"[^>]*>', body)
    assert username_input
    assert 'aria-invalid="true"' in username_input.group(0)
    assert 'aria-describedby="id_username_error"' in username_input.group(0)
    assert '<div class="field-error" id="id_username_error">' in body


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("citizen", "/"),
        ("volunteer", "/"),
        ("officer_bkk", "/console/"),
        ("hotline_operator", "/console/"),
        ("hq_officer", "/console/"),
        ("auditor", "/console/"),
    ],
)
def test_login_lands_by_role(client: Client, roles: dict[str, User], role: str, landing: str) -> None:
    response = client.post("/login/", {"username": roles[role].username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == landing


def test_login_honours_next(client: Client, roles: dict[str, User]) -> None:
    anonymous = client.get("/console/audit/")
    assert anonymous["Location"] == "/login/?next=/console/audit/"
    form = client.get(anonymous["Location"]).content.decode()
    assert '<input type="hidden" name="next" value="/console/audit/">' in form
    response = client.post(
        "/login/?next=/console/audit/",
        {"username": roles["auditor"].username, "password": PASSWORD, "next": "/console/audit/"},
    )
    assert response["Location"] == "/console/audit/"


def test_login_ignores_a_foreign_next(client: Client, roles: dict[str, User]) -> None:
    response = client.post(
        "/login/", {"username": roles["hq_officer"].username, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/console/"


# --- missions ---------------------------------------------------------------------------------------------------


def country_headings(body: str) -> list[str]:
    return re.findall(r'<h2 id="country-[A-Z]{2}">([^<]+)</h2>', body)


def in_order(items: list[str], expected: list[str]) -> bool:
    """`expected` appear in `items` in this order (other items may come between)."""
    positions = [items.index(item) for item in expected if item in items]
    return len(positions) == len(expected) and positions == sorted(positions)


def public_missions() -> QuerySet[Mission]:
    return Mission.objects.filter(active=True).exclude(kind="hq")


def test_missions_grouped_by_country_in_reading_order(client: Client, reference: None) -> None:
    body = client.get("/missions/").content.decode()
    countries = public_missions().values("country").distinct().count()
    assert len(country_headings(body)) == countries
    # Pinyin order in Chinese: fěi, lǎo, měi, tài.
    assert in_order(country_headings(body), ["斐济", "老挝", "美国", "泰国"])
    assert "外交部领事司" not in body  # HQ is not a mission abroad
    assert f"共 {public_missions().count()} 个使领馆" in body
    thailand = body.split('id="country-TH"')[1]
    # The embassy before the consulate-general.
    assert thailand.index("中华人民共和国驻泰国大使馆") < thailand.index("中华人民共和国驻清迈总领事馆")
    assert "总领事馆 · 清迈" in thailand

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/missions/").content.decode()
    assert in_order(country_headings(body), ["Fiji", "Laos", "Thailand", "United States"])
    assert f"{public_missions().count()} embassies and consulates" in body


def test_country_filter_without_javascript(client: Client, reference: None) -> None:
    body = client.get("/missions/?country=US").content.decode()
    assert country_headings(body) == ["美国"]
    assert '<option value="US" selected>美国</option>' in body
    assert "中华人民共和国驻纽约总领事馆" in body and "泰国" not in "".join(country_headings(body))
    assert "共 2 个使领馆" in body


def test_country_filter_accepts_lower_case(client: Client, reference: None) -> None:
    assert country_headings(client.get("/missions/?country=th").content.decode()) == ["泰国"]


def test_country_filter_with_htmx_returns_the_fragment(client: Client, reference: None) -> None:
    response = client.get("/missions/?country=TH", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    body = response.content.decode()
    assert "<html" not in body and "<header" not in body
    assert body.lstrip().startswith('<div id="mission-list"')
    assert country_headings(body) == ["泰国"]
    assert '<p id="mission-status" hx-swap-oob="innerHTML">' in body and "共 2 个使领馆" in body
    # The full page carries the htmx wiring and still works as a plain GET form.
    page = client.get("/missions/").content.decode()
    assert 'hx-get="/missions/"' in page and 'hx-target="#mission-list"' in page
    assert '<form class="filters" method="get" action="/missions/"' in page
    assert 'src="/static/vendor/htmx.min.js" defer' in page


def test_unknown_country_is_reported_and_everything_listed(client: Client, reference: None) -> None:
    response = client.get("/missions/?country=ZZ")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body and 'href="#id_country"' in body
    assert len(country_headings(body)) == public_missions().values("country").distinct().count()


def test_missions_list_query_count(client: Client, reference: None, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(1):
        client.get("/missions/")


def test_mission_detail_shows_the_district(client: Client, reference: None, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(3):
        body = client.get("/missions/TH-CNX/").content.decode()
    assert "<h1>中华人民共和国驻清迈总领事馆</h1>" in body
    assert "领区" in body
    for name in ("Chiang Mai", "Chiang Rai", "Mae Hong Son"):
        assert f"<li>{name}</li>" in body
    assert 'href="/missions/?country=TH"' in body

    body = client.get("/missions/FJ-SUV/").content.decode()
    assert "斐济（全境）" in body and "图瓦卢（全境）" in body
    assert body.index("斐济（全境）") < body.index("图瓦卢（全境）")  # the mission's own country first


# --- error pages ----------------------------------------------------------------------------------------------------


def test_server_error_page(reference: None) -> None:
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = portal_views.server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "抱歉，出错了" in body and 'href="tel:+86-10-12308"' in body
    with translation.override("en"):
        assert "Sorry, something went wrong" in portal_views.server_error(request).content.decode()


def test_server_error_page_survives_a_broken_template(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is down")

    monkeypatch.setattr(portal_views, "render", broken)
    response = portal_views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "抱歉，出错了" in body and "Sorry, something went wrong" in body and "tel:+86-10-12308" in body


def test_csrf_failure_page_is_friendly(reference: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "请重试" in body and "Cookie" in body
