"""Writes for accounts: create users, issue and revoke API tokens. Each writes its audit row."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.accounts.authentication import token_cache_forget
from consular.accounts.models import MISSION_ROLES, ApiToken, Role, User
from consular.accounts.tokens import token_generate, token_hash
from consular.core.audit import audit_record
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.core.models import Mission

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
