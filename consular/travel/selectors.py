"""Reads for trip registrations, scoped to what the actor may see (a registration outside the scope is absent: 404).

* Citizens: their own registrations (including those of the groups they registered).
* HQ officers and hotline operators: every registration (operations: who is where; filters by country and date).
* Mission officers: registrations with at least one leg in their mission's consular jurisdiction, i.e. a leg whose
  responsible mission (`consular.core.jurisdiction.responsible_mission`) is theirs.
* Volunteers and auditors: none. Least privilege: volunteers see only what a mission assigns to them and nothing
  of registrations is assigned; auditors read the audit log (who saw which registration), not the registry.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db.models import Q, QuerySet

from consular.accounts.models import Role
from consular.core.jurisdiction import responsible_mission
from consular.core.models import Jurisdiction, Subdivision
from consular.travel.models import Registration, TripLeg

READER_ROLES = frozenset({Role.CITIZEN, Role.HQ_OFFICER, Role.HOTLINE_OPERATOR, Role.MISSION_OFFICER})
STAFF_READER_ROLES = frozenset({Role.HQ_OFFICER, Role.HOTLINE_OPERATOR, Role.MISSION_OFFICER})


def _with_descendants(codes: set[str]) -> set[str]:
    found, frontier = set(codes), set(codes)
    while frontier:
        frontier = set(Subdivision.objects.filter(parent_id__in=frontier).values_list("code", flat=True)) - found
        found |= frontier
    return found


def legs_in_jurisdiction(mission_id: int) -> Q:
    """TripLeg rows whose responsible mission is `mission_id`: a leg in one of its subdivisions (or their
    children), or in one of the countries it answers for as a whole, outside any other mission's district."""
    rows = list(Jurisdiction.objects.values_list("mission_id", "country_id", "subdivision_id"))
    own_subs = _with_descendants({s for m, _c, s in rows if m == mission_id and s})
    districts = _with_descendants({s for _m, _c, s in rows if s})
    countries = {c for m, c, s in rows if m == mission_id and not s and responsible_mission(c).pk == mission_id}
    whole = Q(country_id__in=countries) & (Q(subdivision__isnull=True) | ~Q(subdivision_id__in=districts))
    return Q(subdivision_id__in=own_subs) | whole


def registrations_visible(*, actor: Any) -> QuerySet[Registration]:
    qs = Registration.objects.select_related("owner", "group")
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return qs.none()
    role = getattr(actor, "role", None)
    if role == Role.CITIZEN:
        return qs.filter(owner=actor)
    if role in (Role.HQ_OFFICER, Role.HOTLINE_OPERATOR):
        return qs
    if role == Role.MISSION_OFFICER and actor.mission_id:
        legs = TripLeg.objects.filter(legs_in_jurisdiction(actor.mission_id)).values("registration_id")
        return qs.filter(pk__in=legs)
    return qs.none()


def registration_list(*, actor: Any, filters: dict[str, Any]) -> QuerySet[Registration]:
    """Filters: `state` (list), `country` (a leg in it), `on` (a leg spanning the date), `from`/`until` (a leg
    overlapping the period), `group`."""
    qs = registrations_visible(actor=actor)
    if filters.get("state"):
        qs = qs.filter(state__in=filters["state"])
    if filters.get("group"):
        qs = qs.filter(group_id=filters["group"])
    leg = Q()
    if filters.get("country"):
        leg &= Q(country_id=str(filters["country"]).upper())
    on: datetime.date | None = filters.get("on")
    if on:
        leg &= Q(arrive__lte=on, depart__gte=on)
    if filters.get("date_from"):
        leg &= Q(depart__gte=filters["date_from"])
    if filters.get("date_until"):
        leg &= Q(arrive__lte=filters["date_until"])
    if leg:
        qs = qs.filter(pk__in=TripLeg.objects.filter(leg).values("registration_id"))
    return qs.prefetch_related("legs", "co_travellers").order_by("-starts_on", "pk")


def registration_get(*, actor: Any, registration_id: Any) -> Registration | None:
    try:
        pk = uuid.UUID(str(registration_id))
    except ValueError:
        return None
    return registrations_visible(actor=actor).prefetch_related("legs", "co_travellers").filter(pk=pk).first()
