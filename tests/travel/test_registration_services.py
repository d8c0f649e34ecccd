"""Registration services: every rule broken names its field path and writes nothing; dates, retention and the
legs' active flag stay consistent; cancellation; the traveller's and co-travellers' name keys; key rotation."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from consular.core.errors import ApplicationError
from consular.core.keys import REHASHERS
from consular.core.models import AuditEntry
from consular.incidents import blocking
from consular.incidents.codes import NameKeyOwner
from consular.incidents.models import NameKey
from consular.travel import services
from consular.travel.models import CoTraveller, Registration, TripLeg
from consular.travel.services import CoTravellerIn, LegIn
from tests.travel.travel_helpers import registration_in

TODAY = timezone.localdate


def _leg(country: str = "TH", arrive: int = 10, depart: int = 12, **extra: Any) -> LegIn:
    d = TODAY()
    return LegIn(country=country, arrive=d + datetime.timedelta(days=arrive),
                 depart=d + datetime.timedelta(days=depart), **extra)


def _set(path: str, value: Any) -> Callable[[services.RegistrationIn], None]:
    def change(data: services.RegistrationIn) -> None:
        *parents, name = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else getattr(target, part)
        setattr(target, name, value)
    return change


def _both(*changes: Callable[[services.RegistrationIn], None]) -> Callable[[services.RegistrationIn], None]:
    def change(data: services.RegistrationIn) -> None:
        for one in changes:
            one(data)
    return change


# (what is wrong, the change, the field path named)
BAD: list[tuple[str, Callable[[services.RegistrationIn], None], str]] = [
    ("no stops", _set("itinerary", []), "itinerary"),
    ("21 stops", _set("itinerary", [_leg(arrive=i, depart=i) for i in range(1, 22)]), "itinerary"),
    ("unknown country", _set("itinerary.1.country", "XX"), "itinerary[1].country"),
    ("subdivision of another country", _set("itinerary.0.subdivision", "US-NY"), "itinerary[0].subdivision"),
    ("unknown subdivision", _set("itinerary.0.subdivision", "TH-99"), "itinerary[0].subdivision"),
    ("latitude without longitude", _set("itinerary.1.lat", 18.8), "itinerary[1].lon"),
    ("latitude out of range", _set("itinerary.0.lat", 91.0), "itinerary[0].lat"),
    ("longitude out of range", _set("itinerary.0.lon", -181.0), "itinerary[0].lon"),
    ("departure before arrival", _set("itinerary.1.depart", TODAY() + datetime.timedelta(days=13)),
     "itinerary[1].depart"),
    ("stops out of order", _set("itinerary.1.arrive", TODAY() + datetime.timedelta(days=11)), "itinerary[1].arrive"),
    ("trip already over", _set("itinerary", [_leg(arrive=-10, depart=-2)]), "itinerary[0].depart"),
    ("too far ahead", _set("itinerary", [_leg(arrive=2000, depart=2001)]), "itinerary[0].arrive"),
    ("city too long", _set("itinerary.0.city", "x" * 201), "itinerary[0].city"),
    ("no way to reach", _set("contacts", services.ContactsIn()), "contacts"),
    ("bad email", _set("contacts.email", "not-an-email"), "contacts.email"),
    ("bad phone", _set("contacts.phone", "call me"), "contacts.phone"),
    ("email channel without email", _set("contacts.email", ""), "contacts.email"),
    ("sms channel without phone", _set("contacts.phone", ""), "contacts.phone"),
    ("push channel without subscription", _set("channels", ["push"]), "contacts.push_subscription"),
    ("webhook channel without messaging id", _both(_set("channels", ["webhook"]), _set("contacts.messaging_id", "")),
     "contacts.messaging_id"),
    ("no channel", _set("channels", []), "channels"),
    ("unknown channel", _set("channels", ["pigeon"]), "channels"),
    ("unknown language", _set("language", "fr"), "language"),
    ("unknown kind", _set("kind", "holiday"), "kind"),
    ("no traveller name", _set("traveller", services.TravellerIn()), "traveller.name_zh"),
    ("birth date in the future", _set("traveller.birth_date", TODAY() + datetime.timedelta(days=1)),
     "traveller.birth_date"),
    ("bad passport", _set("traveller.passport_number", "E1"), "traveller.passport_number"),
    ("21 co-travellers", _set("co_travellers", [CoTravellerIn(name_zh="甲")] * 21), "co_travellers"),
    ("co-traveller without a name", _set("co_travellers", [CoTravellerIn()]), "co_travellers[0].name_zh"),
    ("co-traveller relation", _set("co_travellers", [CoTravellerIn(name_zh="甲", relation="pet")]),
     "co_travellers[0].relation"),
    ("emergency contact without phone or email", _set("emergency_contact", services.EmergencyContactIn(name="李父")),
     "emergency_contact.phone"),
    ("emergency contact without a name", _set("emergency_contact.name", ""), "emergency_contact.name"),
]


def test_every_broken_rule_names_its_field_and_writes_nothing(roles):
    citizen = roles["citizen"]
    before = AuditEntry.objects.count()
    for what, change, key in BAD:
        data = registration_in()
        change(data)
        with pytest.raises(ApplicationError) as caught:
            services.registration_create(actor=citizen, data=data)
        assert caught.value.code == "invalid", what
        assert key in caught.value.fields, (what, caught.value.field_texts())
    assert not Registration.objects.exists() and not TripLeg.objects.exists() and not NameKey.objects.exists()
    assert AuditEntry.objects.count() == before


def test_only_citizens_register(roles):
    for name in ("hq_officer", "hotline_operator", "officer_bkk", "volunteer", "auditor"):
        with pytest.raises(ApplicationError) as caught:
            services.registration_create(actor=roles[name], data=registration_in())
        assert caught.value.status == 403
    assert not Registration.objects.exists()


def test_dates_retention_legs_and_name_keys(roles, settings):
    settings.TRAVEL_PURGE_AFTER_DAYS = 100
    today = TODAY()
    r = services.registration_create(actor=roles["citizen"], data=registration_in())
    r.refresh_from_db()
    assert (r.starts_on, r.ends_on) == (today + datetime.timedelta(days=10), today + datetime.timedelta(days=20))
    assert r.purge_after == r.ends_on + datetime.timedelta(days=100)
    assert r.state == "active" and r.channels == ["email", "sms"] and r.name_latin == "LI LEI"
    assert r.phone_hash and r.passport_hash and r.email_hash
    legs = list(r.legs.order_by("position"))
    assert [(leg.country_id, leg.subdivision_id, leg.active) for leg in legs] == [("TH", "TH-10", True),
                                                                                 ("TH", "TH-50", True)]
    assert (legs[0].lat, legs[0].lon, legs[1].lat) == (13.75, 100.5, None)
    assert CoTraveller.objects.get(registration=r).name_zh == "韩梅梅"
    # Traveller and co-traveller are found through the registrant index, unscoped.
    keys = NameKey.objects.filter(owner_type=NameKeyOwner.REGISTRANT, owner_id=r.pk)
    assert keys.exists() and set(keys.values_list("scope", flat=True)) == {None}
    for name, born in (("李雷", "1990"), ("HAN MEIMEI", "1991-02-03")):
        found = blocking.owners_by_keys(owner_type=NameKeyOwner.REGISTRANT,
                                        keys=blocking.query_keys(name, born), scope=None)
        assert found == [r.pk], name
    assert AuditEntry.objects.filter(action="registration.create", object_id=str(r.pk)).exists()

    # A change of itinerary moves the dates and retention; a new co-traveller replaces the old one's keys.
    new_legs = [_leg("US", 30, 40, subdivision="US-NY", city="New York")]
    services.registration_update(actor=roles["citizen"], registration=r, changes={
        "itinerary": new_legs, "co_travellers": [CoTravellerIn(name_zh="王小明", birth_date=datetime.date(2015, 1, 1),
                                                               relation="family")]})
    r.refresh_from_db()
    assert (r.starts_on, r.ends_on) == (today + datetime.timedelta(days=30), today + datetime.timedelta(days=40))
    assert r.purge_after == r.ends_on + datetime.timedelta(days=100)
    assert list(r.legs.values_list("country_id", "position", "active")) == [("US", 0, True)]
    assert blocking.owners_by_keys(owner_type=NameKeyOwner.REGISTRANT, keys=blocking.query_keys("HAN MEIMEI"),
                                   scope=None) == []
    assert blocking.owners_by_keys(owner_type=NameKeyOwner.REGISTRANT, keys=blocking.query_keys("王小明", "2015"),
                                   scope=None) == [r.pk]
    # A bad change writes nothing.
    with pytest.raises(ApplicationError) as caught:
        services.registration_update(actor=roles["citizen"], registration=r,
                                     changes={"itinerary": [_leg("TH", 5, 3)], "language": "xx"})
    assert {"itinerary[0].depart", "language"} <= set(caught.value.fields)
    assert list(r.legs.values_list("country_id", flat=True)) == ["US"]
    with pytest.raises(ApplicationError) as caught:
        services.registration_update(actor=roles["citizen"], registration=r, changes={"owner": "x"})
    assert "owner" in caught.value.fields
    # Someone else's registration: refused.
    other = services.registration_create(actor=_citizen(roles), data=registration_in())
    with pytest.raises(ApplicationError) as caught:
        services.registration_update(actor=roles["citizen"], registration=other, changes={"language": "en"})
    assert caught.value.status == 403


def _citizen(roles: dict[str, Any]) -> Any:
    from consular.accounts.services import user_create

    user, _ = user_create(actor=None, username="citizen-two", role="citizen", mission_code=None,
                          password="correct-horse-battery-42")
    return user


def test_cancellation_deactivates_the_legs_once(roles):
    r = services.registration_create(actor=roles["citizen"], data=registration_in())
    purge_after = Registration.objects.get(pk=r.pk).purge_after
    services.registration_cancel(actor=roles["citizen"], registration=r)
    r.refresh_from_db()
    assert r.state == "cancelled" and r.cancelled_at is not None and r.purge_after == purge_after
    assert not TripLeg.objects.filter(registration=r, active=True).exists()
    with pytest.raises(ApplicationError) as caught:
        services.registration_cancel(actor=roles["citizen"], registration=r)
    assert caught.value.status == 409
    with pytest.raises(ApplicationError) as caught:
        services.registration_update(actor=roles["citizen"], registration=r, changes={"language": "en"})
    assert caught.value.status == 409
    assert AuditEntry.objects.filter(action="registration.cancel", object_id=str(r.pk)).count() == 1


def test_the_account_name_is_the_default_traveller_name(make_user):
    citizen = make_user("citizen")
    citizen.first_name, citizen.last_name = "Lei", "Li"
    citizen.save(update_fields=["first_name", "last_name"])
    r = services.registration_create(actor=citizen, data=dataclasses.replace(
        registration_in(), traveller=services.TravellerIn()))
    assert r.name_zh == "Lei Li"


def test_key_rotation_rewrites_the_registrant_keys(roles, settings):
    from consular.travel.services import registrant_name_keys_rehash

    assert registrant_name_keys_rehash in REHASHERS
    r = services.registration_create(actor=roles["citizen"], data=registration_in())
    before = set(NameKey.objects.filter(owner_id=r.pk).values_list("key_hash", flat=True))
    settings.HASH_KEY = "another-hash-key-for-the-rotation-test-0123456789"
    written = registrant_name_keys_rehash()
    after = set(NameKey.objects.filter(owner_id=r.pk).values_list("key_hash", flat=True))
    assert written == len(after) and after
    assert blocking.owners_by_keys(owner_type=NameKeyOwner.REGISTRANT, keys=blocking.query_keys("李雷"),
                                   scope=None) == [r.pk]
    assert before.isdisjoint(after)
