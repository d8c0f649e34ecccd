"""Review of citizen accounts: odd input never gives a 500, the login takes a citizen's email in any case, and
the other fixes of the review (each test names what it guards)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from consular.accounts.models import Role, User
from consular.core.models import AuditEntry
from tests.conftest import PASSWORD
from tests.smtp import Inbox

ODD_VALUES: list[Any] = [None, [], ["a@example.org"], {"a": 1}, 12, True, "", "   ", "x" * 5000,
                         "٣٣٣@example.org", "a\x00b@example.org", "ｌｉ@ｅｘａｍｐｌｅ.ｏｒｇ", "@", "a@", "\u200b"]


@pytest.fixture
def anon(db: None) -> Callable[[], APIClient]:
    return APIClient


@pytest.mark.parametrize("field", ["email", "password", "phone"])
@pytest.mark.parametrize("value", ODD_VALUES)
def test_api_sign_up_odd_values_are_4xx(anon: Any, field: str, value: Any) -> None:
    body = {"email": "odd@example.org", "password": "lotus-river-morning-7", "phone": "+66 81 234 5678",
            field: value}
    response = anon().post("/api/v1/citizens", body, format="json")
    assert response.status_code in (202, 400), response.content
    if response.status_code == 400:
        assert response.json()["error"]["fields"]


@pytest.mark.parametrize("body", [None, [], "text", 12, [{"email": "a@example.org"}]])
def test_api_sign_up_and_token_non_object_bodies_are_400(anon: Any, body: Any) -> None:
    for path in ("/api/v1/citizens", "/api/v1/auth/token"):
        response = anon().post(path, body, format="json")
        assert response.status_code == 400, (path, response.content)


@pytest.mark.parametrize("field", ["email", "password", "name"])
@pytest.mark.parametrize("value", ODD_VALUES)
def test_api_token_odd_values_are_4xx(anon: Any, field: str, value: Any) -> None:
    body = {"email": "odd@example.org", "password": "lotus-river-morning-7", "name": "phone", field: value}
    response = anon().post("/api/v1/auth/token", body, format="json")
    assert response.status_code in (400, 401), response.content


@pytest.mark.parametrize("path", ["/signup/", "/signup/resend/", "/password-reset/"])
@pytest.mark.parametrize("value", ["", "   ", "x" * 5000, "٣٣٣@example.org", "a\x00b@example.org",
                                   "ｌｉ@ｅｘａｍｐｌｅ.ｏｒｇ", "@", "\u200b"])
def test_portal_forms_odd_values_are_4xx(client: Client, db: None, path: str, value: str) -> None:
    data = {"email": value, "password": value, "password_confirm": value, "phone": value}
    response = client.post(path, data)
    assert response.status_code in (302, 400), response.status_code


def test_portal_forms_with_lists_of_values_are_4xx(client: Client, db: None) -> None:
    for path in ("/signup/", "/signup/resend/", "/password-reset/"):
        response = client.post(path, {"email": ["a@example.org", "b@example.org"], "phone": ["1", "2"]})
        assert response.status_code in (302, 400)


@pytest.mark.parametrize("token", ["x", "a" * 3000, "e30:1abc:def", "٣", "%00", "..", "a:b:c:d"])
def test_junk_verification_links_are_400(client: Client, db: None, token: str) -> None:
    for method in (client.get, client.post):
        response = method(f"/signup/verify/{token}/")
        assert response.status_code in (400, 404)


# --- Login: a citizen's email in any case ----------------------------------------------------------------------

@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    return make_user("citizen", username="li.na@example.org", email="li.na@example.org")


@pytest.mark.parametrize("typed", ["li.na@example.org", "Li.Na@Example.ORG", "  LI.NA@EXAMPLE.ORG  ",
                                   "\tli.na@example.org\n"])
def test_portal_login_takes_the_citizen_email_in_any_case(client: Client, citizen: User, typed: str) -> None:
    response = client.post("/login/", {"username": typed, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert AuditEntry.objects.filter(action="user.login", object_id=str(citizen.pk)).exists()


def test_api_token_takes_the_citizen_email_in_any_case(anon: Any, citizen: User) -> None:
    response = anon().post("/api/v1/auth/token", {"email": " LI.Na@example.org ", "password": PASSWORD},
                           format="json")
    assert response.status_code == 201


def test_staff_usernames_stay_exact(client: Client, make_user: Callable[..., User]) -> None:
    officer = make_user("hq_officer", username="Wang.Fang")
    assert client.post("/login/", {"username": "wang.fang", "password": PASSWORD}).status_code == 200
    assert client.post("/login/", {"username": "Wang.Fang", "password": PASSWORD})["Location"] == "/console/"
    # A staff account whose name is an address in lower case is not reached by another case either.
    make_user("auditor", username="audit@example.org")
    assert Client().post("/login/", {"username": "Audit@Example.org", "password": PASSWORD}).status_code == 200
    assert officer.role == Role.HQ_OFFICER


def test_exact_username_wins_over_a_lower_cased_citizen(client: Client, citizen: User,
                                                       make_user: Callable[..., User]) -> None:
    staff = make_user("hq_officer", username="Li.Na@example.org")
    response = client.post("/login/", {"username": "Li.Na@example.org", "password": PASSWORD})
    assert response["Location"] == "/console/"
    assert int(client.session["_auth_user_id"]) == staff.pk


def test_lockout_counts_every_case_variant_together(client: Client, citizen: User, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 2
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 100
    assert client.post("/login/", {"username": "LI.NA@example.org", "password": "wrong-1"}).status_code == 200
    assert client.post("/login/", {"username": "li.na@EXAMPLE.org", "password": "wrong-2"}).status_code == 200
    paused = client.post("/login/", {"username": " Li.Na@Example.org ", "password": PASSWORD})
    assert paused.status_code == 200 and "_auth_user_id" not in client.session


def test_pending_citizen_cannot_log_in_in_any_case(client: Client, make_user: Callable[..., User]) -> None:
    user = make_user("citizen", username="new@example.org", email="new@example.org")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.post("/login/", {"username": "NEW@example.org", "password": PASSWORD}).status_code == 200


# --- Activation needs the password chosen at sign-up (no takeover by signing up again) -------------------------

VERIFY_LINK = re.compile(r"http://testserver(/signup/verify/[^/\s]+/)")
MINE = {"email": "li.na@example.org", "password": "lotus-river-morning-7",
        "password_confirm": "lotus-river-morning-7", "phone": ""}
THEIRS = {**MINE, "password": "attacker-knows-this-1", "password_confirm": "attacker-knows-this-1"}


def _send(client: Client, capture: Any, path: str, data: dict[str, Any]) -> Any:
    with capture(execute=True):
        return client.post(path, data)


def _last_link(inbox: Inbox) -> str:
    payload = inbox.messages[-1].get_payload(decode=True)
    assert isinstance(payload, bytes)
    found = VERIFY_LINK.search(payload.decode())
    assert found
    return found[1]


def test_signing_up_again_cannot_take_over_the_account(
    client: Client, db: None, inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    assert _send(Client(), capture, "/signup/", MINE).status_code == 302  # the owner of the address
    assert _send(Client(), capture, "/signup/", THEIRS).status_code == 302  # someone else, with their password
    path = _last_link(inbox)
    page = client.get(path)
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    # The owner follows the newest link with the password they chose: refused, nothing activated.
    refused = client.post(path, {"password": MINE["password"]})
    assert refused.status_code == 400 and "password" in refused.context["form"].errors
    assert "_auth_user_id" not in client.session
    assert not User.objects.get(username="li.na@example.org").is_active
    assert client.post(path, {}).status_code == 400
    # Signing up again with their own password gives them a link that works; the other one no longer does.
    assert _send(Client(), capture, "/signup/", MINE).status_code == 302
    assert client.post(path, {"password": THEIRS["password"]}).context["reason"] == "used"
    done = client.post(_last_link(inbox), {"password": MINE["password"]})
    assert done.status_code == 302 and done["Location"] == "/travel/"
    user = User.objects.get(username="li.na@example.org")
    assert user.is_active and user.check_password(MINE["password"])


def test_a_broken_link_says_so_before_asking_for_the_password(client: Client, db: None) -> None:
    page = client.post("/signup/verify/nonsense/", {})
    assert page.status_code == 400 and page.context["reason"] == "invalid"
    assert client.post("/signup/verify/nonsense/", {"password": "x" * 500}).context["reason"] == "invalid"


def test_the_service_needs_the_password(db: None, inbox: Inbox, django_capture_on_commit_callbacks: Any) -> None:
    from consular.accounts.services import citizen_verify
    from consular.core.errors import ApplicationError

    _send(Client(), django_capture_on_commit_callbacks, "/signup/", MINE)
    token = _last_link(inbox).split("/")[3]
    for wrong in ("", "x" * 129, THEIRS["password"]):
        with pytest.raises(ApplicationError) as refused:
            citizen_verify(token=token, password=wrong)
        assert set(refused.value.fields) == {"password"}
    assert citizen_verify(token=token, password=MINE["password"]).is_active


# --- Password reset ----------------------------------------------------------------------------------------------

def _reset_path(user: User) -> str:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return f"/password-reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"


def test_a_password_reset_signs_the_app_out(client: Client, citizen: User, anon: Any) -> None:
    app = anon().post("/api/v1/auth/token", {"email": "li.na@example.org", "password": PASSWORD}, format="json")
    token = app.json()["token"]
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.get("/api/v1/me").status_code == 200
    form = client.get(_reset_path(citizen))
    done = client.post(form["Location"], {"new_password1": "cedar-valley-north-3",
                                          "new_password2": "cedar-valley-north-3"})
    assert done["Location"] == "/password-reset/done/"
    assert me.get("/api/v1/me").status_code == 401
    assert AuditEntry.objects.filter(action="apitoken.revoke").count() == 1


def test_a_reset_link_of_a_closed_account_does_not_work(client: Client, citizen: User) -> None:
    path = _reset_path(citizen)
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    page = client.get(path, follow=True)
    assert not page.context["validlink"]


# --- Input that must not become an account -----------------------------------------------------------------------

@pytest.mark.parametrize("email", ["İ@example.org", "\u0130stanbul@example.org"])
def test_a_non_ascii_local_part_is_refused(client: Client, db: None, email: str) -> None:
    from consular.accounts.signup import email_clean
    from consular.incidents.tabular import ValueInvalid

    with pytest.raises(ValueInvalid):
        email_clean(email)
    response = client.post("/signup/", {**MINE, "email": email})
    assert response.status_code == 400 and list(response.context["form"].errors) == ["email"]
    assert not User.objects.filter(role=Role.CITIZEN).exists()


def test_two_sign_ups_at_the_same_moment_make_one_account(
    db: None, inbox: Inbox, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second of two simultaneous sign-ups does not see the first's account, and its INSERT hits the unique
    user name: it becomes a renewal of the pending account, not a 500 and not a second account."""
    from consular.accounts import services, signup

    assert services.citizen_sign_up(actor=None, email="li.na@example.org", password=MINE["password"]) == "created"
    real = signup.account_for_email
    calls = {"n": 0}

    def blind_once(email: str) -> User | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(email)

    monkeypatch.setattr(signup, "account_for_email", blind_once)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.citizen_sign_up(actor=None, email="LI.NA@example.org", password=THEIRS["password"])
    assert outcome == "renewed" and calls["n"] == 2
    assert User.objects.filter(username="li.na@example.org").count() == 1
    assert AuditEntry.objects.filter(action="citizen.signup").count() == 2


def test_a_failed_login_points_to_activation(client: Client, db: None) -> None:
    assert 'id="login-not-activated"' not in client.get("/login/").content.decode()
    page = client.post("/login/", {"username": "new@example.org", "password": "whatever-it-is-1"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="login-not-activated"' in html and 'href="/signup/resend/"' in html


def test_a_repeated_sign_up_keeps_the_first_link_working(
    anon: Any, inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    """An app retrying its sign-up without an Idempotency-Key (a bad network) does not kill the first email's
    link; signing up again with another password does."""
    body = {"email": "li.na@example.org", "password": MINE["password"]}
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert anon().post("/api/v1/citizens", body, format="json").status_code == 202
    assert len(inbox.messages) == 2 and User.objects.filter(username="li.na@example.org").count() == 1
    first = VERIFY_LINK.search(inbox.messages[0].get_payload(decode=True).decode())  # type: ignore[union-attr]
    assert first
    from consular.accounts import signup

    for message in inbox.messages:  # both links work
        found = VERIFY_LINK.search(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
        assert found and signup.verification_user(found[1].split("/")[3]).username == "li.na@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        anon().post("/api/v1/citizens", {**body, "password": THEIRS["password"]}, format="json")
    assert Client().post(first[1], {"password": MINE["password"]}).context["reason"] == "used"
    with django_capture_on_commit_callbacks(execute=True):
        anon().post("/api/v1/citizens", body, format="json")
    done = Client().post(_last_link(inbox), {"password": MINE["password"]})
    assert done["Location"] == "/travel/"
