"""Every allowed and refused transition, with actor, time and reason in the timeline and the audit log."""

from __future__ import annotations

import itertools

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from consular.cases import workflow
from consular.cases.codes import State
from consular.cases.models import Case, CaseEvent
from consular.cases.services import case_assign, case_merge, case_transfer, case_transition
from consular.core.errors import ApplicationError
from consular.core.models import AuditEntry

PLAIN_TARGETS = [s for s in State.values if s not in workflow.ACTION_ONLY]


def _put(case: Case, state: str, assignee) -> Case:
    Case.objects.filter(pk=case.pk).update(state=state, assignee=assignee)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize(("start", "to"), list(itertools.product(State.values, PLAIN_TARGETS)))
def test_transition_matrix(roles, open_case, start, to):
    officer = roles["officer_cnx"]
    case = open_case()
    if start == State.MERGED:
        other = open_case()
        Case.objects.filter(pk=case.pk).update(state=State.MERGED, merged_into=other)
        case.refresh_from_db()
    else:
        _put(case, start, officer if start in {"assigned", "in_progress", "waiting", "resolved", "closed"} else None)
    if to == State.IN_PROGRESS and case.assignee is None and workflow.allowed(start, to):
        pytest.fail("fixture: an allowed move to in_progress needs an assignee")  # pragma: no cover
    if workflow.allowed(start, to):
        result = case_transition(actor=officer, case=case, to=to, reason="because")
        assert result.state == to
        event = CaseEvent.objects.filter(case=case, kind="transition").latest("created_at")
        assert (event.from_state, event.to_state, event.actor, event.body) == (start, to, officer, "because")
        assert AuditEntry.objects.filter(action="case.transition", object_id=str(case.pk),
                                         data__to=to).exists()
    else:
        with pytest.raises(ApplicationError) as info:
            case_transition(actor=officer, case=case, to=to, reason="because")
        assert info.value.status == 409
        assert Case.objects.get(pk=case.pk).state == start


@pytest.mark.parametrize("to", list(workflow.ACTION_ONLY))
def test_action_only_states_are_refused_as_plain_transitions(roles, open_case, to):
    with pytest.raises(ApplicationError) as info:
        case_transition(actor=roles["hq_officer"], case=open_case(), to=to)
    assert info.value.status == 400 and "to" in info.value.fields


def test_unknown_state(roles, open_case):
    with pytest.raises(ApplicationError) as info:
        case_transition(actor=roles["hq_officer"], case=open_case(), to="teleported")
    assert (info.value.code, list(info.value.fields)) == ("invalid", ["to"])
    with translation.override("en"):
        assert info.value.field_texts() == {"to": ["Unknown state."]}


def test_a_refusal_is_worded_in_the_language_it_is_read_in(roles, open_case):
    """Messages are translated when they are shown, not when the rule broke: one error reads in English and in
    Chinese, the states' labels included."""
    with translation.override("en"), pytest.raises(ApplicationError) as info:
        case_transition(actor=roles["hq_officer"], case=open_case(), to="closed")
    error = info.value
    assert (error.code, error.status, list(error.fields)) == ("conflict", 409, ["to"])
    with translation.override("en"):
        assert (error.text(), error.field_texts()) == (
            "A case cannot go from “New” to “Closed”.", {"to": ["Not allowed from the state “New”."]})
        assert str(error) == error.text()
    with translation.override("zh-hans"):
        assert (error.text(), error.field_texts()) == (
            "案件不能从“新建”改为“已结案”。", {"to": ["处于“新建”状态时不允许此操作。"]})


@pytest.mark.parametrize("to", ["cancelled", "waiting", "resolved"])
def test_reason_required(roles, open_case, to):
    case = _put(open_case(), "in_progress", roles["officer_cnx"])
    with pytest.raises(ApplicationError) as info:
        case_transition(actor=roles["officer_cnx"], case=case, to=to, reason="  ")
    assert "reason" in info.value.fields


def test_full_life_and_reopen(roles, open_case):
    officer, hq = roles["officer_cnx"], roles["hq_officer"]
    case = open_case()
    assert case.mission.code == "TH-CNX" and case.state == "new"
    case_transition(actor=hq, case=case, to="triaged")
    case = case_assign(actor=hq, case=case, officer_username=officer.username)
    assert case.state == "assigned" and case.assignee == officer
    for to in ["in_progress", "waiting", "in_progress", "resolved", "closed"]:
        case = case_transition(actor=officer, case=case, to=to, reason="step")
    assert case.closed_at and case.resolved_at
    case = case_transition(actor=officer, case=case, to="in_progress", reason="family called back")
    assert case.state == "in_progress" and case.closed_at is None
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds[0] == "opened" and kinds.count("transition") == 7 and "assigned" in kinds


def test_the_database_refuses_a_worked_case_without_assignee(roles, open_case):
    case = open_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(state="in_progress", assignee=None)


def test_mission_officer_cannot_touch_another_missions_case(roles, open_case):
    case = open_case()  # routed to TH-CNX
    with pytest.raises(ApplicationError) as info:
        case_transition(actor=roles["officer_bkk"], case=case, to="triaged")
    assert info.value.status == 404
    for role in ("auditor", "volunteer", "citizen"):
        with pytest.raises(ApplicationError) as info:
            case_transition(actor=roles[role], case=case, to="triaged")
        assert info.value.status == 403


def test_assign_only_to_officers_of_the_mission(roles, open_case):
    case = open_case()
    for name in (roles["officer_bkk"].username, roles["auditor"].username, "nobody"):
        with pytest.raises(ApplicationError) as info:
            case_assign(actor=roles["hq_officer"], case=case, officer_username=name)
        assert "officer" in info.value.fields


def test_transfer_and_hand_back(roles, open_case):
    officer = roles["officer_cnx"]
    case = case_assign(actor=roles["hq_officer"], case=open_case(), officer_username=officer.username)
    case = case_transfer(actor=officer, case=case, mission_code="th-bkk", reason="patient moved to Bangkok")
    assert (case.mission.code, case.assignee, case.state) == ("TH-BKK", None, "triaged")
    event = CaseEvent.objects.get(case=case, kind="transferred")
    assert event.body == "patient moved to Bangkok" and event.data == {"from": "TH-CNX", "to": "TH-BKK"}
    # The CNX officer no longer sees it; the BKK officer hands it back to HQ.
    with pytest.raises(ApplicationError):
        case_transfer(actor=officer, case=case, mission_code="HQ", reason="x")
    case = case_transfer(actor=roles["officer_bkk"], case=case, mission_code="HQ", reason="needs HQ")
    assert case.mission.code == "HQ"
    with pytest.raises(ApplicationError) as info:
        case_transfer(actor=roles["hq_officer"], case=case, mission_code="HQ", reason="again")
    assert "mission" in info.value.fields
    with pytest.raises(ApplicationError) as info:
        case_transfer(actor=roles["hq_officer"], case=case, mission_code="TH-BKK", reason=" ")
    assert "reason" in info.value.fields


def test_merge_duplicate(roles, open_case):
    first, second = open_case(), open_case()
    merged = case_merge(actor=roles["hq_officer"], case=second, into=first, reason="same accident")
    assert merged.state == "merged" and merged.merged_into == first
    assert CaseEvent.objects.filter(case=first, kind="merged", data__duplicate=second.reference).exists()
    with pytest.raises(ApplicationError):
        case_merge(actor=roles["hq_officer"], case=first, into=first)
    with pytest.raises(ApplicationError):
        case_merge(actor=roles["hq_officer"], case=second, into=first)  # already merged
    with pytest.raises(ApplicationError):
        case_transition(actor=roles["hq_officer"], case=merged, to="in_progress")
