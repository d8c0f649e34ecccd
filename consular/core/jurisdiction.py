"""Which mission is responsible for a place. The one function every domain uses to route work.

Reference data changes only when `consular loadreference` runs, so the whole jurisdiction map (a few thousand
rows) is kept in memory and rebuilt every JURISDICTION_CACHE_SECONDS (and at once in the process that loads
reference data). Routing a hotline call then costs no query at all.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.core.models import Country, Jurisdiction, Mission, MissionKind, Subdivision


@dataclass
class _Map:
    countries: frozenset[str] = frozenset()
    subdivisions: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # code → (country, parent)
    by_subdivision: dict[str, int] = field(default_factory=dict)  # subdivision → mission id
    by_country: dict[str, int] = field(default_factory=dict)  # country → best whole-country mission id
    missions: dict[int, Mission] = field(default_factory=dict)
    hq: Mission | None = None
    built_at: float = 0.0


_lock = threading.Lock()
_current: _Map | None = None


def _rank(mission: Mission, country: str) -> tuple[int, str]:
    """Prefer a mission in the country that is an embassy, then any mission in the country, then an embassy
    concurrently accredited from elsewhere."""
    in_country = mission.country_id == country
    embassy = mission.kind == MissionKind.EMBASSY
    return (0 if in_country and embassy else 1 if in_country else 2 if embassy else 3, mission.code)


def _build() -> _Map:
    missions = {m.pk: m for m in Mission.objects.filter(active=True)}
    built = _Map(
        countries=frozenset(Country.objects.values_list("code", flat=True)),
        subdivisions={code: (country, parent) for code, country, parent in
                      Subdivision.objects.values_list("code", "country_id", "parent_id")},
        missions=missions,
        hq=next((m for m in missions.values() if m.kind == MissionKind.HQ), None),
        built_at=time.monotonic(),
    )
    candidates: dict[str, list[Mission]] = {}
    for mission_id, country, subdivision in Jurisdiction.objects.values_list("mission_id", "country_id",
                                                                             "subdivision_id"):
        if mission_id not in missions:
            continue
        if subdivision:
            built.by_subdivision[subdivision] = mission_id
        else:
            candidates.setdefault(country, []).append(missions[mission_id])
    for country, found in candidates.items():
        built.by_country[country] = min(found, key=lambda m: _rank(m, country)).pk
    return built


def _map() -> _Map:
    global _current
    ttl = settings.JURISDICTION_CACHE_SECONDS
    current = _current
    if current is not None and ttl > 0 and time.monotonic() - current.built_at < ttl:
        return current
    with _lock:
        if _current is None or ttl <= 0 or time.monotonic() - _current.built_at >= ttl:
            _current = _build()
        return _current


def jurisdiction_cache_clear() -> None:
    global _current
    with _lock:
        _current = None


def hq_mission() -> Mission:
    mission = _map().hq
    if mission is None:
        raise ApplicationError(
            ErrorCode.UNKNOWN_MISSION,
            _("No HQ mission is loaded; run `consular loadreference`."),
            status=500,
        )
    return copy.copy(mission)


def responsible_mission(country: str, subdivision: str | None = None) -> Mission:
    """The mission that answers for a place.

    1. A mission whose district lists the subdivision (or one of its parents): usually a consulate.
    2. Otherwise a mission whose jurisdiction lists the whole country, preferring one that sits in that
       country and is an embassy (an embassy accredited to several countries comes after).
    3. Otherwise HQ, which answers for every place without a mission.
    Raises ApplicationError for an unknown country or a subdivision outside that country.
    """
    places = _map()
    code = (country or "").strip().upper()
    if code not in places.countries:
        raise ApplicationError(
            ErrorCode.UNKNOWN_COUNTRY, lazy_interpolate(_("Unknown country code “%(code)s”."), code=country or ""),
            fields={"country": [_("Unknown country.")]},
        )
    if subdivision:
        current: str | None = subdivision.strip().upper()
        entry = places.subdivisions.get(current or "")
        if entry is None or entry[0] != code:
            raise ApplicationError(
                ErrorCode.UNKNOWN_SUBDIVISION,
                lazy_interpolate(_("“%(subdivision)s” is not a province or state of %(country)s."),
                                 subdivision=subdivision, country=code),
                fields={"subdivision": [lazy_interpolate(_("Not a province or state of %(country)s."), country=code)]},
            )
        while current:  # the subdivision, then its parents
            if current in places.by_subdivision:
                return copy.copy(places.missions[places.by_subdivision[current]])
            current = places.subdivisions[current][1]
    if code in places.by_country:
        return copy.copy(places.missions[places.by_country[code]])
    return hq_mission()
