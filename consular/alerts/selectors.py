"""Reads for alerts, scoped to what the actor may see; the public reads behind the feeds and pages; travel advice.

Officers: HQ roles and auditors see every alert; a mission officer sees the alerts of the own mission (written by
its officers). The public sees published alerts only (in force, updated, cancelled or expired), never drafts."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from consular.alerts.codes import IN_FORCE_STATES, PUBLIC_ALERT_STATES, EditionState
from consular.alerts.models import Alert, AlertEdition, AlertEditionCountry, CountryAdvice
from consular.core.permissions import scope_queryset

_REFERENCE = re.compile(r"^ALT-[0-9]{4}-[0-9]{4,6}$")


def alerts_visible(*, actor: Any) -> QuerySet[Alert]:
    return scope_queryset(actor, Alert.objects.select_related("mission", "created_by", "published_edition"),
                          mission_field="mission")


def _by_id(queryset: QuerySet[Alert], alert_id: Any) -> Alert | None:
    text = str(alert_id).strip()
    if _REFERENCE.match(text.upper()):
        return queryset.filter(reference=text.upper()).first()
    try:
        return queryset.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        return None


def alert_get(*, actor: Any, alert_id: Any) -> Alert | None:
    """By id or by reference (ALT-2026-0001)."""
    return _by_id(alerts_visible(actor=actor), alert_id)


def alert_list(*, actor: Any, filters: dict[str, Any]) -> QuerySet[Alert]:
    qs = alerts_visible(actor=actor)
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("country"):
        qs = qs.filter(editions__in=AlertEditionCountry.objects.filter(country_id=filters["country"].upper())
                       .values("edition_id")).distinct()
    return qs.order_by("-created_at", "pk")


def editions(*, alert: Alert) -> QuerySet[AlertEdition]:
    return (AlertEdition.objects.filter(alert=alert).select_related("author", "approved_by", "published_by", "incident")
            .prefetch_related("countries").order_by("number"))


def latest_edition(*, alert: Alert) -> AlertEdition | None:
    return editions(alert=alert).order_by("-number").first()


def latest_editions(*, alerts: list[Alert]) -> dict[Any, AlertEdition]:
    """The latest edition of each alert (for a page of alerts), by alert id."""
    latest: dict[Any, AlertEdition] = {}
    for edition in (AlertEdition.objects.filter(alert_id__in=[a.pk for a in alerts])
                    .select_related("author", "approved_by", "published_by", "incident")
                    .prefetch_related("countries").order_by("alert_id", "number")):
        latest[edition.alert_id] = edition
    return latest


# --- Public -------------------------------------------------------------------------------------------------------

def public_alerts() -> QuerySet[Alert]:
    return (Alert.objects.filter(state__in=PUBLIC_ALERT_STATES, published_edition__isnull=False)
            .select_related("published_edition", "mission"))


def public_alert_get(alert_id: Any) -> Alert | None:
    return _by_id(public_alerts(), alert_id)


def public_editions(*, country: str | None = None, limit: int = 50) -> list[AlertEdition]:
    """Published messages (every edition ever published: alerts, updates, cancels), newest first, optionally
    of one country: the entries of the Atom feeds."""
    qs = (AlertEdition.objects.filter(published_at__isnull=False,
                                      state__in=[EditionState.PUBLISHED, EditionState.SUPERSEDED])
          .select_related("alert"))
    if country:
        qs = qs.filter(pk__in=AlertEditionCountry.objects.filter(country_id=country.upper()).values("edition_id"))
    return list(qs.order_by("-published_at", "-number")[:limit])


def alerts_in_force(*, country: str, now: datetime.datetime | None = None) -> list[Alert]:
    """Alerts in force for a country now (the public page)."""
    now = now or timezone.now()
    return list(public_alerts().filter(
        state__in=IN_FORCE_STATES, published_edition__valid_until__gt=now,
        published_edition__in=AlertEditionCountry.objects.filter(country_id=country.upper()).values("edition_id"),
    ).order_by("-published_edition__published_at"))


def edition_chain(*, edition: AlertEdition) -> list[AlertEdition]:
    """The editions published before `edition` (the CAP `references`), oldest first."""
    return list(AlertEdition.objects.filter(alert_id=edition.alert_id, number__lt=edition.number,
                                            published_at__isnull=False).order_by("number"))


def country_advice_current(*, country: str) -> CountryAdvice | None:
    return CountryAdvice.objects.filter(country_id=country.upper()).order_by("-effective_at", "-id").first()


def country_advice_history(*, country: str) -> QuerySet[CountryAdvice]:
    return CountryAdvice.objects.filter(country_id=country.upper()).order_by("-effective_at", "-id")


def country_advice_all_current() -> QuerySet[CountryAdvice]:
    """The current advice of every country that has one."""
    latest = CountryAdvice.objects.filter(country_id=OuterRef("country_id")).order_by("-effective_at", "-id")
    return CountryAdvice.objects.filter(pk=Subquery(latest.values("pk")[:1])).order_by("country_id")
