"""Shapes of alerts, their editions, audience and delivery counts. Field names are fixed: clients rely on them
(`headline`, `body`, `instructions` are {"zh-hans", "en"}; `area` is {countries, subdivisions, circles,
polygons})."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consular.alerts.area import MAX_POLYGON_POINTS, MAX_RADIUS_KM, MAX_SHAPES
from consular.alerts.codes import AlertState, Category, EditionState, Level, MsgType
from consular.alerts.models import Alert, AlertEdition
from consular.alerts.services import HEADLINE_MAX, TEXT_MAX, AlertIn, effective_state


def _texts(name: str, limit: int, zh_required: bool) -> type[serializers.Serializer]:
    """A {"zh-hans", "en"} serializer (the key has a hyphen, so it is added after the class is made)."""
    cls: Any = type(name, (serializers.Serializer,), {"__module__": __name__})
    cls._declared_fields = {
        "zh-hans": serializers.CharField(max_length=limit, required=zh_required, allow_blank=not zh_required,
                                         default="" if not zh_required else serializers.empty,
                                         help_text="Chinese (required)." if zh_required else "Chinese."),
        "en": serializers.CharField(max_length=limit, required=False, allow_blank=True, default="",
                                    help_text="English."),
    }
    return cls


HeadlineSerializer = _texts("HeadlineSerializer", HEADLINE_MAX, True)
BodySerializer = _texts("BodySerializer", TEXT_MAX, True)
InstructionsSerializer = _texts("InstructionsSerializer", TEXT_MAX, False)


class CircleSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    radius_km = serializers.FloatField(min_value=0.001, max_value=MAX_RADIUS_KM)


class AreaSerializer(serializers.Serializer):
    countries = serializers.ListField(child=serializers.CharField(max_length=2), required=False, default=list,
                                      max_length=300, help_text="ISO 3166-1 alpha-2: everyone in the country.")
    subdivisions = serializers.ListField(child=serializers.CharField(max_length=8), required=False, default=list,
                                         max_length=300, help_text="ISO 3166-2, e.g. TH-10.")
    circles = serializers.ListField(child=CircleSerializer(), required=False, default=list, max_length=MAX_SHAPES)
    polygons = serializers.ListField(
        child=serializers.ListField(
            child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
            min_length=4, max_length=MAX_POLYGON_POINTS),
        required=False, default=list, max_length=MAX_SHAPES,
        help_text="Closed rings of [lat, lon] points (at least 4, the first equal to the last).")


class AlertInSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    headline = HeadlineSerializer()
    body = BodySerializer()
    instructions = InstructionsSerializer(required=False)
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    area = AreaSerializer()
    incident = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None,
                                     help_text="Id or reference of the incident the alert belongs to.")
    countries_concerned = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, default=list, max_length=50,
        help_text="Countries the circles and polygons lie in (for the per-country feeds, subscribers and the "
                  "jurisdiction check); the area's countries and subdivisions' countries are added.")

    def to_alert_in(self) -> AlertIn:
        v = self.validated_data
        area = dict(v["area"])
        area["circles"] = [dict(c) for c in area.get("circles", [])]
        return AlertIn(level=v["level"], category=v["category"], headline=dict(v["headline"]), body=dict(v["body"]),
                       instructions=dict(v.get("instructions") or {}), valid_from=v["valid_from"],
                       valid_until=v["valid_until"], area=area, incident=v.get("incident") or None,
                       countries_concerned=list(v["countries_concerned"]))


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="",
                                   help_text="Shown as the text of the CAP Cancel message.")


class AlertQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AlertState.choices, required=False)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False)


def _username(user: Any) -> str | None:
    return user.username if user is not None else None


class EditionOutSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(read_only=True)  # declared: the model field's range differs per database
    msg_type = serializers.ChoiceField(choices=MsgType.choices)
    state = serializers.ChoiceField(choices=EditionState.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    headline = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    instructions = serializers.SerializerMethodField()
    area = AreaSerializer()
    countries = serializers.SerializerMethodField()
    incident = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    approved_by = serializers.SerializerMethodField()
    published_by = serializers.SerializerMethodField()

    class Meta:
        model = AlertEdition
        fields = ["id", "number", "msg_type", "state", "level", "category", "headline", "body", "instructions",
                  "valid_from", "valid_until", "area", "countries", "incident", "author", "approved_by",
                  "approved_at", "published_by", "published_at", "created_at"]

    @extend_schema_field(HeadlineSerializer)
    def get_headline(self, obj: AlertEdition) -> dict[str, str]:
        return {"zh-hans": obj.headline_zh, "en": obj.headline_en}

    @extend_schema_field(BodySerializer)
    def get_body(self, obj: AlertEdition) -> dict[str, str]:
        return {"zh-hans": obj.body_zh, "en": obj.body_en}

    @extend_schema_field(InstructionsSerializer)
    def get_instructions(self, obj: AlertEdition) -> dict[str, str]:
        return {"zh-hans": obj.instructions_zh, "en": obj.instructions_en}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_countries(self, obj: AlertEdition) -> list[str]:
        return sorted(c.code for c in obj.countries.all())

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_incident(self, obj: AlertEdition) -> str | None:
        return str(obj.incident_id) if obj.incident_id else None

    @extend_schema_field(serializers.CharField())
    def get_author(self, obj: AlertEdition) -> str | None:
        return _username(obj.author)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_approved_by(self, obj: AlertEdition) -> str | None:
        return _username(obj.approved_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_published_by(self, obj: AlertEdition) -> str | None:
        return _username(obj.published_by)


class AlertOutSerializer(serializers.ModelSerializer):
    """The alert as its latest edition says (the one waiting for approval, if any), with its state."""

    state = serializers.SerializerMethodField()
    mission = serializers.CharField(source="mission.code")
    created_by = serializers.CharField(source="created_by.username")
    edition = serializers.SerializerMethodField()
    published_edition = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "reference", "state", "mission", "created_by", "created_at", "cancelled_at", "edition",
                  "published_edition"]

    @extend_schema_field(serializers.ChoiceField(choices=AlertState.choices))
    def get_state(self, obj: Alert) -> str:
        return effective_state(obj, self.context.get("now") or timezone.now())

    def _latest(self, obj: Alert) -> AlertEdition:
        latest = self.context.get("latest", {}).get(obj.pk)
        if latest is None:
            latest = obj.editions.order_by("-number").first()
        return latest

    @extend_schema_field(serializers.IntegerField())
    def get_edition(self, obj: Alert) -> int:
        return self._latest(obj).number

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_published_edition(self, obj: Alert) -> int | None:
        return obj.published_edition.number if obj.published_edition else None

    def to_representation(self, instance: Alert) -> dict[str, Any]:
        data = super().to_representation(instance)
        edition = EditionOutSerializer(self._latest(instance)).data
        for name in ("level", "category", "headline", "body", "instructions", "valid_from", "valid_until", "area",
                     "countries", "incident"):
            data[name] = edition[name]
        return data


class AlertDetailSerializer(AlertOutSerializer):
    editions = serializers.SerializerMethodField()

    class Meta(AlertOutSerializer.Meta):
        fields = [*AlertOutSerializer.Meta.fields, "editions"]

    @extend_schema_field(EditionOutSerializer(many=True))
    def get_editions(self, obj: Alert) -> list[dict[str, Any]]:
        return EditionOutSerializer(self.context["editions"], many=True).data  # type: ignore[return-value]


class AlertSchemaSerializer(AlertOutSerializer):
    """For the schema: the fields `to_representation` adds from the latest edition."""

    level = serializers.ChoiceField(choices=Level.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    headline = HeadlineSerializer()
    body = BodySerializer()
    instructions = InstructionsSerializer()
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    area = AreaSerializer()
    countries = serializers.ListField(child=serializers.CharField())
    incident = serializers.UUIDField(allow_null=True)

    class Meta(AlertOutSerializer.Meta):
        fields = [*AlertOutSerializer.Meta.fields, "level", "category", "headline", "body", "instructions",
                  "valid_from", "valid_until", "area", "countries", "incident"]


class AlertDetailSchemaSerializer(AlertSchemaSerializer):
    editions = EditionOutSerializer(many=True)

    class Meta(AlertSchemaSerializer.Meta):
        fields = [*AlertSchemaSerializer.Meta.fields, "editions"]


class AudienceSerializer(serializers.Serializer):
    registrations = serializers.IntegerField(help_text="Registrations with a leg in the area during the validity.")
    subscribers = serializers.IntegerField(help_text="Followers of the countries concerned (not registered there).")
    by_channel = serializers.DictField(child=serializers.IntegerField(),
                                       help_text="People (registrants and subscribers) per channel they asked for.")
    by_country = serializers.DictField(child=serializers.IntegerField(),
                                       help_text="Registrations per country of their legs in the area.")


class ChannelCountsSerializer(serializers.Serializer):
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="Waiting or being sent.")
    suppressed = serializers.IntegerField(help_text="Opted out, no contact for the channel, or alert cancelled.")


class DeliveriesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_channel = serializers.DictField(child=ChannelCountsSerializer())
