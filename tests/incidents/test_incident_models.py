"""Incident models: invariants held by the database, personal data encrypted at rest, references."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from consular.incidents.models import AffectedPerson, CallBack, Incident, Inquiry
from consular.incidents.services import inquiry_attach, inquiry_submit, person_set_status
from tests.incidents.incident_helpers import add_person, inquiry_in


@pytest.fixture
def person(roles, incident):
    return add_person(roles["hotline_operator"], incident, phone="+86 138 0000 0001",
                      last_known_location="Bus seat 12", other_names=["WANG CHIEN-KUO"])


def _raw(table: str, column: str, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "id" = %s', [pk.hex if connection.vendor == "sqlite"
                                                                             else pk])
        return cursor.fetchone()[0]


def test_reference_format(incident):
    assert re.fullmatch(r"INC-\d{4}-\d{4}", incident.reference)
    assert incident.reference.split("-")[1] == str(timezone.localdate().year)


def test_personal_fields_are_encrypted_at_rest(person, roles, incident):
    for column in ("name_zh", "name_latin", "other_names", "birth_date", "passport_number", "phone",
                   "last_known_location"):
        stored = _raw("incidents_affectedperson", column, person.pk)
        assert stored.startswith("gAAAA"), column
    assert "E12345678" not in _raw("incidents_affectedperson", "passport_hash", person.pk)
    inquiry, _ = inquiry_submit(actor=roles["hotline_operator"], incident=incident, data=inquiry_in())
    for column in ("inquirer_name", "inquirer_phone", "subject_name", "subject_birth_date"):
        assert _raw("incidents_inquiry", column, inquiry.pk).startswith("gAAAA"), column
    fresh = AffectedPerson.objects.get(pk=person.pk)
    assert (fresh.name_zh, fresh.passport_number, fresh.other_names) == ("王建国", "E12345678", "WANG CHIEN-KUO")


def test_next_of_kin_can_only_be_informed_of_a_death(person):
    person.next_of_kin_informed_at = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        person.save(update_fields=["next_of_kin_informed_at"])


def test_a_closed_incident_has_its_closing_time(incident):
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status="closed")


def test_a_matched_inquiry_has_its_person(roles, incident):
    inquiry, _ = inquiry_submit(actor=roles["hotline_operator"], incident=incident, data=inquiry_in())
    with pytest.raises(IntegrityError), transaction.atomic():
        Inquiry.objects.filter(pk=inquiry.pk).update(state="matched")


def test_one_pending_call_back_per_inquiry_and_person(roles, incident, person):
    operator = roles["hotline_operator"]
    inquiry, _ = inquiry_submit(actor=operator, incident=incident, data=inquiry_in())
    inquiry_attach(actor=operator, inquiry=inquiry, person=person)
    person_set_status(actor=operator, person=person, status="safe", source_kind="call", source_ref="c1")
    with pytest.raises(IntegrityError), transaction.atomic():
        CallBack.objects.create(inquiry=inquiry, person=person, due_at=timezone.now())
    CallBack.objects.update(done_at=timezone.now())
    CallBack.objects.create(inquiry=inquiry, person=person, due_at=timezone.now())
    assert CallBack.objects.count() == 2
