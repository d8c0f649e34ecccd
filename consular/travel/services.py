"""Writes for trip and residence registrations. Every service takes `actor=`, checks what the actor may do, writes
the audit log in the same transaction, and raises one ApplicationError (with a message per field path, e.g.
``itinerary[1].depart``) on a broken rule; nothing is half-written.

Who may do what: a citizen account registers trips (its own, or a group's as a tour operator or company) and
changes or cancels its own registrations. Staff only read (see `selectors`).

Kept consistent here, never elsewhere: `starts_on`/`ends_on` are the first arrival and the last departure of the
itinerary, `purge_after` is `ends_on` + TRAVEL_PURGE_AFTER_DAYS, and `TripLeg.active` is true exactly while the
registration is active. The names of the traveller and of the co-travellers are indexed in the incidents'
blocking-key index (NameKey, owner type `registrant`, owner id the registration's id, no scope), so an incident
can find the registrations of the people it affects.
"""

from __future__ import annotations

import binascii
import dataclasses
import datetime
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.accounts.models import Role
from consular.core.audit import audit_record
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.core.models import Country, Subdivision
from consular.incidents import blocking
from consular.incidents.codes import NameKeyOwner
from consular.incidents.models import NameKey
from consular.incidents.tabular import ValueInvalid, normalise_email, normalise_passport, normalise_phone
from consular.notify.channels.webpush import b64url_decode, b64url_encode, host_allowed
from consular.travel.codes import Channel, RegistrationKind, RegistrationState, Relation
from consular.travel.models import CoTraveller, Registration, RegistrationGroup, TripLeg

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_LEGS = 20
MAX_CO_TRAVELLERS = 20
MAX_PUSH_SUBSCRIPTION = 4000
# How far ahead a trip may start, and how long a stay may last (a residence abroad is registered for years).
MAX_DAYS_AHEAD = 5 * 366
MAX_SPAN_DAYS = 10 * 366
# Channels and the contact each one needs.
CHANNEL_NEEDS: dict[str, str] = {
    Channel.EMAIL: "email", Channel.SMS: "phone", Channel.PUSH: "push_subscription", Channel.WEBHOOK: "messaging_id",
}
LIMITS = {"name_zh": 100, "name_latin": 150, "city": 200, "messaging_id": 100, "emergency_name": 150,
          "emergency_relation": 50}

REQUIRED = _("This field is required.")
_INVALID = _("The registration has invalid fields.")
_NAME_REQUIRED = _("Give a name in Chinese characters or as in the passport.")
_CONTACT_REQUIRED = _("Give a phone number, an email or a messaging id, so that we can reach you.")
_NOT_YOURS = _("Only the account that registered the trip may change or cancel it.")


# --- Input --------------------------------------------------------------------------------------------------------

@dataclass
class LegIn:
    country: str
    arrive: datetime.date
    depart: datetime.date
    subdivision: str = ""
    city: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass
class ContactsIn:
    email: str = ""
    phone: str = ""
    messaging_id: str = ""
    push_subscription: str = ""  # the Web Push subscription (JSON) of the installed web app


@dataclass
class TravellerIn:
    name_zh: str = ""
    name_latin: str = ""
    birth_date: datetime.date | None = None
    passport_number: str = ""


@dataclass
class CoTravellerIn:
    name_zh: str = ""
    name_latin: str = ""
    birth_date: datetime.date | None = None
    passport_number: str = ""
    relation: str = Relation.FAMILY


@dataclass
class EmergencyContactIn:
    name: str = ""
    relation: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class ConsentIn:
    contact_family: bool = False
    share_with_incident: bool = True


@dataclass
class RegistrationIn:
    itinerary: list[LegIn]
    contacts: ContactsIn = field(default_factory=ContactsIn)
    channels: list[str] = field(default_factory=list)
    language: str = "zh-hans"
    kind: str = RegistrationKind.TRIP
    traveller: TravellerIn = field(default_factory=TravellerIn)
    co_travellers: list[CoTravellerIn] = field(default_factory=list)
    emergency_contact: EmergencyContactIn = field(default_factory=EmergencyContactIn)
    consent: ConsentIn = field(default_factory=ConsentIn)


# The sections a PATCH may replace (each one whole).
SECTIONS = frozenset({"itinerary", "contacts", "channels", "language", "kind", "traveller", "co_travellers",
                      "emergency_contact", "consent"})


# --- Rules --------------------------------------------------------------------------------------------------------

Fields = dict[str, list["StrOrPromise"]]


def _add(fields: Fields, key: str, message: StrOrPromise) -> None:
    fields.setdefault(key, []).append(message)


def _denied(message: StrOrPromise) -> ApplicationError:
    return ApplicationError(ErrorCode.PERMISSION_DENIED, message, status=403)


def _conflict(message: StrOrPromise) -> ApplicationError:
    return ApplicationError(ErrorCode.CONFLICT, message, status=409)


def _too_long(limit: int) -> StrOrPromise:
    return lazy_interpolate(_("At most %(limit)s characters."), limit=limit)


def _one_of(values: Iterable[str]) -> StrOrPromise:
    return lazy_interpolate(_("Must be one of: %(choices)s."), choices=", ".join(values))


def purge_after_of(ends_on: datetime.date) -> datetime.date:
    return ends_on + datetime.timedelta(days=settings.TRAVEL_PURGE_AFTER_DAYS)


def _text(value: str, key: str, limit: int, fields: Fields) -> str:
    text = " ".join((value or "").split())
    if len(text) > limit:
        _add(fields, key, _too_long(limit))
    return text


def _normalised(value: str, key: str, normalise: Any, fields: Fields) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return str(normalise(text))
    except ValueInvalid as exc:
        _add(fields, key, exc.message)
        return text


def _birth_date(value: datetime.date | None, key: str, today: datetime.date, fields: Fields) -> None:
    if value is not None and not (datetime.date(1880, 1, 1) <= value <= today):
        _add(fields, key, _("A birth date between 1880 and today."))


def _clean_person(person: TravellerIn | CoTravellerIn, prefix: str, today: datetime.date, fields: Fields) -> None:
    person.name_zh = _text(person.name_zh, f"{prefix}.name_zh", LIMITS["name_zh"], fields)
    person.name_latin = _text(person.name_latin, f"{prefix}.name_latin", LIMITS["name_latin"], fields).upper()
    if not person.name_zh and not person.name_latin:
        _add(fields, f"{prefix}.name_zh", _NAME_REQUIRED)
    _birth_date(person.birth_date, f"{prefix}.birth_date", today, fields)
    person.passport_number = _normalised(person.passport_number, f"{prefix}.passport_number", normalise_passport,
                                         fields)


def _clean_itinerary(legs: list[LegIn], fields: Fields, today: datetime.date, *, new: bool) -> None:
    if not legs:
        _add(fields, "itinerary", _("Give at least one stop: a country with arrival and departure dates."))
        return
    if len(legs) > MAX_LEGS:
        _add(fields, "itinerary", lazy_interpolate(_("At most %(limit)s stops."), limit=MAX_LEGS))
        return
    codes = {(leg.country or "").strip().upper() for leg in legs}
    known = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
    wanted_subs = {(leg.subdivision or "").strip().upper() for leg in legs} - {""}
    sub_country = dict(Subdivision.objects.filter(code__in=wanted_subs).values_list("code", "country_id"))
    previous: LegIn | None = None
    for index, leg in enumerate(legs):
        key = f"itinerary[{index}]"
        leg.country = (leg.country or "").strip().upper()
        leg.subdivision = (leg.subdivision or "").strip().upper()
        leg.city = _text(leg.city, f"{key}.city", LIMITS["city"], fields)
        if leg.country not in known:
            _add(fields, f"{key}.country", _("Unknown country."))
        elif leg.subdivision and sub_country.get(leg.subdivision) != leg.country:
            _add(fields, f"{key}.subdivision",
                 lazy_interpolate(_("Not a province or state of %(country)s."), country=leg.country))
        if (leg.lat is None) != (leg.lon is None):
            _add(fields, f"{key}.lat" if leg.lat is None else f"{key}.lon", _("Give both latitude and longitude."))
        else:
            if leg.lat is not None and not -90 <= leg.lat <= 90:
                _add(fields, f"{key}.lat", _("A latitude between -90 and 90."))
            if leg.lon is not None and not -180 <= leg.lon <= 180:
                _add(fields, f"{key}.lon", _("A longitude between -180 and 180."))
        if leg.arrive is None:
            _add(fields, f"{key}.arrive", REQUIRED)
        if leg.depart is None:
            _add(fields, f"{key}.depart", REQUIRED)
        if leg.arrive is None or leg.depart is None:
            previous = None
            continue
        if leg.depart < leg.arrive:
            _add(fields, f"{key}.depart", _("The departure cannot be before the arrival."))
        if leg.arrive > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
            _add(fields, f"{key}.arrive", _("Register a trip at most five years ahead."))
        if previous is not None and leg.arrive < previous.depart:
            _add(fields, f"{key}.arrive", _("The stops must be in order: arrive here on or after leaving the "
                                            "previous stop."))
        previous = leg
    dated = [leg for leg in legs if leg.arrive is not None and leg.depart is not None]
    if dated and not any(key.startswith("itinerary") for key in fields):
        starts, ends = min(leg.arrive for leg in dated), max(leg.depart for leg in dated)
        if (ends - starts).days > MAX_SPAN_DAYS:
            _add(fields, f"itinerary[{len(legs) - 1}].depart", _("A registration covers at most ten years."))
        if new and ends < today:
            _add(fields, f"itinerary[{len(legs) - 1}].depart", _("This trip has already ended."))


def _clean_contacts(data: RegistrationIn, fields: Fields) -> None:
    c = data.contacts
    c.email = _normalised(c.email, "contacts.email", normalise_email, fields)
    c.phone = _normalised(c.phone, "contacts.phone", normalise_phone, fields)
    c.messaging_id = _text(c.messaging_id, "contacts.messaging_id", LIMITS["messaging_id"], fields)
    c.push_subscription = (c.push_subscription or "").strip()
    if c.push_subscription:  # checked as the portal's subscribe button and the push channel check it
        c.push_subscription, problems = push_subscription_clean(c.push_subscription)
        for name, messages in problems.items():
            for message in messages:
                _add(fields, "contacts.push_" + name, message)
    if not (c.email or c.phone or c.messaging_id):
        _add(fields, "contacts", _CONTACT_REQUIRED)
    channels = list(dict.fromkeys(data.channels))
    if not channels:
        _add(fields, "channels", _("Choose at least one way to receive safety alerts."))
    for channel in channels:
        if channel not in Channel.values:
            _add(fields, "channels", _one_of(Channel.values))
            continue
        needs = CHANNEL_NEEDS[channel]
        if not getattr(c, needs):
            _add(fields, f"contacts.{needs}", lazy_interpolate(
                _("Needed for the channel “%(channel)s”."), channel=Channel(channel).label))
    data.channels = [ch for ch in Channel.values if ch in channels]
    if data.language not in {code for code, _name in settings.LANGUAGES}:
        _add(fields, "language", _one_of(code for code, _name in settings.LANGUAGES))


def _clean_emergency(e: EmergencyContactIn, fields: Fields) -> None:
    e.name = _text(e.name, "emergency_contact.name", LIMITS["emergency_name"], fields)
    e.relation = _text(e.relation, "emergency_contact.relation", LIMITS["emergency_relation"], fields)
    e.phone = _normalised(e.phone, "emergency_contact.phone", normalise_phone, fields)
    e.email = _normalised(e.email, "emergency_contact.email", normalise_email, fields)
    given = e.name or e.relation or e.phone or e.email
    if given and not e.name:
        _add(fields, "emergency_contact.name", REQUIRED)
    if given and not (e.phone or e.email):
        _add(fields, "emergency_contact.phone", _("Give the emergency contact's phone number or email."))


def registration_clean(data: RegistrationIn, *, actor: Any = None, new: bool = True,
                       today: datetime.date | None = None) -> Fields:
    """Normalise `data` in place and return every broken rule by field path (empty: valid). The traveller's name
    defaults to the account's name."""
    today = today or timezone.localdate()
    fields: Fields = {}
    if data.kind not in RegistrationKind.values:
        _add(fields, "kind", _one_of(RegistrationKind.values))
    t = data.traveller
    if not t.name_zh.strip() and not t.name_latin.strip() and actor is not None:
        full = (actor.get_full_name() or "").strip()
        if full:
            t.name_zh = full
    _clean_person(t, "traveller", today, fields)
    _clean_itinerary(data.itinerary, fields, today, new=new)
    _clean_contacts(data, fields)
    if len(data.co_travellers) > MAX_CO_TRAVELLERS:
        _add(fields, "co_travellers", lazy_interpolate(_("At most %(limit)s co-travellers."),
                                                       limit=MAX_CO_TRAVELLERS))
    else:
        for index, person in enumerate(data.co_travellers):
            _clean_person(person, f"co_travellers[{index}]", today, fields)
            if person.relation not in Relation.values:
                _add(fields, f"co_travellers[{index}].relation", _one_of(Relation.values))
    _clean_emergency(data.emergency_contact, fields)
    return fields


def _require_citizen(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "role", None) != Role.CITIZEN:
        raise _denied(_("Only citizen accounts register trips."))


def _require_owner(actor: Any, registration: Registration) -> None:
    if getattr(actor, "pk", None) != registration.owner_id:
        raise _denied(_NOT_YOURS)


# --- Writing ------------------------------------------------------------------------------------------------------

def _apply(registration: Registration, data: RegistrationIn) -> None:
    t, c, e = data.traveller, data.contacts, data.emergency_contact
    registration.kind = data.kind
    registration.name_zh, registration.name_latin = t.name_zh, t.name_latin
    registration.birth_date, registration.passport_number = t.birth_date, t.passport_number
    registration.phone, registration.email, registration.messaging_id = c.phone, c.email, c.messaging_id
    registration.push_subscription = c.push_subscription
    registration.channels, registration.language = list(data.channels), data.language
    registration.emergency_name, registration.emergency_relation = e.name, e.relation
    registration.emergency_phone, registration.emergency_email = e.phone, e.email
    registration.consent_contact_family = data.consent.contact_family
    registration.consent_share_with_incident = data.consent.share_with_incident
    registration.starts_on = min(leg.arrive for leg in data.itinerary)
    registration.ends_on = max(leg.depart for leg in data.itinerary)
    registration.purge_after = purge_after_of(registration.ends_on)


def _write_children(registration: Registration, data: RegistrationIn) -> None:
    """Replace the legs and co-travellers, and the name keys of everyone on the registration."""
    TripLeg.objects.filter(registration=registration).delete()
    TripLeg.objects.bulk_create([
        TripLeg(registration=registration, position=i, country_id=leg.country, subdivision_id=leg.subdivision or None,
                city=leg.city, lat=leg.lat, lon=leg.lon, arrive=leg.arrive, depart=leg.depart,
                active=registration.state == RegistrationState.ACTIVE)
        for i, leg in enumerate(data.itinerary)
    ])
    CoTraveller.objects.filter(registration=registration).delete()
    co = CoTraveller.objects.bulk_create([
        CoTraveller(registration=registration, name_zh=p.name_zh, name_latin=p.name_latin, birth_date=p.birth_date,
                    passport_number=p.passport_number, relation=p.relation)
        for p in data.co_travellers
    ])
    _write_name_keys(registration, co)


def _name_key_rows(registration: Registration, co_travellers: Iterable[CoTraveller]) -> list[NameKey]:
    """The co-travellers' keys (the traveller's are written by `blocking.name_keys_write`), under the
    registration's id: an incident that finds a co-traveller finds the registration that reaches them."""
    return [row for person in co_travellers for row in blocking.key_rows(
        owner_type=NameKeyOwner.REGISTRANT, owner_id=registration.pk, names=person.names(),
        birth_date=person.birth_date, scope=None)]


def _write_name_keys(registration: Registration, co_travellers: Iterable[CoTraveller]) -> None:
    blocking.name_keys_write(owner_type=NameKeyOwner.REGISTRANT, owner_id=registration.pk,
                             names=registration.names(), birth_date=registration.birth_date, scope=None)
    NameKey.objects.bulk_create(_name_key_rows(registration, co_travellers), ignore_conflicts=True)


def _create(*, actor: Any, data: RegistrationIn, group: RegistrationGroup | None = None) -> Registration:
    registration = Registration(owner=actor, group=group, state=RegistrationState.ACTIVE)
    _apply(registration, data)
    registration.save(force_insert=True)
    _write_children(registration, data)
    return registration


def registration_create(*, actor: Any, data: RegistrationIn) -> Registration:
    """Register a trip or a residence abroad for the citizen `actor`."""
    _require_citizen(actor)
    fields = registration_clean(data, actor=actor)
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _INVALID, fields=fields)
    with transaction.atomic():
        registration = _create(actor=actor, data=data)
        audit_record(actor=actor, action="registration.create", obj=registration,
                     data={"legs": len(data.itinerary), "co_travellers": len(data.co_travellers),
                           "countries": sorted({leg.country for leg in data.itinerary})})
    return registration


def registration_input(registration: Registration) -> RegistrationIn:
    """The registration as it is stored, in the shape the services take (the base of a partial change)."""
    r = registration
    return RegistrationIn(
        itinerary=[LegIn(country=leg.country_id, subdivision=leg.subdivision_id or "", city=leg.city, lat=leg.lat,
                         lon=leg.lon, arrive=leg.arrive, depart=leg.depart)
                   for leg in r.legs.order_by("position")],
        contacts=ContactsIn(email=r.email, phone=r.phone, messaging_id=r.messaging_id,
                            push_subscription=r.push_subscription),
        channels=list(r.channels), language=r.language, kind=r.kind,
        traveller=TravellerIn(name_zh=r.name_zh, name_latin=r.name_latin, birth_date=r.birth_date,
                              passport_number=r.passport_number),
        co_travellers=[CoTravellerIn(name_zh=p.name_zh, name_latin=p.name_latin, birth_date=p.birth_date,
                                     passport_number=p.passport_number, relation=p.relation)
                       for p in r.co_travellers.order_by("id")],
        emergency_contact=EmergencyContactIn(name=r.emergency_name, relation=r.emergency_relation,
                                             phone=r.emergency_phone, email=r.emergency_email),
        consent=ConsentIn(contact_family=r.consent_contact_family,
                          share_with_incident=r.consent_share_with_incident),
    )


def _lock(registration: Registration) -> Registration:
    return Registration.objects.select_for_update().get(pk=registration.pk)


def registration_update(*, actor: Any, registration: Registration, changes: dict[str, Any]) -> Registration:
    """Replace whole sections (`SECTIONS`: the itinerary, contacts, channels …) of an active registration; the
    others stay. The result is checked as a whole, as at creation (except that the trip may have ended)."""
    _require_citizen(actor)
    _require_owner(actor, registration)
    unknown: Fields = {k: [_("This field cannot be changed.")] for k in sorted(set(changes) - SECTIONS)}
    with transaction.atomic():
        registration = _lock(registration)
        if registration.state != RegistrationState.ACTIVE:
            raise _conflict(_("A cancelled or purged registration cannot be changed; register the trip again."))
        known = {k: v for k, v in changes.items() if k in SECTIONS}
        data = dataclasses.replace(registration_input(registration), **known)
        fields = {**unknown, **registration_clean(data, actor=actor, new=False)}
        if fields:
            raise ApplicationError(ErrorCode.INVALID, _INVALID, fields=fields)
        _apply(registration, data)
        registration.save()
        _write_children(registration, data)
        audit_record(actor=actor, action="registration.update", obj=registration,
                     data={"sections": sorted(known)})
    return registration


def registration_cancel(*, actor: Any, registration: Registration) -> Registration:
    """The trip will not take place (or is over early): no more alerts. The data is purged on the usual date."""
    _require_citizen(actor)
    _require_owner(actor, registration)
    with transaction.atomic():
        registration = _lock(registration)
        if registration.state != RegistrationState.ACTIVE:
            raise _conflict(_("This registration is already cancelled."))
        registration.state, registration.cancelled_at = RegistrationState.CANCELLED, timezone.now()
        registration.save(update_fields=["state", "cancelled_at", "updated_at"])
        TripLeg.objects.filter(registration=registration).update(active=False)
        audit_record(actor=actor, action="registration.cancel", obj=registration)
    return registration


# --- Name keys: key rotation --------------------------------------------------------------------------------------

def registrant_name_keys_rehash() -> int:
    """Recompute the registrants' blocking keys after the hash key changed (a REHASHERS hook)."""
    written = 0
    last: uuid.UUID | None = None
    while True:
        with transaction.atomic():
            regs = Registration.objects.exclude(state=RegistrationState.PURGED).order_by("pk").only(
                "id", "name_zh", "name_latin", "birth_date")
            if last is not None:
                regs = regs.filter(pk__gt=last)
            batch = list(regs.select_for_update()[:500])
            if not batch:
                return written
            ids = [r.pk for r in batch]
            NameKey.objects.filter(owner_type=NameKeyOwner.REGISTRANT, owner_id__in=ids).delete()
            co: dict[uuid.UUID, list[CoTraveller]] = {}
            for person in CoTraveller.objects.filter(registration_id__in=ids):
                co.setdefault(person.registration_id, []).append(person)
            rows: list[NameKey] = []
            for r in batch:
                rows += blocking.key_rows(owner_type=NameKeyOwner.REGISTRANT, owner_id=r.pk, names=r.names(),
                                          birth_date=r.birth_date, scope=None)
                rows += _name_key_rows(r, co.get(r.pk, []))
            NameKey.objects.bulk_create(rows, ignore_conflicts=True)
            written += len(rows)
            last = batch[-1].pk


# --- Web Push subscription of the installed web app ------------------------------------------------------------

# RFC 8291: the browser's P-256 public key (uncompressed point) and its 16-byte authentication secret.
PUSH_KEY_BYTES = {"p256dh": 65, "auth": 16}
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        return False


def push_subscription_clean(subscription_json: str) -> tuple[str, Fields]:
    """The browser's `PushSubscription.toJSON()` checked as the push channel checks it before sending (an `https`
    endpoint, or plain `http` to a loopback address, on a host of PUSH_ALLOWED_HOSTS; a valid P-256 `p256dh` key
    and a 16-byte `auth` secret, both base64url), and kept as compact JSON with only what sending needs."""
    fields: Fields = {}
    text = (subscription_json or "").strip()
    if len(text) > MAX_PUSH_SUBSCRIPTION:
        return "", {"subscription": [_too_long(MAX_PUSH_SUBSCRIPTION)]}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        return "", {"subscription": [_("Not a push subscription of this browser.")]}
    endpoint = data.get("endpoint")
    host = ""
    if not isinstance(endpoint, str) or not endpoint:
        _add(fields, "subscription.endpoint", REQUIRED)
    else:
        try:
            parts = urlsplit(endpoint)
            host = (parts.hostname or "").lower()
        except ValueError:
            parts, host = None, ""
        if parts is None or not host or not (parts.scheme == "https" or (parts.scheme == "http" and _loopback(host))):
            _add(fields, "subscription.endpoint", _("The push service address must start with https://."))
        elif not host_allowed(host, settings.PUSH_ALLOWED_HOSTS):
            _add(fields, "subscription.endpoint", lazy_interpolate(
                _("Push service not accepted: %(host)s."), host=host))
    keys = data.get("keys")
    if not isinstance(keys, dict):
        keys = {}
    clean_keys: dict[str, str] = {}
    for name, size in PUSH_KEY_BYTES.items():
        value = keys.get(name)
        raw = b""
        if isinstance(value, str) and _B64URL.match(value):
            try:
                raw = b64url_decode(value)
            except (ValueError, binascii.Error):
                raw = b""
        if len(raw) != size:
            _add(fields, f"subscription.keys.{name}", lazy_interpolate(
                _("Must be %(size)s bytes in base64url."), size=size))
            continue
        if name == "p256dh":
            try:
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
            except ValueError:
                _add(fields, "subscription.keys.p256dh", _("Not a P-256 public key."))
                continue
        clean_keys[name] = b64url_encode(raw)
    if fields:
        return "", fields
    return json.dumps({"endpoint": endpoint, "keys": clean_keys}, separators=(",", ":")), {}


def _channels_with(channels: Iterable[str], *, push: bool, registration: Registration) -> list[str]:
    wanted = set(channels) | {Channel.PUSH} if push else set(channels) - {Channel.PUSH}
    if not wanted:
        # Push was the only channel: fall back to every channel a contact was given for.
        wanted = {ch for ch in (Channel.SMS, Channel.EMAIL, Channel.WEBHOOK)
                  if getattr(registration, CHANNEL_NEEDS[ch])}
    return [ch for ch in Channel.values if ch in wanted]


def registration_push_subscribe(*, actor: Any, registration: Registration, subscription_json: str) -> Registration:
    """Send the alerts of the citizen's active registration to the installed web app too: store the browser's push
    subscription (encrypted, replacing an earlier one) and add the channel "push"."""
    _require_citizen(actor)
    _require_owner(actor, registration)
    subscription, fields = push_subscription_clean(subscription_json)
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _("The push subscription is not valid."), fields=fields)
    with transaction.atomic():
        registration = _lock(registration)
        if registration.state != RegistrationState.ACTIVE:
            raise _conflict(_("A cancelled or purged registration cannot be changed; register the trip again."))
        registration.push_subscription = subscription
        registration.channels = _channels_with(registration.channels, push=True, registration=registration)
        registration.save(update_fields=["push_subscription", "channels", "updated_at"])
        audit_record(actor=actor, action="registration.push_subscribe", obj=registration,
                     data={"host": urlsplit(json.loads(subscription)["endpoint"]).hostname or ""})
    return registration


def registration_push_unsubscribe(*, actor: Any, registration: Registration) -> Registration:
    """No more alerts on the installed web app: forget the subscription and drop the channel "push" (when it was the
    only channel, the channels of the contacts given take over)."""
    _require_citizen(actor)
    _require_owner(actor, registration)
    with transaction.atomic():
        registration = _lock(registration)
        if registration.state == RegistrationState.PURGED:
            raise _conflict(_("The personal data of this registration is already purged."))
        had = bool(registration.push_subscription) or Channel.PUSH in registration.channels
        registration.push_subscription = ""
        registration.channels = _channels_with(registration.channels, push=False, registration=registration)
        registration.save(update_fields=["push_subscription", "channels", "updated_at"])
        if had:
            audit_record(actor=actor, action="registration.push_unsubscribe", obj=registration)
    return registration
