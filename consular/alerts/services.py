"""Writes for safety alerts. Every service takes `actor=`, checks what the actor may do, writes the audit log in
the same transaction, and raises ApplicationError on a broken rule.

Who may do what (decided here, documented in docs/api.md):
* HQ officers write, approve, publish and cancel alerts for any area, and set any country's travel advice.
* A mission officer does the same only inside the mission's consular district (consular.core.jurisdiction):
  every country of the area must be a whole-country part of the district; every subdivision must lie in the
  district (a whole country of it, or the subdivision or its parent listed); circles and polygons need every
  country they concern as a whole-country part of the district (their exact geometry is not checked against
  borders, so a consulate with a partial district uses subdivisions). Travel advice: whole countries only.
* Hotline operators, volunteers, auditors and citizens write nothing here.
* Four eyes: an edition is approved by an officer other than its author (also a database constraint), and only
  an approved edition is published. A cancel is published at once by any officer who may write the alert.

States: an alert is a draft until its first edition is approved (`approved`) and published (`published`); a new
edition of a published alert is a draft again until approved and published (the alert is then `updated`); a
cancel makes it `cancelled`; an alert in force whose edition's validity has passed is `expired` (query-time rule
`effective_state`, stored by `alerts_expire`). Publishing creates the delivery rows (`deliveries_fan_out`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.accounts.models import Role
from consular.alerts import deliveries, targeting
from consular.alerts.area import Area, area_clean
from consular.alerts.codes import (
    IN_FORCE_STATES,
    AlertState,
    Category,
    EditionState,
    Level,
    MsgType,
)
from consular.alerts.models import Alert, AlertEdition, AlertEditionCountry, CountryAdvice
from consular.core.audit import audit_record
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.core.models import Country, Jurisdiction, Subdivision
from consular.incidents import selectors as incident_selectors
from consular.incidents.models import Incident

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

AUTHOR_ROLES = frozenset({Role.HQ_OFFICER, Role.MISSION_OFFICER})
HEADLINE_MAX = 200
TEXT_MAX = 10000
LANGUAGES = ("zh-hans", "en")

REQUIRED = _("This field is required.")
_ALERT_INVALID = _("The alert has invalid fields.")

# The longest validity of one edition (a longer danger gets new editions, each approved again).
MAX_VALIDITY = datetime.timedelta(days=366)


@dataclass
class AlertIn:
    level: str
    category: str
    headline: dict[str, str]
    body: dict[str, str]
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    area: dict[str, Any]
    instructions: dict[str, str] = field(default_factory=dict)
    incident: Any = None  # an incident id (or reference) the actor may see, or None
    countries_concerned: list[str] = field(default_factory=list)


# --- Rules --------------------------------------------------------------------------------------------------------

def _denied(message: StrOrPromise, fields: dict[str, list[StrOrPromise]] | None = None) -> ApplicationError:
    return ApplicationError(ErrorCode.PERMISSION_DENIED, message, fields=fields, status=403)


def _conflict(message: StrOrPromise) -> ApplicationError:
    return ApplicationError(ErrorCode.CONFLICT, message, status=409)


def _require_author_role(actor: Any) -> None:
    if getattr(actor, "role", None) not in AUTHOR_ROLES or not getattr(actor, "is_active", False):
        raise _denied(_("Only HQ officers and mission officers write, approve and publish alerts."))


def _district(mission_id: int) -> tuple[set[str], set[str]]:
    whole, parts = set(), set()
    for country, subdivision in Jurisdiction.objects.filter(mission_id=mission_id).values_list("country_id",
                                                                                                "subdivision_id"):
        if subdivision:
            parts.add(subdivision)
        else:
            whole.add(country)
    return whole, parts


def outside_district(actor: Any, area: Area, countries: list[str]) -> list[str]:
    """The places of the area a mission officer may not alert (empty: all allowed; HQ officers: always empty)."""
    if getattr(actor, "role", None) != Role.MISSION_OFFICER:
        return []
    whole, parts = _district(actor.mission_id)
    outside = [c for c in area.countries if c not in whole]
    for code, country, parent in Subdivision.objects.filter(code__in=area.subdivisions).values_list(
            "code", "country_id", "parent_id"):
        if country not in whole and code not in parts and (parent is None or parent not in parts):
            outside.append(code)
    if area.circles or area.polygons:
        outside += [c for c in countries if c not in whole and c not in outside]
    return outside


def _require_district(actor: Any, area: Area, countries: list[str]) -> None:
    outside = outside_district(actor, area, countries)
    if outside:
        message = lazy_interpolate(_("These places are outside your mission's consular district: %(places)s."),
                                   places=", ".join(outside))
        raise _denied(message, fields={"area": [message]})


def _text(values: dict[str, str], name: str, limit: int, required: bool,
          fields: dict[str, list[StrOrPromise]]) -> dict[str, str]:
    values = values if isinstance(values, dict) else {}
    unknown = set(values) - set(LANGUAGES)
    if unknown:
        fields[name] = [lazy_interpolate(_("Languages are %(languages)s."), languages=", ".join(LANGUAGES))]
    clean = {language: str(values.get(language) or "").strip() for language in LANGUAGES}
    if required and not clean["zh-hans"]:
        fields[f"{name}.zh-hans"] = [REQUIRED]
    for language, text in clean.items():
        if len(text) > limit:
            fields[f"{name}.{language}"] = [lazy_interpolate(_("At most %(limit)s characters."), limit=limit)]
    return clean


@dataclass
class _Clean:
    headline: dict[str, str]
    body: dict[str, str]
    instructions: dict[str, str]
    area: Area
    countries: list[str]
    incident: Incident | None


def _validate(actor: Any, data: AlertIn) -> _Clean:
    fields: dict[str, list[StrOrPromise]] = {}
    if data.level not in Level.values:
        fields["level"] = [lazy_interpolate(_("Must be one of: %(choices)s."), choices=", ".join(Level.values))]
    if data.category not in Category.values:
        fields["category"] = [lazy_interpolate(_("Must be one of: %(choices)s."), choices=", ".join(Category.values))]
    headline = _text(data.headline, "headline", HEADLINE_MAX, True, fields)
    body = _text(data.body, "body", TEXT_MAX, True, fields)
    instructions = _text(data.instructions, "instructions", TEXT_MAX, False, fields)
    for name in ("valid_from", "valid_until"):
        value = getattr(data, name)
        if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
            fields[name] = [_("Give a date and time with a time zone.")]
    if "valid_from" not in fields and "valid_until" not in fields:
        if data.valid_until <= data.valid_from:
            fields["valid_until"] = [_("The end of validity must come after its start.")]
        elif data.valid_until <= timezone.now():
            fields["valid_until"] = [_("The end of validity must be in the future.")]
        elif data.valid_until - data.valid_from > MAX_VALIDITY:
            fields["valid_until"] = [lazy_interpolate(_("An alert is valid for at most %(days)s days: write a new "
                                                        "edition to extend it."), days=MAX_VALIDITY.days)]
        elif data.valid_from < timezone.now() - MAX_VALIDITY:
            fields["valid_from"] = [lazy_interpolate(_("The start of validity cannot be more than %(days)s days "
                                                       "ago."), days=MAX_VALIDITY.days)]
    area, countries = area_clean(data.area, data.countries_concerned, fields)
    incident = None
    if data.incident not in (None, ""):
        incident = incident_selectors.incident_get(actor=actor, incident_id=data.incident)
        if incident is None:
            fields["incident"] = [_("Unknown incident.")]
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _ALERT_INVALID, fields=fields)
    return _Clean(headline=headline, body=body, instructions=instructions, area=area, countries=countries,
                  incident=incident)


def _reference_next(year: int) -> str:
    prefix = f"ALT-{year}-"
    taken = Alert.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    number = max((int(r[len(prefix):]) for r in taken if r[len(prefix):].isdigit()), default=0) + 1
    return f"{prefix}{number:04d}"


def _edition_create(*, actor: Any, alert: Alert, number: int, msg_type: str, clean: _Clean,
                    data: AlertIn) -> AlertEdition:
    edition = AlertEdition.objects.create(
        alert=alert, number=number, msg_type=msg_type, state=EditionState.DRAFT, level=data.level,
        category=data.category, headline_zh=clean.headline["zh-hans"], headline_en=clean.headline["en"],
        body_zh=clean.body["zh-hans"], body_en=clean.body["en"], instructions_zh=clean.instructions["zh-hans"],
        instructions_en=clean.instructions["en"], valid_from=data.valid_from, valid_until=data.valid_until,
        area=clean.area.as_json(), incident=clean.incident, author=actor,
    )
    AlertEditionCountry.objects.bulk_create([AlertEditionCountry(edition=edition, country_id=c)
                                             for c in clean.countries])
    return edition


def _lock(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def latest_edition(alert: Alert) -> AlertEdition:
    edition = AlertEdition.objects.filter(alert=alert).order_by("-number").first()
    assert edition is not None
    return edition


def edition_area(edition: AlertEdition) -> tuple[Area, list[str]]:
    return Area.from_json(edition.area), list(
        AlertEditionCountry.objects.filter(edition=edition).values_list("country_id", flat=True))


def effective_state(alert: Alert, now: datetime.datetime | None = None) -> str:
    """The state shown: `expired` for an alert in force whose edition's validity has passed."""
    now = now or timezone.now()
    edition = alert.published_edition
    if alert.state in IN_FORCE_STATES and edition is not None and edition.valid_until <= now:
        return AlertState.EXPIRED
    return alert.state


# --- Alerts -------------------------------------------------------------------------------------------------------

def alert_create(*, actor: Any, data: AlertIn) -> Alert:
    """Write a new alert: its first edition, a draft waiting for a second officer's approval."""
    _require_author_role(actor)
    clean = _validate(actor, data)
    _require_district(actor, clean.area, clean.countries)
    with transaction.atomic():
        year = timezone.localdate().year
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(reference=_reference_next(year), mission_id=actor.mission_id,
                                                 created_by=actor)
                break
            except IntegrityError:  # another alert took the number meanwhile: take the next
                continue
        else:  # pragma: no cover
            raise _conflict(_("Could not allocate an alert reference; please retry."))
        edition = _edition_create(actor=actor, alert=alert, number=1, msg_type=MsgType.ALERT, clean=clean, data=data)
        audit_record(actor=actor, action="alert.create", obj=alert,
                     data={"reference": alert.reference, "edition": edition.number, "level": edition.level,
                           "countries": clean.countries})
    return alert


def alert_reach_estimate(*, actor: Any, data: AlertIn) -> targeting.ReachEstimate:
    """The editor's "count reach": the audience of an alert as typed (area, countries, validity), checked like a
    save (same field errors, same district rule) and saving nothing. Counts only, and coarse (`targeting.coarse`:
    "<5" for small counts, others rounded) so that it cannot locate a person; each estimate is audited
    (`alert.reach_estimate`, with the area and the coarse counts)."""
    _require_author_role(actor)
    clean = _validate(actor, data)
    _require_district(actor, clean.area, clean.countries)
    count = targeting.audience_preview(area=clean.area, countries=clean.countries, valid_from=data.valid_from,
                                       valid_until=data.valid_until)
    estimate = targeting.reach_estimate(count, clean.countries)
    audit_record(actor=actor, action="alert.reach_estimate", object_type="alert", object_id="",
                 data={"area": clean.area.as_json(), "countries": clean.countries,
                       "valid_from": data.valid_from.isoformat(), "valid_until": data.valid_until.isoformat(),
                       "registrations": estimate.registrations, "subscribers": estimate.subscribers})
    return estimate


def alert_edition_add(*, actor: Any, alert: Alert, data: AlertIn) -> AlertEdition:
    """A new edition: the update of a published alert (CAP Update), or a new text of one not yet published.
    An unpublished draft or approved edition it replaces is withdrawn. It needs approval again."""
    _require_author_role(actor)
    clean = _validate(actor, data)
    _require_district(actor, clean.area, clean.countries)
    with transaction.atomic():
        alert = _lock(alert)
        if alert.state in (AlertState.CANCELLED, AlertState.EXPIRED) or effective_state(alert) == AlertState.EXPIRED:
            raise _conflict(lazy_interpolate(_("The alert %(reference)s is %(state)s: write a new alert."),
                                             reference=alert.reference, state=AlertState(effective_state(alert)).label))
        previous = latest_edition(alert)
        if previous.state in (EditionState.DRAFT, EditionState.APPROVED):
            previous.state = EditionState.WITHDRAWN
            previous.save(update_fields=["state", "updated_at"])
        msg_type = MsgType.UPDATE if alert.published_edition_id else MsgType.ALERT
        edition = _edition_create(actor=actor, alert=alert, number=previous.number + 1, msg_type=msg_type,
                                  clean=clean, data=data)
        if alert.state == AlertState.APPROVED:
            alert.state = AlertState.DRAFT
            alert.save(update_fields=["state", "updated_at"])
        audit_record(actor=actor, action="alert.edition", obj=alert,
                     data={"reference": alert.reference, "edition": edition.number, "level": edition.level})
    return edition


def alert_approve(*, actor: Any, alert: Alert) -> AlertEdition:
    """Approve the alert's edition waiting for it. Never by its author."""
    _require_author_role(actor)
    with transaction.atomic():
        alert = _lock(alert)
        edition = latest_edition(alert)
        if edition.state != EditionState.DRAFT or alert.state == AlertState.CANCELLED:
            raise _conflict(lazy_interpolate(_("Alert %(reference)s has no edition waiting for approval."),
                                             reference=alert.reference))
        if edition.author_id == actor.pk:
            raise _denied(_("You wrote this edition: another officer must approve it."))
        _require_district(actor, *edition_area(edition))
        edition.state, edition.approved_by, edition.approved_at = EditionState.APPROVED, actor, timezone.now()
        edition.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
        if alert.state == AlertState.DRAFT:
            alert.state = AlertState.APPROVED
            alert.save(update_fields=["state", "updated_at"])
        audit_record(actor=actor, action="alert.approve", obj=alert,
                     data={"reference": alert.reference, "edition": edition.number})
    return edition


@dataclass
class Published:
    alert: Alert
    edition: AlertEdition
    deliveries: deliveries.FanOut


def alert_publish(*, actor: Any, alert: Alert) -> Published:
    """Publish the approved edition: it supersedes the one in force, and its delivery rows are created in the
    same transaction (set-based)."""
    _require_author_role(actor)
    with transaction.atomic():
        alert = _lock(alert)
        edition = latest_edition(alert)
        if edition.state == EditionState.DRAFT:
            raise _conflict(_("A second officer must approve this edition before it is published."))
        if edition.state != EditionState.APPROVED or alert.state == AlertState.CANCELLED:
            raise _conflict(lazy_interpolate(_("Alert %(reference)s has no approved edition to publish."),
                                             reference=alert.reference))
        now = timezone.now()
        if edition.valid_until <= now:
            raise _conflict(_("The validity of this edition is over: write a new edition."))
        _require_district(actor, *edition_area(edition))
        AlertEdition.objects.filter(alert=alert, state=EditionState.PUBLISHED).update(
            state=EditionState.SUPERSEDED, updated_at=now)
        edition.state, edition.published_by, edition.published_at = EditionState.PUBLISHED, actor, now
        edition.save(update_fields=["state", "published_by", "published_at", "updated_at"])
        first = alert.published_edition_id is None
        alert.published_edition = edition
        alert.state = AlertState.PUBLISHED if first else AlertState.UPDATED
        alert.save(update_fields=["published_edition", "state", "updated_at"])
        made = deliveries.deliveries_fan_out(edition=edition, now=now)
        audit_record(actor=actor, action="alert.publish", obj=alert,
                     data={"reference": alert.reference, "edition": edition.number,
                           "deliveries": {"registrants": made.registrants, "subscribers": made.subscribers}})
    return Published(alert=alert, edition=edition, deliveries=made)


def alert_cancel(*, actor: Any, alert: Alert, reason: str = "") -> Alert:
    """Cancel an alert. In force: a cancel edition (CAP Cancel) is published at once and the deliveries not yet
    sent are suppressed. Not yet published: its waiting edition is withdrawn."""
    _require_author_role(actor)
    reason = (reason or "").strip()[:1000]
    with transaction.atomic():
        alert = _lock(alert)
        if alert.state in (AlertState.CANCELLED, AlertState.EXPIRED) or effective_state(alert) == AlertState.EXPIRED:
            raise _conflict(lazy_interpolate(_("The alert %(reference)s is already %(state)s."),
                                             reference=alert.reference, state=AlertState(effective_state(alert)).label))
        latest = latest_edition(alert)
        in_force = alert.published_edition
        _require_district(actor, *edition_area(in_force or latest))
        now = timezone.now()
        AlertEdition.objects.filter(alert=alert, state__in=[EditionState.DRAFT, EditionState.APPROVED]).update(
            state=EditionState.WITHDRAWN, updated_at=now)
        if in_force is not None:
            countries = list(AlertEditionCountry.objects.filter(edition=in_force).values_list("country_id", flat=True))
            AlertEdition.objects.filter(pk=in_force.pk).update(state=EditionState.SUPERSEDED, updated_at=now)
            cancel = AlertEdition.objects.create(
                alert=alert, number=latest.number + 1, msg_type=MsgType.CANCEL, state=EditionState.PUBLISHED,
                level=in_force.level, category=in_force.category, headline_zh=in_force.headline_zh,
                headline_en=in_force.headline_en, body_zh=reason or in_force.body_zh,
                body_en=reason or in_force.body_en, instructions_zh="", instructions_en="",
                valid_from=in_force.valid_from, valid_until=max(in_force.valid_until, now + datetime.timedelta(
                    seconds=1)), area=in_force.area, incident=in_force.incident, author=actor,
                published_by=actor, published_at=now)
            AlertEditionCountry.objects.bulk_create([AlertEditionCountry(edition=cancel, country_id=c)
                                                     for c in countries])
            alert.published_edition = cancel
        alert.state, alert.cancelled_at, alert.cancelled_by = AlertState.CANCELLED, now, actor
        alert.save(update_fields=["state", "cancelled_at", "cancelled_by", "published_edition", "updated_at"])
        suppressed = deliveries.deliveries_suppress_pending(alert=alert)
        audit_record(actor=actor, action="alert.cancel", obj=alert,
                     data={"reference": alert.reference, "suppressed": suppressed})
    return alert


def alerts_expire(*, now: datetime.datetime | None = None) -> int:
    """Store `expired` on every alert in force whose edition's validity has passed and suppress its deliveries
    not yet sent (the state is shown as expired before this runs, see `effective_state`). For a periodic task."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        ids = list(Alert.objects.select_for_update().filter(state__in=IN_FORCE_STATES,
                                                            published_edition__valid_until__lte=now)
                   .order_by("pk").values_list("pk", flat=True))
        for alert in Alert.objects.filter(pk__in=ids).order_by("pk"):
            alert.state = AlertState.EXPIRED
            alert.save(update_fields=["state", "updated_at"])
            deliveries.deliveries_suppress_pending(alert=alert, reason="alert_expired")
            audit_record(actor=None, action="alert.expire", obj=alert, data={"reference": alert.reference})
            expired += 1
    return expired


# --- Travel advice ------------------------------------------------------------------------------------------------

def country_advice_set(*, actor: Any, country: str, level: str, summary_zh: str, summary_en: str = "",
                       alert: Alert | None = None, effective_at: datetime.datetime | None = None) -> CountryAdvice:
    """Publish a country's travel-advice level: a new row of its history (never an update)."""
    _require_author_role(actor)
    fields: dict[str, list[StrOrPromise]] = {}
    code = (country or "").strip().upper()
    if not Country.objects.filter(code=code).exists():
        fields["country"] = [_("Unknown country.")]
    if level not in Level.values:
        fields["level"] = [lazy_interpolate(_("Must be one of: %(choices)s."), choices=", ".join(Level.values))]
    if not (summary_zh or "").strip():
        fields["summary_zh"] = [REQUIRED]
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _("The travel advice has invalid fields."), fields=fields)
    _require_district(actor, Area(countries=[code]), [code])
    with transaction.atomic():
        advice = CountryAdvice.objects.create(country_id=code, level=level, summary_zh=summary_zh.strip(),
                                              summary_en=(summary_en or "").strip(), alert=alert, set_by=actor,
                                              effective_at=effective_at or timezone.now())
        audit_record(actor=actor, action="country_advice.set", obj=advice, data={"country": code, "level": level})
    return advice

