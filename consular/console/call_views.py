"""The hotline call screen, the phone-history panel beside it, and the list of recent calls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from consular.accounts.models import User
from consular.cases import selectors, services
from consular.cases.codes import Channel
from consular.cases.models import Call, Case
from consular.console.access import staff_user, worker_user
from consular.console.call_forms import CASE_EXISTING, CASE_NEW, CallFilterForm, CallForm, resolve_country
from consular.console.case_views import CALL_FIELDS, case_url
from consular.core.audit import audit_read_many
from consular.core.crypto import keyed_hash
from consular.core.errors import ApplicationError, form_add_error
from consular.core.models import Country, Subdivision
from consular.core.selectors import countries_by_name, subdivisions_of

PAGE_SIZE = 50
HISTORY_CASE_FIELDS = ["summary", "persons.phone"]
# Where the call service's field keys go on the form.
CALL_FORM_FIELDS = {
    "location": "country",
    "location.country": "country",
    "location.subdivision": "subdivision",
    "persons.0.name_zh": "name_zh",
    "persons.0.birth_date": "birth_date",
    "case": "case_reference",
}


def subdivisions(country: Country | None) -> list[Subdivision]:
    return list(subdivisions_of(country=country.code)) if country is not None else []


def _history(user: User, phone: str) -> dict[str, Any]:
    """The number's earlier calls and cases, recorded as read when any are shown."""
    calls, cases = selectors.calls_for_phone(actor=user, phone=phone)
    audit_read_many(actor=user, objects=list(calls), fields=CALL_FIELDS, purpose="phone history")
    audit_read_many(actor=user, objects=list(cases), fields=HISTORY_CASE_FIELDS, purpose="phone history")
    return {"history_phone": phone.strip(), "history_calls": calls, "history_cases": cases,
            "history_searched": len(phone.strip()) >= 6}


@never_cache
@login_required
def call_new(request: HttpRequest) -> HttpResponse:
    """Log a call; in the same form, open a case or link one. Keyboard first: the phone field has the focus,
    a routine consultation needs only the summary, Ctrl+Enter (or Enter in a one-line field) submits."""
    user = worker_user(request)
    status = 200
    if request.method == "POST":
        form = CallForm(request.POST)
        if form.is_valid():
            done = _log_call(request, user, form)
            if done is not None:
                return done
        status = 400
    else:
        form = CallForm()
    phone = form.data.get("caller_phone", "") if form.is_bound else ""
    context: dict[str, Any] = {
        "form": form,
        "countries": countries_by_name(),
        "subdivisions": subdivisions(resolve_country(form.data.get("country", "")) if form.is_bound else None),
        "history_phone": "", "history_calls": [], "history_cases": [], "history_searched": False,
        "case_new": CASE_NEW, "case_existing": CASE_EXISTING,
    }
    if phone.strip():
        context.update(_history(user, phone))
    return render(request, "console/calls/new.html", context, status=status)


def _log_call(request: HttpRequest, user: User, form: CallForm) -> HttpResponse | None:
    data = form.cleaned_data
    case: Case | None = None
    open_case = None
    if data["case_action"] == CASE_EXISTING:
        case = selectors.cases_visible(actor=user).filter(reference=data["case_reference"].strip().upper()).first()
        if case is None:
            form.add_error("case_reference", _("No case with this reference."))
            return None
    elif data["case_action"] == CASE_NEW:
        open_case = form.case_in(Channel.HOTLINE)
    try:
        call = services.call_log(
            actor=user, direction=data["direction"], caller_name=data["caller_name"],
            caller_phone=data["caller_phone"], language=data["language"], topic=data["topic"],
            summary=data["summary"], started_at=data["started_at"], ended_at=timezone.now(), case=case,
            open_case=open_case,
        )
    except ApplicationError as error:
        form_add_error(form, error, CALL_FORM_FIELDS)
        return None
    if open_case is not None and call.case is not None:
        messages.success(request, _("Call logged. Case %(ref)s opened at %(mission)s.") % {
            "ref": call.case.reference, "mission": call.case.mission.code})
        return redirect(case_url(call.case))
    if call.case is not None:
        messages.success(request, _("Call logged and linked to case %(ref)s.") % {"ref": call.case.reference})
    else:
        messages.success(request, _("Call logged."))
    return redirect("console:call_new")


@never_cache
@login_required
def call_history(request: HttpRequest) -> HttpResponse:
    """The panel beside the phone field (htmx): the number's earlier calls and cases."""
    user = worker_user(request)
    phone = request.GET.get("caller_phone", "")[:40]
    return render(request, "console/calls/_history.html", {**_history(user, phone), "fragment": True})


@never_cache
@login_required
def call_places(request: HttpRequest) -> HttpResponse:
    """The province/state suggestions for the country typed in the call form (htmx)."""
    worker_user(request)
    country = resolve_country(request.GET.get("country", "")[:100])
    return render(request, "console/calls/_subdivisions.html", {"subdivisions": subdivisions(country)})


@never_cache
@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    """Recent calls, newest first, as far as the user may see them (a mission officer: calls on the mission's
    cases)."""
    user = staff_user(request)
    form = CallFilterForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "show_results": False, "calls": [], "page_obj": None}
    if not form.is_bound or form.is_valid():
        qs = selectors.calls_visible(actor=user)
        data = form.cleaned_data if form.is_bound else {}
        if data.get("phone", "").strip():
            qs = qs.filter(caller_phone_hash=keyed_hash(data["phone"], kind="phone"))
        if data.get("topic"):
            qs = qs.filter(topic=data["topic"])
        paginator = Paginator(qs.order_by("-started_at", "pk"), PAGE_SIZE)
        page_obj = paginator.get_page(request.GET.get("page"))
        calls: list[Call] = list(page_obj.object_list)
        audit_read_many(actor=user, objects=list(calls), fields=CALL_FIELDS, purpose="calls")
        context.update(show_results=True, calls=calls, page_obj=page_obj, can_log=user.role != "auditor")
    return render(request, "console/calls/list.html", context)
