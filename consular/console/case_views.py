"""The case queue, one case's page, and the actions on it (transition, assign, transfer, note, merge, duties).

Thin: reads through consular.cases.selectors (already scoped to the actor), writes through
consular.cases.services; every page that shows personal data records the read in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consular.accounts.models import Role, User
from consular.cases import selectors, services
from consular.cases.codes import OPEN_STATES, CallTopic, state_label
from consular.cases.models import Case, CaseEvent, CasePerson, CaseTask, EventKind
from consular.console.access import can_work, staff_user
from consular.console.case_forms import (
    AssignForm,
    MergeForm,
    NoteForm,
    QueueFilterForm,
    TransferForm,
    TransitionForm,
    transition_choices,
)
from consular.core.audit import audit_read, audit_read_many
from consular.core.errors import ApplicationError, form_add_error
from consular.core.models import Mission

PAGE_SIZE = 50
# The personal data each page shows, as recorded in the audit log.
QUEUE_FIELDS = ["summary", "persons.name_zh", "persons.name_latin"]
DETAIL_FIELDS = ["summary", "contact_email", "persons.name_zh", "persons.name_latin", "persons.birth_date",
                 "persons.passport_number", "persons.phone", "events.body"]
CALL_FIELDS = ["caller_name", "caller_phone", "summary"]


def case_or_404(user: User, case_id: Any) -> Case:
    case = selectors.case_get(actor=user, case_id=case_id)
    if case is None:
        raise Http404
    return case


def case_url(case: Case) -> str:
    return reverse("console:case", args=[case.pk])


# --- queue ------------------------------------------------------------------------------------------------------


@dataclass
class QueueRow:
    case: Case
    person: CasePerson | None
    overdue: bool


@never_cache
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Open cases, overdue first, then by urgency and deadline; mission officers see their mission's only."""
    user = staff_user(request)
    missions = None if user.role == Role.MISSION_OFFICER else Mission.objects.filter(active=True).order_by("code")
    form = QueueFilterForm(request.GET or None, missions=missions)
    context: dict[str, Any] = {"form": form, "show_results": False, "rows": [], "page_obj": None,
                               "filtered": False, "mine_url": f"?assignee={user.username}"}
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else {}
        paginator = Paginator(selectors.case_queue(actor=user, filters=filters), PAGE_SIZE)
        page_obj = paginator.get_page(request.GET.get("page"))
        cases: list[Case] = list(page_obj.object_list)
        audit_read_many(actor=user, objects=list(cases), fields=QUEUE_FIELDS, purpose="queue")
        context.update(
            show_results=True, page_obj=page_obj, filtered=bool(filters),
            more_filters=bool(set(filters) - {"q"}),
            rows=[QueueRow(case=c, person=next(iter(c.persons.all()), None), overdue=bool(c.overdue))  # type: ignore[attr-defined]
                  for c in cases],
        )
    return render(request, "console/cases/queue.html", context)


# --- one case ---------------------------------------------------------------------------------------------------


def transfer_missions(case: Case) -> QuerySet[Mission]:
    return Mission.objects.filter(active=True).exclude(pk=case.mission_id).order_by("code")


def _event_text(event: CaseEvent) -> tuple[str, str]:
    """A timeline line for `event`: its title and its text (notes, reasons, messages)."""
    data = event.data or {}
    state = state_label
    kind = event.kind
    if kind == EventKind.OPENED:
        title = _("Case opened at %(mission)s") % {"mission": data.get("mission", "")}
    elif kind == EventKind.TRANSITION:
        title = _("State changed: %(from)s → %(to)s") % {"from": state(event.from_state), "to": state(event.to_state)}
    elif kind == EventKind.NOTE:
        title = _("Note visible to the citizen") if event.public else _("Internal note")
    elif kind == EventKind.ASSIGNED:
        title = _("Assigned to %(officer)s") % {"officer": data.get("officer", "")}
    elif kind == EventKind.TRANSFERRED:
        title = _("Transferred from %(from)s to %(to)s") % {"from": data.get("from", ""), "to": data.get("to", "")}
    elif kind == EventKind.MERGED:
        if data.get("into"):
            title = _("Merged as a duplicate into %(ref)s") % {"ref": data["into"]}
        else:
            title = _("Case %(ref)s merged into this one as a duplicate") % {"ref": data.get("duplicate", "")}
    elif kind == EventKind.CALL:
        topic = data.get("topic", "")
        label = CallTopic(topic).label if topic in CallTopic.values else topic
        title = _("Hotline call (%(topic)s)") % {"topic": label}
    elif kind == EventKind.MESSAGE:
        title = _("Message from the citizen")
    elif kind == EventKind.ESCALATED:
        title = _("Escalated to HQ's duty officer: first response overdue")
    elif kind == EventKind.UPDATED:
        title = _("Details changed: %(fields)s") % {"fields": ", ".join(data.get("fields", []))}
    elif kind == EventKind.TASK_DONE:
        title = _("Duty done: %(task)s") % {"task": data.get("task", "")}
    else:  # pragma: no cover - a kind added later still shows
        title = kind
    return title, event.body


@dataclass
class TaskRow:
    task: CaseTask
    title: str
    overdue: bool


def _case_context(user: User, case: Case, bound: dict[str, Any]) -> dict[str, Any]:
    now = timezone.now()
    chinese = (get_language() or "").startswith("zh")
    tasks = [TaskRow(task=t, title=t.title_zh if chinese else t.title_en,
                     overdue=t.done_at is None and t.due_at < now) for t in case.tasks.all()]
    is_open = case.state in OPEN_STATES
    response_overdue = is_open and case.first_response_at is None and case.first_response_due < now
    events = list(case.events.select_related("actor").order_by("created_at", "id"))
    calls = list(case.calls.select_related("operator").order_by("-started_at"))
    forms: dict[str, Any] = {}
    if can_work(user):
        officers = list(selectors.officers_eligible(case=case))
        mine = user.username if any(o.pk == user.pk for o in officers) else ""
        forms = {
            "transition": TransitionForm(state=case.state) if transition_choices(case.state) else None,
            "assign": AssignForm(officers=officers, initial={"officer": mine}) if is_open else None,
            "transfer": TransferForm(missions=transfer_missions(case)) if is_open else None,
            "note": NoteForm(),
            "merge": MergeForm() if is_open else None,
        }
        forms.update(bound)
    return {
        "case": case,
        "persons": list(case.persons.all()),
        "tasks": tasks,
        "events": [(e, *_event_text(e)) for e in events],
        "calls": calls,
        "is_open": is_open,
        "overdue": response_overdue or any(t.overdue for t in tasks if is_open),
        "response_overdue": response_overdue,
        "can_work": can_work(user),
        "forms": forms,
        "open_action": next(iter(bound), ""),
    }


def _render_case(request: HttpRequest, user: User, case_id: Any, *, bound: dict[str, Any] | None = None,
                 status: int = 200) -> HttpResponse:
    case = case_or_404(user, case_id)
    context = _case_context(user, case, bound or {})
    audit_read(actor=user, obj=case, fields=DETAIL_FIELDS)
    audit_read_many(actor=user, objects=list(context["calls"]), fields=CALL_FIELDS, purpose="case")
    return render(request, "console/cases/detail.html", context, status=status)


@never_cache
@login_required
def detail(request: HttpRequest, case_id: Any) -> HttpResponse:
    return _render_case(request, staff_user(request), case_id)


def _action_user(request: HttpRequest, case_id: Any) -> tuple[User, Case]:
    """The worker acting and the case, or 403 (auditors, non-staff) / 404 (a case outside their scope)."""
    user = staff_user(request)
    case = case_or_404(user, case_id)
    if not can_work(user):
        raise PermissionDenied
    return user, case


def _failed(request: HttpRequest, user: User, case: Case, name: str, form: Any,
            error: ApplicationError | None = None) -> HttpResponse:
    status = 400
    if error is not None:
        form_add_error(form, error)  # the services' field keys are the action forms' field names
        status = error.status if 400 <= error.status < 500 else 400
    return _render_case(request, user, case.pk, bound={name: form}, status=status)


@never_cache
@login_required
@require_POST
def transition(request: HttpRequest, case_id: Any) -> HttpResponse:
    user, case = _action_user(request, case_id)
    form = TransitionForm(request.POST, state=case.state)
    if not form.is_valid():
        return _failed(request, user, case, "transition", form)
    try:
        case = services.case_transition(actor=user, case=case, to=form.cleaned_data["to"],
                                        reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        return _failed(request, user, case, "transition", form, error)
    messages.success(request, _("Case %(ref)s is now “%(state)s”.") % {"ref": case.reference,
                                                                         "state": state_label(case.state)})
    return redirect(case_url(case))


@never_cache
@login_required
@require_POST
def assign(request: HttpRequest, case_id: Any) -> HttpResponse:
    user, case = _action_user(request, case_id)
    form = AssignForm(request.POST, officers=selectors.officers_eligible(case=case))
    if not form.is_valid():
        return _failed(request, user, case, "assign", form)
    try:
        case = services.case_assign(actor=user, case=case, officer_username=form.cleaned_data["officer"],
                                    note=form.cleaned_data["note"])
    except ApplicationError as error:
        return _failed(request, user, case, "assign", form, error)
    messages.success(request, _("Case %(ref)s is assigned to %(officer)s.") % {
        "ref": case.reference, "officer": form.cleaned_data["officer"]})
    return redirect(case_url(case))


@never_cache
@login_required
@require_POST
def transfer(request: HttpRequest, case_id: Any) -> HttpResponse:
    user, case = _action_user(request, case_id)
    form = TransferForm(request.POST, missions=transfer_missions(case))
    if not form.is_valid():
        return _failed(request, user, case, "transfer", form)
    try:
        case = services.case_transfer(actor=user, case=case, mission_code=form.cleaned_data["mission"],
                                      reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        return _failed(request, user, case, "transfer", form, error)
    messages.success(request, _("Case %(ref)s is transferred to %(mission)s.") % {
        "ref": case.reference, "mission": case.mission.code})
    if selectors.case_get(actor=user, case_id=case.pk) is None:  # handed to a mission this officer cannot see
        return redirect("console:queue")
    return redirect(case_url(case))


@never_cache
@login_required
@require_POST
def note(request: HttpRequest, case_id: Any) -> HttpResponse:
    user, case = _action_user(request, case_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _failed(request, user, case, "note", form)
    try:
        services.case_note(actor=user, case=case, body=form.cleaned_data["body"],
                           public=form.cleaned_data["public"])
    except ApplicationError as error:
        return _failed(request, user, case, "note", form, error)
    if form.cleaned_data["public"]:
        messages.success(request, _("Note added; the citizen can see it."))
    else:
        messages.success(request, _("Internal note added."))
    return redirect(case_url(case) + "#timeline")


@never_cache
@login_required
@require_POST
def merge(request: HttpRequest, case_id: Any) -> HttpResponse:
    user, case = _action_user(request, case_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _failed(request, user, case, "merge", form)
    reference = form.cleaned_data["into"].strip().upper()
    into = selectors.cases_visible(actor=user).filter(reference=reference).first()
    if into is None:
        form.add_error("into", _("No case with this reference."))
        return _failed(request, user, case, "merge", form)
    try:
        services.case_merge(actor=user, case=case, into=into, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        return _failed(request, user, case, "merge", form, error)
    messages.success(request, _("Case %(dup)s is merged into %(ref)s as a duplicate.") % {
        "dup": case.reference, "ref": into.reference})
    return redirect(case_url(into))


@never_cache
@login_required
@require_POST
def task_done(request: HttpRequest, case_id: Any, task_id: int) -> HttpResponse:
    user, case = _action_user(request, case_id)
    task = next((t for t in case.tasks.all() if t.pk == task_id), None)
    if task is None:
        raise Http404
    try:
        services.case_task_done(actor=user, task=task)
    except ApplicationError as error:
        messages.error(request, error.text())
    else:
        chinese = (get_language() or "").startswith("zh")
        messages.success(request, _("Duty done: %(task)s") % {"task": task.title_zh if chinese else task.title_en})
    return redirect(case_url(case) + "#duties")

