"""Load reference data: countries and subdivisions from ISO/CLDR, missions from the deployment's TOML file.

Idempotent: a second run with the same inputs changes no row. A mission that disappears from the file is
deactivated, never deleted, because cases and applications keep pointing at it.
"""

from __future__ import annotations

import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
from babel import Locale
from django.db import transaction

from consular.core.errors import ApplicationError, ErrorCode
from consular.core.jurisdiction import jurisdiction_cache_clear
from consular.core.models import Country, Jurisdiction, Mission, MissionKind, Subdivision


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    def add(self, bucket: str, kind: str, n: int = 1) -> None:
        target = getattr(self, bucket)
        target[kind] = target.get(kind, 0) + n

    @property
    def changed(self) -> bool:
        return any(v for d in (self.created, self.updated, self.deleted) for v in d.values())


def _sync(model: Any, rows: dict[str, dict[str, Any]], report: LoadReport, label: str) -> None:
    """Insert missing rows and update changed ones, keyed by primary key, in bulk."""
    existing = model.objects.in_bulk(list(rows))
    to_create, to_update = [], []
    names: set[str] = set()
    for key, values in rows.items():
        current = existing.get(key)
        if current is None:
            to_create.append(model(pk=key, **values))
            continue
        changed = [name for name, value in values.items() if getattr(current, name) != value]
        if changed:
            for name in changed:
                setattr(current, name, values[name])
            names.update(changed)
            to_update.append(current)
    model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, sorted(names), batch_size=500)
    if to_create:
        report.add("created", label, len(to_create))
    if to_update:
        report.add("updated", label, len(to_update))


def countries_load(report: LoadReport) -> None:
    zh, en = Locale.parse("zh_Hans"), Locale.parse("en")
    rows = {}
    for c in pycountry.countries:
        rows[c.alpha_2] = {
            "alpha3": c.alpha_3,
            "numeric": c.numeric,
            "name_zh": zh.territories.get(c.alpha_2) or c.name,
            "name_en": en.territories.get(c.alpha_2) or c.name,
        }
    _sync(Country, rows, report, "countries")


def subdivisions_load(report: LoadReport) -> None:
    rows: dict[str, dict[str, Any]] = {}
    for s in pycountry.subdivisions:
        rows[s.code] = {
            "country_id": s.country_code,
            "parent_id": s.parent_code,
            "name": s.name,
            "kind": s.type,
        }
    # Parents first, so the foreign key to the parent is satisfied on insert.
    top = {k: v for k, v in rows.items() if v["parent_id"] is None}
    _sync(Subdivision, top, report, "subdivisions")
    remaining = {k: v for k, v in rows.items() if v["parent_id"] is not None}
    while remaining:
        ready = {k: v for k, v in remaining.items() if v["parent_id"] not in remaining}
        _sync(Subdivision, ready, report, "subdivisions")
        for k in ready:
            del remaining[k]


MISSION_FIELDS = ("code", "kind", "name_zh", "name_en", "country", "city_en", "timezone")
OPTIONAL_FIELDS: dict[str, type | tuple[type, ...]] = {
    "city_zh": str,
    "latitude": (int, float),
    "longitude": (int, float),
    "website": str,
    "phone": str,
    "active": bool,
    "jurisdiction": list,
}


def _mission_errors(index: int, raw: dict[str, Any], countries: set[str], subdivisions: dict[str, str]) -> list[str]:
    where = f"mission #{index + 1} ({raw.get('code', '?')})"
    errors = []
    for name in MISSION_FIELDS:
        if not isinstance(raw.get(name), str) or not raw.get(name):
            errors.append(f"{where}: '{name}' is required")
    for name, types in OPTIONAL_FIELDS.items():
        if name in raw and not isinstance(raw[name], types):
            errors.append(f"{where}: '{name}' has the wrong type")
    unknown = set(raw) - set(MISSION_FIELDS) - set(OPTIONAL_FIELDS)
    if unknown:
        errors.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if raw.get("kind") not in MissionKind.values:
        errors.append(f"{where}: kind must be one of {', '.join(MissionKind.values)}")
    if raw.get("country") not in countries:
        errors.append(f"{where}: unknown country {raw.get('country')!r}")
    try:
        zoneinfo.ZoneInfo(str(raw.get("timezone")))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(f"{where}: unknown time zone {raw.get('timezone')!r}")
    for place in raw.get("jurisdiction", []) if isinstance(raw.get("jurisdiction"), list) else []:
        if "-" in str(place):
            if place not in subdivisions:
                errors.append(f"{where}: unknown subdivision {place!r}")
            elif subdivisions[place] != raw.get("country"):
                errors.append(f"{where}: {place} is not in the host country {raw.get('country')}")
        elif place not in countries:
            errors.append(f"{where}: unknown country {place!r} in jurisdiction")
    return errors


def missions_parse(path: Path) -> list[dict[str, Any]]:
    """Read and validate the missions file; raise ApplicationError listing every problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ApplicationError(ErrorCode.INVALID, f"missions file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ApplicationError(ErrorCode.INVALID, f"{path}: {exc}") from exc
    missions = data.get("mission", [])
    countries = set(Country.objects.values_list("code", flat=True))
    subdivisions = dict(Subdivision.objects.values_list("code", "country_id"))
    errors: list[str] = []
    seen_codes: set[str] = set()
    claimed: dict[str, str] = {}
    hq = 0
    for index, raw in enumerate(missions):
        errors.extend(_mission_errors(index, raw, countries, subdivisions))
        code = raw.get("code")
        if code in seen_codes:
            errors.append(f"mission #{index + 1}: duplicate code {code!r}")
        seen_codes.add(str(code))
        hq += raw.get("kind") == MissionKind.HQ
        for place in raw.get("jurisdiction", []) if isinstance(raw.get("jurisdiction"), list) else []:
            if "-" in str(place):
                if place in claimed:
                    errors.append(f"{place} is claimed by both {claimed[place]} and {code}")
                claimed[place] = str(code)
    if hq != 1:
        errors.append(f"the file must contain exactly one mission of kind 'hq' (found {hq})")
    if errors:
        raise ApplicationError(ErrorCode.INVALID, f"{path}: {len(errors)} problem(s)", fields={"missions": errors})
    return missions


def missions_load(path: Path, report: LoadReport) -> None:
    missions = missions_parse(path)
    rows: dict[str, dict[str, Any]] = {}
    for raw in missions:
        rows[raw["code"]] = {
            "kind": raw["kind"],
            "name_zh": raw["name_zh"],
            "name_en": raw["name_en"],
            "country_id": raw["country"],
            "city_zh": raw.get("city_zh", ""),
            "city_en": raw["city_en"],
            "timezone": raw["timezone"],
            "latitude": float(raw["latitude"]) if "latitude" in raw else None,
            "longitude": float(raw["longitude"]) if "longitude" in raw else None,
            "website": raw.get("website", ""),
            "phone": raw.get("phone", ""),
            "active": raw.get("active", True),
        }
    existing = {m.code: m for m in Mission.objects.all()}
    changed_fields: set[str] = set()
    to_update = []
    for code, values in rows.items():
        mission = existing.get(code)
        if mission is None:
            Mission.objects.create(code=code, **values)
            report.add("created", "missions")
            continue
        diff = [k for k, v in values.items() if getattr(mission, k) != v]
        if diff:
            for k in diff:
                setattr(mission, k, values[k])
            changed_fields.update(diff)
            to_update.append(mission)
    for code, mission in existing.items():
        if code not in rows and mission.active:
            mission.active = False
            changed_fields.add("active")
            to_update.append(mission)
    if to_update:
        Mission.objects.bulk_update(to_update, sorted(changed_fields | {"updated_at"}))
        report.add("updated", "missions", len(to_update))

    ids = dict(Mission.objects.values_list("code", "id"))
    wanted: set[tuple[int, str, str | None]] = set()
    subdivision_country = dict(Subdivision.objects.values_list("code", "country_id"))
    for raw in missions:
        for place in raw.get("jurisdiction", []):
            if "-" in place:
                wanted.add((ids[raw["code"]], subdivision_country[place], place))
            else:
                wanted.add((ids[raw["code"]], place, None))
    current = {
        (j.mission_id, j.country_id, j.subdivision_id): j.pk
        for j in Jurisdiction.objects.filter(mission__code__in=list(rows))
    }
    stale = [pk for key, pk in current.items() if key not in wanted]
    if stale:
        Jurisdiction.objects.filter(pk__in=stale).delete()
        report.add("deleted", "jurisdictions", len(stale))
    new = [
        Jurisdiction(mission_id=m, country_id=c, subdivision_id=s) for (m, c, s) in sorted(
            wanted - set(current), key=lambda t: (t[0], t[1], t[2] or "")
        )
    ]
    if new:
        Jurisdiction.objects.bulk_create(new)
        report.add("created", "jurisdictions", len(new))


def reference_load(*, missions_file: Path) -> LoadReport:
    """Load everything in one transaction: all or nothing."""
    report = LoadReport()
    with transaction.atomic():
        countries_load(report)
        subdivisions_load(report)
        missions_load(missions_file, report)
    jurisdiction_cache_clear()
    return report
