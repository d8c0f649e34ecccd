"""Check-ins: a citizen answers an alert through the personal link of a delivery ("I am safe" / "I need help").

The link is `{PUBLIC_URL}/checkin/<token>/`, the token `<delivery id>.<HMAC>` (see `deliveries.delivery_token`);
only a keyed hash of it is stored. An unknown, malformed, altered or never-sent token gets the same 404 answer
(no oracle); a link past its alert's validity (or its cancellation) plus ALERTS_CHECKIN_GRACE_HOURS gets 410.

Effects, in one transaction under a lock on the registrant's row (or the subscriber's), so that the email and the
SMS link of one person never race:

- `safe`: when the edition belongs to an open incident, the registrant is looked up in its registry (an exact
  passport match, else a single `match`-level name candidate) and set safe, or added as safe; without the
  registrant's consent to be listed nothing is written there (`not_shared`). A repeated "safe" from the same
  person changes nothing there. When the person has an open case from an earlier "need help", a message is
  added to it (officers close cases, not check-ins).
- `need_help`: one case per person and alert, at the mission responsible for where they are (the leg of their
  trip that covers today, else the alert's first country), P1 for a warning or evacuation, else P2. A second
  "need help" adds its message to that case while it is open, and opens a new one once it was closed.

Every answer is kept as a CheckIn row and audited (`alert.checkin`, with `via`: `link` or `sms`). The registry
and case services run on behalf of the system, `CHECKIN_ACTOR` (a `consular.core.system.SystemActor` with the
rights of a hotline operator): the rows they write name no user, and their audit rows (like `alert.checkin`) name
the actor `system:checkin` and say `source_kind: checkin`.

An answer by SMS reply code (`sms_replies`) finds its delivery otherwise, then goes through the same
`checkin_record_delivery`.

Subscribers (a country's followers, not travellers) may check in too: they are not in any registry (we have no
particulars to match), but "need help" opens a case with the account's name and phone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from consular.accounts.models import Role, User
from consular.alerts.codes import Category as AlertCategory
from consular.alerts.codes import Level
from consular.alerts.deliveries import delivery_for_token
from consular.alerts.models import CheckIn, CheckInRegistry, CheckInStatus, Delivery, SmsReply
from consular.cases import services as case_services
from consular.cases.codes import OPEN_STATES, Channel, Urgency
from consular.cases.codes import Category as CaseCategory
from consular.cases.models import Case
from consular.core.audit import audit_record
from consular.core.crypto import keyed_hash
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.core.system import SystemActor
from consular.incidents import selectors as incident_selectors
from consular.incidents import services as incident_services
from consular.incidents.codes import IncidentStatus, PersonStatus, SourceKind
from consular.incidents.models import AffectedPerson, Incident
from consular.travel.models import Registration

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MESSAGE_MAX = 2000
# The error code of a link past its time (answered 410 Gone).
CHECKIN_EXPIRED = "checkin_expired"

# An alert's category → the category of the case a "need help" opens.
CASE_CATEGORY: dict[str, str] = {
    AlertCategory.NATURAL_DISASTER: CaseCategory.NATURAL_DISASTER,
    AlertCategory.ENVIRONMENT: CaseCategory.NATURAL_DISASTER,
    AlertCategory.TERRORISM: CaseCategory.TERRORISM,
}
URGENT_LEVELS = frozenset({Level.WARNING, Level.EVACUATE})


# The system acting on a citizen's check-in: it may write to every incident's registry like a hotline operator.
CHECKIN_ACTOR = SystemActor("checkin", role=Role.HOTLINE_OPERATOR)

NOT_FOUND_MESSAGE = _("This link is not valid. Check that you opened the whole link from the message.")


@dataclass
class CheckInResult:
    checkin: CheckIn
    case: Case | None
    registry: str | None  # "updated", "added", "not_shared" or None (no incident, or nothing to match on)
    repeated: bool  # the same answer was already recorded for this person and alert: nothing new was done


def _not_found() -> ApplicationError:
    return ApplicationError(ErrorCode.NOT_FOUND, NOT_FOUND_MESSAGE, status=404)


def _hotline() -> str:
    return str(settings.CONSULAR_DEPLOYMENT.get("hotline", ""))


def checkin_deadline(delivery: Delivery) -> datetime.datetime:
    """Until when the delivery's link is answered: the end of the alert's validity (its latest edition's, or the
    moment it was cancelled, whichever is earlier) plus ALERTS_CHECKIN_GRACE_HOURS."""
    alert = delivery.alert
    end = delivery.edition.valid_until
    current = alert.published_edition
    if current is not None and current.valid_until > end:
        end = current.valid_until
    if alert.cancelled_at is not None and alert.cancelled_at < end:
        end = alert.cancelled_at
    return end + datetime.timedelta(hours=settings.ALERTS_CHECKIN_GRACE_HOURS)


def checkin_delivery(*, token: str, now: datetime.datetime | None = None) -> Delivery:
    """The delivery of a check-in link still answered; ApplicationError 404 (unknown, malformed, altered, never
    sent: one answer for all) or 410 (expired: the hotline is the way now)."""
    delivery = delivery_for_token(token)
    if delivery is None:
        raise _not_found()
    return _answerable(delivery.pk, now)


def _answerable(pk: int, now: datetime.datetime | None) -> Delivery:
    delivery = Delivery.objects.select_related("alert__published_edition", "edition__incident").get(pk=pk)
    if (now or timezone.now()) > checkin_deadline(delivery):
        raise ApplicationError(
            CHECKIN_EXPIRED,
            lazy_interpolate(_("This link has expired: the alert is no longer in force. If you need help, call the "
                               "24-hour hotline %(hotline)s."), hotline=_hotline()),
            status=410,
        )
    return delivery


def _validate(status: str, message: str) -> str:
    fields: dict[str, list[StrOrPromise]] = {}
    if status not in CheckInStatus.values:
        fields["status"] = [lazy_interpolate(_("Must be one of: %(choices)s."),
                                             choices=", ".join(CheckInStatus.values))]
    text = (message or "").strip()
    if len(text) > MESSAGE_MAX:
        fields["message"] = [lazy_interpolate(_("At most %(limit)s characters."), limit=MESSAGE_MAX)]
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _("The answer has invalid fields."), fields=fields)
    return text


def _lock_person(delivery: Delivery) -> Registration | User:
    """Lock the recipient's row: the check-ins of one person (any channel's link) are made one at a time."""
    if delivery.registration_id is not None:
        return Registration.objects.select_for_update().get(pk=delivery.registration_id)
    assert delivery.user_id is not None  # the database's delivery_one_recipient constraint
    return User.objects.select_for_update().get(pk=delivery.user_id)


def _previous(delivery: Delivery) -> Any:
    """This person's earlier check-ins about the same alert (from any of its deliveries), latest first."""
    if delivery.registration_id is not None:
        mine = CheckIn.objects.filter(registration_id=delivery.registration_id)
    else:
        assert delivery.user_id is not None
        mine = CheckIn.objects.filter(user_id=delivery.user_id)
    return mine.filter(delivery__alert_id=delivery.alert_id).order_by("-created_at", "-id")


# --- The registry -------------------------------------------------------------------------------------------------

def _find_in_registry(incident: Incident, registration: Registration) -> AffectedPerson | None:
    """The person linked to this registration (a list import's match), else an exact passport match (a single
    one), else the single `match`-level name candidate, else None."""
    linked = AffectedPerson.objects.filter(incident=incident, registration_id=registration.pk).first()
    if linked is not None:
        return linked
    passport = registration.passport_number.strip()
    if passport:
        same = list(AffectedPerson.objects.filter(
            incident=incident, passport_hash=keyed_hash(passport, kind="passport")).order_by("pk")[:2])
        if len(same) == 1:
            return same[0]
    matches: dict[Any, AffectedPerson] = {}
    for name in registration.names():
        for candidate in incident_selectors.candidates(incident=incident, name=name,
                                                       birth_date=registration.birth_date,
                                                       passport_number=passport, limit=3):
            if candidate.level == "match":
                matches[candidate.person.pk] = candidate.person
    return next(iter(matches.values())) if len(matches) == 1 else None


def _registry_safe(delivery: Delivery, registration: Registration,
                   earlier: list[CheckIn]) -> tuple[str | None, AffectedPerson | None]:
    incident = delivery.edition.incident
    if incident is None or incident.status != IncidentStatus.OPEN:
        return None, None
    if not registration.consent_share_with_incident:
        return CheckInRegistry.NOT_SHARED, None
    ref = f"delivery {delivery.pk}"
    known = next((c for c in earlier if c.affected_person_id is not None), None)
    person = known.affected_person if known is not None else _find_in_registry(incident, registration)
    if person is not None and person.incident_id == incident.pk and person.status == PersonStatus.DECEASED:
        # A recorded death is corrected by an officer only (with a note), never by a check-in, and the answer
        # says nothing of it (the next-of-kin gate): the check-in is kept on the person for the officers.
        return None, person
    if person is not None and person.incident_id == incident.pk:
        previous_safe = next((c for c in earlier if c.status == CheckInStatus.SAFE and c.registry), None)
        if person.status == PersonStatus.SAFE and previous_safe is not None:
            return previous_safe.registry, person  # already safe from this person's check-in: nothing new
        incident_services.person_set_status(actor=CHECKIN_ACTOR, person=person, status=PersonStatus.SAFE,
                                            source_kind=SourceKind.CHECKIN, source_ref=ref)
        return CheckInRegistry.UPDATED, person
    if not registration.names():
        return None, None  # nothing to list them by (e.g. purged)
    leg = _leg_today(registration, timezone.localdate())
    person = incident_services.person_add(actor=CHECKIN_ACTOR, incident=incident, data=incident_services.PersonIn(
        name_zh=registration.name_zh, name_latin=registration.name_latin, birth_date=registration.birth_date,
        passport_number=registration.passport_number, nationalities=["CN"], phone=registration.phone,
        email=registration.email, last_known_location=_place_text(leg), status=PersonStatus.SAFE,
        source=incident_services.Source(kind=SourceKind.CHECKIN, ref=ref),
    ))
    return CheckInRegistry.ADDED, person


# --- Cases --------------------------------------------------------------------------------------------------------

def _leg_today(registration: Registration, today: datetime.date) -> Any:
    return registration.legs.filter(arrive__lte=today, depart__gte=today).order_by("position").first()


def _place_text(leg: Any) -> str:
    if leg is None:
        return ""
    return ", ".join(p for p in (leg.city, leg.subdivision_id or "", leg.country_id) if p)


def _location(delivery: Delivery, registration: Registration | None) -> case_services.Location:
    leg = _leg_today(registration, timezone.localdate()) if registration is not None else None
    if leg is not None:
        return case_services.Location(country=leg.country_id, subdivision=leg.subdivision_id, city=leg.city,
                                      lat=leg.lat, lon=leg.lon)
    edition = delivery.edition
    countries = list((edition.area or {}).get("countries") or [])
    if not countries:
        countries = sorted(edition.countries.values_list("code", flat=True))
    if not countries and registration is not None:
        first = registration.legs.order_by("position").first()
        countries = [first.country_id] if first is not None else []
    return case_services.Location(country=countries[0] if countries else "")


def _case_person(delivery: Delivery, registration: Registration | None) -> case_services.PersonIn:
    if registration is not None:
        person = case_services.PersonIn(name_zh=registration.name_zh, name_latin=registration.name_latin,
                                        birth_date=registration.birth_date,
                                        passport_number=registration.passport_number, phone=registration.phone)
    else:
        assert delivery.user_id is not None
        user = User.objects.get(pk=delivery.user_id)
        person = case_services.PersonIn(name_latin=user.get_full_name() or user.get_username(), phone=user.phone)
    if not (person.name_zh.strip() or person.name_latin.strip()):
        person.name_latin = _t("Alert recipient (delivery %(id)s)") % {"id": delivery.pk}
    return person


def _case_open(delivery: Delivery, registration: Registration | None, text: str) -> Case:
    edition = delivery.edition
    summary = _t("“I need help” answered to alert %(reference)s (%(headline)s).") % {
        "reference": delivery.alert.reference, "headline": edition.headline_zh}
    if text:
        summary += "\n" + _t("Message: %(message)s") % {"message": text}
    contact = registration.email if registration is not None else ""
    return case_services.case_open(actor=CHECKIN_ACTOR, contact_email=contact, data=case_services.CaseIn(
        category=CASE_CATEGORY.get(edition.category, CaseCategory.OTHER),
        urgency=Urgency.P1 if edition.level in URGENT_LEVELS else Urgency.P2,
        summary=summary, location=_location(delivery, registration), channel=Channel.APP,
        persons=[_case_person(delivery, registration)],
    ))


def _case_message(case: Case, delivery: Delivery, status: str, text: str) -> None:
    head = (_t("Check-in to alert %(reference)s: I am safe.") if status == CheckInStatus.SAFE
            else _t("Check-in to alert %(reference)s: I still need help."))
    body = head % {"reference": delivery.alert.reference}
    case_services.help_request_message(case=case, body=body + (f"\n{text}" if text else ""))


# --- The service --------------------------------------------------------------------------------------------------

def checkin_record(*, token: str, status: str, message: str = "",
                   now: datetime.datetime | None = None) -> CheckInResult:
    """Record a citizen's answer to an alert through the personal link `token` (see the module's doc)."""
    delivery = checkin_delivery(token=token, now=now)
    return _record(delivery, status, message, via="link")


def checkin_record_delivery(*, delivery: Delivery | int, status: str, message: str = "",
                            via: Literal["link", "sms"] = "sms",
                            now: datetime.datetime | None = None) -> CheckInResult:
    """Record an answer to the alert of `delivery`, found by other means than its link (an SMS reply code):
    the same effects as `checkin_record`; ApplicationError 410 once the delivery is no longer answered."""
    pk = delivery if isinstance(delivery, int) else delivery.pk
    return _record(_answerable(pk, now), status, message, via=via)


def _record(delivery: Delivery, status: str, message: str, *, via: str) -> CheckInResult:
    text = _validate(status, message)
    with transaction.atomic():
        _lock_person(delivery)
        registration = (Registration.objects.get(pk=delivery.registration_id)
                        if delivery.registration_id is not None else None)
        earlier = list(_previous(delivery).select_related("affected_person", "case"))
        open_case = next((c.case for c in earlier if c.case is not None), None)
        if open_case is not None:
            open_case.refresh_from_db(fields=["state"])
            if open_case.state not in OPEN_STATES:
                open_case = None
        repeated = bool(earlier) and earlier[0].status == status and earlier[0].message == text
        registry: str | None = None
        person: AffectedPerson | None = None
        case: Case | None = None
        if status == CheckInStatus.SAFE:
            if registration is not None:
                registry, person = _registry_safe(delivery, registration, earlier)
            if open_case is not None:
                case = open_case
                if not repeated:
                    _case_message(case, delivery, status, text)
        else:
            if open_case is not None:
                case = open_case
                if not repeated:
                    _case_message(case, delivery, status, text)
            else:
                case = _case_open(delivery, registration, text)
            person = next((c.affected_person for c in earlier if c.affected_person is not None), None)
            if person is None and registration is not None and delivery.edition.incident is not None \
                    and registration.consent_share_with_incident:
                person = _find_in_registry(delivery.edition.incident, registration)
            if person is not None and person.case_id is None:
                incident_services.person_update(actor=CHECKIN_ACTOR, person=person, changes={"case": case})
        checkin = CheckIn.objects.create(
            delivery=delivery, registration=registration, user_id=delivery.user_id, status=status, message=text,
            registry=registry or "", affected_person=person, case=case, created_at=timezone.now(),
        )
        audit_record(actor=CHECKIN_ACTOR, action="alert.checkin", obj=checkin, data={
            "alert": delivery.alert.reference, "delivery": delivery.pk, "status": status, "via": via,
            "registry": registry, "case": case.reference if case is not None else None,
            "affected_person": str(person.pk) if person is not None else None, "repeated": repeated,
        })
    return CheckInResult(checkin=checkin, case=case, registry=registry, repeated=repeated)


def checkins_purge(registration_ids: list[object]) -> int:
    """Empty the messages of the check-ins of purged registrations (a travel purge hook); the answers
    themselves (safe, need help, when) stay, without personal data, for the statistics. The keyed hash of the
    number their SMS went to goes too (from the deliveries and from the SMS replies to them): a later reply
    from that number is no longer matched."""
    sms = Delivery.objects.filter(registration_id__in=registration_ids).exclude(phone_hash="")
    SmsReply.objects.filter(delivery__in=sms.values("pk")).update(phone_hash="", phone="")
    sms.update(phone_hash="")
    return CheckIn.objects.filter(registration_id__in=registration_ids).exclude(message="").update(message="")
