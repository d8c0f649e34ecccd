"""Console pages of safety alerts: the list, writing an alert (or a new edition), and an alert's page with its
editions, the estimated audience before publishing, the deliveries after, and the approve / publish / cancel
buttons. Thin: reads through consular.alerts.selectors (scoped: a mission officer sees the mission's alerts),
writes through consular.alerts.services (which check the rules: the four-eyes rule, the district)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consular.accounts.models import User
from consular.alerts import deliveries, selectors, services, targeting
from consular.alerts.codes import AlertState, EditionState
from consular.alerts.models import Alert
from consular.console.access import staff_user
from consular.console.alert_forms import ALERT_FIELD_MAP, AlertForm, initial_from, initial_new
from consular.core.errors import ApplicationError, form_add_error

PAGE_SIZE = 50
# The delivery report reloads itself this often while messages are pending.
REFRESH_SECONDS = 30


def _alert_or_404(user: User, alert_id: Any) -> Alert:
    alert = selectors.alert_get(actor=user, alert_id=alert_id)
    if alert is None:
        raise Http404
    return alert


def _writer(request: HttpRequest) -> User:
    user = staff_user(request)
    if user.role not in services.AUTHOR_ROLES:
        raise PermissionDenied
    return user


def _status(error: ApplicationError) -> int:
    return error.status if 400 <= error.status < 500 else 400


@never_cache
@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    page = Paginator(selectors.alert_list(actor=user, filters={}), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(alert, services.effective_state(alert), selectors.latest_edition(alert=alert)) for alert in page]
    return render(request, "console/alerts/list.html", {"page": page, "rows": rows,
                                                         "can_write": user.role in services.AUTHOR_ROLES})


def _map_context() -> dict[str, str]:
    """The area map's optional raster tiles (empty: the static world outline only)."""
    return {"map_tile_url": settings.CONSULAR_MAP_TILE_URL,
            "map_tile_attribution": settings.CONSULAR_MAP_TILE_ATTRIBUTION}


def _form_page(request: HttpRequest, user: User, alert: Alert | None) -> HttpResponse:
    status = 200
    audience = None
    if request.method == "POST" and "count_reach" in request.POST:
        # "Count reach": the estimated audience of the area and validity as typed; nothing is saved.
        form = AlertForm(request.POST)
        if form.is_valid():
            try:
                audience = services.alert_reach_estimate(actor=user, data=form.alert_in())
            except ApplicationError as error:
                form_add_error(form, error, ALERT_FIELD_MAP)
                status = _status(error)
        else:
            status = 400
    elif request.method == "POST":
        form = AlertForm(request.POST)
        if form.is_valid():
            try:
                if alert is None:
                    alert = services.alert_create(actor=user, data=form.alert_in())
                    messages.success(request, _("Alert %(ref)s written: another officer must approve it.")
                                     % {"ref": alert.reference})
                else:
                    services.alert_edition_add(actor=user, alert=alert, data=form.alert_in())
                    messages.success(request, _("New edition written: another officer must approve it."))
            except ApplicationError as error:
                form_add_error(form, error, ALERT_FIELD_MAP)
                status = _status(error)
            else:
                return redirect(reverse("console:alert", args=[alert.pk]))
        else:
            status = 400
    elif alert is None:
        form = AlertForm(initial=initial_new())
    else:
        latest = selectors.latest_edition(alert=alert)
        form = AlertForm(initial=initial_from(latest) if latest else initial_new())
    return render(request, "console/alerts/form.html",
                  {"form": form, "alert": alert, "audience": audience, **_map_context()}, status=status)


@never_cache
@login_required
def alert_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, _writer(request), None)


@never_cache
@login_required
def alert_edition(request: HttpRequest, alert_id: Any) -> HttpResponse:
    user = _writer(request)
    return _form_page(request, user, _alert_or_404(user, alert_id))


@never_cache
@login_required
def alert_detail(request: HttpRequest, alert_id: Any) -> HttpResponse:
    user = staff_user(request)
    alert = _alert_or_404(user, alert_id)
    editions = list(selectors.editions(alert=alert))
    latest = editions[-1]
    waiting = latest.state in (EditionState.DRAFT, EditionState.APPROVED)
    state = services.effective_state(alert)
    return render(request, "console/alerts/detail.html", {
        "alert": alert, "state": AlertState(state).label, "state_code": state,
        "editions": list(reversed(editions)),
        "latest": latest, "waiting": waiting, "audience": targeting.audience_count(latest) if waiting else None,
        "report": deliveries.deliveries_report(alert=alert), "can_write": user.role in services.AUTHOR_ROLES,
        "own": latest.author_id == user.pk, **_map_context(),
    })


@never_cache
@login_required
def alert_deliveries(request: HttpRequest, alert_id: Any) -> HttpResponse:
    """How the alert's delivery is going: rows per channel and status, per edition and in total, the main
    failure reasons, when the last message went out, and the check-in answers with the cases they opened.
    Aggregates only (no recipient is named), for every staff member who may see the alert; the page reloads
    itself every REFRESH_SECONDS while messages are still pending."""
    user = staff_user(request)
    alert = _alert_or_404(user, alert_id)
    overview = selectors.alert_delivery_overview(alert=alert)
    latest = selectors.latest_edition(alert=alert)
    return render(request, "console/alerts/deliveries.html", {
        "alert": alert, "latest": latest, "state": AlertState(services.effective_state(alert)).label,
        "overview": overview, "checkins": selectors.alert_checkin_overview(actor=user, alert=alert),
        "refresh_seconds": REFRESH_SECONDS if overview.in_progress else None,
    })


@require_POST
@login_required
def alert_action(request: HttpRequest, alert_id: Any, action: str) -> HttpResponse:
    """Approve, publish or cancel; a refusal is shown on the alert's page."""
    user = _writer(request)
    alert = _alert_or_404(user, alert_id)
    try:
        if action == "approve":
            services.alert_approve(actor=user, alert=alert)
            messages.success(request, _("Edition approved: it may now be published."))
        elif action == "publish":
            result = services.alert_publish(actor=user, alert=alert)
            messages.success(request, _("Alert published: %(n)s messages queued.")
                             % {"n": result.deliveries.registrants + result.deliveries.subscribers})
        elif action == "cancel":
            services.alert_cancel(actor=user, alert=alert, reason=request.POST.get("reason", ""))
            messages.success(request, _("Alert cancelled."))
        else:
            raise Http404
    except ApplicationError as error:
        messages.error(request, error.text())
    return redirect(reverse("console:alert", args=[alert.pk]))
