"""PFIF interchange through the database: the export (fields, one note per status change, the next-of-kin gate
on the person and on the history), the round trip into another incident, re-imports that change nothing,
outside deaths that never become deaths, newer-notes-only, the API (raw body and multipart, malformed input a
400) and who may."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from consular.core.models import AuditEntry
from consular.incidents import pfif
from consular.incidents.models import AffectedPerson, CallBack, PersonStatusChange
from consular.incidents.pfif_models import PfifNoteSeen, PfifRecord
from consular.incidents.pfif_sync import incident_pfif_export, incident_pfif_import
from consular.incidents.services import next_of_kin_informed, person_set_status
from tests.incidents.incident_helpers import add_person, open_incident

OUTSIDE = "personfinder.example.org"


def _export(actor: Any, incident: Any) -> bytes:
    return b"".join(incident_pfif_export(actor=actor, incident=incident))


def _set(actor: Any, person: AffectedPerson, status: str, **kw: Any) -> None:
    person_set_status(actor=actor, person=person, status=status, source_kind="call", source_ref="call-1", **kw)


def _doc(persons: list[pfif.PfifPerson], notes: tuple[pfif.PfifNote, ...] = ()) -> bytes:
    return pfif.export_pfif(persons, notes=notes)


def _outside_person(n: int, name: str, **kw: Any) -> pfif.PfifPerson:
    return pfif.PfifPerson(person_record_id=f"{OUTSIDE}/p.{n}", source_date=timezone.now(), full_name=name, **kw)


def _outside_note(n: int, person: int, status: str, at: datetime.datetime, **kw: Any) -> pfif.PfifNote:
    return pfif.PfifNote(
        note_record_id=f"{OUTSIDE}/n.{n}",
        person_record_id=f"{OUTSIDE}/p.{person}",
        author_name="Volunteer",
        source_date=at,
        status=status,
        **kw,
    )


# --- Export ------------------------------------------------------------------------------------------------------


def test_export_maps_the_person_and_one_note_per_status_change(hq, incident):
    person = add_person(hq, incident, other_names=["WANG CHIEN-KUO"], sex="m", phone="+86 138 0000 0001")
    _set(hq, person, "hospitalised", hospital="Mittaphab Hospital", note="fractured leg, ward 3")
    ouyang = add_person(
        hq, incident, name_zh="欧阳娜娜", name_latin="OUYANG NANA", sex="f", birth_date=None, passport_number=""
    )
    latin = add_person(hq, incident, name_zh="", name_latin="ZHANG<<WEI", sex="x", birth_date=None, passport_number="")
    data = _export(hq, incident)
    doc = pfif.parse_pfif(data)
    assert doc.errors == [] and doc.version == "1.4"
    by_id = {p.person_record_id: p for p in doc.persons}
    wang = by_id[pfif.record_id(settings.PFIF_DOMAIN, str(person.pk))]
    assert (wang.full_name, wang.family_name, wang.given_name) == ("王建国", "王", "建国")
    assert wang.alternate_names.splitlines() == ["WANG JIANGUO", "WANG CHIEN-KUO"]
    assert (wang.sex, wang.date_of_birth, wang.source_name) == ("male", "1961-03-02", settings.PFIF_SOURCE_NAME)
    assert wang.expiry_date is None
    history = list(person.status_changes.order_by("at", "created_at"))
    assert [n.note_record_id for n in wang.notes] == [pfif.record_id(settings.PFIF_DOMAIN, str(c.pk)) for c in history]
    assert [n.status for n in wang.notes] == ["believed_missing", "believed_alive"]
    assert wang.notes[1].text == "住院治疗 / in hospital"
    assert wang.source_date == pfif.parse_date(pfif.format_date(history[-1].at))
    # Officers' notes, hospitals, sources, passports and contacts stay inside.
    text = data.decode()
    for secret in ("Mittaphab", "fractured", "manifest-1", "E12345678", "138 0000", "call-1"):
        assert secret not in text
    o = by_id[pfif.record_id(settings.PFIF_DOMAIN, str(ouyang.pk))]
    assert (o.family_name, o.given_name, o.sex, o.date_of_birth) == ("欧阳", "娜娜", "female", "")
    z = by_id[pfif.record_id(settings.PFIF_DOMAIN, str(latin.pk))]
    assert (z.full_name, z.family_name, z.given_name, z.sex) == ("ZHANG<<WEI", "ZHANG", "WEI", "other")
    entry = AuditEntry.objects.filter(action="incident.pfif_export").get()
    assert entry.object_id == str(incident.pk) and entry.data["count"] == 3 and "birth_date" in entry.data["fields"]


def test_a_death_is_exported_only_after_the_next_of_kin_was_told(hq, incident):
    person = add_person(hq, incident)
    _set(hq, person, "injured")
    person_set_status(
        actor=hq,
        person=person,
        status="deceased",
        source_kind="import",
        source_ref="morgue-1:3",
        note="identified at the morgue",
    )
    person_set_status(
        actor=hq, person=person, status="deceased", source_kind="call", source_ref="police", note="police confirm"
    )
    before = _export(hq, incident)
    (gated,) = pfif.parse_pfif(before).persons
    assert [n.status for n in gated.notes] == ["believed_missing", "believed_alive"]
    assert b"believed_dead" not in before and b"deceased" not in before and "遇难".encode() not in before
    injured_at = person.status_changes.get(to_status="injured").at
    assert gated.source_date == pfif.parse_date(pfif.format_date(injured_at))  # not the time of the death

    next_of_kin_informed(actor=hq, person=AffectedPerson.objects.get(pk=person.pk), note="wife told in person")
    after = pfif.parse_pfif(_export(hq, incident)).persons[0]
    assert [n.status for n in after.notes] == ["believed_missing", "believed_alive", "believed_dead", "believed_dead"]
    assert after.notes[-1].text == "遇难 / deceased"


def test_a_corrected_death_never_leaks(hq, incident):
    person = add_person(hq, incident)
    _set(hq, person, "deceased")
    _set(hq, person, "injured", note="mistaken identity")
    _set(hq, person, "deceased")
    gated = pfif.parse_pfif(_export(hq, incident)).persons[0]
    assert [n.status for n in gated.notes] == ["believed_missing", "believed_alive"]
    next_of_kin_informed(actor=hq, person=AffectedPerson.objects.get(pk=person.pk))
    told = pfif.parse_pfif(_export(hq, incident)).persons[0]
    assert [n.status for n in told.notes] == ["believed_missing", "believed_alive", "believed_dead"]
    last_death = person.status_changes.filter(to_status="deceased").order_by("at", "created_at").last()
    assert told.notes[-1].note_record_id.endswith(str(last_death.pk))


# --- Import ------------------------------------------------------------------------------------------------------

STATUS_CASES = [  # (status in A, next of kin told, status after the round trip into B)
    ("safe", False, "safe"),
    ("injured", False, "safe"),
    ("hospitalised", False, "safe"),
    ("missing", False, "missing"),
    ("unaccounted", False, "missing"),
    ("unconfirmed", False, "missing"),  # no claim: the earlier unaccounted note stands
    ("deceased", False, "missing"),  # gated: only the earlier notes travel
    ("deceased", True, "unconfirmed"),  # believed_dead from outside: never deceased
]
NAMES = ["李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰"]


def _populate(hq, incident) -> list[AffectedPerson]:
    persons = []
    for (status, told, _), name in zip(STATUS_CASES, NAMES, strict=True):
        person = add_person(hq, incident, name_zh=name, name_latin="", passport_number="", birth_date=None)
        if status != "unaccounted":
            _set(hq, person, status, hospital="Vientiane Hospital" if status == "hospitalised" else "")
        if told:
            next_of_kin_informed(actor=hq, person=AffectedPerson.objects.get(pk=person.pk))
        persons.append(person)
    return persons


def test_round_trip_into_another_incident(hq, incident):
    _populate(hq, incident)
    data = _export(hq, incident)
    other = open_incident(hq, title="Second incident")
    summary = incident_pfif_import(actor=hq, incident=other, data=data)
    assert summary.errors == [] and summary.version == "1.4"
    assert (summary.persons_read, summary.persons_created, summary.persons_matched) == (8, 8, 0)
    imported = {p.name_zh: p for p in AffectedPerson.objects.filter(incident=other)}
    assert set(imported) == set(NAMES)
    for (_status, _told, expected), name in zip(STATUS_CASES, NAMES, strict=True):
        assert imported[name].status == expected, name
    changes = PersonStatusChange.objects.filter(person__incident=other, source_kind="pfif")
    assert changes.count() == 8 + summary.notes_applied
    doc_notes = {n.note_record_id for n in pfif.parse_pfif(data).notes}
    assert {c.source_ref for c in changes.exclude(from_status="")} <= doc_notes
    assert PfifRecord.objects.filter(incident=other, how="created").count() == 8
    assert AuditEntry.objects.filter(action="incident.pfif_import", object_id=str(other.pk)).count() == 1


def test_reimporting_the_same_document_changes_nothing(hq, incident):
    _populate(hq, incident)
    data = _export(hq, incident)
    other = open_incident(hq, title="Second incident")
    first = incident_pfif_import(actor=hq, incident=other, data=data)
    counts = (
        AffectedPerson.objects.count(),
        PersonStatusChange.objects.count(),
        CallBack.objects.count(),
        PfifNoteSeen.objects.count(),
        PfifRecord.objects.count(),
    )
    statuses = dict(AffectedPerson.objects.filter(incident=other).values_list("pk", "status"))
    again = incident_pfif_import(actor=hq, incident=other, data=data)
    assert (again.persons_known, again.persons_created, again.notes_applied) == (8, 0, 0)
    assert again.notes_seen_before == first.notes_read
    assert counts == (
        AffectedPerson.objects.count(),
        PersonStatusChange.objects.count(),
        CallBack.objects.count(),
        PfifNoteSeen.objects.count(),
        PfifRecord.objects.count(),
    )
    assert statuses == dict(AffectedPerson.objects.filter(incident=other).values_list("pk", "status"))


def test_our_own_export_into_the_same_incident_is_known(hq, incident):
    _populate(hq, incident)
    before = PersonStatusChange.objects.count()
    summary = incident_pfif_import(actor=hq, incident=incident, data=_export(hq, incident))
    assert (summary.persons_known, summary.persons_created, summary.notes_applied) == (8, 0, 0)
    assert summary.notes_seen_before == summary.notes_read
    assert PersonStatusChange.objects.count() == before


def test_an_outside_death_never_makes_anyone_deceased(hq, incident):
    now = timezone.now()
    safe = add_person(hq, incident, name_zh="王建国")
    _set(hq, safe, "safe")
    dead = add_person(
        hq,
        incident,
        name_zh="赵敏",
        name_latin="ZHAO MIN",
        birth_date=datetime.date(1980, 5, 1),
        passport_number="E7654321",
    )
    _set(hq, dead, "deceased")
    later = now + datetime.timedelta(minutes=5)
    data = _doc(
        [
            _outside_person(1, "WANG JIANGUO", date_of_birth="1961-03-02"),
            _outside_person(2, "ZHAO MIN", date_of_birth="1980-05-01"),
            _outside_person(3, "孙悟空"),
        ],
        (
            _outside_note(1, 1, "believed_dead", later),
            _outside_note(2, 2, "believed_alive", later),
            _outside_note(3, 3, "believed_dead", later, text="seen under rubble"),
        ),
    )
    summary = incident_pfif_import(actor=hq, incident=incident, data=data)
    assert (summary.persons_matched, summary.persons_created) == (2, 1)
    assert AffectedPerson.objects.get(pk=safe.pk).status == "unconfirmed"
    assert AffectedPerson.objects.get(pk=dead.pk).status == "deceased"  # only an officer changes a death
    (new,) = [p for p in AffectedPerson.objects.filter(incident=incident) if p.name_zh == "孙悟空"]
    assert new.status == "unconfirmed"
    change = new.status_changes.get(source_ref=f"{OUTSIDE}/n.3")
    assert change.source_kind == "pfif" and "seen under rubble" in change.note
    assert (summary.notes_applied, summary.notes_kept) == (2, 1)
    assert not AffectedPerson.objects.filter(status="deceased").exclude(pk=dead.pk).exists()


def test_only_newer_notes_are_applied(hq, incident):
    now = timezone.now()
    person = add_person(hq, incident, name_zh="王建国")
    first = _doc(
        [_outside_person(1, "WANG JIANGUO", date_of_birth="1961-03-02")],
        (
            _outside_note(1, 1, "believed_alive", now - datetime.timedelta(days=1)),
            _outside_note(2, 1, "believed_missing", now + datetime.timedelta(minutes=1)),
            _outside_note(3, 1, "information_sought", now + datetime.timedelta(minutes=2)),
        ),
    )
    summary = incident_pfif_import(actor=hq, incident=incident, data=first)
    assert (summary.persons_matched, summary.notes_stale, summary.notes_applied, summary.notes_without_status) == (
        1,
        1,
        1,
        1,
    )
    assert AffectedPerson.objects.get(pk=person.pk).status == "missing"
    # A later document: the known record gets only its new notes, and an older one is not applied.
    second = _doc(
        [_outside_person(1, "WANG JIANGUO", date_of_birth="1961-03-02")],
        (
            _outside_note(2, 1, "believed_missing", now + datetime.timedelta(minutes=1)),
            _outside_note(4, 1, "believed_alive", now + datetime.timedelta(minutes=3)),
            _outside_note(5, 1, "believed_missing", now + datetime.timedelta(seconds=30)),
        ),
    )
    summary = incident_pfif_import(actor=hq, incident=incident, data=second)
    assert (summary.persons_known, summary.notes_seen_before, summary.notes_applied, summary.notes_stale) == (
        1,
        1,
        1,
        1,
    )
    assert AffectedPerson.objects.get(pk=person.pk).status == "safe"
    assert PfifRecord.objects.get(record_id=f"{OUTSIDE}/p.1").person_id == person.pk


def test_alive_from_outside_keeps_a_more_precise_status(hq, incident):
    person = add_person(hq, incident, name_zh="王建国")
    _set(hq, person, "hospitalised", hospital="Mahosot")
    data = _doc(
        [_outside_person(1, "WANG JIANGUO", date_of_birth="1961-03-02")],
        (_outside_note(1, 1, "believed_alive", timezone.now() + datetime.timedelta(minutes=1)),),
    )
    summary = incident_pfif_import(actor=hq, incident=incident, data=data)
    assert summary.notes_kept == 1 and AffectedPerson.objects.get(pk=person.pk).status == "hospitalised"


def test_invalid_records_are_reported_and_the_rest_imported(hq, incident):
    bad = (
        b'<?xml version="1.0"?><pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">'
        b"<pfif:person><pfif:person_record_id>x.org/1</pfif:person_record_id>"
        b"<pfif:full_name>Nobody</pfif:full_name></pfif:person>"
        b"<pfif:person><pfif:person_record_id>x.org/2</pfif:person_record_id>"
        b"<pfif:source_date>2026-11-20T10:00:00Z</pfif:source_date>"
        b"<pfif:full_name>LI NA</pfif:full_name><pfif:sex>female</pfif:sex></pfif:person>"
        b"<pfif:note><pfif:note_record_id>x.org/n9</pfif:note_record_id>"
        b"<pfif:person_record_id>x.org/404</pfif:person_record_id><pfif:author_name>A</pfif:author_name>"
        b"<pfif:source_date>2026-11-20T10:00:00Z</pfif:source_date><pfif:text></pfif:text></pfif:note>"
        b"</pfif:pfif>"
    )
    summary = incident_pfif_import(actor=hq, incident=incident, data=bad)
    assert summary.persons_created == 1
    assert {(e["record"], e["field"]) for e in summary.errors} == {
        ("x.org/1", "source_date"),
        ("x.org/n9", "person_record_id"),
    }
    person = AffectedPerson.objects.get(incident=incident)
    assert (person.name_latin, person.sex) == ("LI NA", "f")


# --- API ---------------------------------------------------------------------------------------------------------


def test_api_export_streams_xml(api, roles, hq, incident):
    add_person(hq, incident)
    response = api(roles["officer_cnx"]).get(f"/api/v1/incidents/{incident.pk}/pfif", HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert response.streaming and incident.reference in response["Content-Disposition"]
    doc = pfif.parse_pfif(b"".join(response.streaming_content))
    assert [p.full_name for p in doc.persons] == ["王建国"]


def test_api_import_raw_body_and_multipart(api, roles, hq, incident):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/api/v1/incidents/{incident.pk}/pfif"
    data = _doc(
        [_outside_person(1, "李娜")],
        (_outside_note(1, 1, "believed_alive", timezone.now() + datetime.timedelta(minutes=1)),),
    )
    client = api(roles["hotline_operator"])
    response = client.post(url, data, content_type="application/xml")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["persons_created"], body["notes_applied"], body["errors"]) == (1, 1, [])
    upload = SimpleUploadedFile("feed.xml", data, content_type="application/xml")
    again = client.post(url, {"file": upload}, format="multipart")
    assert again.status_code == 200, again.content
    assert (again.json()["persons_known"], again.json()["notes_seen_before"]) == (1, 1)
    assert AffectedPerson.objects.get(incident=incident).status == "safe"


@pytest.mark.parametrize(
    "body",
    [
        b"<pfif:pfif xmlns:pfif='http://zesty.ca/pfif/1.4'><pfif:person>",
        b"<html><body>not pfif</body></html>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        b"\xff\xfe garbage",
    ],
)
def test_api_malformed_documents_are_a_400(api, roles, incident, body):
    response = api(roles["hq_officer"]).post(
        f"/api/v1/incidents/{incident.pk}/pfif", body, content_type="application/xml"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["fields"]["file"]


def test_api_import_needs_a_document(api, roles, incident):
    client = api(roles["hq_officer"])
    url = f"/api/v1/incidents/{incident.pk}/pfif"
    assert client.post(url, {}, format="multipart").json()["error"]["fields"]["file"]
    assert client.post(url, b"", content_type="application/xml").status_code == 400
    assert client.post(url, {"a": 1}, format="json").status_code == 415


READ = dict(
    anonymous=401,
    citizen=403,
    volunteer=403,
    officer_bkk=404,
    officer_cnx=200,
    hotline_operator=200,
    hq_officer=200,
    auditor=200,
)
WRITE = dict(READ, auditor=403)


@pytest.mark.parametrize("role", list(READ))
def test_who_may_export_and_import(api, roles, hq, incident, role):
    add_person(hq, incident)
    client = api() if role == "anonymous" else api(roles[role])
    url = f"/api/v1/incidents/{incident.pk}/pfif"
    response = client.get(url)
    assert response.status_code == READ[role]
    if response.status_code != 200:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    data = _doc([_outside_person(1, "李娜")])
    assert client.post(url, data, content_type="application/xml").status_code == WRITE[role]
    assert AuditEntry.objects.filter(action="incident.pfif_export").count() == (1 if READ[role] == 200 else 0)
