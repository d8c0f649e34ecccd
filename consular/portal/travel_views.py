"""Citizens register their trips: the list of their registrations, a registration form (one or more stops; "add
another stop" re-renders the page with one more row, so the form works without JavaScript), and cancelling one.

For signed-in citizen accounts only: anonymous visitors are sent to log in, staff accounts are refused (officers
read registrations in the API and the console). Thin: reads through `consular.travel.selectors` (each one shown is
recorded in the audit log), writes through `consular.travel.services`."""

from __future__ import annotations

import re
from typing import Any

from babel.lists import format_list
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consular.accounts.models import Role
from consular.core.audit import audit_read_many
from consular.core.errors import ApplicationError
from consular.core.selectors import countries_by_name
from consular.portal.help_forms import subdivision_choices
from consular.portal.pwa import push_public_key
from consular.portal.travel_forms import MAX_STOPS, LegFormSet, TripForm
from consular.travel import selectors, services
from consular.travel.codes import Channel

# The service's field paths that are not the trip form's field names.
FIELD_MAP = {
    "traveller.name_zh": "name_zh", "traveller.name_latin": "name_latin", "traveller.birth_date": "birth_date",
    "traveller.passport_number": "passport_number", "contacts": "phone", "contacts.email": "email",
    "contacts.phone": "phone", "contacts.messaging_id": "messaging_id", "contacts.push_subscription": "channels",
    "emergency_contact.name": "emergency_name", "emergency_contact.relation": "emergency_relation",
    "emergency_contact.phone": "emergency_phone", "emergency_contact.email": "emergency_email",
}
_LEG_KEY = re.compile(r"^itinerary\[(\d+)\]\.(\w+)$")
LIST_PERSONAL = ["itinerary", "name_zh", "name_latin"]


def _citizen(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) != Role.CITIZEN:
        raise PermissionDenied


@never_cache
@login_required
def trips(request: HttpRequest) -> HttpResponse:
    """The citizen's registrations, the next trip first."""
    _citizen(request)
    registrations = list(selectors.registration_list(actor=request.user, filters={}))
    audit_read_many(actor=request.user, objects=list(registrations), fields=LIST_PERSONAL, purpose="portal")
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    for registration in registrations:
        # The channels besides Web Push (said separately, per phone), as the language lists them: "SMS 和 电子邮件".
        labels = [str(Channel(c).label) for c in registration.channels if c in Channel.values and c != Channel.PUSH]
        setattr(registration, "channel_list", format_list(labels, locale=locale) if labels else "")  # noqa: B010
    return render(request, "portal/travel/list.html",
                  {"registrations": registrations, "vapid_public_key": push_public_key()})


def _render_form(request: HttpRequest, form: TripForm, legs: Any, status: int = 200) -> HttpResponse:
    return render(request, "portal/travel/new.html", {"form": form, "legs": legs, "max_stops": MAX_STOPS},
                  status=status)


def _with_one_more_row(request: HttpRequest) -> Any:
    data = request.POST.copy()
    given = str(data.get("legs-TOTAL_FORMS", "1"))
    total = int(given) if given.isascii() and given.isdigit() and len(given) < 4 else 1
    data["legs-TOTAL_FORMS"] = str(min(total + 1, MAX_STOPS))
    return LegFormSet(data, prefix="legs", countries=countries_by_name())


def _registration_in(form: TripForm, rows: list[tuple[int, dict[str, Any]]]) -> services.RegistrationIn:
    v = form.cleaned_data
    return services.RegistrationIn(
        itinerary=[services.LegIn(country=row["country"], subdivision=row.get("subdivision") or "",
                                  city=row.get("city", ""), arrive=row["arrive"], depart=row["depart"])
                   for _index, row in rows],
        contacts=services.ContactsIn(email=v["email"], phone=v["phone"], messaging_id=v["messaging_id"]),
        channels=list(v["channels"]), language=v["language"], kind=v["kind"],
        traveller=services.TravellerIn(name_zh=v["name_zh"], name_latin=v["name_latin"], birth_date=v["birth_date"],
                                       passport_number=v["passport_number"]),
        emergency_contact=services.EmergencyContactIn(name=v["emergency_name"], relation=v["emergency_relation"],
                                                      phone=v["emergency_phone"], email=v["emergency_email"]),
        consent=services.ConsentIn(contact_family=v["consent_contact_family"],
                                   share_with_incident=v["consent_share_with_incident"]),
    )


def _show(error: ApplicationError, form: TripForm, legs: Any, rows: list[tuple[int, dict[str, Any]]]) -> None:
    """Each of the service's messages on the field (or the stop) it is about."""
    for key, texts in error.fields.items():
        match = _LEG_KEY.match(key)
        for text in texts:
            if match and int(match[1]) < len(rows):
                leg_form = legs.forms[rows[int(match[1])][0]]
                leg_form.add_error(match[2] if match[2] in leg_form.fields else None, text)
            elif key == "itinerary" or key.startswith("itinerary"):
                legs._non_form_errors.append(text)
            else:
                target = FIELD_MAP.get(key, key)
                form.add_error(target if target in form.fields else None, text)
    if not error.fields:
        form.add_error(None, error.message)


@never_cache
@login_required
def trip_new(request: HttpRequest) -> HttpResponse:
    _citizen(request)
    countries = countries_by_name()
    if request.method != "POST":
        return _render_form(request, TripForm(), LegFormSet(prefix="legs", countries=countries))
    form = TripForm(request.POST)
    if "add_stop" in request.POST:
        return _render_form(request, form, _with_one_more_row(request))
    legs = LegFormSet(request.POST, prefix="legs", countries=countries)
    form_ok, legs_ok = form.is_valid(), legs.is_valid()
    if not (form_ok and legs_ok):
        return _render_form(request, form, legs, status=400)
    rows = legs.filled()
    try:
        registration = services.registration_create(actor=request.user, data=_registration_in(form, rows))
    except ApplicationError as error:
        _show(error, form, legs, rows)
        return _render_form(request, form, legs, status=400)
    messages.success(request, _("Your trip is registered. In an emergency in the places you listed, we will "
                                "send you safety alerts."))
    return redirect(f"{reverse('travel')}#r-{registration.pk}")


@require_POST
@login_required
def trip_cancel(request: HttpRequest, registration_id: str) -> HttpResponse:
    _citizen(request)
    registration = selectors.registration_get(actor=request.user, registration_id=registration_id)
    if registration is None:
        raise Http404
    try:
        services.registration_cancel(actor=request.user, registration=registration)
    except ApplicationError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("The registration is cancelled. You will no longer get alerts for this trip."))
    return redirect("travel")


def places(request: HttpRequest) -> HttpResponse:
    """The options of a stop's province select for the chosen country (htmx; the field name has the row prefix)."""
    country = next((str(value) for key, value in request.GET.items() if key.endswith("country")), "")
    return render(request, "portal/help/_subdivision_options.html", {"choices": subdivision_choices(country[:2])})
