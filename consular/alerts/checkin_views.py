"""The page behind an alert's personal link (`/checkin/<token>/`): the alert's headline and instructions and two
big buttons, "I am safe" and "I need help", with an optional message. Works without JavaScript, in the
delivery's language (Chinese by default).

The link may be forwarded, so the page shows nothing personal: no name, no place, no trip, only the alert. An
unknown link answers 404 and an expired one 410, both with the hotline."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from consular.alerts.checkins import CHECKIN_EXPIRED, MESSAGE_MAX, checkin_delivery, checkin_record
from consular.alerts.models import CheckInStatus, Delivery
from consular.core.errors import ApplicationError


def _language(request: HttpRequest, delivery: Delivery) -> str:
    """The visitor's own choice (the language switch) if they made one, else the delivery's language."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return translation.get_language() or "zh-hans"
    return "en" if delivery.language.lower().startswith("en") else "zh-hans"


def _private(response: HttpResponse) -> HttpResponse:
    """The token is in the address: never sent to another site as a Referer, never indexed. (Not `no-referrer`:
    with it browsers post the form with `Origin: null`, which Django's CSRF check rightly refuses.)"""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    expired = error.code == CHECKIN_EXPIRED
    return _private(render(request, "alerts/checkin_invalid.html", {"expired": expired}, status=error.status))


def _alert_context(delivery: Delivery) -> dict[str, object]:
    edition, language = delivery.edition, delivery.language
    return {
        "headline": edition.text("headline", language), "instructions": edition.text("instructions", language),
        "level": edition.get_level_display(), "reference": delivery.alert.reference,
        "cancelled": delivery.alert.cancelled_at is not None,
    }


@never_cache
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the question; POST (`status`, `message`): record the answer and show the confirmation."""
    try:
        delivery = checkin_delivery(token=token)
    except ApplicationError as error:
        return _refused(request, error)
    with translation.override(_language(request, delivery)):
        context = {**_alert_context(delivery), "message": "", "message_max": MESSAGE_MAX, "errors": []}
        if request.method != "POST":
            return _private(render(request, "alerts/checkin.html", context))
        message = request.POST.get("message", "")
        context["message"] = message
        try:
            result = checkin_record(token=token, status=request.POST.get("status", ""), message=message)
        except ApplicationError as error:
            if error.status in (404, 410):
                return _refused(request, error)
            context["errors"] = [str(m) for messages in error.field_texts().values() for m in messages] or [
                error.text()]
            return _private(render(request, "alerts/checkin.html", context, status=400))
        done = {
            "safe": result.checkin.status == CheckInStatus.SAFE,
            "case_reference": result.case.reference if result.case is not None else "",
            "registry": result.registry or "",
            "title": _("Thank you: your answer was received"),
        }
        return _private(render(request, "alerts/checkin_done.html", {**context, **done}))
