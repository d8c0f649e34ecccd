"""Shapes of cases, calls and help requests. Field names are fixed: clients rely on them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consular.cases.codes import CallDirection, CallTopic, Category, CrimeType, PersonRole, State, Urgency
from consular.cases.models import Call, Case, CaseEvent, CasePerson, CaseTask
from consular.cases.services import CaseIn, Location, PersonIn


def _fresh(field: serializers.Field) -> serializers.Field:
    """A new, unbound field made from the arguments `field` was declared with, as `Field.__deepcopy__`
    makes it, but sharing the arguments themselves (choices, defaults, texts) instead of deep-copying them:
    fields never change the arguments they were given. A nested serializer (a `child` too) is made afresh."""
    declared: Any = field  # `_args` and `_kwargs` are set by Field.__new__
    kwargs: dict[str, Any] = {key: _fresh(value) if isinstance(value, serializers.Field) else value
                              for key, value in declared._kwargs.items()}
    fresh: serializers.Field = declared.__class__(*declared._args, **kwargs)
    return fresh


# DRF deep-copies a serializer's declared fields for every instance; for a call with the case it opens that
# was most of the time spent validating it. The copies made here are equivalent (see `_fresh`). (Comments, not
# docstrings: a serializer's docstring becomes its description in the OpenAPI document.)
class LeanSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}


# A ModelSerializer that works out its fields from the model once per class, not once per instance; every
# instance still gets fresh copies (see `_fresh`).
class LeanModelSerializer(serializers.ModelSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        prototype: dict[str, serializers.Field] | None = cls.__dict__.get("_prototype_fields")
        if prototype is None:
            prototype = super().get_fields()
            cls._prototype_fields = prototype  # type: ignore[attr-defined]
        return {name: _fresh(field) for name, field in prototype.items()}


class LocationSerializer(LeanSerializer):
    country = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2.")
    subdivision = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=8,
                                        help_text="ISO 3166-2, e.g. LA-VT.")
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)


def location_from(data: dict[str, Any]) -> Location:
    return Location(country=data["country"].upper(), subdivision=(data.get("subdivision") or None),
                    city=data.get("city", ""), lat=data.get("lat"), lon=data.get("lon"))


class PersonSerializer(LeanSerializer):
    id = serializers.UUIDField(read_only=True)
    role = serializers.ChoiceField(choices=PersonRole.choices, default=PersonRole.SUBJECT)
    name_zh = serializers.CharField(required=False, allow_blank=True, max_length=100)
    name_latin = serializers.CharField(required=False, allow_blank=True, max_length=150)
    birth_date = serializers.DateField(required=False, allow_null=True)
    passport_number = serializers.RegexField(r"^[A-Za-z0-9 -]{0,20}$", required=False, allow_blank=True)
    phone = serializers.RegexField(r"^[+\d][\d\s()-]{4,30}$", required=False, allow_blank=True)


PERSONAL_FIELDS = ["name_zh", "name_latin", "birth_date", "passport_number", "phone"]


class CaseInSerializer(LeanSerializer):
    category = serializers.ChoiceField(choices=Category.choices)
    crime_type = serializers.ChoiceField(choices=CrimeType.choices, required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    summary = serializers.CharField(max_length=10000)
    location = LocationSerializer()
    persons = PersonSerializer(many=True, required=False)

    def validate_persons(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > 200:
            raise serializers.ValidationError("at most 200 persons per case; use an incident for more")
        return value

    def to_case_in(self, channel: str) -> CaseIn:
        return case_in_from(self.validated_data, channel)


def case_in_from(v: dict[str, Any], channel: str) -> CaseIn:
    """The service's input from validated case data (top-level or nested in a call)."""
    return CaseIn(
        category=v["category"], urgency=v["urgency"], summary=v["summary"], crime_type=v.get("crime_type", ""),
        location=location_from(v["location"]), channel=channel,
        persons=[PersonIn(name_zh=p.get("name_zh", ""), name_latin=p.get("name_latin", ""),
                          birth_date=p.get("birth_date"), passport_number=p.get("passport_number", ""),
                          phone=p.get("phone", ""), role=p.get("role", PersonRole.SUBJECT))
                 for p in v.get("persons", [])],
    )


class CasePatchSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    crime_type = serializers.ChoiceField(choices=CrimeType.choices, required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    summary = serializers.CharField(max_length=10000, required=False)


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseTask
        fields = ["code", "title_zh", "title_en", "due_at", "done_at"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor", "from_state", "to_state", "body", "data", "public", "created_at"]

    def get_actor(self, obj: CaseEvent) -> str | None:
        return obj.actor.username if obj.actor else None


class CaseOutSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=State.choices)
    location = serializers.SerializerMethodField()
    mission = serializers.CharField(source="mission.code")
    assignee = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField()
    persons = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "reference", "category", "crime_type", "urgency", "state", "channel", "summary", "location",
            "mission", "assignee", "first_response_due", "first_response_at", "overdue", "escalated_at",
            "resolved_at", "closed_at", "merged_into", "created_at", "updated_at", "persons",
        ]

    @extend_schema_field(LocationSerializer)
    def get_location(self, obj: Case) -> dict[str, Any]:
        return {"country": obj.country_id, "subdivision": obj.subdivision_id, "city": obj.city,
                "lat": obj.latitude, "lon": obj.longitude}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, obj: Case) -> str | None:
        return obj.assignee.username if obj.assignee else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_merged_into(self, obj: Case) -> str | None:
        return obj.merged_into.reference if obj.merged_into_id and obj.merged_into else None

    @extend_schema_field(PersonSerializer(many=True))
    def get_persons(self, obj: Case) -> list[dict[str, Any]]:
        persons: list[CasePerson] = list(obj.persons.all())
        return [
            {"id": p.pk, "role": p.role, "name_zh": p.name_zh, "name_latin": p.name_latin,
             "birth_date": p.birth_date.isoformat() if p.birth_date else None,
             "passport_number": p.passport_number, "phone": p.phone}
            for p in persons
        ]

    def get_overdue(self, obj: Case) -> bool:
        value = getattr(obj, "overdue", None)
        return bool(value) if value is not None else False


class CaseDetailSerializer(CaseOutSerializer):
    tasks = TaskSerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField()

    class Meta(CaseOutSerializer.Meta):
        fields = [*CaseOutSerializer.Meta.fields, "tasks", "events"]

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, obj: Case) -> Any:
        return EventSerializer(obj.events.select_related("actor").order_by("created_at", "id"), many=True).data


class CaseQuerySerializer(serializers.Serializer):
    state = serializers.MultipleChoiceField(choices=State.choices, required=False)
    urgency = serializers.MultipleChoiceField(choices=Urgency.choices, required=False)
    category = serializers.MultipleChoiceField(choices=Category.choices, required=False)
    mission = serializers.ListField(child=serializers.CharField(max_length=16), required=False)
    assignee = serializers.CharField(required=False, max_length=150)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = serializers.CharField(required=False, max_length=100, help_text="Reference, name, phone or passport number.")


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=State.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)
    public = serializers.BooleanField(default=False, help_text="Shown to the citizen on the follow-up page.")


class AssignSerializer(serializers.Serializer):
    officer = serializers.CharField(max_length=150)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class TransferSerializer(serializers.Serializer):
    mission = serializers.CharField(max_length=16)
    reason = serializers.CharField(max_length=5000)


class MergeSerializer(serializers.Serializer):
    into = serializers.CharField(max_length=40, help_text="Id or reference of the case to keep.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class CallInSerializer(LeanSerializer):
    direction = serializers.ChoiceField(choices=CallDirection.choices, default=CallDirection.INBOUND)
    caller_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    caller_phone = serializers.RegexField(r"^[+\d][\d\s()-]{4,30}$", required=False, allow_blank=True, default="")
    language = serializers.RegexField(r"^[a-zA-Z-]{2,16}$", default="zh")
    topic = serializers.ChoiceField(choices=CallTopic.choices)
    summary = serializers.CharField(max_length=10000)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    case = serializers.UUIDField(required=False, allow_null=True, default=None)
    open_case = CaseInSerializer(required=False)


class CallOutSerializer(LeanModelSerializer):
    operator = serializers.CharField(source="operator.username")
    case = serializers.SerializerMethodField()
    case_reference = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = ["id", "direction", "caller_name", "caller_phone", "language", "topic", "summary", "started_at",
                  "ended_at", "operator", "case", "case_reference", "created_at"]

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_case(self, obj: Call) -> str | None:
        return str(obj.case_id) if obj.case_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_case_reference(self, obj: Call) -> str | None:
        return obj.case.reference if obj.case_id and obj.case else None


class CallQuerySerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, max_length=40)
    topic = serializers.ChoiceField(choices=CallTopic.choices, required=False)
    since = serializers.DateTimeField(required=False)


class HelpRequestInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    phone = serializers.RegexField(r"^[+\d][\d\s()-]{4,30}$", required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    location = LocationSerializer()
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(max_length=5000)


class HelpRequestOutSerializer(serializers.Serializer):
    reference = serializers.CharField()
    follow_up_code = serializers.CharField()
    status = serializers.CharField()


class HelpMessageSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, max_length=20)
    body = serializers.CharField(max_length=5000)


class HelpStatusSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    state = serializers.CharField()
    mission = serializers.DictField()
    created_at = serializers.DateTimeField()
    messages = serializers.ListField(child=serializers.DictField())
