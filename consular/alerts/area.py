"""An alert's area: validation, and the SQL condition that says whether a trip leg lies in it.

Circles and polygons are tested in SQL, in the same query as countries and subdivisions, on both databases:
a bounding-box prefilter on the `(lat, lon)` index, then the exact test.

* Circle: the haversine formula, compared without `asin`/`sqrt` as hav(d/R) <= hav(r/R), with SQL's SIN, COS,
  RADIANS and POWER. PostgreSQL has them; Python's SQLite (3.35+, built with the math functions) has them too
  (`tests/alerts` run on both).
* Polygon: ray casting. Each edge is a constant, so "does the ray east from the leg cross this edge" is linear in
  the leg's coordinates: `lat` within the edge's latitudes (half-open) and `lon < a * lat + b`. The crossings are
  summed with one CASE per edge and the leg is inside when the sum is odd. Rings do not cross the antimeridian.

Coordinates are WGS 84 degrees; polygons are given as [lat, lon] pairs, closed (first point = last point).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When
from django.db.models.functions import Cos, Mod, Power, Radians, Sin
from django.db.models.lookups import Exact, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from consular.core.errors import lazy_interpolate
from consular.core.models import Country, Subdivision

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 500.0
MAX_POLYGON_POINTS = 200
MAX_SHAPES = 20
MAX_PLACES = 300


@dataclass
class Area:
    countries: list[str] = field(default_factory=list)
    subdivisions: list[str] = field(default_factory=list)
    circles: list[dict[str, float]] = field(default_factory=list)  # {"lat", "lon", "radius_km"}
    polygons: list[list[list[float]]] = field(default_factory=list)  # rings of [lat, lon]

    def as_json(self) -> dict[str, Any]:
        return {"countries": self.countries, "subdivisions": self.subdivisions, "circles": self.circles,
                "polygons": self.polygons}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Area:
        data = data or {}
        return cls(countries=list(data.get("countries") or []), subdivisions=list(data.get("subdivisions") or []),
                   circles=[dict(c) for c in data.get("circles") or []],
                   polygons=[[list(p) for p in ring] for ring in data.get("polygons") or []])

    @property
    def empty(self) -> bool:
        return not (self.countries or self.subdivisions or self.circles or self.polygons)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _point_ok(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180


def _area_shaped(raw: dict[str, Any], fields: dict[str, list[StrOrPromise]]) -> Area:
    """`Area.from_json` for input not yet checked: a part of the wrong JSON type (a circle that is not an object,
    a polygon that is not a list of [lat, lon] lists, codes that are not a list) is a field error, not a 500."""
    def listed(name: str) -> list[Any]:
        value = raw.get(name)
        if value in (None, ""):
            return []
        if not isinstance(value, list | tuple):
            fields[f"area.{name}"] = [_("Give a list.")]
            return []
        return list(value)

    codes = {name: listed(name) for name in ("countries", "subdivisions")}
    for name, values in codes.items():
        if not all(isinstance(v, str) for v in values):
            fields[f"area.{name}"] = [_("Give a list of codes.")]
            codes[name] = []
    circles = listed("circles")
    if not all(isinstance(c, dict) for c in circles):
        fields["area.circles"] = [_("A circle is an object with lat, lon and radius_km.")]
        circles = []
    polygons = listed("polygons")
    if not all(isinstance(ring, list | tuple) and all(isinstance(p, list | tuple) for p in ring) for ring in polygons):
        fields["area.polygons"] = [_("A polygon is a list of [latitude, longitude] points.")]
        polygons = []
    return Area.from_json({**codes, "circles": circles, "polygons": polygons})


def area_clean(raw: dict[str, Any], concerns: list[str],
               fields: dict[str, list[StrOrPromise]]) -> tuple[Area, list[str]]:
    """The area with codes normalised, and the countries it concerns (those of the area, of its subdivisions,
    and `concerns`, which circles and polygons need). Problems are added to `fields` under `area.<part>`."""
    area = _area_shaped(raw if isinstance(raw, dict) else {}, fields)
    area.countries = list(dict.fromkeys(str(c).strip().upper() for c in area.countries if str(c).strip()))
    area.subdivisions = list(dict.fromkeys(str(c).strip().upper() for c in area.subdivisions if str(c).strip()))
    concerned = list(dict.fromkeys(str(c).strip().upper() for c in concerns if str(c).strip()))
    if area.empty:
        fields["area"] = [_("Give at least one country, subdivision, circle or polygon.")]
        return area, []
    if len(area.countries) + len(area.subdivisions) > MAX_PLACES:
        fields["area"] = [lazy_interpolate(_("At most %(limit)s countries and subdivisions."), limit=MAX_PLACES)]
    if len(area.circles) + len(area.polygons) > MAX_SHAPES:
        fields["area"] = [lazy_interpolate(_("At most %(limit)s circles and polygons."), limit=MAX_SHAPES)]
    known = set(Country.objects.filter(code__in=area.countries + concerned).values_list("code", flat=True))
    unknown = [c for c in area.countries if c not in known]
    if unknown:
        fields["area.countries"] = [lazy_interpolate(_("Unknown country %(code)s."), code=c) for c in unknown]
    unknown = [c for c in concerned if c not in known]
    if unknown:
        fields["countries_concerned"] = [lazy_interpolate(_("Unknown country %(code)s."), code=c) for c in unknown]
    subdivision_countries = dict(Subdivision.objects.filter(code__in=area.subdivisions)
                                 .values_list("code", "country_id"))
    unknown = [c for c in area.subdivisions if c not in subdivision_countries]
    if unknown:
        fields["area.subdivisions"] = [lazy_interpolate(_("Unknown subdivision %(code)s."), code=c) for c in unknown]
    circles: list[dict[str, float]] = []
    for circle in area.circles:
        lat, lon, radius = (_number(circle.get("lat")), _number(circle.get("lon")), _number(circle.get("radius_km")))
        if not _point_ok(lat, lon) or radius is None or not 0 < radius <= MAX_RADIUS_KM:
            fields["area.circles"] = [lazy_interpolate(
                _("A circle is a point (latitude -90..90, longitude -180..180) and a radius of more than 0 and at "
                  "most %(limit)s km."), limit=int(MAX_RADIUS_KM))]
            break
        assert lat is not None and lon is not None
        circles.append({"lat": lat, "lon": lon, "radius_km": radius})
    area.circles = circles
    polygons: list[list[list[float]]] = []
    for ring in area.polygons:
        points = [(_number(p[0]), _number(p[1])) if isinstance(p, list | tuple) and len(p) == 2 else (None, None)
                  for p in ring]
        if (not 4 <= len(points) <= MAX_POLYGON_POINTS or not all(_point_ok(a, b) for a, b in points)
                or points[0] != points[-1] or len(set(points)) < 3):
            fields["area.polygons"] = [lazy_interpolate(
                _("A polygon is a closed ring of %(min)s to %(max)s [latitude, longitude] points, the first "
                  "equal to the last, with at least three distinct points."), min=4, max=MAX_POLYGON_POINTS)]
            break
        polygons.append([[float(a or 0), float(b or 0)] for a, b in points])
    area.polygons = polygons
    countries = list(dict.fromkeys([*area.countries, *(subdivision_countries[c] for c in area.subdivisions
                                                       if c in subdivision_countries), *concerned]))
    if (area.circles or area.polygons) and not concerned and not (area.countries or area.subdivisions):
        fields["countries_concerned"] = [_("Name the country or countries the circles and polygons lie in.")]
    return area, [c for c in countries if c in known or c in subdivision_countries.values()]


# --- The leg condition --------------------------------------------------------------------------------------------

def _hav(angle: float) -> float:
    return math.sin(angle / 2) ** 2


def _lon_ranges(lon: float, half_width: float) -> list[tuple[float, float]]:
    """Longitude ranges of a box `half_width` either side of `lon`, split at the antimeridian."""
    if half_width >= 180:
        return [(-180.0, 180.0)]
    low, high = lon - half_width, lon + half_width
    if low < -180:
        return [(low + 360, 180.0), (-180.0, high)]
    if high > 180:
        return [(low, 180.0), (-180.0, high - 360)]
    return [(low, high)]


def _box(lat_low: float, lat_high: float, lon_ranges: list[tuple[float, float]], prefix: str) -> Q:
    lon_q = Q()
    for low, high in lon_ranges:
        lon_q |= Q(**{f"{prefix}lon__gte": low, f"{prefix}lon__lte": high})
    return Q(**{f"{prefix}lat__gte": lat_low, f"{prefix}lat__lte": lat_high}) & lon_q


def circle_condition(lat: float, lon: float, radius_km: float, prefix: str = "") -> Q:
    """Legs within `radius_km` of (lat, lon): bounding box, then the haversine test in SQL."""
    angle = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle)
    lat_low, lat_high = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    if lat_low <= -90 or lat_high >= 90:
        half_width = 180.0  # the circle holds a pole: every longitude
    else:
        half_width = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
    phi, lam = math.radians(lat), math.radians(lon)
    lat_f, lon_f = F(f"{prefix}lat"), F(f"{prefix}lon")
    hav = (Power(Sin((Radians(lat_f) - Value(phi)) / Value(2.0)), 2)
           + Value(math.cos(phi)) * Cos(Radians(lat_f)) * Power(Sin((Radians(lon_f) - Value(lam)) / Value(2.0)), 2))
    exact: LessThanOrEqual = LessThanOrEqual(hav, Value(_hav(angle) + 1e-12, output_field=FloatField()))
    return _box(lat_low, lat_high, _lon_ranges(lon, half_width), prefix) & Q(exact)


def polygon_condition(ring: list[list[float]], prefix: str = "") -> Q:
    """Legs inside the ring: bounding box, then ray casting in SQL (see the module's docstring)."""
    lats = [p[0] for p in ring]
    lons = [p[1] for p in ring]
    lat_f = F(f"{prefix}lat")
    crossings: Any = Value(0)
    for (lat_i, lon_i), (lat_j, lon_j) in pairwise(ring):
        if lat_i == lat_j:
            continue  # a horizontal edge is never crossed by a horizontal ray
        slope = (lon_j - lon_i) / (lat_j - lat_i)
        low, high = min(lat_i, lat_j), max(lat_i, lat_j)
        crossing = Q(**{f"{prefix}lat__gte": low, f"{prefix}lat__lt": high}) & Q(
            **{f"{prefix}lon__lt": lat_f * Value(slope) + Value(lon_i - slope * lat_i)})
        crossings = crossings + Case(When(crossing, then=Value(1)), default=Value(0), output_field=IntegerField())
    inside: Exact = Exact(Mod(crossings, Value(2)), Value(1))
    return _box(min(lats), max(lats), [(min(lons), max(lons))], prefix) & Q(inside)


def leg_condition(area: Area, subdivisions: list[str], prefix: str = "") -> Q:
    """Legs in the area: in one of its countries, in one of `subdivisions` (the area's and their children), or
    at a point within one of its circles or polygons. `prefix` names the leg relation ("" on TripLeg)."""
    parts: list[Q] = []
    if area.countries:
        parts.append(Q(**{f"{prefix}country_id__in": area.countries}))
    if subdivisions:
        parts.append(Q(**{f"{prefix}subdivision_id__in": subdivisions}))
    parts += [circle_condition(c["lat"], c["lon"], c["radius_km"], prefix) for c in area.circles]
    parts += [polygon_condition(ring, prefix) for ring in area.polygons]
    if not parts:
        return Q(**{f"{prefix}pk__in": []})
    return _any(parts)


def _any(parts: list[Q]) -> Q:
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def point_in_ring(lat: float, lon: float, ring: list[list[float]]) -> bool:
    """The same ray-casting test in Python (for tests and previews)."""
    inside = False
    for (lat_i, lon_i), (lat_j, lon_j) in pairwise(ring):
        if (lat_i > lat) != (lat_j > lat) and lon < (lon_j - lon_i) * (lat - lat_i) / (lat_j - lat_i) + lon_i:
            inside = not inside
    return inside
