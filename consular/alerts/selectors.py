"""Reads for alerts, scoped to what the actor may see; the public reads behind the feeds and pages; travel advice.

Officers: HQ roles and auditors see every alert; a mission officer sees the alerts of the own mission (written by
its officers). The public sees published alerts only (in force, updated, cancelled or expired), never drafts."""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, Max, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Left, StrIndex
from django.utils import timezone

from consular.alerts.codes import (
    IN_FORCE_STATES,
    PUBLIC_ALERT_STATES,
    REPORTED_DELIVERY_STATUSES,
    DeliveryChannel,
    DeliveryStatus,
    EditionState,
)
from consular.alerts.models import (
    Alert,
    AlertEdition,
    AlertEditionCountry,
    CheckIn,
    CheckInRegistry,
    CheckInStatus,
    CountryAdvice,
    Delivery,
)
from consular.cases import selectors as case_selectors
from consular.cases.models import Case as ProtectionCase
from consular.core.models import Country
from consular.core.permissions import scope_queryset
from consular.incidents import selectors as incident_selectors
from consular.incidents.models import Incident

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


def country_advice_list(*, country: str | None = None) -> QuerySet[CountryAdvice]:
    """The current advice of every country that has one (or of `country` only), with the alert that set it."""
    qs = country_advice_all_current().select_related("country", "alert")
    if country:
        qs = qs.filter(country_id=country.upper())
    return qs


def country_for_advice(code: str) -> Country | None:
    """The country of an ISO 3166-1 alpha-2 code, or None (anything else: a typo, a NUL, a long string)."""
    text = (code or "").strip().upper()
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        return None
    return Country.objects.filter(code=text).first()


# --- Delivery report (console) ------------------------------------------------------------------------------------
# Aggregates only: counts, failure reasons cut to their kind (never the provider's text, which may quote the
# recipient's address), check-in counts and the case references they opened. Nothing about a recipient.


def _counts() -> dict[str, int]:
    return dict.fromkeys(REPORTED_DELIVERY_STATUSES, 0)


@dataclass
class DeliveryCounts:
    """Rows by channel and status (`sending` counted as pending), with totals by status and overall."""

    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=_counts)
    total: int = 0
    last_sent_at: datetime.datetime | None = None

    def add(self, channel: str, status: str, count: int) -> None:
        reported = DeliveryStatus.PENDING if status == DeliveryStatus.SENDING else status
        self.by_channel.setdefault(channel, _counts())[reported] += count
        self.by_status[reported] += count
        self.total += count

    def rows(self) -> list[tuple[str, str, dict[str, int]]]:
        """(channel code, label, counts) for the channels that have rows, in the channels' order."""
        return [(code, str(label), self.by_channel[code]) for code, label in DeliveryChannel.choices
                if code in self.by_channel]


@dataclass
class EditionDeliveries:
    edition: AlertEdition
    counts: DeliveryCounts


@dataclass
class FailureReason:
    status: str
    reason: str
    count: int


@dataclass
class DeliveryOverview:
    total: DeliveryCounts
    editions: list[EditionDeliveries]
    reasons: list[FailureReason]

    @property
    def in_progress(self) -> bool:
        return self.total.by_status[DeliveryStatus.PENDING] > 0


REASONS_SHOWN = 10


# A phone number (7 digits or more, with single separators between them) in a provider's reason.
_PHONE_IN_TEXT = re.compile(r"\+?\d(?:[\s\-.()/]?\d){6,}")


def _reason_kind(text: str) -> str:
    """`smtp 550 recipient refused: <a@b.c> no such user` → `smtp 550 recipient refused`; a word without a
    colon (`no_contact`) stays. Anything that still looks like an address is dropped, a phone number masked
    (`invalid number +66812345678` → `invalid number …`)."""
    kind = text.split(":", 1)[0].strip()[:80]
    return "" if "@" in kind else _PHONE_IN_TEXT.sub("…", kind)


def alert_delivery_overview(*, alert: Alert) -> DeliveryOverview:
    """Delivery counts of an alert per edition and in total, when the last message went out, and the main
    failure reasons. Three grouped queries, whatever the number of rows."""
    rows = Delivery.objects.filter(alert=alert).order_by()
    per_edition: dict[Any, DeliveryCounts] = {}
    total = DeliveryCounts()
    for edition_id, channel, status, count, last in rows.values_list("edition_id", "channel", "status").annotate(
            n=Count("id"), last=Max("sent_at")):
        counts = per_edition.setdefault(edition_id, DeliveryCounts())
        for target in (counts, total):
            target.add(channel, status, count)
            if last is not None and (target.last_sent_at is None or last > target.last_sent_at):
                target.last_sent_at = last
    editions = [EditionDeliveries(edition=e, counts=per_edition[e.pk])
                for e in AlertEdition.objects.filter(pk__in=list(per_edition)).order_by("-number")]
    # The reason's kind is cut in the database (the text before the first colon), so the groups stay few.
    colon = StrIndex("last_error", Value(":"))
    head = Case(When(colon_at__gt=0, then=Left("last_error", F("colon_at") - 1)), default=Left("last_error", 80))
    kinds: dict[tuple[str, str], int] = {}
    failing = rows.exclude(last_error="").filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.SUPPRESSED,
                                                             DeliveryStatus.PENDING])
    for status, text, count in (failing.annotate(colon_at=colon).annotate(head=head)
                                .values_list("status", "head").annotate(n=Count("id"))):
        key = (status, _reason_kind(text or ""))
        kinds[key] = kinds.get(key, 0) + count
    reasons = sorted((FailureReason(status=s, reason=r or "?", count=n) for (s, r), n in kinds.items()),
                     key=lambda f: (-f.count, f.status, f.reason))[:REASONS_SHOWN]
    return DeliveryOverview(total=total, editions=editions, reasons=reasons)


CASES_SHOWN = 50


@dataclass
class CheckInOverview:
    """The answers to an alert's personal links: answers and people per status ("safe", "need_help"), what they
    did to incident registries (people per effect), the cases they opened that the actor may open (newest
    first, at most CASES_SHOWN) and how many others there are, the incidents of the alert the actor may see."""

    answers: dict[str, int]
    people: dict[str, int]
    registry: dict[str, int]
    last_at: datetime.datetime | None
    cases: list[ProtectionCase]
    cases_total: int
    incidents: list[Incident]

    @property
    def total(self) -> int:
        return sum(self.answers.values())

    @property
    def cases_not_shown(self) -> int:
        return self.cases_total - len(self.cases)


def alert_checkin_overview(*, actor: Any, alert: Alert) -> CheckInOverview:
    rows = CheckIn.objects.filter(delivery__alert=alert).order_by()
    answers, people = dict.fromkeys(CheckInStatus.values, 0), dict.fromkeys(CheckInStatus.values, 0)
    last_at = None
    for status, n, registrants, users, last in rows.values_list("status").annotate(
            n=Count("id"), registrants=Count("registration", distinct=True), users=Count("user", distinct=True),
            last=Max("created_at")):
        answers[status], people[status] = n, registrants + users
        last_at = last if last_at is None or (last is not None and last > last_at) else last_at
    registry = dict.fromkeys(CheckInRegistry.values, 0)
    for effect, registrants, users in rows.exclude(registry="").values_list("registry").annotate(
            registrants=Count("registration", distinct=True), users=Count("user", distinct=True)):
        registry[effect] = registrants + users
    opened = rows.filter(case__isnull=False).values("case_id")
    cases_total = ProtectionCase.objects.filter(pk__in=opened).count()
    cases = list(case_selectors.cases_visible(actor=actor).filter(pk__in=opened)
                 .order_by("-created_at", "pk")[:CASES_SHOWN])
    incidents = list(incident_selectors.incidents_visible(actor=actor).filter(
        pk__in=AlertEdition.objects.filter(alert=alert, incident__isnull=False).values("incident_id"))
        .order_by("reference"))
    return CheckInOverview(answers=answers, people=people, registry=registry, last_at=last_at, cases=cases,
                           cases_total=cases_total, incidents=incidents)
