"""A fictitious major incident for the demo, so the registry, its dashboard, inquiries and call-backs show something
real: a tour bus crash near Vang Vieng (Laos) six hours ago, led by the embassy in Vientiane with the consulate-
general in Chiang Mai concerned, its 24 passengers in every status (one deceased whose next of kin is not yet
told: families see "please wait for our call"), and three families' inquiries attached to the persons they asked
about, with the call-backs owed. Everything goes through the services, as an officer's work would (status history,
blocking keys, audit). Every person is generated; the title is marked 【演示】 (demo)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from consular.accounts.models import User
from consular.cases.services import Location
from consular.incidents.codes import PersonStatus, Sex, SourceKind
from consular.incidents.models import AffectedPerson, Incident
from consular.incidents.services import (
    IncidentIn,
    InquiryIn,
    PersonIn,
    Source,
    incident_open,
    inquiry_attach,
    inquiry_submit,
    person_add,
    person_set_status,
)
from consular.server.demo_cases import GIVEN, SURNAMES

DEMO_TITLE = "【演示】万荣旅游大巴事故 Tour bus crash near Vang Vieng"
PASSENGERS = 24
# The status of each passenger after the first hours, in seat order (the rest stay unaccounted for).
STATUSES = [PersonStatus.INJURED] * 5 + [PersonStatus.HOSPITALISED] * 3 + [PersonStatus.SAFE] * 8 + [
    PersonStatus.MISSING, PersonStatus.MISSING, PersonStatus.UNCONFIRMED, PersonStatus.DECEASED]
HOSPITAL = "Vang Vieng Provincial Hospital"
# Families calling the hotline: (relation, seat asked about, how they write the name).
INQUIRIES = [("daughter", 0, "zh"), ("son", 5, "latin"), ("wife", 16, "zh")]


def demo_incident_load(*, seed: int = 2026) -> int:
    """Open the demo incident and fill its registry; returns how many persons were added (0 when it exists
    already or the demo HQ officer is missing: idempotent)."""
    hq = User.objects.filter(username="hq").first()
    if hq is None or Incident.objects.filter(title=DEMO_TITLE).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
    with transaction.atomic():
        incident = incident_open(actor=hq, data=IncidentIn(
            kind="transport_accident", title=DEMO_TITLE,
            description="【演示】一辆载有中国游客的旅游大巴在万荣附近冲出公路。"
                        "A tour bus with Chinese tourists left the road.",
            location=Location(country="LA", subdivision="LA-VT", city="Vang Vieng"),
            started_at=timezone.now() - datetime.timedelta(hours=6), missions=["TH-CNX"]))
        persons: list[AffectedPerson] = []
        for seat in range(PASSENGERS):
            family, given = rng.choice(SURNAMES), rng.choice(GIVEN)
            born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(55 * 365))
            persons.append(person_add(actor=hq, incident=incident, data=PersonIn(
                name_zh=family[0] + given[0], name_latin=f"{family[1]} {given[1]}", birth_date=born,
                sex=rng.choice([Sex.MALE, Sex.FEMALE]), passport_number=f"E{rng.randrange(10**8):08d}",
                nationalities=["CN"], last_known_location=f"Bus seat {seat + 1}",
                source=Source(kind=SourceKind.IMPORT, ref=f"demo-manifest:line {seat + 2}"))))
        for relation, seat, script in INQUIRIES:
            person = persons[seat]
            inquiry, _found = inquiry_submit(actor=hq, incident=incident, data=InquiryIn(
                subject_name=person.name_zh if script == "zh" else person.name_latin.title(),
                subject_birth_date=str(person.birth_date.year) if person.birth_date else "",
                inquirer_name="【演示】" + rng.choice(SURNAMES)[0] + rng.choice(GIVEN)[0], inquirer_relation=relation,
                inquirer_phone=f"+86 139 {rng.randrange(10**4):04d} {rng.randrange(10**4):04d}"))
            inquiry_attach(actor=hq, inquiry=inquiry, person=person)
        for person, status in zip(persons, STATUSES, strict=False):
            person_set_status(actor=hq, person=person, status=status, source_kind=SourceKind.CALL,
                              source_ref="demo: Vang Vieng police",
                              hospital=HOSPITAL if status == PersonStatus.HOSPITALISED else "")
    return len(persons)
