"""Citizen portal pages: home, the public list of missions and their districts, login, error pages.

Thin: reads go through consular.core.selectors; nothing here writes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import escape

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from consular.accounts.models import User
from consular.core.models import Country, Mission, MissionKind
from consular.core.names import name_sort_key
from consular.core.selectors import mission_detail, missions_list
from consular.portal.forms import MissionFilterForm

logger = logging.getLogger(__name__)

# Within a country: the embassy first, then consulates-general, then consulates.
_KIND_ORDER: dict[str, int] = {MissionKind.EMBASSY: 0, MissionKind.CONSULATE_GENERAL: 1, MissionKind.CONSULATE: 2}


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@dataclass
class CountryGroup:
    country: Country
    missions: list[Mission] = field(default_factory=list)


def missions(request: HttpRequest) -> HttpResponse:
    """Every mission abroad, grouped by country, with a country filter that works with and without JS."""
    everything = list(missions_list().exclude(kind=MissionKind.HQ).select_related("country"))
    by_code: dict[str, CountryGroup] = {}
    for mission in everything:
        by_code.setdefault(mission.country_id, CountryGroup(country=mission.country)).missions.append(mission)
    groups = sorted(by_code.values(), key=lambda g: name_sort_key(g.country.name))
    for group in groups:
        group.missions.sort(key=lambda m: (_KIND_ORDER.get(m.kind, 9), name_sort_key(m.city)))

    data = request.GET.copy()
    if "country" in data:
        data["country"] = str(data.get("country", "")).strip().upper()  # ?country=th from a typed link
    form = MissionFilterForm(data or None, countries=[g.country for g in groups])
    selected = form.cleaned_data["country"] if form.is_bound and form.is_valid() else ""
    if selected:
        groups = [g for g in groups if g.country.code == selected]
    context = {
        "form": form,
        "groups": groups,
        "mission_count": sum(len(g.missions) for g in groups),
        "fragment": is_htmx(request),
    }
    template = "portal/_mission_list.html" if is_htmx(request) else "portal/missions.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@dataclass
class DistrictPart:
    """One country of a mission's consular district: the whole country, or some of its subdivisions."""

    country: Country
    whole: bool = False
    subdivisions: list[str] = field(default_factory=list)


def mission(request: HttpRequest, code: str) -> HttpResponse:
    found = mission_detail(code=code)
    if found is None or found.is_hq or not found.active:
        raise Http404
    places = list(found.jurisdiction.all())
    countries = Country.objects.in_bulk({found.country_id, *(j.country_id for j in places)})
    parts: dict[str, DistrictPart] = {}
    for place in places:
        part = parts.setdefault(place.country_id, DistrictPart(country=countries[place.country_id]))
        if place.subdivision is None:  # select_related by the selector: no query
            part.whole = True
        else:
            part.subdivisions.append(place.subdivision.name)
    district = sorted(parts.values(), key=lambda p: (p.country.code != found.country_id, name_sort_key(p.country.name)))
    for part in district:
        part.subdivisions.sort(key=name_sort_key)
    return render(
        request,
        "portal/mission.html",
        {"mission": found, "country": countries[found.country_id], "district": district},
    )


class LoginView(auth_views.LoginView):
    """Django's login view; staff land in the console, everyone else on the portal home (unless ?next=)."""

    template_name = "login.html"

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        if isinstance(user, User) and user.is_staff_role:
            return reverse("console:home")
        return reverse("home")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The friendly 500 page; if even that fails (database down, broken template), plain bilingual HTML."""
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("the 500 page could not be rendered")
        hotline = escape(str(settings.CONSULAR_DEPLOYMENT.get("hotline", "")))
        body = (
            '<!doctype html><html lang="zh-Hans"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>出错了 · Error</title>'
            "<h1>抱歉，出错了</h1><p>请稍后再试。如需紧急帮助，请拨打24小时热线"
            f' <a href="tel:{hotline.replace(" ", "")}">{hotline}</a>。</p>'
            '<h2 lang="en">Sorry, something went wrong</h2><p lang="en">Please try again later. '
            f'For urgent help call the 24-hour hotline <a href="tel:{hotline.replace(" ", "")}">{hotline}</a>.</p>'
        )
        return HttpResponseServerError(body, content_type="text/html; charset=utf-8")
