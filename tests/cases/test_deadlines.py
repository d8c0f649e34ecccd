"""Deadlines per urgency, duties per category, overdue-first queues, escalation to HQ's duty officer."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from consular.cases.models import Case, CaseEvent
from consular.cases.selectors import case_queue
from consular.cases.services import case_note, case_transition, cases_escalate_overdue
from consular.core.models import AuditEntry
from tests.smtp import smtp_server


@pytest.mark.parametrize(("urgency", "minutes"), [("p1", 15), ("p2", 60), ("p3", 480), ("p4", 4320)])
def test_first_response_deadline_per_urgency(open_case, urgency, minutes):
    case = open_case(urgency=urgency)
    assert case.first_response_due - case.created_at == pytest.approx(datetime.timedelta(minutes=minutes),
                                                                      abs=datetime.timedelta(seconds=2))


def test_deadline_is_configurable(open_case, settings):
    settings.CASE_FIRST_RESPONSE_MINUTES = {**settings.CASE_FIRST_RESPONSE_MINUTES, "p1": 5}
    case = open_case(urgency="p1")
    assert (case.first_response_due - case.created_at).total_seconds() == pytest.approx(300, abs=2)


@pytest.mark.parametrize(
    ("category", "codes"),
    [
        ("detention", {"contact_detainee", "seek_consular_visit", "notify_family"}),
        ("death", {"notify_next_of_kin", "confirm_identity"}),
        ("lost_documents", set()),
    ],
)
def test_category_duties(open_case, category, codes):
    case = open_case(category=category)
    assert set(case.tasks.values_list("code", flat=True)) == codes


def test_overdue_work_shows_first(roles, open_case):
    hq = roles["hq_officer"]
    routine = open_case(urgency="p4", category="lost_documents")
    urgent = open_case(urgency="p1", category="crime_victim")
    detained = open_case(urgency="p3", category="detention")
    later = timezone.now() + datetime.timedelta(minutes=20)  # P1 overdue, the others not yet
    order = [c.reference for c in case_queue(actor=hq, filters={}, now=later)]
    assert order == [urgent.reference, detained.reference, routine.reference]
    much_later = timezone.now() + datetime.timedelta(hours=30)  # the detention duty is overdue too
    case_note(actor=hq, case=urgent, body="called the hospital")  # first response given
    case_note(actor=hq, case=detained, body="first contact")
    Case.objects.filter(pk=routine.pk).update(first_response_due=much_later + datetime.timedelta(days=1))
    order = [c.reference for c in case_queue(actor=hq, filters={}, now=much_later)]
    assert order[0] == detained.reference  # its "contact the detainee" task is overdue
    overdue_only = case_queue(actor=hq, filters={"overdue": True}, now=much_later)
    assert [c.reference for c in overdue_only] == [detained.reference]


def test_escalation_with_a_fake_clock_sends_one_email(roles, open_case, settings,
                                                     django_capture_on_commit_callbacks):
    settings.CASE_DUTY_EMAIL = "duty@mfa.example"
    p1 = open_case(urgency="p1")
    p2 = open_case(urgency="p2")
    p3 = open_case(urgency="p3")
    answered = open_case(urgency="p1")
    case_transition(actor=roles["hq_officer"], case=answered, to="triaged")
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        start = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            assert cases_escalate_overdue(now=start + datetime.timedelta(minutes=10)) == 0
            assert cases_escalate_overdue(now=start + datetime.timedelta(minutes=16)) == 1
            assert cases_escalate_overdue(now=start + datetime.timedelta(minutes=61)) == 1
            assert cases_escalate_overdue(now=start + datetime.timedelta(days=5)) == 0  # once each; P3 never
    assert [r for r in inbox.recipients] == [["duty@mfa.example"], ["duty@mfa.example"]]
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects[0].startswith(f"[P1] {p1.reference} overdue at TH-CNX")
    assert subjects[1].startswith(f"[P2] {p2.reference}")
    assert Case.objects.get(pk=p3.pk).escalated_at is None
    assert CaseEvent.objects.filter(case=p1, kind="escalated").count() == 1
    assert AuditEntry.objects.filter(action="case.escalate").count() == 2


def test_escalation_goes_to_hq_officers_without_a_duty_address(roles, open_case, mailoutbox, make_user,
                                                               django_capture_on_commit_callbacks):
    make_user("hq_officer", email="duty2@mfa.example")
    case = open_case(urgency="p1")
    with django_capture_on_commit_callbacks(execute=True):
        cases_escalate_overdue(now=case.first_response_due + datetime.timedelta(seconds=1))
    assert mailoutbox[0].to == ["duty2@mfa.example"]
