"""`consular createuser` and `consular apitoken`."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from consular.accounts.models import User
from consular.core.models import AuditEntry


class Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


def _run(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    kwargs: dict[str, Any] = {"stdout": out}
    if stdin is not None:
        kwargs["stdin"] = Pipe(stdin)
    call_command(*args, **kwargs)
    return out.getvalue()


def test_password_from_stdin(reference):
    output = _run("createuser", "somsak", "--role", "mission_officer", "--mission", "th-cnx",
                  "--email", "s@example.org", stdin="a-very-good-password-7\n")
    assert "created somsak (mission_officer, TH-CNX)" in output
    assert "password" not in output
    user = User.objects.get(username="somsak")
    assert user.mission.code == "TH-CNX"
    assert authenticate(username="somsak", password="a-very-good-password-7") == user
    assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).exists()


def test_generated_password_is_printed_once(reference):
    output = _run("createuser", "li", "--role", "auditor", stdin="")
    password = output.split("password: ")[1].strip()
    assert len(password) >= 16
    assert authenticate(username="li", password=password) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x1", "--role", "mission_officer"], "mission: Required for this role."),
        (["x2", "--role", "mission_officer", "--mission", "NOPE"], "Unknown mission NOPE."),
        (["x3", "--role", "citizen"], "password"),  # a weak password from stdin
    ],
)
def test_bad_input_is_refused(reference, args, message):
    with pytest.raises(CommandError, match=message):
        _run("createuser", *args, stdin="123\n")
    assert not User.objects.filter(username=args[0]).exists()


def test_unknown_role_is_refused_by_the_parser(reference):
    with pytest.raises(CommandError):
        _run("createuser", "x", "--role", "emperor")


def test_apitoken_prints_a_working_token(reference):
    _run("createuser", "wang", "--role", "hq_officer", "--mission", "HQ", stdin="another-good-password-9\n")
    token = _run("apitoken", "wang").strip()
    assert token.startswith("csl_")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/me").json()["username"] == "wang"
    with pytest.raises(CommandError, match="no user"):
        _run("apitoken", "nobody")


def test_logins_and_failures_are_audited(client, make_user):
    from tests.conftest import PASSWORD

    user = make_user("hq_officer")
    assert client.login(username=user.username, password=PASSWORD)
    client.logout()
    assert not client.login(username=user.username, password="wrong-password")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["user.login", "user.logout", "user.login_failed"]
    assert AuditEntry.objects.get(action="user.login_failed").data == {"username": user.username}


def test_apitoken_expiry_and_revocation(reference):
    _run("createuser", "zhou", "--role", "auditor", stdin="yet-another-password-5\n")
    token = _run("apitoken", "zhou", "--expires-days", "30").strip()
    from consular.accounts.models import ApiToken

    assert ApiToken.objects.get(user__username="zhou").expires_at is not None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/me").status_code == 200
    assert "revoked 1 token(s)" in _run("apitoken", "zhou", "--revoke", "--prefix", token[:10])
    assert client.get("/api/v1/me").status_code == 401
    assert AuditEntry.objects.filter(action="apitoken.revoke").count() == 1
    with pytest.raises(CommandError):
        _run("apitoken", "zhou", "--expires-days", "0")


def test_password_guessing_is_slowed_down(client, make_user, settings):
    from tests.conftest import PASSWORD

    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    user = make_user("hq_officer")
    for _ in range(3):
        assert not client.login(username=user.username, password="guess")
    assert not client.login(username=user.username, password=PASSWORD)  # paused, even with the right one
    other = make_user("auditor")
    assert client.login(username=other.username, password=PASSWORD)  # other accounts are not affected
