from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from consular.accounts.models import User
from consular.core.permissions import scope_queryset


def users_visible(*, actor: Any) -> QuerySet[User]:
    """Staff accounts the actor may see: HQ and auditors all, a mission officer those of the mission."""
    return scope_queryset(actor, User.objects.select_related("mission"), mission_field="mission")


def user_get(*, actor: Any, username: str) -> User | None:
    return users_visible(actor=actor).filter(username=username).first()
