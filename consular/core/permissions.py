"""Who may see what. Every selector scopes its queryset through `scope_queryset`, so lists, details,
exports and pages all apply the same rule, and a record outside the actor's scope is simply absent (404)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

T = TypeVar("T", bound=models.Model)

# Roles that see every mission's records (read; writes are checked by services).
ALL_MISSIONS_ROLES = frozenset({"hotline_operator", "hq_officer", "auditor"})


def scope_queryset(
    actor: Any,
    queryset: models.QuerySet[T],
    *,
    mission_field: str | None = "mission",
    volunteer_field: str | None = None,
    citizen_field: str | None = None,
) -> models.QuerySet[T]:
    """Restrict `queryset` to what `actor` may see.

    HQ roles and auditors: everything. Mission officers: rows whose `mission_field` is their mission.
    Volunteers: rows whose `volunteer_field` is them (nothing if the model has no such field).
    Citizens: rows whose `citizen_field` is them. Anyone else: nothing.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return queryset.none()
    role = getattr(actor, "role", None)
    if role in ALL_MISSIONS_ROLES:
        return queryset
    if role == "mission_officer" and mission_field and actor.mission_id:
        return queryset.filter(**{mission_field: actor.mission_id})
    if role == "volunteer" and volunteer_field:
        return queryset.filter(**{volunteer_field: actor.pk})
    if role == "citizen" and citizen_field:
        return queryset.filter(**{citizen_field: actor.pk})
    return queryset.none()


def can_write(actor: Any) -> bool:
    """Auditors are read-only everywhere."""
    return bool(actor and getattr(actor, "is_authenticated", False) and actor.role != "auditor")
