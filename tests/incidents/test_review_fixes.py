"""Regression tests for the review of the major-incident code: the call-back owed when the next of kin is told,
re-attaching an inquiry, list imports that must not link a different passport number, PFIF
dates in the future, and no name fragments in the clear reasons of the review queue."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consular.incidents import pfif
from consular.incidents.codes import CallBackReason, InquiryState
from consular.incidents.import_models import MatchReview, RowOutcome
from consular.incidents.imports import list_import, review_reasons, review_values
from consular.incidents.models import AffectedPerson, CallBack, Inquiry
from consular.incidents.pfif_models import PfifNoteSeen
from consular.incidents.pfif_sync import incident_pfif_import
from consular.incidents.services import (
    callback_done,
    inquiry_attach,
    inquiry_close,
    inquiry_submit,
    next_of_kin_informed,
    person_set_status,
)
from tests.incidents.incident_helpers import add_person, inquiry_in
from tests.incidents.test_imports import HEADER, csv_bytes

OUTSIDE = "personfinder.example.org"


def _deceased(hq: Any, person: AffectedPerson) -> None:
    person_set_status(actor=hq, person=person, status="deceased", source_kind="call", source_ref="call-1")


# --- 1. The next of kin told: the families asked to wait are owed their call ------------------------------------


def test_next_of_kin_informed_owes_a_call_back_and_reopens_answered_inquiries(hq, incident):
    person = add_person(hq, incident)
    waiting, _ = inquiry_submit(actor=hq, incident=incident, data=inquiry_in())
    closed, _ = inquiry_submit(actor=hq, incident=incident, data=inquiry_in(inquirer_name="王强"))
    for inquiry in (waiting, closed):
        inquiry_attach(actor=hq, inquiry=inquiry, person=person)
    _deceased(hq, person)
    callback_done(actor=hq, callback=CallBack.objects.get(inquiry=waiting), note="asked to wait for our call")
    assert Inquiry.objects.get(pk=waiting.pk).state == InquiryState.ANSWERED
    inquiry_close(actor=hq, inquiry=closed, note="family came to the embassy")

    next_of_kin_informed(actor=hq, person=person, note="told the son")

    owed = CallBack.objects.get(inquiry=waiting, done_at__isnull=True)
    assert owed.reason == CallBackReason.NEXT_OF_KIN_INFORMED and owed.person_id == person.pk
    assert owed.due_at > timezone.now() - datetime.timedelta(minutes=1)
    assert Inquiry.objects.get(pk=waiting.pk).state == InquiryState.MATCHED
    assert not CallBack.objects.filter(inquiry=closed, done_at__isnull=True).exists()
    assert Inquiry.objects.get(pk=closed.pk).state == InquiryState.CLOSED


def test_next_of_kin_informed_keeps_one_pending_call_back(hq, incident):
    person = add_person(hq, incident)
    inquiry, _ = inquiry_submit(actor=hq, incident=incident, data=inquiry_in())
    inquiry_attach(actor=hq, inquiry=inquiry, person=person)
    _deceased(hq, person)  # owes a call-back not yet made
    next_of_kin_informed(actor=hq, person=person)
    pending = CallBack.objects.filter(inquiry=inquiry, done_at__isnull=True)
    assert pending.count() == 1


# --- 2. Re-attaching closes the call-backs owed for the previous person ---------------------------------------------


def test_reattaching_an_inquiry_closes_the_previous_persons_call_backs(hq, incident):
    first = add_person(hq, incident)
    second = add_person(hq, incident, name_zh="王建军", name_latin="WANG JIANJUN",
                        birth_date=datetime.date(1961, 5, 5), passport_number="E7777777")
    inquiry, _ = inquiry_submit(actor=hq, incident=incident, data=inquiry_in())
    inquiry_attach(actor=hq, inquiry=inquiry, person=first)
    _deceased(hq, first)
    next_of_kin_informed(actor=hq, person=first)
    assert CallBack.objects.filter(inquiry=inquiry, person=first, done_at__isnull=True).exists()

    inquiry_attach(actor=hq, inquiry=inquiry, person=second)

    stale = CallBack.objects.get(inquiry=inquiry, person=first)
    assert stale.done_at is not None and stale.note == "inquiry re-attached"
    assert not CallBack.objects.filter(inquiry=inquiry, done_at__isnull=True).exists()
    # The new person's next change owes the call as usual.
    person_set_status(actor=hq, person=second, status="safe", source_kind="call", source_ref="call-2")
    assert CallBack.objects.filter(inquiry=inquiry, person=second, done_at__isnull=True).count() == 1


# --- 3. Imports: a different passport number goes to the review queue ------------------------------


def _import(hq: Any, incident: Any, rows: list[list[str]]) -> Any:
    return list_import(actor=hq, incident=incident, data=csv_bytes(rows), filename="manifest.csv", mapping=None,
                       kind="manifest", mode="all_or_nothing")


def test_a_row_with_another_passport_number_is_reviewed_not_linked(hq, incident):
    person = add_person(hq, incident)
    imported = _import(hq, incident, [["王建国", "WANG JIANGUO", "M", "02/03/1961", "E99999999", "CHN", "injured",
                                       "12A"]])
    assert (imported.linked, imported.review) == (0, 1)
    review = MatchReview.objects.get(import_row__list_import=imported)
    assert review.candidate_id == person.pk and "passport_mismatch" in review.reasons
    assert review.import_row.outcome == RowOutcome.REVIEW
    assert AffectedPerson.objects.get(pk=person.pk).status == "unaccounted"


# --- 4. PFIF dates in the future -----------------------------------------------------------------------------------


def _note(n: int, status: str, at: datetime.datetime) -> pfif.PfifNote:
    return pfif.PfifNote(note_record_id=f"{OUTSIDE}/n.{n}", person_record_id=f"{OUTSIDE}/p.1",
                         author_name="Volunteer", source_date=at, status=status)


def _person() -> pfif.PfifPerson:
    return pfif.PfifPerson(person_record_id=f"{OUTSIDE}/p.1", source_date=timezone.now(), full_name="WANG JIANGUO",
                           date_of_birth="1961-03-02")


def test_a_pfif_note_dated_in_the_future_is_an_error_and_blocks_nothing(hq, incident):
    person = add_person(hq, incident)
    future = _note(1, "believed_missing", datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC))
    summary = incident_pfif_import(actor=hq, incident=incident, data=pfif.export_pfif([_person()], notes=(future,)))
    assert summary.notes_applied == 0
    assert any(e["record"] == f"{OUTSIDE}/n.1" and e["field"] == "source_date" for e in summary.as_dict()["errors"])
    assert not PfifNoteSeen.objects.filter(note_record_id=f"{OUTSIDE}/n.1").exists()
    assert AffectedPerson.objects.get(pk=person.pk).status == "unaccounted"
    later = _note(2, "believed_alive", timezone.now())
    summary = incident_pfif_import(actor=hq, incident=incident, data=pfif.export_pfif([_person()], notes=(later,)))
    assert (summary.notes_applied, summary.notes_stale) == (1, 0)
    assert AffectedPerson.objects.get(pk=person.pk).status == "safe"


def test_a_pfif_note_within_the_clock_skew_is_applied(hq, incident):
    add_person(hq, incident)
    soon = _note(1, "believed_missing", timezone.now() + datetime.timedelta(minutes=5))
    summary = incident_pfif_import(actor=hq, incident=incident, data=pfif.export_pfif([_person()], notes=(soon,)))
    assert (summary.notes_applied, summary.as_dict()["errors"]) == (1, [])


# --- 5. No name fragments in the clear reasons of a review ---------------------------------------------------------


ZHAO_ROW = ["", "ZHAO MING", "F", "1975", "", "CN", "safe", "14C"]  # a possible match of 赵敏 ZHAO MIN, 1975


def test_review_reasons_in_the_clear_are_codes_only(hq, incident):
    add_person(hq, incident, name_zh="赵敏", name_latin="ZHAO MIN", birth_date=datetime.date(1975, 4, 4),
               passport_number="")
    imported = _import(hq, incident, [ZHAO_ROW])
    review = MatchReview.objects.get(import_row__list_import=imported)
    assert review.reasons and all(":" not in r for r in review.reasons)
    full = review_reasons(review)
    assert any(r.startswith("surname_match:ZHAO") for r in full)
    assert review.reasons == list(dict.fromkeys(r.split(":", 1)[0] for r in full))
    assert "_reasons" not in review_values(review) and review_values(review)["name_latin"] == "ZHAO MING"
    raw = " ".join(str(v) for v in MatchReview.objects.filter(pk=review.pk).values_list("reasons", "others").get())
    assert "ZHAO" not in raw and "MIN" not in raw


def test_the_review_api_still_shows_the_full_reasons(api, roles):
    hq = api(roles["hq_officer"])
    incident = hq.post("/api/v1/incidents", {
        "kind": "transport_accident", "title": "Bus", "location": {"country": "LA"},
        "started_at": "2026-11-20T08:30:00Z", "missions": ["TH-CNX"]}, format="json").json()
    base = f"/api/v1/incidents/{incident['id']}"
    hq.post(f"{base}/persons", {"name_zh": "赵敏", "name_latin": "ZHAO MIN", "birth_date": "1975-04-04",
                                "status": "unaccounted", "source": {"kind": "officer"}}, format="json")
    data = csv_bytes([ZHAO_ROW], header=HEADER)
    assert hq.post(f"{base}/imports", {"kind": "manifest", "file": SimpleUploadedFile("m.csv", data)},
                   format="multipart").status_code == 201
    review = hq.get(f"{base}/reviews", {"state": "pending"}).json()["results"][0]
    assert any(r.startswith("surname_match:ZHAO") for r in review["candidate"]["reasons"])


def test_a_pfif_note_dated_before_the_incident_is_an_error_and_changes_nothing(hq, incident):
    """A status note long before the incident (a year 1 from a broken export) is reported, not applied: it cannot
    be about this incident. A note days before its recorded start (a slow-onset event recorded late) is taken as
    any other (here older than what the registry knows: stale)."""
    person = add_person(hq, incident)
    ancient = _note(1, "believed_missing", datetime.datetime(1, 1, 1, tzinfo=datetime.UTC))
    summary = incident_pfif_import(actor=hq, incident=incident, data=pfif.export_pfif([_person()], notes=(ancient,)))
    assert summary.notes_applied == 0
    assert any(e["record"] == f"{OUTSIDE}/n.1" and e["field"] == "source_date" for e in summary.as_dict()["errors"])
    assert AffectedPerson.objects.get(pk=person.pk).status == "unaccounted"
    early = _note(2, "believed_missing", incident.started_at - datetime.timedelta(days=20))
    summary = incident_pfif_import(actor=hq, incident=incident, data=pfif.export_pfif([_person()], notes=(early,)))
    assert (summary.notes_stale, summary.as_dict()["errors"]) == (1, [])
