"""Reads for reference data and the audit log."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from consular.core.models import AuditEntry, Country, Jurisdiction, Mission, Subdivision
from consular.core.names import name_sort_key


def countries_list(*, query: str = "") -> QuerySet[Country]:
    qs = Country.objects.all()
    if query:
        exact = Case(When(code=query.upper(), then=Value(0)), default=Value(1), output_field=IntegerField())
        qs = qs.filter(Q(code__iexact=query) | Q(name_en__icontains=query) | Q(name_zh__icontains=query))
        qs = qs.annotate(exact=exact).order_by("exact", "code")
    return qs


def countries_by_name() -> list[Country]:
    """Every country, in the order of its name in the active language (泰国 under T, Thailand under T): the
    lists people pick a country from."""
    return sorted(Country.objects.all(), key=lambda country: name_sort_key(country.name))


def subdivisions_of(*, country: str) -> QuerySet[Subdivision]:
    """The first-level subdivisions (provinces, states, regions) of the country with the code `country`, by
    name; none for an empty code."""
    code = (country or "").strip().upper()
    if not code:
        return Subdivision.objects.none()
    return Subdivision.objects.filter(country_id=code, parent__isnull=True).order_by("name")


def missions_list(*, country: str = "", kind: str = "", active: bool | None = True) -> QuerySet[Mission]:
    qs = Mission.objects.all()
    if country:
        qs = qs.filter(country_id=country.upper())
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def mission_detail(*, code: str) -> Mission | None:
    return (
        Mission.objects.select_related("country")
        .prefetch_related(
            Prefetch("jurisdiction", queryset=Jurisdiction.objects.select_related("subdivision", "country"))
        )
        .filter(code=code.upper())
        .first()
    )


def audit_entries(*, actor: Any, filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    """The audit log as an auditor may browse it; nobody else gets any row."""
    if not actor or not actor.is_authenticated or actor.role != "auditor":
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.all()
    if filters.get("actor"):
        qs = qs.filter(actor_username=filters["actor"])
    if filters.get("action"):
        qs = qs.filter(action__startswith=filters["action"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        qs = qs.filter(object_id=filters["object_id"])
    if filters.get("since"):
        qs = qs.filter(created_at__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(created_at__lt=filters["until"])
    return qs.order_by("-id")
