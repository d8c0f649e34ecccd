"""Opening a case from a call: one unit of work, its timeline and audit trail, and a reference collision."""

from __future__ import annotations

import datetime

from django.db import transaction

from consular.cases import services
from consular.cases.models import Call, Case, CaseEvent
from consular.cases.services import call_log
from consular.core.models import AuditEntry
from tests.cases.conftest import case_in

STARTED = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=datetime.UTC)


def _call(actor, **extra):
    return call_log(actor=actor, direction="inbound", caller_name="王芳", caller_phone="+86 138 0000 0000",
                    language="zh", topic="emergency", summary="Father injured", started_at=STARTED, ended_at=None,
                    **extra)


def test_a_call_that_opens_a_case_writes_its_timeline_and_audit_trail_in_order(roles):
    operator = roles["hotline_operator"]
    before = AuditEntry.objects.order_by("id").last()
    call = _call(operator, open_case=case_in())
    case = Case.objects.get(pk=call.case_id)
    events = list(CaseEvent.objects.filter(case=case).order_by("created_at", "id"))
    assert [(e.kind, e.actor_id, e.to_state, e.public) for e in events] == [
        ("opened", operator.pk, "new", True), ("call", operator.pk, "", False)]
    assert events[0].data == {"mission": "TH-CNX", "channel": "hotline"}
    assert events[1].data == {"call": str(call.pk), "topic": "emergency"}
    written = AuditEntry.objects.filter(id__gt=before.pk if before else 0).order_by("id")
    entries = list(written.values_list("action", "object_type", "object_id", "data", "actor_username"))
    assert entries == [
        ("case.open", "cases.case", str(case.pk),
         {"mission": "TH-CNX", "category": "traffic_accident", "urgency": "p1", "persons": 1}, operator.username),
        ("call.log", "cases.call", str(call.pk), {"case": str(case.pk), "topic": "emergency"}, operator.username),
    ]


def test_a_reference_collision_draws_again_and_the_transaction_goes_on(roles, open_case, monkeypatch):
    taken = open_case().reference
    drawn = iter([taken, taken, "C26-2345-6789"])
    monkeypatch.setattr(services, "reference_generate", lambda: next(drawn))
    with transaction.atomic():
        call = _call(roles["hotline_operator"], open_case=case_in())
        assert Call.objects.filter(pk=call.pk).exists()  # the transaction is still usable
    assert call.case is not None and call.case.reference == "C26-2345-6789"
    assert Case.objects.count() == 2
    assert AuditEntry.objects.filter(action="case.open").count() == 2
