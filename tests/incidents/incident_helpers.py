"""Builders for incident tests: a bus crash in Laos led by the Vientiane embassy, with the Chiang Mai
consulate-general concerned, and the persons and inquiries of its registry."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from consular.cases.services import Location
from consular.incidents.models import AffectedPerson, Incident
from consular.incidents.services import IncidentIn, InquiryIn, PersonIn, Source, incident_open, person_add

STARTED = datetime.datetime(2026, 11, 20, 8, 30, tzinfo=datetime.UTC)

INCIDENT_BODY: dict[str, Any] = {
    "kind": "transport_accident", "title": "Tour bus crash near Vang Vieng",
    "description": "A tour bus with Chinese tourists left the road; many injured.",
    "location": {"country": "LA", "subdivision": "LA-VT", "city": "Vang Vieng", "lat": 18.92, "lon": 102.45},
    "started_at": "2026-11-20T08:30:00Z", "missions": ["TH-CNX"],
}

PERSON_BODY: dict[str, Any] = {
    "name_zh": "王建国", "name_latin": "WANG JIANGUO", "other_names": ["WANG CHIEN-KUO"], "sex": "m",
    "birth_date": "1961-03-02", "passport_number": "E12345678", "nationalities": ["CN"],
    "phone": "+86 138 0000 0001", "email": "wang@example.org", "last_known_location": "Bus seat 12",
    "status": "unaccounted", "source": {"kind": "import", "ref": "manifest-1:line 12"},
}

INQUIRY_BODY: dict[str, Any] = {
    "subject_name": "王建国", "subject_birth_date": "1961", "inquirer_name": "王芳", "inquirer_relation": "daughter",
    "inquirer_phone": "+86 139 1111 2222", "language": "zh", "channel": "phone",
    "message": "我父亲在那辆车上",
}


def incident_in(**overrides: Any) -> IncidentIn:
    values: dict[str, Any] = {
        "kind": "transport_accident", "title": "Tour bus crash near Vang Vieng",
        "location": Location(country="LA", subdivision="LA-VT", city="Vang Vieng"),
        "started_at": timezone.now() - datetime.timedelta(hours=2), "missions": ["TH-CNX"],
    }
    values.update(overrides)
    return IncidentIn(**values)


def open_incident(actor: Any, **overrides: Any) -> Incident:
    return incident_open(actor=actor, data=incident_in(**overrides))


def person_in(**overrides: Any) -> PersonIn:
    values: dict[str, Any] = {
        "name_zh": "王建国", "name_latin": "WANG JIANGUO", "birth_date": datetime.date(1961, 3, 2),
        "passport_number": "E12345678", "source": Source(kind="import", ref="manifest-1:line 12"),
    }
    values.update(overrides)
    return PersonIn(**values)


def add_person(actor: Any, incident: Incident, **overrides: Any) -> AffectedPerson:
    return person_add(actor=actor, incident=incident, data=person_in(**overrides))


def inquiry_in(**overrides: Any) -> InquiryIn:
    values: dict[str, Any] = {"subject_name": "王建国", "subject_birth_date": "1961", "inquirer_name": "王芳",
                              "inquirer_relation": "daughter", "inquirer_phone": "+86 139 1111 2222"}
    values.update(overrides)
    return InquiryIn(**values)
