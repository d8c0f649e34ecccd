"""Which mission is responsible for a place. The one function every domain uses to route work."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from consular.core.errors import ApplicationError, ErrorCode
from consular.core.models import Country, Jurisdiction, Mission, MissionKind, Subdivision


def hq_mission() -> Mission:
    mission = Mission.objects.filter(kind=MissionKind.HQ).first()
    if mission is None:
        raise ApplicationError(
            ErrorCode.UNKNOWN_MISSION,
            "No HQ mission is loaded; run `consular loadreference`.",
            status=500,
        )
    return mission


def _top_level(subdivision: Subdivision) -> list[str]:
    """The subdivision and its ancestors, most specific first (a district names the first level)."""
    chain = [subdivision.code]
    current = subdivision
    while current.parent_id:
        chain.append(current.parent_id)
        current = Subdivision.objects.only("code", "parent_id").get(code=current.parent_id)
    return chain


def responsible_mission(country: str, subdivision: str | None = None) -> Mission:
    """The mission that answers for a place.

    1. A mission whose district lists the subdivision (or one of its parents): usually a consulate.
    2. Otherwise a mission whose jurisdiction lists the whole country, preferring one that sits in that
       country and is an embassy (an embassy accredited to several countries comes after).
    3. Otherwise HQ, which answers for every place without a mission.
    Raises ApplicationError for an unknown country or a subdivision outside that country.
    """
    code = (country or "").strip().upper()
    if not Country.objects.filter(code=code).exists():
        raise ApplicationError(
            ErrorCode.UNKNOWN_COUNTRY, f"Unknown country code {country!r}", fields={"country": ["unknown country"]}
        )
    if subdivision:
        sub = Subdivision.objects.filter(code=subdivision.strip().upper()).first()
        if sub is None or sub.country_id != code:
            raise ApplicationError(
                ErrorCode.UNKNOWN_SUBDIVISION,
                f"{subdivision!r} is not a subdivision of {code}",
                fields={"subdivision": [f"not a subdivision of {code}"]},
            )
        chain = _top_level(sub)
        match = (
            Jurisdiction.objects.filter(subdivision_id__in=chain, mission__active=True)
            .select_related("mission")
            .annotate(
                depth=Case(
                    *[When(subdivision_id=c, then=Value(i)) for i, c in enumerate(chain)],
                    output_field=IntegerField(),
                )
            )
            .order_by("depth")
            .first()
        )
        if match is not None:
            return match.mission
    country_match = (
        Jurisdiction.objects.filter(country_id=code, subdivision__isnull=True, mission__active=True)
        .select_related("mission")
        .annotate(
            rank=Case(
                When(mission__country_id=code, mission__kind=MissionKind.EMBASSY, then=Value(0)),
                When(mission__country_id=code, then=Value(1)),
                When(mission__kind=MissionKind.EMBASSY, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "mission__code")
        .first()
    )
    if country_match is not None:
        return country_match.mission
    return hq_mission()
