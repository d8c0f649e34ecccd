"""Build the alert editor's world outline (consular/console/static/console/world-110m.geojson) from Natural Earth's
1:110m countries (public domain) as redistributed by the npm package world-atlas@2 (TopoJSON).

    cd /tmp && npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz
    .venv/bin/python scripts/world_outline.py /tmp/package/countries-110m.json

The TopoJSON arcs are decoded to plain GeoJSON polygons, coordinates rounded to 2 decimals (about 1 km: an
outline to find one's way on, not a border), and each country's numeric ISO 3166 id mapped to its alpha-2 code
with pycountry (`properties.code`; null for the few shapes without an ISO id), so a click on the map can add the
code to the alert's "Whole countries" field. Run once; the output is committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pycountry

OUTPUT = Path(__file__).resolve().parents[1] / "consular" / "console" / "static" / "console" / "world-110m.geojson"
DECIMALS = 2


def _arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The arcs in degrees: undo the quantization (delta-encoded integers, then scale and translate)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    ring: list[list[float]] = []
    for lon, lat in points:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not ring or ring[-1] != point:
            ring.append(point)
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def _code(numeric: str | None) -> str | None:
    if not numeric:
        return None
    country = pycountry.countries.get(numeric=numeric.zfill(3))
    return country.alpha_2 if country is not None else None


def convert(topology: dict[str, Any]) -> dict[str, Any]:
    arcs = _arcs(topology)
    features: list[dict[str, Any]] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [[r for r in (_ring(ring, arcs) for ring in polygon) if len(r) >= 4] for polygon in polygons]
        rings = [polygon for polygon in rings if polygon]
        if not rings:
            continue
        features.append({
            "type": "Feature",
            "properties": {"code": _code(geometry.get("id")), "name": geometry.get("properties", {}).get("name", "")},
            "geometry": {"type": "MultiPolygon", "coordinates": rings},
        })
    features.sort(key=lambda f: (f["properties"]["code"] or "~", f["properties"]["name"]))
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    topology = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    OUTPUT.write_text(json.dumps(convert(topology), separators=(",", ":"), ensure_ascii=False) + "\n",
                      encoding="utf-8")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
