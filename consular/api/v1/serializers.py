from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consular.accounts.models import Role, User
from consular.core.models import AuditEntry, Country, Jurisdiction, Mission, MissionKind


class CountrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Name in the request's language.")

    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric", "name", "name_zh", "name_en"]


class JurisdictionSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country_id")
    subdivision = serializers.CharField(source="subdivision_id", allow_null=True)
    subdivision_name = serializers.SerializerMethodField()

    class Meta:
        model = Jurisdiction
        fields = ["country", "subdivision", "subdivision_name"]

    def get_subdivision_name(self, obj: Jurisdiction) -> str | None:
        return obj.subdivision.name if obj.subdivision_id and obj.subdivision else None


class MissionSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country_id")
    kind = serializers.ChoiceField(choices=MissionKind.choices)
    name = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)

    class Meta:
        model = Mission
        fields = [
            "code", "kind", "name", "name_zh", "name_en", "country", "city", "city_zh", "city_en",
            "timezone", "latitude", "longitude", "website", "phone", "active",
        ]


class MissionDetailSerializer(MissionSerializer):
    jurisdiction = JurisdictionSerializer(many=True, read_only=True)

    class Meta(MissionSerializer.Meta):
        fields = [*MissionSerializer.Meta.fields, "jurisdiction"]


class JurisdictionQuerySerializer(serializers.Serializer):
    country = serializers.CharField(max_length=2, min_length=2)
    subdivision = serializers.CharField(max_length=8, required=False, allow_blank=True)


class MeSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    mission = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "role", "mission", "email", "first_name", "last_name"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_mission(self, obj: User) -> str | None:
        return obj.mission.code if obj.mission else None


class UserSerializer(MeSerializer):
    class Meta(MeSerializer.Meta):
        fields = ["username", "role", "mission", "is_active", "last_login", "date_joined"]


class UserCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{1,150}$", max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    mission = serializers.CharField(required=False, allow_blank=True, max_length=16)
    email = serializers.EmailField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    password = serializers.CharField(write_only=True, min_length=10, max_length=128, trim_whitespace=False)


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")
    sealed = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = [
            "id", "created_at", "actor", "action", "object_type", "object_id", "request_id",
            "client_address", "data", "seq", "prev_hash", "entry_hash", "sealed",
        ]

    def get_sealed(self, obj: AuditEntry) -> bool:
        return obj.seq is not None


class AuditFilterSerializer(serializers.Serializer):
    actor = serializers.CharField(required=False, max_length=150)
    action = serializers.CharField(required=False, max_length=64)
    object_type = serializers.CharField(required=False, max_length=64)
    object_id = serializers.CharField(required=False, max_length=64)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": ["must not be before 'since'"]})
        return attrs


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField()
