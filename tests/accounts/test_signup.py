"""Citizen self sign-up in the portal: the verification email at a real SMTP server, the link, new links, rate
limits, and the password reset round trip."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from email.message import Message
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from consular.accounts import signup
from consular.accounts.models import Role, User
from consular.core.models import AuditEntry
from tests.conftest import PASSWORD
from tests.smtp import Inbox

GOOD = {"email": "Li.Na@Example.ORG", "password": "lotus-river-morning-7", "password_confirm": "lotus-river-morning-7",
        "phone": "+66 81 234 5678"}
VERIFY_LINK = re.compile(r"http://testserver(/signup/verify/[^/\s]+/)")
RESET_LINK = re.compile(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def post(client: Client, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POST a portal form and run what it queued after the commit (the emails), as the worker would."""

    def send(path: str, data: dict[str, Any], **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, **extra)

    return send


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def link(message: Message, pattern: re.Pattern[str] = VERIFY_LINK) -> str:
    found = pattern.search(body(message))
    assert found, body(message)
    return found[1]


def test_sign_up_verify_and_land_on_travel(client: Client, post: Any, inbox: Inbox, db: None) -> None:
    assert client.get("/signup/").status_code == 200
    response = post("/signup/", GOOD)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    user = User.objects.get(username="li.na@example.org")
    assert (user.role, user.is_active, user.email, user.phone) == (Role.CITIZEN, False, "li.na@example.org",
                                                                   "+66812345678")
    assert user.check_password(GOOD["password"])
    sent = client.get("/signup/sent/")
    assert "li.na@example.org" in sent.content.decode()
    assert inbox.recipients == [["li.na@example.org"]]
    path = link(inbox.messages[0])
    # An inactive account cannot log in yet.
    assert not client.login(username="li.na@example.org", password=GOOD["password"])
    # Opening the link (as a mail scanner would) changes nothing; the button activates and signs in.
    page = client.get(path)
    assert page.status_code == 200 and f'action="{path}"' in page.content.decode()
    assert not User.objects.get(pk=user.pk).is_active
    done = client.post(path, {"password": GOOD["password"]})
    assert done.status_code == 302 and done["Location"] == "/travel/"
    assert User.objects.get(pk=user.pk).is_active
    assert client.get("/travel/").status_code == 200
    actions = set(AuditEntry.objects.filter(object_id=str(user.pk)).values_list("action", flat=True))
    assert {"citizen.signup", "citizen.verify", "user.login"} <= actions
    # The link works once.
    client.logout()
    again = client.get(path)
    assert again.status_code == 400
    assert 'action="/signup/resend/"' in again.content.decode() and 'href="/login/"' in again.content.decode()


def test_an_address_with_an_account_gets_the_same_answer_and_a_reminder(
    client: Client, post: Any, inbox: Inbox, make_user: Callable[..., User]
) -> None:
    existing = make_user("citizen", username="li.na@example.org", email="li.na@example.org")
    new = post("/signup/", {**GOOD, "email": "new.person@example.org"})
    known = post("/signup/", GOOD)  # the same address in other letter case
    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"]) == (302, "/signup/sent/")
    assert User.objects.filter(email__iexact="li.na@example.org").count() == 1
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)  # nothing changed
    assert inbox.recipients == [["new.person@example.org"], ["li.na@example.org"]]
    reminder = body(inbox.messages[1])
    assert "/password-reset/" in reminder and "/signup/verify/" not in reminder
    assert AuditEntry.objects.filter(action="citizen.signup_existing", object_id=str(existing.pk)).exists()
    # An address compared case-insensitively with any account's email, a staff account's too.
    officer = make_user("hq_officer", email="Officer@Example.org")
    assert post("/signup/", {**GOOD, "email": "officer@example.ORG"})["Location"] == "/signup/sent/"
    assert not User.objects.filter(username="officer@example.org").exists()
    assert inbox.recipients[-1] == ["officer@example.org"] and "/password-reset/" not in body(inbox.messages[-1])
    assert AuditEntry.objects.filter(action="citizen.signup_existing", object_id=str(officer.pk)).exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"email": "not-an-address"}, "email"),
    ({"email": ""}, "email"),
    ({"password": "1234567890123", "password_confirm": "1234567890123"}, "password"),
    ({"password": "short-1", "password_confirm": "short-1"}, "password"),
    ({"password_confirm": "lotus-river-morning-8"}, "password_confirm"),
    ({"phone": "081 234 5678"}, "phone"),
    ({"phone": "+66 81 ABC"}, "phone"),
    ({"phone": "+1 23"}, "phone"),
])
def test_bad_input_gives_field_errors_and_creates_nothing(
    client: Client, post: Any, inbox: Inbox, db: None, change: dict[str, str], field: str
) -> None:
    response = post("/signup/", {**GOOD, **change})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert not User.objects.filter(role=Role.CITIZEN).exists()
    assert inbox.messages == []
    assert not AuditEntry.objects.filter(action__startswith="citizen.").exists()


def test_the_service_refuses_what_the_form_would(db: None) -> None:
    from consular.accounts.services import citizen_sign_up
    from consular.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        citizen_sign_up(actor=None, email="x@", password="password", phone="12")
    assert set(refused.value.fields) == {"email", "password", "phone"}
    assert not User.objects.exists()


def _pending(post: Any, inbox: Inbox) -> tuple[User, str]:
    assert post("/signup/", GOOD).status_code == 302
    return User.objects.get(username="li.na@example.org"), link(inbox.messages[-1])


def test_tampered_link(client: Client, post: Any, inbox: Inbox, db: None) -> None:
    user, path = _pending(post, inbox)
    token = path.split("/")[3]
    forged = signing.dumps({"u": user.pk + 1, "s": "0" * 24}, salt="another-salt")
    for bad in (f"/signup/verify/{token[:-2]}xx/", f"/signup/verify/{forged}/", "/signup/verify/nonsense/"):
        page = client.get(bad)
        assert page.status_code == 400
        assert page.context["reason"] == "invalid" and 'action="/signup/resend/"' in page.content.decode()
        assert client.post(bad).status_code == 400
    assert not User.objects.get(pk=user.pk).is_active


def test_expired_link(client: Client, post: Any, inbox: Inbox, db: None, monkeypatch: Any) -> None:
    user, _path = _pending(post, inbox)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 3 * 24 * 3600 - 60)
    old = signup.verification_token(user)
    monkeypatch.setattr(time, "time", real)
    page = client.post(f"/signup/verify/{old}/")
    assert page.status_code == 400 and page.context["reason"] == "expired"
    assert not User.objects.get(pk=user.pk).is_active
    # A fresh one from the resend form works.
    assert post("/signup/resend/", {"email": "LI.NA@example.org"})["Location"] == "/signup/sent/"
    assert client.post(link(inbox.messages[-1]), {"password": GOOD["password"]})["Location"] == "/travel/"


def test_resend_and_sign_up_again(client: Client, post: Any, inbox: Inbox, db: None) -> None:
    user, first = _pending(post, inbox)
    assert client.get("/signup/resend/").status_code == 200
    # Unknown address: the same answer, no email.
    assert post("/signup/resend/", {"email": "nobody@example.org"})["Location"] == "/signup/sent/"
    assert len(inbox.messages) == 1
    assert post("/signup/resend/", {"email": "bad"}).status_code == 400
    assert post("/signup/resend/", {"email": "li.na@example.org"})["Location"] == "/signup/sent/"
    assert len(inbox.messages) == 2
    resent = link(inbox.messages[1])
    for path in (first, resent):  # a new link; the first one keeps working too
        assert signup.verification_user(path.split("/")[3]).pk == user.pk
    # Signing up again while pending sets the new password; earlier links stop working.
    assert post("/signup/", {**GOOD, "password": "amber-harbour-dusk-9",
                             "password_confirm": "amber-harbour-dusk-9"}).status_code == 302
    assert User.objects.filter(username="li.na@example.org").count() == 1
    latest = link(inbox.messages[2])
    for stale in (first, resent):
        refused = client.post(stale, {"password": "amber-harbour-dusk-9"})
        assert refused.status_code == 400 and refused.context["reason"] == "used"
    assert client.post(latest, {"password": "amber-harbour-dusk-9"})["Location"] == "/travel/"
    client.logout()
    assert client.login(username="li.na@example.org", password="amber-harbour-dusk-9")
    # Once active, asking for a link sends the "you already have an account" email instead.
    assert post("/signup/resend/", {"email": "li.na@example.org"})["Location"] == "/signup/sent/"
    assert "/signup/verify/" not in body(inbox.messages[3]) and "/password-reset/" in body(inbox.messages[3])
    resends = AuditEntry.objects.filter(action="citizen.verification_resend")
    assert resends.count() == 3 and resends.filter(object_id=str(user.pk)).count() == 2


def test_sign_ups_are_rate_limited_per_address_and_per_email(
    client: Client, post: Any, inbox: Inbox, db: None, settings: Any
) -> None:
    settings.CITIZEN_SIGNUP_MAX_PER_EMAIL = 2
    settings.CITIZEN_SIGNUP_MAX_PER_ADDRESS = 3
    assert post("/signup/", GOOD, REMOTE_ADDR="192.0.2.10").status_code == 302
    assert post("/signup/resend/", {"email": GOOD["email"]}, REMOTE_ADDR="192.0.2.11").status_code == 302
    limited = post("/signup/", GOOD, REMOTE_ADDR="192.0.2.12")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert limited.context["form"].non_field_errors()
    assert post("/signup/resend/", {"email": GOOD["email"]}, REMOTE_ADDR="192.0.2.13").status_code == 429
    assert len(inbox.messages) == 2
    # Per client address, whatever the email.
    codes = [post("/signup/", {**GOOD, "email": f"p{i}@example.org"}, REMOTE_ADDR="192.0.2.20").status_code
             for i in range(4)]
    assert codes == [302, 302, 302, 429]
    assert User.objects.filter(role=Role.CITIZEN).count() == 4


def test_login_page_links_to_sign_up_and_reset(client: Client, db: None) -> None:
    redirect = client.get("/travel/")
    assert redirect.status_code == 302 and redirect["Location"].startswith("/login/?next=/travel/")
    page = client.get(redirect["Location"]).content.decode()
    assert page.count('href="/signup/"') == 2 and 'href="/password-reset/"' in page


def test_password_reset_round_trip(
    client: Client, post: Any, inbox: Inbox, make_user: Callable[..., User]
) -> None:
    citizen = make_user("citizen", username="wang.fang@example.org", email="wang.fang@example.org")
    assert client.get("/password-reset/").status_code == 200
    sent = post("/password-reset/", {"email": "Wang.Fang@example.org"})
    assert sent.status_code == 302 and sent["Location"] == "/password-reset/sent/"
    assert client.get("/password-reset/sent/").status_code == 200
    assert inbox.recipients == [["wang.fang@example.org"]]
    path = link(inbox.messages[0], RESET_LINK)
    form = client.get(path)
    assert form.status_code == 302  # Django moves the token out of the address
    assert client.get(form["Location"]).context["validlink"]
    done = client.post(form["Location"], {"new_password1": "cedar-valley-north-3",
                                          "new_password2": "cedar-valley-north-3"})
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"
    assert client.get("/password-reset/done/").status_code == 200
    assert client.login(username="wang.fang@example.org", password="cedar-valley-north-3")
    client.logout()
    assert client.get(path).status_code == 200 and not client.get(path).context["validlink"]  # used
    for action in ("user.password_reset_request", "user.password_reset"):
        assert AuditEntry.objects.filter(action=action, object_id=str(citizen.pk)).count() == 1


def test_staff_cannot_reset_by_email(
    client: Client, post: Any, inbox: Inbox, make_user: Callable[..., User]
) -> None:
    officer = make_user("hq_officer", email="officer@example.org")
    response = post("/password-reset/", {"email": "officer@example.org"})
    assert response["Location"] == "/password-reset/sent/"  # the same answer
    assert inbox.messages == []
    entry = AuditEntry.objects.get(action="user.password_reset_request")
    assert entry.object_id == "" and entry.data["matched"] is False and "officer" not in str(entry.data)
    # A reset link made for a staff account does not work either.
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(officer.pk))
    page = client.get(f"/password-reset/{uid}/{default_token_generator.make_token(officer)}/", follow=True)
    assert not page.context["validlink"]


def test_password_reset_requests_are_rate_limited(client: Client, post: Any, inbox: Inbox, db: None,
                                                  settings: Any) -> None:
    settings.CITIZEN_SIGNUP_MAX_PER_EMAIL = 1
    assert post("/password-reset/", {"email": "someone@example.org"}).status_code == 302
    limited = post("/password-reset/", {"email": "someone@example.org"})
    assert limited.status_code == 429 and limited["Retry-After"]


def test_a_short_password_is_refused_in_chinese(client: Client, post: Any, inbox: Inbox, db: None) -> None:
    """Django 5.2's own wording of this message has no Chinese yet; the project's validator's has."""
    response = post("/signup/", {**GOOD, "password": "short-1", "password_confirm": "short-1"})
    assert response.status_code == 400
    assert response.context["form"].errors["password"] == ["密码长度太短。密码必须包含至少 10 个字符。"]
