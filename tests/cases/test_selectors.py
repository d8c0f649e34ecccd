"""Selectors the console, the portal and the API share: who a case may be assigned to, the queue's counts, and
what a citizen following a help request sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consular.cases.models import Case, CaseTask
from consular.cases.selectors import (
    case_by_reference,
    case_public_timeline,
    case_queue,
    case_queue_counts,
    officers_eligible,
)
from consular.cases.services import (
    Location,
    case_assign,
    case_note,
    case_transition,
    help_request_message,
    help_request_submit,
)
from consular.core.errors import ApplicationError


def test_officers_eligible_are_the_missions_active_officers(roles, make_user, open_case):
    case = open_case()  # at TH-CNX
    retired = make_user("mission_officer", "TH-CNX")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    assert list(officers_eligible(case=case)) == [roles["officer_cnx"]]


def test_officers_eligible_at_hq_include_hq_staff(roles, make_user, open_case):
    case = open_case(location=Location(country="NO", city="Oslo"))
    assert case.mission.code == "HQ"
    hq_desk = make_user("mission_officer", "HQ")
    assert set(officers_eligible(case=case)) == {roles["hq_officer"], roles["hotline_operator"], hq_desk}


@pytest.mark.parametrize("place", [Location(country="TH", subdivision="TH-50"), Location(country="NO")])
def test_the_assign_service_accepts_exactly_the_eligible_officers(roles, make_user, open_case, place):
    make_user("mission_officer", "HQ")
    case = open_case(location=place)
    eligible = set(officers_eligible(case=case))
    for user in [*roles.values(), *eligible]:
        try:
            case_assign(actor=roles["hq_officer"], case=case, officer_username=user.username)
        except ApplicationError as error:
            assert user not in eligible and list(error.fields) == ["officer"]
        else:
            assert user in eligible


def test_queue_counts_match_the_queue(roles, open_case):
    now = timezone.now()
    on_time, late, late_duty, closed = (open_case() for _ in range(4))
    open_case(location=Location(country="TH", subdivision="TH-10"))  # Bangkok's: not the CNX officer's
    Case.objects.filter(pk=late.pk).update(first_response_due=now - dt.timedelta(minutes=5))
    Case.objects.filter(pk=on_time.pk).update(first_response_at=now)
    CaseTask.objects.filter(case=late_duty).update(due_at=now - dt.timedelta(minutes=1))
    case_transition(actor=roles["hq_officer"], case=closed, to="cancelled", reason="hoax")
    officer = roles["officer_cnx"]
    counts = case_queue_counts(actor=officer, now=now)
    assert (counts.open, counts.overdue) == (3, 2)
    assert counts.open == case_queue(actor=officer, filters={}, now=now).count()
    assert counts.overdue == case_queue(actor=officer, filters={"overdue": True}, now=now).count()
    assert case_queue_counts(actor=roles["hq_officer"], now=now).open == 4
    assert case_queue_counts(actor=roles["citizen"], now=now) == type(counts)(open=0, overdue=0)


def test_public_timeline_is_what_the_citizen_sees(roles):
    case, _code = help_request_submit(
        name="王建国", phone="+66 81 234 5678", email="", location=Location(country="TH", subdivision="TH-50"),
        category="crime_victim", description="背包被抢",
    )
    officer = roles["officer_cnx"]
    case_note(actor=officer, case=case, body="疑似团伙作案")  # internal: not shown
    case_note(actor=officer, case=case, body="已联系警方", public=True)
    help_request_message(case=case, body="我在警察局")
    case_transition(actor=officer, case=case, to="triaged")
    timeline = case_public_timeline(case=case)
    assert [(e.kind, e.author, e.text, e.to_state) for e in timeline] == [
        ("opened", "mission", "", "new"),
        ("note", "mission", "已联系警方", ""),
        ("message", "citizen", "我在警察局", ""),
        ("transition", "mission", "", "triaged"),
    ]
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)


def test_case_by_reference_finds_only_references(open_case, django_assert_num_queries):
    case = open_case()
    assert case_by_reference(reference=f" {case.reference.lower()} ") == case
    with django_assert_num_queries(0):
        for text in ["", "C26-AAAA-BBB", "C26-AAAA-BBBB\x00", "\x00", "x" * 500]:
            assert case_by_reference(reference=text) is None
