"""CAP 1.2 (OASIS Common Alerting Protocol) messages of published editions.

One message per edition: `msgType` Alert for the first, Update for a later one, Cancel for a cancel, each later one
`references` every edition published before it ("sender,identifier,sent", space-separated). One `info` per
language (zh-CN always, en-US when the edition has an English headline). The level gives urgency, severity,
certainty and the response type; the category maps to CAP's categories. The area has the polygons ("lat,lon …"),
circles ("lat,lon radius_km") and ISO 3166-1 / ISO 3166-2 geocodes of the countries and subdivisions."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

from django.conf import settings
from django.utils import translation

from consular.alerts.area import Area
from consular.alerts.codes import Category, Level, MsgType
from consular.alerts.models import Alert, AlertEdition
from consular.core.models import Country, Subdivision

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CONTENT_TYPE = "application/cap+xml; charset=utf-8"

CATEGORIES: dict[str, list[str]] = {
    Category.SECURITY: ["Security"],
    Category.NATURAL_DISASTER: ["Geo", "Met"],
    Category.HEALTH: ["Health"],
    Category.CIVIL_UNREST: ["Security"],
    Category.TERRORISM: ["Security", "Safety"],
    Category.TRANSPORT: ["Transport"],
    Category.CRIME: ["Security"],
    Category.ENVIRONMENT: ["Env"],
    Category.OTHER: ["Other"],
}
# level -> (responseType, urgency, severity, certainty)
LEVELS: dict[str, tuple[str, str, str, str]] = {
    Level.NOTICE: ("Monitor", "Future", "Minor", "Possible"),
    Level.CAUTION: ("Monitor", "Expected", "Moderate", "Likely"),
    Level.WARNING: ("Avoid", "Expected", "Severe", "Likely"),
    Level.EVACUATE: ("Evacuate", "Immediate", "Extreme", "Observed"),
}
MSG_TYPES = {MsgType.ALERT: "Alert", MsgType.UPDATE: "Update", MsgType.CANCEL: "Cancel"}
LANGUAGES = (("zh-hans", "zh-CN"), ("en", "en-US"))


def cap_time(value: datetime.datetime) -> str:
    """CAP's dateTime: seconds, an explicit offset, never "Z" (the schema's pattern)."""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def identifier(edition: AlertEdition) -> str:
    return f"urn:uuid:{edition.id}"


def reference_of(edition: AlertEdition) -> str:
    assert edition.published_at is not None
    return f"{settings.ALERTS_CAP_SENDER},{identifier(edition)},{cap_time(edition.published_at)}"


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NAMESPACE}}}{name}")
    if text is not None:
        element.text = text
    return element


def _area_desc(area: Area, countries: list[str], language: str) -> str:
    names = {c.code: (c.name_zh if language.startswith("zh") else c.name_en)
             for c in Country.objects.filter(code__in=countries)}
    subdivisions = dict(Subdivision.objects.filter(code__in=area.subdivisions).values_list("code", "name"))
    parts = [names.get(c, c) for c in area.countries]
    parts += [f"{names.get(code.split('-')[0], code.split('-')[0])} {subdivisions.get(code, code)}"
              for code in area.subdivisions]
    if area.circles or area.polygons:
        around = [names.get(c, c) for c in countries if c not in area.countries]
        label = "指定区域" if language.startswith("zh") else "the area shown"
        parts.append(f"{label} ({', '.join(around)})" if around else label)
    separator = "、" if language.startswith("zh") else "; "
    return separator.join(parts)


def cap_message(*, edition: AlertEdition, previous: list[AlertEdition], web_url: str = "") -> bytes:
    """The CAP 1.2 XML of a published edition; `previous` are the editions published before it."""
    assert edition.published_at is not None
    alert: Alert = edition.alert
    area = Area.from_json(edition.area)
    countries = sorted(c.code for c in edition.countries.all())
    ET.register_namespace("", CAP_NAMESPACE)
    root = ET.Element(f"{{{CAP_NAMESPACE}}}alert")
    _sub(root, "identifier", identifier(edition))
    _sub(root, "sender", settings.ALERTS_CAP_SENDER)
    _sub(root, "sent", cap_time(edition.published_at))
    _sub(root, "status", "Actual")
    _sub(root, "msgType", MSG_TYPES[MsgType(edition.msg_type)])
    _sub(root, "scope", "Public")
    if previous and edition.msg_type != MsgType.ALERT:
        _sub(root, "references", " ".join(reference_of(p) for p in previous))
    if edition.incident_id:
        _sub(root, "incidents", str(edition.incident_id))
    response, urgency, severity, certainty = LEVELS[Level(edition.level)]
    if edition.msg_type == MsgType.CANCEL:
        response, urgency = "AllClear", "Past"
    for language, cap_language in LANGUAGES:
        if language == "en" and not edition.headline_en:
            continue
        info = _sub(root, "info")
        _sub(info, "language", cap_language)
        for category in CATEGORIES[Category(edition.category)]:
            _sub(info, "category", category)
        with translation.override(language):
            _sub(info, "event", str(Category(edition.category).label))
            _sub(info, "responseType", response)
            _sub(info, "urgency", urgency)
            _sub(info, "severity", severity)
            _sub(info, "certainty", certainty)
            code = _sub(info, "eventCode")
            _sub(code, "valueName", "consular:level")
            _sub(code, "value", edition.level)
            _sub(info, "effective", cap_time(edition.valid_from))
            _sub(info, "expires", cap_time(edition.valid_until))
            _sub(info, "senderName", alert.mission.name_zh if language == "zh-hans" else alert.mission.name_en)
            _sub(info, "headline", edition.text("headline", language))
            _sub(info, "description", edition.text("body", language))
            instruction = edition.text("instructions", language)
            if instruction:
                _sub(info, "instruction", instruction)
            if web_url:
                _sub(info, "web", web_url)
            block = _sub(info, "area")
            _sub(block, "areaDesc", _area_desc(area, countries, language))
            for ring in area.polygons:
                _sub(block, "polygon", " ".join(f"{lat:g},{lon:g}" for lat, lon in ring))
            for circle in area.circles:
                _sub(block, "circle", f"{circle['lat']:g},{circle['lon']:g} {circle['radius_km']:g}")
            for country in countries:
                geocode = _sub(block, "geocode")
                _sub(geocode, "valueName", "ISO3166-1")
                _sub(geocode, "value", country)
            for subdivision in area.subdivisions:
                geocode = _sub(block, "geocode")
                _sub(geocode, "valueName", "ISO3166-2")
                _sub(geocode, "value", subdivision)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
