"""Public feeds and pages of published alerts: CAP 1.2 per alert, Atom of all alerts and per country, and the
alerts page of a country. Anyone may read them; drafts never appear."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from consular.alerts import cap, selectors
from consular.alerts.codes import MsgType
from consular.alerts.models import AlertEdition
from consular.core.models import Country

FEED_SIZE = 50


@require_GET
@cache_control(public=True, max_age=60)
def cap_alert(request: HttpRequest, alert_id: str) -> HttpResponse:
    """The CAP message of the alert's edition in force (or of its cancel); `?edition=N` for an earlier one."""
    alert = selectors.public_alert_get(alert_id)
    if alert is None or alert.published_edition is None:
        raise Http404
    edition = alert.published_edition
    number = request.GET.get("edition", "")
    if number:
        if not (number.isascii() and number.isdigit()) or len(number) > 9:
            raise Http404
        edition = get_object_or_404(AlertEdition, alert=alert, number=int(number), published_at__isnull=False)
    countries = sorted(c.code for c in edition.countries.all())
    web = request.build_absolute_uri(reverse("alerts_country", args=[countries[0]])) if countries else ""
    body = cap.cap_message(edition=edition, previous=selectors.edition_chain(edition=edition), web_url=web)
    return HttpResponse(body, content_type=cap.CONTENT_TYPE)


def _atom(request: HttpRequest, title: str, link: str, editions: list[AlertEdition]) -> HttpResponse:
    feed = Atom1Feed(title=title, link=request.build_absolute_uri(link),
                     description=title, language="zh-hans", feed_url=request.build_absolute_uri(),
                     feed_guid=request.build_absolute_uri())
    for edition in editions:
        prefix = {MsgType.UPDATE: "[更新] ", MsgType.CANCEL: "[解除] "}.get(MsgType(edition.msg_type), "")
        url = request.build_absolute_uri(reverse("alerts_cap", args=[edition.alert_id]))
        feed.add_item(
            title=f"{prefix}{edition.headline_zh}", link=f"{url}?edition={edition.number}",
            description=edition.body_zh, unique_id=cap.identifier(edition), unique_id_is_permalink=False,
            pubdate=edition.published_at, updateddate=edition.published_at,
            categories=[edition.category, edition.level],
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


@require_GET
@cache_control(public=True, max_age=60)
def atom_all(request: HttpRequest) -> HttpResponse:
    return _atom(request, _("Consular safety alerts"), "/", selectors.public_editions(limit=FEED_SIZE))


def _country_or_404(code: str) -> Country:
    """The country of an ISO 3166-1 alpha-2 code in the path; anything else (a NUL, a long string) is a 404."""
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise Http404
    return get_object_or_404(Country, code=code.upper())


@require_GET
@cache_control(public=True, max_age=60)
def atom_country(request: HttpRequest, country: str) -> HttpResponse:
    place = _country_or_404(country)
    return _atom(request, _("Consular safety alerts: %(country)s") % {"country": place.name},
                 reverse("alerts_country", args=[place.code]),
                 selectors.public_editions(country=place.code, limit=FEED_SIZE))


@require_GET
def country_page(request: HttpRequest, country: str) -> HttpResponse:
    """The alerts in force and the travel advice of one country, with its feeds."""
    place = _country_or_404(country)
    alerts = selectors.alerts_in_force(country=place.code)
    return render(request, "alerts/country.html", {
        "country": place, "alerts": alerts, "advice": selectors.country_advice_current(country=place.code),
        "recent": [e for e in selectors.public_editions(country=place.code, limit=10)
                   if e.msg_type == MsgType.CANCEL or e.valid_until <= timezone.now()],
    })
