"""The mobile app's citizen account endpoints: POST /api/v1/citizens, POST and DELETE /api/v1/auth/token."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from consular.accounts.models import ApiToken, Role, User
from consular.accounts.services import user_create
from consular.api.models import IdempotencyRecord
from consular.core.models import AuditEntry
from tests.conftest import PASSWORD
from tests.smtp import Inbox

SIGN_UP = {"email": "Zhao.Lei@Example.org", "password": "lotus-river-morning-7", "phone": "+856 20 5555 1234"}
NEUTRAL = {"status": "verification_sent"}


@pytest.fixture
def anon(db: None) -> Callable[[], APIClient]:
    """Anonymous API clients (no reference data needed: faster than the shared `api` fixture)."""
    return APIClient


@pytest.fixture
def post(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POST as JSON and run what was queued after the commit (the emails), as the worker would."""

    def send(client: APIClient, path: str, data: dict[str, Any], **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, format="json", **extra)

    return send


def _body(inbox: Inbox, index: int = -1) -> str:
    payload = inbox.messages[index].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_sign_up_retry_with_the_same_key_creates_one_account(anon: Any, post: Any, inbox: Inbox) -> None:
    client = anon()
    first = post(client, "/api/v1/citizens", SIGN_UP, HTTP_IDEMPOTENCY_KEY="signup-1")
    assert (first.status_code, first.json()) == (202, NEUTRAL)
    again = post(client, "/api/v1/citizens", SIGN_UP, HTTP_IDEMPOTENCY_KEY="signup-1")
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (202, NEUTRAL, "true")
    user = User.objects.get(username="zhao.lei@example.org")
    assert (user.role, user.is_active, user.phone) == (Role.CITIZEN, False, "+8562055551234")
    assert len(inbox.messages) == 1 and "/signup/verify/" in _body(inbox)
    assert AuditEntry.objects.filter(action="citizen.signup", object_id=str(user.pk)).count() == 1
    assert IdempotencyRecord.objects.filter(key="signup-1").count() == 1


def test_sign_up_answers_the_same_for_a_known_address(anon: Any, post: Any, inbox: Inbox, citizen: User) -> None:
    response = post(anon(), "/api/v1/citizens", SIGN_UP)
    assert (response.status_code, response.json()) == (202, NEUTRAL)
    assert User.objects.filter(email__iexact="zhao.lei@example.org").count() == 1
    assert "/password-reset/" in _body(inbox) and "/signup/verify/" not in _body(inbox)


@pytest.mark.parametrize(("data", "fields"), [
    ({**SIGN_UP, "email": "zhao.lei@"}, {"email"}),
    ({**SIGN_UP, "password": "password"}, {"password"}),
    ({**SIGN_UP, "phone": "020 5555 1234"}, {"phone"}),
    ({"email": "x", "password": "1", "phone": "1"}, {"email", "password", "phone"}),
    ({"phone": "+8562055551234"}, {"email", "password"}),
])
def test_sign_up_bad_input_names_the_fields(anon: Any, post: Any, inbox: Inbox, db: None,
                                            data: dict[str, str], fields: set[str]) -> None:
    response = post(anon(), "/api/v1/citizens", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == fields
    assert not User.objects.exists() and inbox.messages == []


def test_sign_up_rate_limit(anon: Any, post: Any, inbox: Inbox, db: None, settings: Any) -> None:
    settings.CITIZEN_SIGNUP_MAX_PER_EMAIL = 1
    assert post(anon(), "/api/v1/citizens", SIGN_UP).status_code == 202
    limited = post(anon(), "/api/v1/citizens", SIGN_UP, HTTP_IDEMPOTENCY_KEY="after-limit")
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    assert not IdempotencyRecord.objects.filter(key="after-limit").exists()  # a 429 is not kept: retry later
    assert len(inbox.messages) == 1


@pytest.fixture
def citizen(db: None) -> User:
    user, _password = user_create(actor=None, username="zhao.lei@example.org", role="citizen",
                                  email="zhao.lei@example.org", password=PASSWORD)
    return user


def _login(client: APIClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/api/v1/auth/token", {"email": email, "password": password, **extra}, format="json",
                       HTTP_ACCEPT_LANGUAGE="en")


def test_token_for_a_citizen(anon: Any, citizen: User, settings: Any) -> None:
    settings.CITIZEN_TOKEN_DAYS = 30
    response = _login(anon(), "Zhao.Lei@example.org", name="Pixel 8")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"} and body["token"].startswith("csl_")
    stored = ApiToken.objects.get(user=citizen)
    assert stored.name == "Pixel 8" and stored.key_hash != body["token"]
    expected = timezone.now() + datetime.timedelta(days=30)
    assert abs((stored.expires_at - expected).total_seconds()) < 60  # type: ignore[operator]
    assert datetime.datetime.fromisoformat(body["expires_at"]) == stored.expires_at
    app = APIClient()
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert app.get("/api/v1/me").json()["username"] == "zhao.lei@example.org"
    assert AuditEntry.objects.filter(action="apitoken.create", actor_id=citizen.pk).count() == 1


def test_wrong_credentials_get_one_neutral_answer(anon: Any, citizen: User) -> None:
    wrong = _login(anon(), "zhao.lei@example.org", "not-the-password")
    unknown = _login(anon(), "nobody@example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "not_authenticated" and wrong["WWW-Authenticate"] == "Bearer"
    assert AuditEntry.objects.filter(action="user.login_failed").count() == 2
    assert not ApiToken.objects.exists()
    missing = anon().post("/api/v1/auth/token", {"email": "zhao.lei@example.org"}, format="json")
    assert missing.status_code == 400 and set(missing.json()["error"]["fields"]) == {"password"}


def test_repeated_wrong_passwords_pause_token_sign_in(anon: Any, citizen: User, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 2
    first = _login(anon(), "zhao.lei@example.org", "wrong-1")
    assert _login(anon(), "zhao.lei@example.org", "wrong-2").status_code == 401
    paused = _login(anon(), "zhao.lei@example.org")  # the right password, refused for now
    assert paused.status_code == 401 and paused.json() == first.json()
    assert not ApiToken.objects.exists()


def test_an_account_not_yet_activated_gets_no_token(anon: Any, post: Any, inbox: Inbox, citizen: User) -> None:
    assert post(anon(), "/api/v1/citizens", {**SIGN_UP, "email": "new.one@example.org"}).status_code == 202
    refused = _login(anon(), "new.one@example.org", SIGN_UP["password"])
    assert refused.status_code == 401
    assert refused.json() == _login(anon(), "zhao.lei@example.org", "wrong").json()
    # Activated in the browser with the emailed link: now the app signs in.
    path = re.search(r"http://testserver(/signup/verify/\S+/)", _body(inbox))
    assert path
    assert Client().post(path[1], {"password": SIGN_UP["password"]})["Location"] == "/travel/"
    assert _login(anon(), "new.one@example.org", SIGN_UP["password"]).status_code == 201


def test_staff_accounts_are_refused(roles: dict[str, User]) -> None:
    for role in ("hq_officer", "officer_bkk", "auditor"):
        refused = _login(APIClient(), roles[role].username)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert not ApiToken.objects.exists()


def test_revoked_token_no_longer_works(anon: Any, citizen: User) -> None:
    token = _login(anon(), "zhao.lei@example.org").json()["token"]
    other = _login(anon(), "zhao.lei@example.org").json()["token"]
    app = APIClient()
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert app.get("/api/v1/me").status_code == 200
    assert app.delete("/api/v1/auth/token").status_code == 204
    assert app.get("/api/v1/me").status_code == 401
    assert app.delete("/api/v1/auth/token").status_code == 401
    assert anon().delete("/api/v1/auth/token").status_code == 401
    # Only the caller's token is revoked.
    second = APIClient()
    second.credentials(HTTP_AUTHORIZATION=f"Bearer {other}")
    assert second.get("/api/v1/me").status_code == 200
    assert AuditEntry.objects.filter(action="apitoken.revoke", actor_id=citizen.pk).count() == 1
