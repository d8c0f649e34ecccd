"""Trip and residence registrations: who is where abroad, from when to when, and how to reach them.

A registration belongs to a citizen account (or to the tour operator or company account that registered a
group). Its itinerary is a list of legs (country, optional subdivision, city and coordinates, arrival and
departure dates): alerts target legs, never people directly. Personal fields are encrypted; phone, email and
passport number also get a keyed hash for exact look-up. A registration ends on its last departure date and
its personal data is purged `TRAVEL_PURGE_AFTER_DAYS` after that (the row stays, emptied, for statistics).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from consular.core.fields import EncryptedDateField, EncryptedTextField, KeyedHashField
from consular.core.models import BaseModel, Country, PersonalDataModel, Subdivision
from consular.travel.codes import Channel, RegistrationKind, RegistrationState, Relation


class RegistrationGroup(PersonalDataModel):
    """Travellers registered together by a tour operator or company (a CSV of travellers): one registration per
    traveller, all with the group's itinerary."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, help_text="Tour or delegation name, e.g. the tour code.")
    organiser = EncryptedTextField(help_text="Tour operator or company.")
    contact_phone = EncryptedTextField()
    contact_email = EncryptedTextField()

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"group {self.pk}"


class Registration(PersonalDataModel):
    """One traveller's (or resident's) registration, with co-travellers, contacts, channels and consent."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations")
    group = models.ForeignKey(RegistrationGroup, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="registrations")
    kind = models.CharField(max_length=12, choices=RegistrationKind.choices, default=RegistrationKind.TRIP)
    state = models.CharField(max_length=12, choices=RegistrationState.choices, default=RegistrationState.ACTIVE,
                             db_index=True)
    # The traveller.
    name_zh = EncryptedTextField()
    name_latin = EncryptedTextField()
    birth_date = EncryptedDateField()
    passport_number = EncryptedTextField()
    passport_hash = KeyedHashField(source="passport_number", kind="passport")
    # How to reach them.
    phone = EncryptedTextField()
    phone_hash = KeyedHashField(source="phone", kind="phone")
    email = EncryptedTextField()
    email_hash = KeyedHashField(source="email", kind="text")
    messaging_id = EncryptedTextField(help_text="WeChat or other messaging id.")
    push_subscription = EncryptedTextField(help_text="Web Push subscription (JSON) of the installed web app.")
    channels = models.JSONField(default=list, help_text=f"Channels wanted: {', '.join(Channel.values)}.")
    language = models.CharField(max_length=16, default="zh-hans")
    # The emergency contact at home.
    emergency_name = EncryptedTextField()
    emergency_relation = EncryptedTextField()
    emergency_phone = EncryptedTextField()
    emergency_email = EncryptedTextField()
    # Consent: who may be told what.
    consent_contact_family = models.BooleanField(
        default=False, help_text="The emergency contact may be told where the traveller is and how they are.")
    consent_share_with_incident = models.BooleanField(
        default=True, help_text="In a major incident the traveller may be listed in the affected-persons registry.")
    # Dates: the first arrival and the last departure of the itinerary (kept by the services).
    starts_on = models.DateField()
    ends_on = models.DateField(db_index=True)
    purge_after = models.DateField(db_index=True, help_text="Personal data is purged on or after this date.")
    purged_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["state", "purge_after"], name="registration_purge_idx"),
                   models.Index(fields=["owner", "state"], name="registration_owner_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="registration_dates_order"),
        ]

    def __str__(self) -> str:
        return f"registration {self.pk}"

    def names(self) -> list[str]:
        return [n for n in (self.name_zh.strip(), self.name_latin.strip()) if n]


class TripLeg(models.Model):
    """One stop of an itinerary. Alerts are targeted at legs: country, subdivision, coordinates and dates.
    `lat`/`lon` (the city's or the place's, when the traveller or the form gives them) let circles and
    polygons reach the leg; without them a leg is reached by its country or subdivision only."""

    id = models.BigAutoField(primary_key=True)
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="legs")
    position = models.PositiveSmallIntegerField()
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    subdivision = models.ForeignKey(Subdivision, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    city = models.CharField(max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    arrive = models.DateField()
    depart = models.DateField()
    # Denormalised from the registration so that targeting reads one table (kept by the services).
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["registration", "position"]
        indexes = [
            models.Index(fields=["country", "depart", "arrive"], name="trip_leg_country_idx",
                         condition=Q(active=True)),
            models.Index(fields=["subdivision", "depart", "arrive"], name="trip_leg_subdivision_idx",
                         condition=Q(active=True)),
            models.Index(fields=["lat", "lon"], name="trip_leg_point_idx", condition=Q(active=True, lat__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["registration", "position"], name="trip_leg_position_once"),
            models.CheckConstraint(condition=Q(depart__gte=models.F("arrive")), name="trip_leg_dates_order"),
            models.CheckConstraint(condition=Q(lat__isnull=True, lon__isnull=True)
                                   | Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                                   name="trip_leg_point_valid"),
        ]

    def __str__(self) -> str:
        return f"leg {self.position} of {self.registration_id}"


class CoTraveller(models.Model):
    """Someone travelling with the registrant (family, tour group) who has no registration of their own."""

    id = models.BigAutoField(primary_key=True)
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="co_travellers")
    name_zh = EncryptedTextField()
    name_latin = EncryptedTextField()
    birth_date = EncryptedDateField()
    passport_number = EncryptedTextField()
    relation = models.CharField(max_length=12, choices=Relation.choices, default=Relation.FAMILY)

    class Meta:
        ordering = ["registration", "id"]

    def __str__(self) -> str:
        return f"co-traveller of {self.registration_id}"

    def names(self) -> list[str]:
        return [n for n in (self.name_zh.strip(), self.name_latin.strip()) if n]


class CountrySubscription(BaseModel):
    """A citizen who wants every alert about a country, trip or not."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="country_subscriptions")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    channels = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "country"], name="country_subscription_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.country_id}"
