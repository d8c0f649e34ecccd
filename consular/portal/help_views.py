"""Citizens ask for help and follow their request: no account, a phone-sized page, Chinese first.

The follow-up code never travels in a URL: it is posted in a form and then kept in the visitor's session, so it
does not end up in browser history, server logs or a Referer header."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consular.cases import services
from consular.cases.codes import Channel
from consular.cases.followup import CITIZEN_STATUS, followup_case
from consular.cases.models import Case, EventKind
from consular.cases.selectors import case_public_timeline
from consular.core.context import current
from consular.core.errors import ApplicationError, ErrorCode, form_add_error
from consular.core.middleware import client_address
from consular.core.selectors import countries_by_name
from consular.portal.help_forms import FollowUpForm, HelpMessageForm, HelpRequestForm, subdivision_choices

SUBMITTED = "help_submitted"  # the request just sent: its reference and code, for the confirmation page
FOLLOWING = "help_following"  # the request being followed: reference and code, posted once in the form
CLOSED_STATES = {"closed", "cancelled", "merged"}

# The help-request service's field keys that are not the form's field names.
FIELD_MAP = {
    "summary": "description", "location.country": "country", "location.subdivision": "subdivision",
    "persons.0.name_zh": "name",
}
# A place the citizen picked from our own lists is refused only when the reference data changed meanwhile: ask
# them to choose again, in words for a citizen rather than an officer's (chosen by the stable error code).
CITIZEN_WORDING = {
    ErrorCode.UNKNOWN_COUNTRY: gettext_lazy("Choose the country where you are."),
    ErrorCode.UNKNOWN_SUBDIVISION: gettext_lazy("Choose a province or region of the country you chose, or skip it."),
}


def _apply(form: Any, error: ApplicationError) -> None:
    wording = CITIZEN_WORDING.get(error.code)
    if wording is not None:
        error = ApplicationError(error.code, wording, fields={key: [wording] for key in error.fields},
                                 status=error.status)
    form_add_error(form, error, FIELD_MAP)


def _too_many_requests(request: HttpRequest) -> bool:
    """Help requests sent from one address within an hour, beyond settings.HELP_FORM_MAX_PER_HOUR."""
    key = f"help-form:{client_address(request) or '-'}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.HELP_FORM_MAX_PER_HOUR


@never_cache
def help_request(request: HttpRequest) -> HttpResponse:
    """The help form. On success the case exists at the responsible mission; the confirmation page shows the
    reference and the follow-up code once."""
    if request.method == "POST":
        form = HelpRequestForm(request.POST, countries=countries_by_name())
        if _too_many_requests(request):
            form.is_valid()
            form.add_error(None, _("Too many requests from this connection. Please call the hotline."))
            return render(request, "portal/help/request.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case, code = services.help_request_submit(
                    name=data["name"], phone=data["phone"], email=data["email"],
                    location=services.Location(country=data["country"], subdivision=data["subdivision"] or None,
                                               city=data["city"]),
                    category=data["category"], description=data["description"], channel=Channel.WEB,
                )
            except ApplicationError as error:
                _apply(form, error)
            else:
                request.session[SUBMITTED] = {"reference": case.reference, "code": code}
                request.session[FOLLOWING] = {"reference": case.reference, "code": code}
                return redirect("help_sent")
        return render(request, "portal/help/request.html", {"form": form}, status=400)
    return render(request, "portal/help/request.html", {"form": HelpRequestForm(countries=countries_by_name())})


def help_subdivisions(request: HttpRequest) -> HttpResponse:
    """The options of the province select for the chosen country (htmx)."""
    return render(request, "portal/help/_subdivision_options.html",
                  {"choices": subdivision_choices(request.GET.get("country", "")[:2])})


@never_cache
def help_sent(request: HttpRequest) -> HttpResponse:
    sent = request.session.get(SUBMITTED)
    if not sent:
        return redirect("help")
    return render(request, "portal/help/sent.html", {"sent": sent})


def _lookup_failed(request: HttpRequest, form: FollowUpForm, error: ApplicationError) -> HttpResponse:
    if error.code == ErrorCode.RATE_LIMITED:
        form.add_error(None, _("Too many attempts with a wrong code. For your safety, please wait %(minutes)s "
                               "minutes and try again, or call the 24-hour hotline.")
                       % {"minutes": max(1, (error.retry_after or 900) // 60)})
        response = render(request, "portal/help/status_form.html", {"form": form}, status=429)
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        return response
    form.add_error(None, _("We found no request with this reference and follow-up code. Check both and try "
                           "again: letters and digits as written on your confirmation."))
    return render(request, "portal/help/status_form.html", {"form": form}, status=404)


@never_cache
def help_status(request: HttpRequest) -> HttpResponse:
    """Ask for the reference and the follow-up code (posted, never in the address)."""
    if request.method != "POST":
        following = request.session.get(FOLLOWING) or {}
        form = FollowUpForm(initial={"reference": following.get("reference", "")})
        return render(request, "portal/help/status_form.html", {"form": form, "following": following})
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/help/status_form.html", {"form": form}, status=400)
    reference, code = form.cleaned_data["reference"], form.cleaned_data["code"]
    try:
        followup_case(reference=reference, code=code, client=current().client_address)
    except ApplicationError as error:
        return _lookup_failed(request, form, error)
    request.session[FOLLOWING] = {"reference": reference, "code": code}
    return redirect("help_status_details")


def _timeline(case: Case) -> list[dict[str, Any]]:
    """What the citizen sees of the case: its public events, in order."""
    titles: dict[str, Any] = {
        EventKind.OPENED: _("Request received"),
        EventKind.NOTE: _("Message from the consular officer"),
        EventKind.MESSAGE: _("You wrote"),
        EventKind.MERGED: _("Joined with another request about the same matter"),
    }
    rows: list[dict[str, Any]] = []
    for event in case_public_timeline(case=case):
        if event.kind == EventKind.TRANSITION:
            title = _("Status: %(status)s") % {"status": CITIZEN_STATUS.get(event.to_state, event.to_state)}
        elif event.kind in titles:
            title = titles[event.kind]
        else:
            continue
        rows.append({"at": event.at, "who": event.author, "title": title, "text": event.text})
    return rows


def _following_case(request: HttpRequest) -> tuple[Case | None, ApplicationError | None]:
    following = request.session.get(FOLLOWING)
    if not following:
        return None, None
    try:
        return followup_case(reference=following["reference"], code=following["code"],
                             client=current().client_address), None
    except ApplicationError as error:
        return None, error


def _details(request: HttpRequest, case: Case, form: HelpMessageForm, status: int = 200) -> HttpResponse:
    return render(request, "portal/help/status.html", {
        "case": case, "status": CITIZEN_STATUS[case.state], "timeline": _timeline(case), "form": form,
        "closed": case.state in CLOSED_STATES,
    }, status=status)


@never_cache
def help_status_details(request: HttpRequest) -> HttpResponse:
    """The status of the request being followed, its messages, and a form to add information."""
    case, error = _following_case(request)
    if case is None:
        request.session.pop(FOLLOWING, None)
        if error is not None and error.code == ErrorCode.RATE_LIMITED:
            return _lookup_failed(request, FollowUpForm(), error)
        return redirect("help_status")
    if request.method != "POST":
        return _details(request, case, HelpMessageForm())
    form = HelpMessageForm(request.POST)
    if not form.is_valid():
        return _details(request, case, form, status=400)
    try:
        services.help_request_message(case=case, body=form.cleaned_data["body"])
    except ApplicationError as failure:
        _apply(form, failure)
        return _details(request, case, form, status=failure.status if 400 <= failure.status < 500 else 400)
    messages.success(request, _("Thank you. Your information was sent to the officer handling your request."))
    return redirect("help_status_details")


@require_POST
def help_forget(request: HttpRequest) -> HttpResponse:
    """Forget the request on this device (a shared phone, an internet café)."""
    request.session.pop(FOLLOWING, None)
    request.session.pop(SUBMITTED, None)
    messages.info(request, _("This device no longer remembers your request. Keep the reference and code."))
    return redirect("help_status")
