"""Shapes of trip registrations and group registrations. Field names are fixed: clients (and the alerts) rely on
them. Serializers check types only; the rules (countries, dates, contacts per channel …) are the services'."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consular.core.errors import lazy_interpolate
from consular.travel import groups
from consular.travel.codes import Channel, RegistrationKind, RegistrationState, Relation
from consular.travel.models import CoTraveller, Registration, RegistrationGroup, TripLeg
from consular.travel.services import (
    ConsentIn,
    ContactsIn,
    CoTravellerIn,
    EmergencyContactIn,
    LegIn,
    RegistrationIn,
    TravellerIn,
)

# Personal fields shown by the registration views (recorded in the audit log as read).
REGISTRATION_PERSONAL = ["name_zh", "name_latin", "birth_date", "passport_number", "phone", "email", "messaging_id",
                         "push_subscription", "emergency_contact", "co_travellers", "itinerary"]


def personal_fields_shown(user: Any, registration: Registration | None) -> list[str]:
    """What a registration's answer shows the caller: all of it to its owner (a citizen sees only their own),
    all but the push subscription to staff."""
    if registration is not None and getattr(user, "pk", None) == registration.owner_id:
        return REGISTRATION_PERSONAL
    if getattr(user, "role", None) == "citizen":
        return REGISTRATION_PERSONAL
    return [f for f in REGISTRATION_PERSONAL if f != "push_subscription"]


class LegSerializer(serializers.Serializer):
    country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. TH.")
    subdivision = serializers.CharField(max_length=8, required=False, allow_blank=True, allow_null=True, default="",
                                        help_text="ISO 3166-2 of the country, e.g. TH-10.")
    city = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lon = serializers.FloatField(required=False, allow_null=True, default=None)
    arrive = serializers.DateField()
    depart = serializers.DateField()


class ContactsSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    messaging_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                         help_text="WeChat or other messaging id (channel `webhook`).")
    push_subscription = serializers.JSONField(required=False, allow_null=True, default=None,
                                              help_text="The Web Push subscription of the installed web app "
                                                        "(PushSubscription.toJSON(); channel `push`). In "
                                                        "answers: shown to the registration's owner only.")
    push_subscribed = serializers.BooleanField(read_only=True, help_text="Whether a push subscription is stored.")


class TravellerSerializer(serializers.Serializer):
    name_zh = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    name_latin = serializers.CharField(max_length=150, required=False, allow_blank=True, default="",
                                       help_text="As in the passport.")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    passport_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class CoTravellerSerializer(TravellerSerializer):
    relation = serializers.ChoiceField(choices=Relation.choices, required=False, default=Relation.FAMILY)


class EmergencyContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    relation = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")


class ConsentSerializer(serializers.Serializer):
    contact_family = serializers.BooleanField(required=False, default=False,
                                              help_text="The emergency contact may be told where you are and how.")
    share_with_incident = serializers.BooleanField(
        required=False, default=True, help_text="In a major incident you may be listed among the persons affected.")


def _push(value: Any) -> str:
    if value in (None, "", {}):
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def leg_in(v: dict[str, Any]) -> LegIn:
    return LegIn(country=v["country"], subdivision=v.get("subdivision") or "", city=v.get("city", ""),
                 lat=v.get("lat"), lon=v.get("lon"), arrive=v["arrive"], depart=v["depart"])


def section_in(name: str, v: Any) -> Any:
    """One validated section in the services' shape."""
    if name == "itinerary":
        return [leg_in(leg) for leg in v]
    if name == "contacts":
        return ContactsIn(email=v.get("email", ""), phone=v.get("phone", ""), messaging_id=v.get("messaging_id", ""),
                          push_subscription=_push(v.get("push_subscription")))
    if name == "traveller":
        return TravellerIn(**v)
    if name == "co_travellers":
        return [CoTravellerIn(**p) for p in v]
    if name == "emergency_contact":
        return EmergencyContactIn(**v)
    if name == "consent":
        return ConsentIn(**v)
    if name == "channels":
        return list(v)
    return v


class RegistrationInSerializer(serializers.Serializer):
    itinerary = LegSerializer(many=True, max_length=20, help_text="1 to 20 stops, in order.")  # type: ignore[call-arg]
    contacts = ContactsSerializer()
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), max_length=10,
                                     help_text="Each needs its contact: email → email, sms → phone, push → "
                                               "push_subscription, webhook → messaging_id.")
    language = serializers.CharField(max_length=16, required=False, default="zh-hans")
    kind = serializers.ChoiceField(choices=RegistrationKind.choices, required=False, default=RegistrationKind.TRIP)
    traveller = TravellerSerializer(required=False, help_text="Default: the account's name.")
    co_travellers = CoTravellerSerializer(many=True, max_length=20, required=False, default=list)  # type: ignore[call-arg]
    emergency_contact = EmergencyContactSerializer(required=False)
    consent = ConsentSerializer(required=False)

    def validate_itinerary(self, value: list[Any]) -> list[Any]:
        if len(value) > 20:  # before the service, so that a huge list is not parsed further
            raise serializers.ValidationError(lazy_interpolate(_("At most %(limit)s stops."), limit=20))
        return value

    def to_registration_in(self) -> RegistrationIn:
        v = self.validated_data
        return RegistrationIn(
            itinerary=section_in("itinerary", v["itinerary"]), contacts=section_in("contacts", v["contacts"]),
            channels=list(v["channels"]), language=v["language"], kind=v["kind"],
            traveller=section_in("traveller", v.get("traveller") or {}),
            co_travellers=section_in("co_travellers", v["co_travellers"]),
            emergency_contact=section_in("emergency_contact", v.get("emergency_contact") or {}),
            consent=section_in("consent", v.get("consent") or {}),
        )


class RegistrationPatchSerializer(serializers.Serializer):
    """Each section given replaces the stored one whole."""

    itinerary = LegSerializer(many=True, max_length=20, required=False)  # type: ignore[call-arg]
    contacts = ContactsSerializer(required=False)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), max_length=10,
                                     required=False)
    language = serializers.CharField(max_length=16, required=False)
    kind = serializers.ChoiceField(choices=RegistrationKind.choices, required=False)
    traveller = TravellerSerializer(required=False)
    co_travellers = CoTravellerSerializer(many=True, max_length=20, required=False)  # type: ignore[call-arg]
    emergency_contact = EmergencyContactSerializer(required=False)
    consent = ConsentSerializer(required=False)

    def to_changes(self) -> dict[str, Any]:
        return {name: section_in(name, value) for name, value in self.validated_data.items()}


class RegistrationQuerySerializer(serializers.Serializer):
    state = serializers.MultipleChoiceField(choices=RegistrationState.choices, required=False)
    country = serializers.CharField(max_length=2, min_length=2, required=False,
                                    help_text="A stop in this country (staff).")
    on = serializers.DateField(required=False, help_text="A stop spanning this date.")
    date_from = serializers.DateField(required=False, help_text="A stop ending on or after this date.")
    date_until = serializers.DateField(required=False, help_text="A stop starting on or before this date.")
    group = serializers.UUIDField(required=False)


# --- Out ----------------------------------------------------------------------------------------------------------

class LegOutSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country_id")
    subdivision = serializers.CharField(source="subdivision_id", allow_null=True)

    class Meta:
        model = TripLeg
        fields = ["country", "subdivision", "city", "lat", "lon", "arrive", "depart", "active"]


class CoTravellerOutSerializer(serializers.ModelSerializer):
    relation = serializers.ChoiceField(choices=Relation.choices)

    class Meta:
        model = CoTraveller
        fields = ["name_zh", "name_latin", "birth_date", "passport_number", "relation"]


class RegistrationOutSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=RegistrationKind.choices)
    state = serializers.ChoiceField(choices=RegistrationState.choices)
    itinerary = LegOutSerializer(source="legs", many=True)
    traveller = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices))
    co_travellers = CoTravellerOutSerializer(many=True)
    emergency_contact = serializers.SerializerMethodField()
    consent = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner.username")
    group = serializers.UUIDField(source="group_id", allow_null=True)

    class Meta:
        model = Registration
        fields = ["id", "kind", "state", "starts_on", "ends_on", "purge_after", "itinerary", "traveller", "contacts",
                  "channels", "language", "co_travellers", "emergency_contact", "consent", "owner", "group",
                  "created_at", "updated_at", "cancelled_at", "purged_at"]

    @extend_schema_field(TravellerSerializer)
    def get_traveller(self, obj: Registration) -> dict[str, Any]:
        return {"name_zh": obj.name_zh, "name_latin": obj.name_latin,
                "birth_date": obj.birth_date.isoformat() if obj.birth_date else None,
                "passport_number": obj.passport_number}

    @extend_schema_field(ContactsSerializer)
    def get_contacts(self, obj: Registration) -> dict[str, Any]:
        """The push subscription (a browser's credential) only to the registration's owner; staff see whether
        there is one (`push_subscribed`)."""
        push: Any = None
        request = self.context.get("request")
        owner = request is not None and getattr(request.user, "pk", None) == obj.owner_id
        if obj.push_subscription and owner:
            try:
                push = json.loads(obj.push_subscription)
            except ValueError:
                push = obj.push_subscription
        return {"email": obj.email, "phone": obj.phone, "messaging_id": obj.messaging_id, "push_subscription": push,
                "push_subscribed": bool(obj.push_subscription)}

    @extend_schema_field(EmergencyContactSerializer)
    def get_emergency_contact(self, obj: Registration) -> dict[str, Any]:
        return {"name": obj.emergency_name, "relation": obj.emergency_relation, "phone": obj.emergency_phone,
                "email": obj.emergency_email}

    @extend_schema_field(ConsentSerializer)
    def get_consent(self, obj: Registration) -> dict[str, Any]:
        return {"contact_family": obj.consent_contact_family,
                "share_with_incident": obj.consent_share_with_incident}


# --- Groups -------------------------------------------------------------------------------------------------------

class GroupInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (or XLSX) of travellers with the columns " + ", ".join(groups.COLUMNS)
                                 + " (one traveller per line; a name is required).")
    itinerary = serializers.CharField(max_length=20000, help_text='The shared itinerary, JSON: [{"country": "TH", '
                                      '"subdivision": "TH-10", "city": "Bangkok", "arrive": "2026-12-01", '
                                      '"depart": "2026-12-10"}].')
    name = serializers.CharField(max_length=200, help_text="Tour or delegation name, e.g. the tour code.")
    organiser = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    contact_email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    language = serializers.CharField(max_length=16, required=False, default="zh-hans")

    def validate_file(self, value: Any) -> Any:
        if value.size > groups.MAX_BYTES:
            raise serializers.ValidationError(
                lazy_interpolate(_("The file is larger than %(mb)s MB."), mb=groups.MAX_BYTES // (1024 * 1024)))
        return value

    def validate_itinerary(self, value: str) -> list[LegIn]:
        try:
            raw = json.loads(value)
        except (ValueError, RecursionError) as exc:
            raise serializers.ValidationError(_("Not JSON: give a list of stops.")) from exc
        legs = LegSerializer(data=raw, many=True)
        if not isinstance(raw, list) or not legs.is_valid():
            raise serializers.ValidationError(legs.errors if isinstance(raw, list) else
                                              [_("Give a list of stops.")])
        return [leg_in(leg) for leg in legs.validated_data]

    def to_group_in(self) -> groups.GroupIn:
        v = self.validated_data
        return groups.GroupIn(name=v["name"], itinerary=v["itinerary"], organiser=v["organiser"],
                              contact_phone=v["contact_phone"], contact_email=v["contact_email"],
                              language=v["language"])


class GroupOutSerializer(serializers.Serializer):
    """Built by `group_out` from the group and its registrations."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    organiser = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()
    travellers = serializers.IntegerField()
    registrations = serializers.ListField(child=serializers.UUIDField())
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    purge_after = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


def group_out(group: RegistrationGroup) -> dict[str, Any]:
    regs = list(group.registrations.order_by("created_at", "pk"))
    first = regs[0] if regs else None
    return {"id": group.pk, "name": group.name, "organiser": group.organiser, "contact_phone": group.contact_phone,
            "contact_email": group.contact_email, "travellers": len(regs), "registrations": [r.pk for r in regs],
            "starts_on": first.starts_on if first else None, "ends_on": first.ends_on if first else None,
            "purge_after": first.purge_after if first else None, "created_at": group.created_at}
