"""Forms of the console's alert pages: writing an alert or a new edition. The form checks the shape of what was
typed (numbers, dates); the service (consular.alerts.services) checks the rules and its refusals are shown on the
same fields (`form_add_error` with ALERT_FIELD_MAP)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.alerts.codes import Category, Level
from consular.alerts.models import AlertEdition
from consular.alerts.services import AlertIn

_CODES_SPLIT = re.compile(r"[\s,，;；、]+")
_NUMBER = r"-?\d+(?:\.\d+)?"
_CIRCLE = re.compile(rf"^\s*({_NUMBER})\s*[,， ]\s*({_NUMBER})\s*[,， ]\s*({_NUMBER})\s*$")
_POINT = re.compile(rf"^\s*({_NUMBER})\s*[,， ]\s*({_NUMBER})\s*$")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
# The service's field keys → the form's field names.
ALERT_FIELD_MAP = {
    "headline.zh-hans": "headline_zh", "headline.en": "headline_en", "body.zh-hans": "body_zh", "body.en": "body_en",
    "instructions.zh-hans": "instructions_zh", "instructions.en": "instructions_en", "area": "countries",
    "area.countries": "countries", "area.subdivisions": "subdivisions", "area.circles": "circles",
    "area.polygons": "polygons",
}


def _codes(text: str) -> list[str]:
    return [c.upper() for c in _CODES_SPLIT.split(text.strip()) if c]


def _when(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, help_text=_("Local time of this console."), input_formats=DATETIME_FORMATS,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


class AlertForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    headline_zh = forms.CharField(label=_("Headline (Chinese)"), max_length=200)
    headline_en = forms.CharField(label=_("Headline (English)"), max_length=200, required=False)
    body_zh = forms.CharField(label=_("Text (Chinese)"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    body_en = forms.CharField(label=_("Text (English)"), max_length=10000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    instructions_zh = forms.CharField(label=_("What to do (Chinese)"), max_length=10000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    instructions_en = forms.CharField(label=_("What to do (English)"), max_length=10000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    valid_from = _when(_("Valid from"))
    valid_until = _when(_("Valid until"))
    countries = forms.CharField(label=_("Whole countries"), required=False, max_length=1000,
                                help_text=_("ISO codes separated by commas, for example TH, LA."))
    subdivisions = forms.CharField(label=_("Provinces or states"), required=False, max_length=2000,
                                   help_text=_("ISO codes separated by commas, for example TH-10."))
    circles = forms.CharField(
        label=_("Circles"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: latitude, longitude, radius in km (at most 500), for example 13.75, 100.5, 30."))
    polygons = forms.CharField(
        label=_("Polygons"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: latitude, longitude points separated by semicolons, the first repeated at the "
                    "end, for example 13.7, 100.4; 13.8, 100.4; 13.8, 100.6; 13.7, 100.4."))
    countries_concerned = forms.CharField(
        label=_("Countries of the circles and polygons"), required=False, max_length=500,
        help_text=_("ISO codes; needed when the area is only circles or polygons."))
    incident = forms.CharField(label=_("Incident (optional)"), required=False, max_length=40,
                               help_text=_("Reference of the incident, for example INC-2026-0001."))

    def clean_circles(self) -> list[dict[str, float]]:
        circles = []
        for line in self.cleaned_data["circles"].splitlines():
            if not line.strip():
                continue
            match = _CIRCLE.match(line)
            if match is None:
                raise forms.ValidationError(_("Write each circle as: latitude, longitude, radius in km."))
            lat, lon, radius = (float(v) for v in match.groups())
            circles.append({"lat": lat, "lon": lon, "radius_km": radius})
        return circles

    def clean_polygons(self) -> list[list[list[float]]]:
        polygons = []
        for line in self.cleaned_data["polygons"].splitlines():
            if not line.strip():
                continue
            ring = []
            for point in line.split(";"):
                if not point.strip():
                    continue
                match = _POINT.match(point)
                if match is None:
                    raise forms.ValidationError(_("Write each point as: latitude, longitude."))
                ring.append([float(match.group(1)), float(match.group(2))])
            polygons.append(ring)
        return polygons

    def alert_in(self) -> AlertIn:
        v = self.cleaned_data
        return AlertIn(
            level=v["level"], category=v["category"], headline={"zh-hans": v["headline_zh"], "en": v["headline_en"]},
            body={"zh-hans": v["body_zh"], "en": v["body_en"]},
            instructions={"zh-hans": v["instructions_zh"], "en": v["instructions_en"]},
            valid_from=v["valid_from"], valid_until=v["valid_until"],
            area={"countries": _codes(v["countries"]), "subdivisions": _codes(v["subdivisions"]),
                  "circles": v["circles"], "polygons": v["polygons"]},
            incident=v["incident"].strip() or None, countries_concerned=_codes(v["countries_concerned"]),
        )


def initial_new() -> dict[str, Any]:
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {"valid_from": now, "valid_until": now + dt.timedelta(days=7), "level": Level.CAUTION}


def initial_from(edition: AlertEdition) -> dict[str, Any]:
    """The form's values from an edition (a new edition starts from the latest one)."""
    area = edition.area or {}
    area_countries = set(area.get("countries") or [])
    return {
        "level": edition.level, "category": edition.category, "headline_zh": edition.headline_zh,
        "headline_en": edition.headline_en, "body_zh": edition.body_zh, "body_en": edition.body_en,
        "instructions_zh": edition.instructions_zh, "instructions_en": edition.instructions_en,
        "valid_from": timezone.localtime(edition.valid_from), "valid_until": timezone.localtime(edition.valid_until),
        "countries": ", ".join(area.get("countries") or []), "subdivisions": ", ".join(area.get("subdivisions") or []),
        "circles": "\n".join(f"{c['lat']:g}, {c['lon']:g}, {c['radius_km']:g}" for c in area.get("circles") or []),
        "polygons": "\n".join("; ".join(f"{p[0]:g}, {p[1]:g}" for p in ring) for ring in area.get("polygons") or []),
        "countries_concerned": ", ".join(c.code for c in edition.countries.all() if c.code not in area_countries),
        "incident": edition.incident.reference if edition.incident else "",
    }
