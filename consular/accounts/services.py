"""Writes for accounts: create users, issue and revoke API tokens. Each writes its audit row."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.accounts import signup
from consular.accounts.authentication import token_cache_forget
from consular.accounts.models import MISSION_ROLES, ApiToken, Role, User
from consular.accounts.tokens import token_generate, token_hash
from consular.core.audit import audit_record
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.core.models import Mission
from consular.incidents.tabular import ValueInvalid

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def password_generate() -> str:
    return secrets.token_urlsafe(15)


def user_create(
    *,
    actor: Any,
    username: str,
    role: str,
    mission_code: str | None = None,
    email: str = "",
    password: str | None = None,
    phone: str = "",
    full_name: str = "",
) -> tuple[User, str]:
    """Create a user. Returns the user and the password (generated when none was given)."""
    fields: dict[str, list[StrOrPromise]] = {}
    if role not in Role.values:
        fields["role"] = [lazy_interpolate(_("Must be one of: %(choices)s."), choices=", ".join(Role.values))]
    mission = None
    if mission_code:
        mission = Mission.objects.filter(code=mission_code.upper(), active=True).first()
        if mission is None:
            fields["mission"] = [lazy_interpolate(_("Unknown mission %(code)s."), code=mission_code)]
    elif role in MISSION_ROLES:
        fields["mission"] = [_("Required for this role.")]
    if User.objects.filter(username=username).exists():
        fields["username"] = [_("This username is already taken.")]
    if not username or len(username) > 150:
        fields["username"] = [_("Use 1 to 150 characters.")]
    password = password or password_generate()
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        fields["password"] = list(exc.messages)
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _("The user could not be created."), fields=fields)
    with transaction.atomic():
        first, _space, last = full_name.partition(" ")
        user = User(username=username, role=role, mission=mission, email=email, phone=phone,
                    first_name=first, last_name=last)
        user.set_password(password)
        user.save()
        audit_record(
            actor=actor, action="user.create", obj=user,
            data={"role": role, "mission": mission.code if mission else None},
        )
    return user, password


def user_create_by(
    *,
    actor: Any,
    username: str,
    role: str,
    mission_code: str | None = None,
    email: str = "",
    password: str,
    full_name: str = "",
) -> User:
    """An officer creates an account. HQ officers may create any account; a mission officer may create
    volunteers for the own mission only; nobody else may create accounts."""
    actor_role = getattr(actor, "role", None)
    if actor_role == Role.HQ_OFFICER:
        pass
    elif actor_role == Role.MISSION_OFFICER:
        own = actor.mission.code if actor.mission else None
        if role != Role.VOLUNTEER or (mission_code or "").upper() != own:
            raise ApplicationError(
                ErrorCode.PERMISSION_DENIED,
                _("A mission officer may only create volunteers for their own mission."),
                status=403,
            )
    else:
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("You may not create accounts."), status=403)
    user, _password = user_create(
        actor=actor, username=username, role=role, mission_code=mission_code, email=email,
        password=password, full_name=full_name,
    )
    return user


def token_create(*, actor: Any, user: User, name: str = "", expires_at: Any = None) -> tuple[ApiToken, str]:
    """Issue a token for `user`. The plain token is returned once and never stored."""
    token = token_generate()
    with transaction.atomic():
        record = ApiToken.objects.create(
            user=user, name=name, prefix=token[:10], key_hash=token_hash(token), expires_at=expires_at
        )
        audit_record(actor=actor, action="apitoken.create", obj=record, data={"user": user.username})
    return record, token


def token_revoke(*, actor: Any, token: ApiToken) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(actor=actor, action="apitoken.revoke", obj=token)
    token_cache_forget(token.key_hash)


# --- Citizen self sign-up (helpers, link and emails in consular.accounts.signup) --------------------------------

SIGNUP_CREATED, SIGNUP_RENEWED, SIGNUP_EXISTING = "created", "renewed", "existing"


def citizen_sign_up(*, actor: Any, email: str, password: str, phone: str = "", client: str | None = None) -> str:
    """A citizen creates an account: inactive until the link in the verification email is followed.

    The caller's answer must not depend on the result (`created`, `renewed` or `existing`), so that nobody learns
    whether an address has an account: a new address gets an account and the link; a pending (never verified)
    account gets the new password and a new link (the older links stop working, unless the password is the same);
    an address that already has an account gets a "you already have an account" email and nothing changes.
    Invalid input: `invalid` with
    `email`, `password`, `phone`; too many requests from the address or for the email: `rate_limited`."""
    fields: dict[str, list[StrOrPromise]] = {}
    clean_email = clean_phone = ""
    try:
        clean_email = signup.email_clean(email)
    except ValueInvalid as exc:
        fields["email"] = [exc.message]
    try:
        clean_phone = signup.phone_clean(phone)
    except ValueInvalid as exc:
        fields["phone"] = [exc.message]
    if not password:
        fields["password"] = [_("This field is required.")]
    elif len(password) > 128:
        fields["password"] = [_("Use at most 128 characters.")]
    else:
        try:
            validate_password(password, User(username=clean_email or email, email=clean_email or email))
        except ValidationError as exc:
            fields["password"] = list(exc.messages)
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _("The account could not be created."), fields=fields)
    signup.signup_throttle(email=clean_email, client=client)
    # Hashed for every outcome: the answer takes as long whether or not the address has an account.
    hashed = make_password(password)
    with transaction.atomic():
        existing = signup.account_for_email(clean_email)
        if existing is None:
            user = User(username=clean_email, email=clean_email, role=Role.CITIZEN, is_active=False,
                        phone=clean_phone, password=hashed)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:  # the same address signed up at the same moment
                existing = signup.account_for_email(clean_email)
            else:
                audit_record(actor=actor, action="citizen.signup", obj=user, data={"phone": bool(clean_phone)})
                signup.mail_verification(to=clean_email, user=user)
                return SIGNUP_CREATED
        if existing is not None and signup.is_pending(existing):
            # The same password again (a retry without Idempotency-Key, a second tap): the hash is kept, so the
            # links already sent keep working; another password replaces it and ends them.
            if not check_password(password, existing.password):
                existing.password = hashed
            existing.phone = clean_phone
            existing.save(update_fields=["password", "phone", "phone_hash"])
            audit_record(actor=actor, action="citizen.signup", obj=existing,
                         data={"phone": bool(clean_phone), "renewed": True})
            signup.mail_verification(to=clean_email, user=existing)
            return SIGNUP_RENEWED
        if existing is not None:
            audit_record(actor=actor, action="citizen.signup_existing", obj=existing)
            signup.mail_existing_account(to=clean_email, user=existing)
    return SIGNUP_EXISTING


def citizen_verify(*, token: str, password: str) -> User:
    """Follow the verification link: the pending account becomes active (the caller then signs it in).
    A link that expired, was tampered with, was used or was replaced: `invalid` with the field `token`.

    The password of the account must be given too (`invalid` with the field `password` otherwise): anyone may
    sign up again with a pending account's address, which sets a new password and mails a new link to the
    address; without this check the owner of the address, following that link, would activate an account whose
    password someone else chose (and knows)."""
    user = signup.verification_user(token)
    if not password or len(password) > 128 or not check_password(password, user.password):
        raise ApplicationError(ErrorCode.INVALID, _("The account could not be activated."), fields={"password": [
            _("This is not the password chosen for this account. If you do not remember it, sign up again with "
              "the same address: you get a new link.")]})
    with transaction.atomic():
        activated = User.objects.filter(
            pk=user.pk, is_active=False, last_login__isnull=True, password=user.password
        ).update(is_active=True)
        if not activated:  # verified by a concurrent request in between
            raise signup.link_error(signup.LINK_USED, "used")
        user.is_active = True
        audit_record(actor=user, action="citizen.verify", obj=user)
    return user


def citizen_verification_resend(*, actor: Any, email: str, client: str | None = None) -> None:
    """Send a new verification link to a pending account; an address with an active account gets the "you
    already have an account" email, an unknown address nothing. The caller answers the same in every case."""
    try:
        clean_email = signup.email_clean(email)
    except ValueInvalid as exc:
        raise ApplicationError(ErrorCode.INVALID, _("The request has invalid fields."),
                               fields={"email": [exc.message]}) from None
    signup.signup_throttle(email=clean_email, client=client)
    with transaction.atomic():
        user = signup.account_for_email(clean_email)
        if user is None:
            audit_record(actor=actor, action="citizen.verification_resend", object_type="accounts.user",
                         data={"matched": False, **signup.audit_email_data(clean_email)})
        elif signup.is_pending(user):
            audit_record(actor=actor, action="citizen.verification_resend", obj=user, data={"matched": True})
            signup.mail_verification(to=clean_email, user=user)
        else:
            audit_record(actor=actor, action="citizen.verification_resend", obj=user,
                         data={"matched": True, "existing": True})
            signup.mail_existing_account(to=clean_email, user=user)


def citizen_token_create(*, actor: Any, user: User, name: str = "") -> tuple[ApiToken, str]:
    """An API token for the mobile app of an active citizen account, expiring after CITIZEN_TOKEN_DAYS.
    Staff accounts get theirs from an administrator (`consular apitoken`): `permission_denied`."""
    if user.role != Role.CITIZEN or not user.is_active:
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED,
            _("This sign-in is for citizen accounts. Staff get API tokens from an administrator."),
            status=403,
        )
    expires_at = timezone.now() + timedelta(days=settings.CITIZEN_TOKEN_DAYS)
    return token_create(actor=actor, user=user, name=name.strip()[:100] or "app", expires_at=expires_at)


def password_reset_request_record(*, actor: Any, email: str, users: list[User]) -> None:
    """Audit a password-reset request: one entry per account an email was sent to, or one without the address
    when none matched."""
    with transaction.atomic():
        for user in users:
            audit_record(actor=actor, action="user.password_reset_request", obj=user)
        if not users:
            audit_record(actor=actor, action="user.password_reset_request", object_type="accounts.user",
                         data={"matched": False, **signup.audit_email_data(email)})


def password_reset_record(*, user: User) -> None:
    """Audit a password set through a reset link (Django's form saves it), and revoke the account's API tokens:
    whoever knew the old password (the reason for a reset, often) must not keep the app signed in with it.
    (Browser sessions end by themselves: Django checks the password hash in each session.)"""
    with transaction.atomic():
        audit_record(actor=user, action="user.password_reset", obj=user)
        live = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
        for token in live:
            token_revoke(actor=user, token=token)
