"""Incident services: opening and closing, the status history (never silently overwritten, the source kept),
call-backs owed on each status change, inquiries attached and answered, who may do what."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from consular.cases.services import Location
from consular.core.errors import ApplicationError
from consular.core.models import AuditEntry
from consular.incidents import selectors
from consular.incidents.models import AffectedPerson, CallBack, Incident, Inquiry, NameKey, PersonStatusChange
from consular.incidents.services import Source as SourceIn
from consular.incidents.services import (
    callback_done,
    incident_close,
    incident_update,
    inquiry_attach,
    inquiry_close,
    inquiry_submit,
    next_of_kin_informed,
    person_set_status,
    person_update,
)
from tests.incidents.incident_helpers import add_person, inquiry_in, open_incident


def _src(kind: str, ref: str = "") -> SourceIn:
    return SourceIn(kind=kind, ref=ref)


def test_open_routes_the_lead_mission_and_numbers_per_year(hq, roles):
    first = open_incident(hq)
    second = open_incident(hq, lead_mission="TH-BKK", missions=[])
    year = timezone.localdate().year
    assert first.reference == f"INC-{year}-0001" and second.reference == f"INC-{year}-0002"
    assert first.lead_mission.code == "LA-VTE"
    assert sorted(m.code for m in first.missions.all()) == ["LA-VTE", "TH-CNX"]
    assert [m.code for m in second.missions.all()] == ["TH-BKK"]
    assert AuditEntry.objects.filter(action="incident.open", object_id=str(first.pk)).exists()


@pytest.mark.parametrize("who", ["hotline_operator", "officer_cnx", "auditor", "volunteer", "citizen"])
def test_only_hq_officers_open_change_and_close(roles, incident, who):
    for attempt in (lambda: open_incident(roles[who]),
                    lambda: incident_update(actor=roles[who], incident=incident, changes={"title": "x"}),
                    lambda: incident_close(actor=roles[who], incident=incident)):
        with pytest.raises(ApplicationError) as raised:
            attempt()
        assert raised.value.status == 403
    assert Incident.objects.count() == 1 and Incident.objects.get().status == "open"


def test_bad_incident_names_each_field(hq):
    with pytest.raises(ApplicationError) as raised:
        open_incident(hq, kind="meteor", title=" ", lead_mission="ZZ-NOPE", missions=["XX-1"],
                      started_at=timezone.now() + datetime.timedelta(days=2))
    assert {"kind", "title", "lead_mission", "missions", "started_at"} <= set(raised.value.fields)
    with pytest.raises(ApplicationError) as raised:
        open_incident(hq, location=Location(country="LA", subdivision="TH-50"))
    assert "location.subdivision" in raised.value.fields


@pytest.mark.parametrize(("born", "problem"), [
    (datetime.date(1, 1, 1), "1880"), (datetime.date(1061, 3, 2), "1880"),
    (timezone.localdate() + datetime.timedelta(days=1), "future"),
])
def test_implausible_birth_dates_are_refused(roles, incident, born, problem):
    with pytest.raises(ApplicationError) as raised:
        add_person(roles["hq_officer"], incident, birth_date=born)
    with translation.override("en"):
        assert problem in str(raised.value.fields["birth_date"][0])
    assert not AffectedPerson.objects.filter(incident=incident).exists()


def test_status_changes_are_kept_with_their_source(roles, incident):
    officer = roles["officer_cnx"]
    person = add_person(officer, incident)
    person_set_status(actor=roles["hotline_operator"], person=person, status="unconfirmed", source_kind="call",
                      source_ref="call 7f3a", note="his colleague saw him walk away")
    person_set_status(actor=officer, person=person, status="hospitalised", source_kind="import",
                      source_ref="hospital-list-2:line 4", hospital="Vientiane Mahosot Hospital")
    person_set_status(actor=officer, person=person, status="hospitalised", source_kind="officer",
                      hospital="Vientiane Mahosot Hospital", note="visited him")
    history = list(selectors.person_history(person=person))
    assert [(h.from_status, h.to_status, h.source_kind, h.source_ref) for h in history] == [
        ("", "unaccounted", "import", "manifest-1:line 12"),
        ("unaccounted", "unconfirmed", "call", "call 7f3a"),
        ("unconfirmed", "hospitalised", "import", "hospital-list-2:line 4"),
        ("hospitalised", "hospitalised", "officer", ""),  # a confirmation is recorded too, never dropped
    ]
    assert history[1].note == "his colleague saw him walk away" and history[1].actor == roles["hotline_operator"]
    assert history[2].hospital == "Vientiane Mahosot Hospital"
    person.refresh_from_db()
    assert (person.status, person.hospital) == ("hospitalised", "Vientiane Mahosot Hospital")
    assert AuditEntry.objects.filter(action="affected_person.status", object_id=str(person.pk)).count() == 3


def test_a_status_needs_a_valid_source(roles, incident):
    person = add_person(roles["hq_officer"], incident)
    cases = [
        (dict(status="injured", source_kind="call", source_ref=""), "source.ref"),
        (dict(status="injured", source_kind="rumour", source_ref="x"), "source.kind"),
        (dict(status="asleep", source_kind="officer"), "status"),
        (dict(status="hospitalised", source_kind="officer"), "hospital"),
        (dict(status="safe", source_kind="officer", hospital="Mahosot"), "hospital"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ApplicationError) as raised:
            person_set_status(actor=roles["hq_officer"], person=person, **kwargs)
        assert field in raised.value.fields, kwargs
    assert PersonStatusChange.objects.filter(person=person).count() == 1


def test_correcting_a_death_needs_a_note(roles, incident):
    person = add_person(roles["hq_officer"], incident, status="deceased", source=_src("import", "morgue-1:3"))
    with pytest.raises(ApplicationError) as raised:
        person_set_status(actor=roles["hq_officer"], person=person, status="injured", source_kind="call",
                          source_ref="call 1")
    assert "note" in raised.value.fields
    person_set_status(actor=roles["hq_officer"], person=person, status="injured", source_kind="call",
                      source_ref="call 1", note="the morgue list had the wrong passport number")


def test_each_open_inquiry_about_the_person_is_owed_a_call_back(roles, incident, settings):
    settings.INCIDENT_CALLBACK_MINUTES = 30
    operator = roles["hotline_operator"]
    person = add_person(operator, incident)
    other = add_person(operator, incident, name_zh="李娜", name_latin="LI NA", passport_number="E7654321")
    daughter, _ = inquiry_submit(actor=operator, incident=incident, data=inquiry_in())
    son, _ = inquiry_submit(actor=operator, incident=incident, data=inquiry_in(inquirer_name="王强",
                                                                               inquirer_relation="son"))
    friend, _ = inquiry_submit(actor=operator, incident=incident, data=inquiry_in(inquirer_name="Tom"))
    unrelated, _ = inquiry_submit(actor=operator, incident=incident, data=inquiry_in(subject_name="李娜"))
    for inquiry in (daughter, son, friend):
        inquiry_attach(actor=operator, inquiry=inquiry, person=person)
    inquiry_attach(actor=operator, inquiry=unrelated, person=other)
    inquiry_close(actor=operator, inquiry=friend, note="found him himself")
    before = timezone.now()
    change = person_set_status(actor=operator, person=person, status="injured", source_kind="call",
                               source_ref="call 1")
    owed = CallBack.objects.filter(done_at__isnull=True)
    assert {c.inquiry_id for c in owed} == {daughter.pk, son.pk}
    for callback in owed:
        assert callback.person_id == person.pk and callback.status_change_id == change.pk
        assert callback.reason == "status_change"
        assert before + datetime.timedelta(minutes=29) < callback.due_at <= timezone.now() + datetime.timedelta(
            minutes=30)
    # A second change before the call: still one call owed per inquirer (the call gives the latest status).
    person_set_status(actor=operator, person=person, status="hospitalised", source_kind="import",
                      source_ref="hospital-list:2", hospital="Mahosot")
    assert CallBack.objects.filter(done_at__isnull=True).count() == 2
    # A confirmation of the same status owes nothing new.
    callback_done(actor=operator, callback=CallBack.objects.get(inquiry=son), note="told him")
    person_set_status(actor=operator, person=person, status="hospitalised", source_kind="officer",
                      hospital="Mahosot")
    assert CallBack.objects.filter(inquiry=son, done_at__isnull=True).count() == 0
    son.refresh_from_db()
    assert son.state == "answered"
    # The next change owes the answered inquirer a new call.
    person_set_status(actor=operator, person=person, status="safe", source_kind="checkin", source_ref="sms 55")
    son.refresh_from_db()
    assert son.state == "matched" and CallBack.objects.filter(inquiry=son, done_at__isnull=True).count() == 1
    assert not CallBack.objects.filter(inquiry__in=[friend, unrelated]).exclude(done_at__isnull=False).exists()


def test_callback_done_twice_is_a_conflict_and_is_audited(roles, incident):
    operator = roles["hotline_operator"]
    person = add_person(operator, incident)
    inquiry, _ = inquiry_submit(actor=operator, incident=incident, data=inquiry_in())
    inquiry_attach(actor=operator, inquiry=inquiry, person=person)
    person_set_status(actor=operator, person=person, status="safe", source_kind="call", source_ref="c1")
    callback = CallBack.objects.get()
    done = callback_done(actor=operator, callback=callback, note="reached the daughter")
    assert done.done_by == operator and done.note == "reached the daughter"
    with pytest.raises(ApplicationError) as raised:
        callback_done(actor=operator, callback=callback)
    assert raised.value.status == 409
    assert AuditEntry.objects.filter(action="callback.done", object_id=str(callback.pk)).count() == 1


def test_inquiries_attach_to_one_person_and_never_across_incidents(roles, incident):
    operator = roles["hotline_operator"]
    person = add_person(operator, incident)
    elsewhere = add_person(operator, open_incident(roles["hq_officer"]))
    first, _ = inquiry_submit(actor=operator, incident=incident, data=inquiry_in())
    second, _ = inquiry_submit(actor=operator, incident=incident, data=inquiry_in(inquirer_name="同事"))
    inquiry_attach(actor=operator, inquiry=first, person=person)
    inquiry_attach(actor=operator, inquiry=second, person=person)
    assert set(person.inquiries.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Inquiry.objects.get(pk=first.pk).state == "matched"
    with pytest.raises(ApplicationError) as raised:
        inquiry_attach(actor=operator, inquiry=first, person=elsewhere)
    assert "person" in raised.value.fields


def test_next_of_kin_only_for_a_death_and_reset_by_a_new_death(roles, incident):
    officer = roles["officer_cnx"]
    person = add_person(officer, incident)
    with pytest.raises(ApplicationError) as raised:
        next_of_kin_informed(actor=officer, person=person)
    assert raised.value.status == 409
    person_set_status(actor=officer, person=person, status="deceased", source_kind="import", source_ref="morgue:1")
    person = next_of_kin_informed(actor=officer, person=person, note="his wife, by phone, from the embassy")
    assert person.next_of_kin_informed_by == officer and person.next_of_kin_note.startswith("his wife")
    with pytest.raises(ApplicationError):
        next_of_kin_informed(actor=officer, person=person)
    person_set_status(actor=officer, person=person, status="missing", source_kind="officer", note="not him")
    person_set_status(actor=officer, person=person, status="deceased", source_kind="import", source_ref="morgue:9")
    person.refresh_from_db()
    assert person.next_of_kin_informed_at is None and selectors.public_status(person) == "awaiting_notification"


def test_a_closed_incident_takes_no_new_persons_nor_inquiries_but_its_work_goes_on(roles, incident):
    operator = roles["hotline_operator"]
    person = add_person(operator, incident)
    closed = incident_close(actor=roles["hq_officer"], incident=incident)
    assert closed.status == "closed" and closed.closed_at and closed.closed_by == roles["hq_officer"]
    for attempt in (lambda: add_person(operator, incident, name_zh="李娜", name_latin=""),
                    lambda: inquiry_submit(actor=operator, incident=incident, data=inquiry_in())):
        with pytest.raises(ApplicationError) as raised:
            attempt()
        assert raised.value.status == 409
    person_set_status(actor=operator, person=person, status="safe", source_kind="call", source_ref="c9")
    with pytest.raises(ApplicationError) as raised:
        incident_close(actor=roles["hq_officer"], incident=incident)
    assert raised.value.status == 409


def test_officers_of_other_missions_cannot_work_the_incident(roles, incident):
    person = add_person(roles["officer_cnx"], incident)
    with pytest.raises(ApplicationError) as raised:
        add_person(roles["officer_bkk"], incident)
    assert raised.value.status == 404
    with pytest.raises(ApplicationError) as raised:
        person_set_status(actor=roles["officer_bkk"], person=person, status="safe", source_kind="officer")
    assert raised.value.status == 404
    for who in ("auditor", "volunteer", "citizen"):
        with pytest.raises(ApplicationError) as raised:
            person_set_status(actor=roles[who], person=person, status="safe", source_kind="officer")
        assert raised.value.status == 403
    assert AffectedPerson.objects.get().status == "unaccounted"


def test_update_rewrites_the_name_keys_and_keeps_the_status(roles, incident):
    operator = roles["hotline_operator"]
    person = add_person(operator, incident, name_zh="", name_latin="CHAN TAI MAN", passport_number="",
                        birth_date=None)
    assert [c.person.pk for c in selectors.candidates(incident=incident, name="陈大文")] == [person.pk]
    person_update(actor=operator, person=person, changes={"name_latin": "LEE SIU LUNG", "other_names": [],
                                                          "passport_number": "K 1234 5678"})
    assert [c.person.pk for c in selectors.candidates(incident=incident, name="?", passport_number="K12345678")] \
        == [person.pk]
    assert selectors.candidates(incident=incident, name="陈大文") == []
    assert [c.person.pk for c in selectors.candidates(incident=incident, name="Siu Lung Lee")] == [person.pk]
    person.refresh_from_db()
    assert person.status == "unaccounted" and PersonStatusChange.objects.filter(person=person).count() == 1
    with pytest.raises(ApplicationError) as raised:
        person_update(actor=operator, person=person, changes={"status": "safe"})
    assert raised.value.code == "invalid" and set(raised.value.fields) == {"status"}
    with translation.override("en"):
        assert raised.value.field_texts() == {"status": ["This field cannot be changed."]}
    with pytest.raises(ApplicationError) as raised:
        person_update(actor=operator, person=person, changes={"name_latin": "", "mission": "US-NYC"})
    assert {"name_zh", "mission"} <= set(raised.value.fields)


def test_a_removed_mission_must_not_look_after_persons(roles, incident):
    hq = roles["hq_officer"]
    add_person(roles["officer_cnx"], incident, mission="TH-CNX")
    with pytest.raises(ApplicationError) as raised:
        incident_update(actor=hq, incident=incident, changes={"missions": []})
    assert "TH-CNX" in raised.value.fields["missions"][0]
    updated = incident_update(actor=hq, incident=incident, changes={"missions": ["TH-CNX", "TH-BKK"],
                                                                   "title": "Bus crash, Vang Vieng"})
    assert sorted(m.code for m in updated.missions.all()) == ["LA-VTE", "TH-BKK", "TH-CNX"]
    assert updated.title == "Bus crash, Vang Vieng"


def test_name_keys_survive_a_hash_key_rotation(roles, incident, settings):
    person = add_person(roles["hotline_operator"], incident)
    assert [c.person.pk for c in selectors.candidates(incident=incident, name="WANG<<JIANGUO")] == [person.pk]
    settings.HASH_KEY = "the-new-hash-key-after-a-suspected-leak-0002"
    assert selectors.candidates(incident=incident, name="WANG<<JIANGUO") == []
    call_command("rotatekeys", "--rehash")
    assert [c.person.pk for c in selectors.candidates(incident=incident, name="WANG<<JIANGUO")] == [person.pk]
    assert [c.person.pk for c in selectors.candidates(incident=incident, name="X", passport_number="E12345678")] \
        == [person.pk]
    assert NameKey.objects.filter(owner_id=person.pk).count() > 0


def test_dashboard_counts(roles, incident):
    operator = roles["hotline_operator"]
    dead = add_person(operator, incident, status="deceased", source=_src("import", "morgue:1"))
    add_person(operator, incident, name_zh="李娜", name_latin="LI NA", passport_number="", mission="TH-CNX",
               status="hospitalised", hospital="Mahosot", source=_src("call", "c2"))
    add_person(operator, incident, name_zh="张伟", name_latin="ZHANG WEI", passport_number="")
    inquiry, _ = inquiry_submit(actor=operator, incident=incident, data=inquiry_in())
    inquiry_submit(actor=operator, incident=incident, data=inquiry_in(subject_name="赵六"))
    inquiry_attach(actor=operator, inquiry=inquiry, person=dead)
    person_set_status(actor=operator, person=dead, status="deceased", source_kind="officer", note="confirmed")
    board = selectors.incident_dashboard(incident=incident)
    assert board["persons"] == 3
    assert board["by_status"] == {"unaccounted": 1, "unconfirmed": 0, "safe": 0, "injured": 0, "hospitalised": 1,
                                  "missing": 0, "deceased": 1}
    assert board["by_mission"] == {"LA-VTE": 2, "TH-CNX": 1}
    assert board["deceased_awaiting_notification"] == 1
    assert (board["inquiries"], board["inquiries_waiting"], board["inquiries_unmatched"]) == (2, 2, 1)
    assert board["callbacks_pending"] == 0  # a confirmation owes no call
    assert board["review_queue_length"] == 0
    person_set_status(actor=operator, person=dead, status="missing", source_kind="officer", note="not him")
    later = selectors.incident_dashboard(incident=incident, now=timezone.now() + datetime.timedelta(hours=2))
    assert later["callbacks_due"] == later["callbacks_pending"] == 1


def test_review_queue_hook_sums_registered_counters(roles, incident, monkeypatch):
    monkeypatch.setattr(selectors, "_REVIEW_QUEUE_COUNTERS", [])
    assert selectors.review_queue_length(incident) == 0
    selectors.review_queue_register(lambda i: 3)
    selectors.review_queue_register(lambda i: 4 if i.pk == incident.pk else 0)
    assert selectors.incident_dashboard(incident=incident)["review_queue_length"] == 7


def test_the_public_may_inquire_on_the_web_only(roles, incident):
    add_person(roles["hotline_operator"], incident)
    inquiry, found = inquiry_submit(actor=None, incident=incident, data=inquiry_in(channel="web"))
    assert inquiry.created_by is None and inquiry.channel == "web" and found
    with pytest.raises(ApplicationError) as raised:
        inquiry_submit(actor=None, incident=incident, data=inquiry_in(channel="phone"))
    assert raised.value.status == 403
    mine, _ = inquiry_submit(actor=roles["citizen"], incident=incident, data=inquiry_in(channel="web"))
    assert mine.created_by == roles["citizen"]
    for who in ("auditor", "volunteer", "officer_bkk"):
        with pytest.raises(ApplicationError) as raised:
            inquiry_submit(actor=roles[who], incident=incident, data=inquiry_in(channel="web"))
        assert raised.value.status == (404 if who == "officer_bkk" else 403)
    with pytest.raises(ApplicationError) as raised:
        inquiry_submit(actor=None, incident=incident, data=inquiry_in(channel="web", inquirer_phone=""))
    assert "inquirer_phone" in raised.value.fields
