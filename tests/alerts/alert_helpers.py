"""Builders for alert tests: a warning for Bangkok written by the Bangkok embassy, and registrations with legs
placed in and around the area, built directly (the travel services are not under test here)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from consular.alerts.services import AlertIn, alert_approve, alert_create, alert_publish
from consular.travel.models import CountrySubscription, Registration, TripLeg

TODAY = datetime.date(2026, 12, 1)

# Bangkok (TH-10), a circle of 30 km around it, and a polygon over the old town.
BANGKOK = (13.7563, 100.5018)
POLYGON = [[13.70, 100.40], [13.80, 100.40], [13.80, 100.60], [13.70, 100.60], [13.70, 100.40]]


def when(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


ALERT_BODY: dict[str, Any] = {
    "level": "warning", "category": "security",
    "headline": {"zh-hans": "曼谷市中心发生抗议活动", "en": "Protests in central Bangkok"},
    "body": {"zh-hans": "请避免前往示威地点。", "en": "Avoid the protest sites."},
    "instructions": {"zh-hans": "留在室内，关注当地新闻。", "en": "Stay indoors and follow local news."},
    "area": {"countries": [], "subdivisions": ["TH-10"], "circles": [{"lat": 13.75, "lon": 100.5, "radius_km": 30}],
             "polygons": [POLYGON]},
    "incident": None,
}


def alert_body(**overrides: Any) -> dict[str, Any]:
    body = {**ALERT_BODY, "valid_from": when(-1).isoformat(), "valid_until": when(5).isoformat()}
    body.update(overrides)
    return body


def alert_in(**overrides: Any) -> AlertIn:
    values: dict[str, Any] = {
        "level": "warning", "category": "security",
        "headline": {"zh-hans": "曼谷市中心发生抗议活动", "en": "Protests in central Bangkok"},
        "body": {"zh-hans": "请避免前往示威地点。", "en": "Avoid the protest sites."},
        "instructions": {"zh-hans": "留在室内。", "en": "Stay indoors."},
        "valid_from": when(-1), "valid_until": when(5), "area": {"countries": ["TH"]},
    }
    values.update(overrides)
    return AlertIn(**values)


def published(author: Any, approver: Any, **overrides: Any) -> Any:
    alert = alert_create(actor=author, data=alert_in(**overrides))
    alert_approve(actor=approver, alert=alert)
    return alert_publish(actor=approver, alert=alert)


def register(owner: Any, legs: list[dict[str, Any]], *, channels: list[str] | None = None, email: str = "a@example.org",
             phone: str = "+66 81 000 0000", push: str = "", messaging_id: str = "", state: str = "active",
             active: bool = True, language: str = "zh-hans") -> Registration:
    """A registration with `legs` ({"country", "subdivision", "lat", "lon", "arrive", "depart"}; dates default
    to the days around now)."""
    today = timezone.now().date()
    full = [{"subdivision": None, "lat": None, "lon": None, "arrive": today - datetime.timedelta(days=2),
             "depart": today + datetime.timedelta(days=3), **leg} for leg in legs]
    registration = Registration.objects.create(
        owner=owner, state=state, channels=channels if channels is not None else ["email", "sms"], email=email,
        phone=phone, push_subscription=push, messaging_id=messaging_id, language=language,
        starts_on=min(leg["arrive"] for leg in full), ends_on=max(leg["depart"] for leg in full),
        purge_after=max(leg["depart"] for leg in full) + datetime.timedelta(days=548))
    TripLeg.objects.bulk_create([
        TripLeg(registration=registration, position=i, country_id=leg["country"], subdivision_id=leg["subdivision"],
                lat=leg["lat"], lon=leg["lon"], arrive=leg["arrive"], depart=leg["depart"], active=active)
        for i, leg in enumerate(full, start=1)])
    return registration


def subscribe(user: Any, country: str, channels: list[str]) -> CountrySubscription:
    return CountrySubscription.objects.create(user=user, country_id=country, channels=channels)


def alert_form(**changes: Any) -> dict[str, Any]:
    """A valid POST of the console's alert form (an area still to be given), starting now, for two days."""
    from django.utils import timezone

    now = timezone.localtime()
    return {"level": "warning", "category": "security", "headline_zh": "曼谷抗议", "headline_en": "",
            "body_zh": "请避开示威地点。", "body_en": "", "instructions_zh": "", "instructions_en": "",
            "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "countries": "", "subdivisions": "", "circles": "", "polygons": "", "countries_concerned": "TH",
            "incident": "", **changes}
