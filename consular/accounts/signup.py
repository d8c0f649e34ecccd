"""Citizen self sign-up: input rules, the signed verification link, rate limits and the emails.

The writes themselves (`citizen_sign_up`, `citizen_verify`, `citizen_verification_resend`, `citizen_token_create`)
live in `consular.accounts.services`; this module holds what they share with the portal and the API.

An account signed up but not yet verified is a `citizen` that is inactive and has never logged in (`pending`).
The verification link is `{PUBLIC_URL}/signup/verify/<token>/`, the token a `TimestampSigner` signature over the
user id and a keyed digest of the account's state (password hash, email, active flag): it stops working after
CITIZEN_SIGNUP_LINK_DAYS, once the account is active (used), and when a newer sign-up replaced the password
(superseded)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consular.accounts.models import Role, User
from consular.core.crypto import keyed_hash
from consular.core.errors import ApplicationError, ErrorCode
from consular.incidents.tabular import ValueInvalid, normalise_email, normalise_phone
from consular.notify.services import notify_email

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

VERIFY_SALT = "consular.accounts.signup.verify"
VERIFY_PATH = "/signup/verify/{token}/"
RESET_PATH = "/password-reset/"
LOGIN_PATH = "/login/"
MAX_EMAIL = 254

LINK_EXPIRED = gettext_lazy("This link has expired. Ask for a new one below.")
LINK_USED = gettext_lazy("This link was already used, or a newer link replaced it. If your account is active, "
                         "log in; otherwise ask for a new link below.")
LINK_INVALID = gettext_lazy("This link is not valid. Copy the whole link from the email, or ask for a new one "
                            "below.")


def email_clean(raw: str) -> str:
    """The address in lower case (the account's username), or ValueInvalid."""
    text = (raw or "").strip()
    if not text:
        raise ValueInvalid(gettext_lazy("This field is required."))
    clean = normalise_email(text).lower()
    # The pattern's IGNORECASE lets a few non-ASCII letters through ("İ" matches "i"); lowered, they are no
    # longer the ASCII local part the address must have (nor the user name of the same mailbox).
    if not clean.rpartition("@")[0].isascii():
        raise ValueInvalid(gettext_lazy("This is not a valid e-mail address."))
    return clean


def phone_clean(raw: str) -> str:
    """An international mobile number in E.164 form (`+` and 8 to 15 digits), or "" when none was given.
    Checked as the rest of the code base checks phones (`normalise_phone`), then with its country code."""
    text = (raw or "").strip()
    if not text:
        return ""
    text = normalise_phone(text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("00"):
        digits = digits[2:]
    elif not text.startswith("+"):
        raise ValueInvalid(gettext_lazy("Write the number with its country code, for example +86 138 0013 8000."))
    if not (8 <= len(digits) <= 15) or digits.startswith("0"):
        raise ValueInvalid(gettext_lazy("Write the number with its country code, for example +86 138 0013 8000."))
    return "+" + digits


def is_pending(user: User) -> bool:
    """Signed up but never verified: a citizen that is inactive and has never logged in."""
    return user.role == Role.CITIZEN and not user.is_active and user.last_login is None


def account_for_email(email: str) -> User | None:
    """The account using this address, compared case-insensitively (as username or as email)."""
    return (User.objects.filter(username=email).first()
            or User.objects.filter(email__iexact=email).order_by("pk").first())


# --- The verification link ------------------------------------------------------------------------------------

def _state(user: User) -> str:
    value = f"{user.pk}|{user.password}|{user.email.lower()}|{int(user.is_active)}"
    return salted_hmac(VERIFY_SALT, value, algorithm="sha256").hexdigest()[:24]


def verification_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "s": _state(user)}, salt=VERIFY_SALT)


def verification_url(user: User) -> str:
    return settings.PUBLIC_URL + VERIFY_PATH.format(token=verification_token(user))


def link_error(message: StrOrPromise, reason: str) -> ApplicationError:
    error = ApplicationError(ErrorCode.INVALID, message, fields={"token": [message]})
    error.reason = reason  # type: ignore[attr-defined]
    return error


def verification_user(token: str) -> User:
    """The pending account the token was made for; ApplicationError (`invalid`, field `token`) when the link
    expired, was tampered with, was used or was replaced by a newer one."""
    max_age = settings.CITIZEN_SIGNUP_LINK_DAYS * 24 * 3600
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise link_error(LINK_EXPIRED, "expired") from None
    except signing.BadSignature:
        raise link_error(LINK_INVALID, "invalid") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise link_error(LINK_INVALID, "invalid")
    user = User.objects.filter(pk=payload["u"]).first()
    if user is None:
        raise link_error(LINK_INVALID, "invalid")
    if not is_pending(user) or payload.get("s") != _state(user):
        raise link_error(LINK_USED, "used")
    return user


# --- Rate limits ------------------------------------------------------------------------------------------------

def _count(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:
        cache.set(key, 1, timeout=window)
        return 1


def signup_throttle(*, email: str, client: str | None, kind: str = "signup") -> None:
    """Count one request that sends an email (sign-up, new link, password reset) per client address and per
    address; beyond CITIZEN_SIGNUP_MAX_PER_ADDRESS or CITIZEN_SIGNUP_MAX_PER_EMAIL within the hour:
    `rate_limited` (429). The same answer whether or not the address has an account."""
    window = 3600
    digest = hashlib.sha256(email.lower().encode("utf-8")).hexdigest()[:32]
    over_address = _count(f"signup:ip:{client or '-'}", window) > settings.CITIZEN_SIGNUP_MAX_PER_ADDRESS
    over_email = _count(f"signup:email:{digest}", window) > settings.CITIZEN_SIGNUP_MAX_PER_EMAIL
    if over_address or over_email:
        raise ApplicationError(
            ErrorCode.RATE_LIMITED,
            gettext_lazy("Too many requests. Please wait an hour and try again."),
            status=429, retry_after=window,
        )


# --- Emails (composed in the language active when they are asked for) -----------------------------------------

def _signature() -> str:
    hotline = settings.CONSULAR_DEPLOYMENT.get("hotline", "")
    text = _("Consular protection and services")
    if hotline:
        text += "\n" + _("24-hour emergency hotline:") + " " + str(hotline)
    return text


def mail_verification(*, to: str, user: User) -> None:
    days = settings.CITIZEN_SIGNUP_LINK_DAYS
    body = "\n\n".join([
        _("Welcome. To activate your account, open this link within %(days)s days:") % {"days": days},
        verification_url(user),
        _("If you did not create an account, ignore this email: without the link the account stays inactive."),
        _signature(),
    ])
    notify_email(to=[to], subject=_("Activate your account"), body=body)


def mail_existing_account(*, to: str, user: User) -> None:
    """Someone signed up (or asked for a new link) with an address that already has an account."""
    parts = [_("Someone, probably you, tried to create an account with this email address. You already have an "
               "account, so nothing was changed.")]
    if user.role == Role.CITIZEN and user.is_active:
        parts += [_("Log in:") + " " + settings.PUBLIC_URL + LOGIN_PATH,
                  _("Forgot your password? Choose a new one here:") + " " + settings.PUBLIC_URL + RESET_PATH]
    elif user.role == Role.CITIZEN:
        parts.append(_("This account is closed. Call the hotline if you need it again."))
    else:
        parts.append(_("This is a staff account: ask your administrator if you cannot log in."))
    parts += [_("If it was not you, ignore this email."), _signature()]
    notify_email(to=[to], subject=_("You already have an account"), body="\n\n".join(parts))


def audit_email_data(email: str) -> dict[str, Any]:
    """What the audit log keeps of an address that matched no account: not the address, a keyed hash."""
    return {"email_hash": keyed_hash(email, kind="text")}
