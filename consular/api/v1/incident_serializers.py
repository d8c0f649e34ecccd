"""Shapes of incidents, affected persons, status history, inquiries and call-backs. Field names are fixed:
clients rely on them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consular.api.v1.case_serializers import LocationSerializer, location_from
from consular.incidents.codes import (
    PUBLIC_STATUSES,
    CallBackReason,
    IncidentKind,
    IncidentStatus,
    InquiryChannel,
    InquiryState,
    PersonStatus,
    Sex,
    SourceKind,
)
from consular.incidents.matching import parse_birth_date
from consular.incidents.models import AffectedPerson, CallBack, Incident, Inquiry, PersonStatusChange
from consular.incidents.selectors import Candidate, public_status, public_status_text, sees_passport_numbers
from consular.incidents.services import (
    BIRTH_DATE_FORMAT,
    CONTACT_REQUIRED,
    IncidentIn,
    InquiryIn,
    PersonIn,
    Source,
)

PASSPORT = r"^[A-Za-z0-9 -]{0,20}$"
PHONE = r"^[+\d][\d\s()-]{4,30}$"

# Personal fields shown by the person views (recorded in the audit log as read).
PERSON_PERSONAL = ["name_zh", "name_latin", "other_names", "birth_date", "passport_number", "nationalities",
                   "phone", "email", "last_known_location", "hospital", "status", "next_of_kin_note"]
INQUIRY_PERSONAL = ["inquirer_name", "inquirer_relation", "inquirer_phone", "inquirer_email", "subject_name",
                    "subject_birth_date", "subject_passport_number", "message"]
CANDIDATE_PERSONAL = ["name_zh", "name_latin", "birth_date"]


class PublicStatusTextSerializer(serializers.Serializer):
    zh = serializers.CharField()
    en = serializers.CharField()


# --- Incidents ----------------------------------------------------------------------------------------------------

class IncidentInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")
    location = LocationSerializer()
    started_at = serializers.DateTimeField()
    lead_mission = serializers.CharField(required=False, allow_blank=True, max_length=16, default="",
                                         help_text="Mission code; by default the mission responsible for the place.")
    missions = serializers.ListField(child=serializers.CharField(max_length=16), required=False, default=list,
                                     max_length=50, help_text="Codes of the other missions concerned.")

    def to_incident_in(self) -> IncidentIn:
        v = self.validated_data
        return IncidentIn(kind=v["kind"], title=v["title"], description=v["description"],
                          location=location_from(v["location"]), started_at=v["started_at"],
                          lead_mission=v["lead_mission"], missions=list(v["missions"]))


class IncidentPatchSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    lead_mission = serializers.CharField(required=False, max_length=16)
    missions = serializers.ListField(child=serializers.CharField(max_length=16), required=False, max_length=50)


class IncidentQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=IncidentKind.choices, required=False)


class IncidentOutSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    location = serializers.SerializerMethodField()
    lead_mission = serializers.CharField(source="lead_mission.code")
    missions = serializers.SerializerMethodField()
    opened_by = serializers.SerializerMethodField()
    closed_by = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = ["id", "reference", "kind", "title", "description", "location", "started_at", "lead_mission",
                  "missions", "status", "opened_by", "created_at", "closed_at", "closed_by", "updated_at"]

    @extend_schema_field(LocationSerializer)
    def get_location(self, obj: Incident) -> dict[str, Any]:
        return {"country": obj.country_id, "subdivision": obj.subdivision_id, "city": obj.city,
                "lat": obj.latitude, "lon": obj.longitude}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missions(self, obj: Incident) -> list[str]:
        return sorted(m.code for m in obj.missions.all())

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_opened_by(self, obj: Incident) -> str | None:
        return obj.opened_by.username if obj.opened_by_id and obj.opened_by else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_closed_by(self, obj: Incident) -> str | None:
        return obj.closed_by.username if obj.closed_by_id and obj.closed_by else None


class DashboardSerializer(serializers.Serializer):
    persons = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="True statuses (officers).")
    by_mission = serializers.DictField(child=serializers.IntegerField(),
                                       help_text="Persons per mission looking after them.")
    deceased_awaiting_notification = serializers.IntegerField()
    inquiries = serializers.IntegerField()
    inquiries_waiting = serializers.IntegerField(help_text="Open or matched, not yet answered.")
    inquiries_unmatched = serializers.IntegerField()
    callbacks_due = serializers.IntegerField()
    callbacks_pending = serializers.IntegerField()
    review_queue_length = serializers.IntegerField(help_text="Possible matches from list imports to review.")


class IncidentDetailSerializer(IncidentOutSerializer):
    dashboard = serializers.SerializerMethodField()

    class Meta(IncidentOutSerializer.Meta):
        fields = [*IncidentOutSerializer.Meta.fields, "dashboard"]

    @extend_schema_field(DashboardSerializer)
    def get_dashboard(self, obj: Incident) -> dict[str, Any]:
        return self.context["dashboard"]


# --- Persons ------------------------------------------------------------------------------------------------------

class SourceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    ref = serializers.CharField(required=False, allow_blank=True, max_length=200, default="",
                                help_text="Which record: import id and line, call id, inquiry id, PFIF record id.")


class PersonFieldsSerializer(serializers.Serializer):
    name_zh = serializers.CharField(required=False, allow_blank=True, max_length=100)
    name_latin = serializers.CharField(required=False, allow_blank=True, max_length=150)
    other_names = serializers.ListField(child=serializers.CharField(max_length=150), required=False, max_length=10)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    passport_number = serializers.RegexField(PASSPORT, required=False, allow_blank=True)
    nationalities = serializers.ListField(child=serializers.RegexField(r"^[A-Za-z]{2}$"), required=False,
                                          max_length=5, help_text="ISO 3166-1 alpha-2 codes.")
    phone = serializers.RegexField(PHONE, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    last_known_location = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    mission = serializers.CharField(required=False, allow_blank=True, max_length=16,
                                    help_text="Code of one of the incident's missions; by default the case's "
                                              "mission or the lead mission.")
    case = serializers.UUIDField(required=False, allow_null=True, help_text="Id of a protection case.")


class PersonInSerializer(PersonFieldsSerializer):
    status = serializers.ChoiceField(choices=PersonStatus.choices, default=PersonStatus.UNACCOUNTED)
    hospital = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    # The body's key is `source`; DRF takes declared fields out of the class, so Field.source is not shadowed.
    source = SourceSerializer(required=False,  # type: ignore[assignment]
                              help_text="Where the first status comes from; by default the officer.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")

    def to_person_in(self, case: Any) -> PersonIn:
        v = self.validated_data
        source = v.get("source") or {"kind": SourceKind.OFFICER, "ref": ""}
        return PersonIn(
            name_zh=v.get("name_zh", ""), name_latin=v.get("name_latin", ""), other_names=v.get("other_names", []),
            sex=v.get("sex", Sex.UNKNOWN), birth_date=v.get("birth_date"),
            passport_number=v.get("passport_number", ""), nationalities=v.get("nationalities", []),
            phone=v.get("phone", ""), email=v.get("email", ""),
            last_known_location=v.get("last_known_location", ""), mission=v.get("mission", ""), case=case,
            status=v["status"], hospital=v["hospital"], source=Source(kind=source["kind"], ref=source["ref"]),
            note=v["note"],
        )


class PersonPatchSerializer(PersonFieldsSerializer):
    status = serializers.ChoiceField(choices=PersonStatus.choices, required=False)
    hospital = serializers.CharField(required=False, allow_blank=True, max_length=500)
    source = SourceSerializer(required=False,  # type: ignore[assignment]
                              help_text="Required with a status: where the new status comes from.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "status" in attrs and "source" not in attrs:
            raise serializers.ValidationError({"source": [_("Required with a status change.")]})
        if "status" not in attrs:
            extra = [k for k in ("source", "hospital", "note") if k in attrs]
            if extra:
                raise serializers.ValidationError({k: [_("Only with a status change.")] for k in extra})
        return attrs


class PersonQuerySerializer(serializers.Serializer):
    status = serializers.MultipleChoiceField(choices=PersonStatus.choices, required=False)
    mission = serializers.ListField(child=serializers.CharField(max_length=16), required=False)


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


class PersonOutSerializer(serializers.ModelSerializer):
    """An affected person for officers: the true `status`, and the `public_status` inquirers are told."""

    incident = serializers.UUIDField(source="incident_id")
    other_names = serializers.SerializerMethodField()
    birth_date = serializers.SerializerMethodField()
    nationalities = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=PersonStatus.choices)
    public_status = serializers.SerializerMethodField()
    mission = serializers.CharField(source="mission.code")
    case = serializers.SerializerMethodField()
    next_of_kin_informed_by = serializers.SerializerMethodField()
    passport_number = serializers.SerializerMethodField(
        help_text="Shown to HQ and mission officers only; null for the other roles (hotline operators, auditors).")

    class Meta:
        model = AffectedPerson
        fields = ["id", "incident", "name_zh", "name_latin", "other_names", "sex", "birth_date", "passport_number",
                  "nationalities", "phone", "email", "last_known_location", "status", "public_status", "hospital",
                  "mission", "case", "next_of_kin_informed_at", "next_of_kin_informed_by", "next_of_kin_note",
                  "created_at", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_other_names(self, obj: AffectedPerson) -> list[str]:
        return [n for n in obj.other_names.splitlines() if n.strip()]

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_birth_date(self, obj: AffectedPerson) -> str | None:
        return _date(obj.birth_date)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_passport_number(self, obj: AffectedPerson) -> str | None:
        request = self.context.get("request")
        if request is None or not sees_passport_numbers(request.user):
            return None
        return obj.passport_number

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_nationalities(self, obj: AffectedPerson) -> list[str]:
        return [c for c in obj.nationalities.split(",") if c]

    @extend_schema_field(serializers.ChoiceField(choices=PUBLIC_STATUSES))
    def get_public_status(self, obj: AffectedPerson) -> str:
        return public_status(obj)

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_case(self, obj: AffectedPerson) -> str | None:
        return str(obj.case_id) if obj.case_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_next_of_kin_informed_by(self, obj: AffectedPerson) -> str | None:
        user = obj.next_of_kin_informed_by
        return user.username if obj.next_of_kin_informed_by_id and user else None


class StatusChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()  # type: ignore[assignment]

    class Meta:
        model = PersonStatusChange
        fields = ["id", "from_status", "to_status", "source", "note", "hospital", "actor", "at"]

    @extend_schema_field(SourceSerializer)
    def get_source(self, obj: PersonStatusChange) -> dict[str, str]:
        return {"kind": obj.source_kind, "ref": obj.source_ref}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, obj: PersonStatusChange) -> str | None:
        return obj.actor.username if obj.actor_id and obj.actor else None


class NextOfKinSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="",
                                 help_text="Who was told, by whom, how.")


# --- Inquiries ----------------------------------------------------------------------------------------------------

class InquiryInSerializer(serializers.Serializer):
    subject_name = serializers.CharField(max_length=200, help_text="The person asked about, in any script.")
    subject_birth_date = serializers.CharField(required=False, allow_blank=True, max_length=10, default="",
                                               help_text="YYYY-MM-DD, or YYYY-MM or YYYY when only that is known.")
    subject_passport_number = serializers.RegexField(PASSPORT, required=False, allow_blank=True, default="")
    inquirer_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    inquirer_relation = serializers.CharField(required=False, allow_blank=True, max_length=100, default="",
                                              help_text="e.g. daughter, colleague.")
    inquirer_phone = serializers.RegexField(PHONE, required=False, allow_blank=True, default="")
    inquirer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    language = serializers.RegexField(r"^[a-zA-Z-]{2,16}$", required=False, default="zh")
    channel = serializers.ChoiceField(choices=InquiryChannel.choices, default=InquiryChannel.PHONE)
    message = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")

    def validate_subject_name(self, value: str) -> str:
        if not any(c.isalpha() for c in value):
            raise serializers.ValidationError(_("A name needs letters or Chinese characters."))
        return value

    def validate_subject_birth_date(self, value: str) -> str:
        try:
            parse_birth_date(value or None)
        except ValueError as exc:
            raise serializers.ValidationError(BIRTH_DATE_FORMAT) from exc
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("inquirer_phone") or attrs.get("inquirer_email")):
            raise serializers.ValidationError({"inquirer_phone": [CONTACT_REQUIRED]})
        return attrs

    def to_inquiry_in(self) -> InquiryIn:
        return InquiryIn(**self.validated_data)


class CandidateSerializer(serializers.Serializer):
    """A registry person who may be the one asked about. Only the public status: this is what the inquirer
    may be told."""

    person = serializers.UUIDField()
    score = serializers.FloatField(min_value=0, max_value=1)
    level = serializers.ChoiceField(choices=["match", "possible", "weak"],
                                    help_text="match ≥ 0.80, possible ≥ 0.50, else weak.")
    reasons = serializers.ListField(child=serializers.CharField())
    name_zh = serializers.CharField()
    name_latin = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    public_status = serializers.ChoiceField(choices=PUBLIC_STATUSES)
    public_status_text = PublicStatusTextSerializer()


def candidate_data(candidate: Candidate) -> dict[str, Any]:
    person = candidate.person
    code = public_status(person)
    return {"person": person.pk, "score": candidate.score, "level": candidate.level, "reasons": candidate.reasons,
            "name_zh": person.name_zh, "name_latin": person.name_latin, "birth_date": person.birth_date,
            "public_status": code, "public_status_text": public_status_text(code)}


class InquiryOutSerializer(serializers.ModelSerializer):
    incident = serializers.UUIDField(source="incident_id")
    state = serializers.ChoiceField(choices=InquiryState.choices)
    person = serializers.SerializerMethodField()
    public_status = serializers.SerializerMethodField()
    public_status_text = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Inquiry
        fields = ["id", "incident", "state", "channel", "language", "inquirer_name", "inquirer_relation",
                  "inquirer_phone", "inquirer_email", "subject_name", "subject_birth_date",
                  "subject_passport_number", "message", "person", "public_status", "public_status_text",
                  "created_by", "created_at", "closed_at"]

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_person(self, obj: Inquiry) -> str | None:
        return str(obj.person_id) if obj.person_id else None

    @extend_schema_field(serializers.ChoiceField(choices=PUBLIC_STATUSES, allow_null=True))
    def get_public_status(self, obj: Inquiry) -> str | None:
        return public_status(obj.person) if obj.person_id and obj.person else None

    @extend_schema_field(PublicStatusTextSerializer(allow_null=True))
    def get_public_status_text(self, obj: Inquiry) -> dict[str, str] | None:
        return public_status_text(public_status(obj.person)) if obj.person_id and obj.person else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_created_by(self, obj: Inquiry) -> str | None:
        return obj.created_by.username if obj.created_by_id and obj.created_by else None


class InquiryCreatedSerializer(InquiryOutSerializer):
    candidates = serializers.SerializerMethodField()

    class Meta(InquiryOutSerializer.Meta):
        fields = [*InquiryOutSerializer.Meta.fields, "candidates"]

    @extend_schema_field(CandidateSerializer(many=True))
    def get_candidates(self, obj: Inquiry) -> Any:
        return CandidateSerializer([candidate_data(c) for c in self.context["candidates"]], many=True).data


class InquiryQuerySerializer(serializers.Serializer):
    state = serializers.MultipleChoiceField(choices=InquiryState.choices, required=False)
    person = serializers.UUIDField(required=False)


class AttachSerializer(serializers.Serializer):
    person = serializers.UUIDField(help_text="Id of a person of the incident.")


class CloseNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


# --- Call-backs ---------------------------------------------------------------------------------------------------

class CallBackQuerySerializer(serializers.Serializer):
    due = serializers.BooleanField(required=False, allow_null=True, default=None,
                                   help_text="true: only those due now; false: only those not yet due.")
    done = serializers.BooleanField(required=False, default=False, help_text="true: the call-backs made.")


class CallBackOutSerializer(serializers.ModelSerializer):
    """A call owed to an inquirer; the person's status is the public one, what the inquirer may be told."""

    reason = serializers.ChoiceField(choices=CallBackReason.choices)
    inquiry = serializers.UUIDField(source="inquiry_id")
    inquirer_name = serializers.CharField(source="inquiry.inquirer_name")
    inquirer_relation = serializers.CharField(source="inquiry.inquirer_relation")
    inquirer_phone = serializers.CharField(source="inquiry.inquirer_phone")
    inquirer_email = serializers.CharField(source="inquiry.inquirer_email")
    language = serializers.CharField(source="inquiry.language")
    person = serializers.UUIDField(source="person_id")
    public_status = serializers.SerializerMethodField()
    public_status_text = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    done_by = serializers.SerializerMethodField()

    class Meta:
        model = CallBack
        fields = ["id", "reason", "inquiry", "inquirer_name", "inquirer_relation", "inquirer_phone",
                  "inquirer_email", "language", "person", "public_status", "public_status_text", "due_at", "overdue",
                  "done_at", "done_by", "note", "created_at"]

    @extend_schema_field(serializers.ChoiceField(choices=PUBLIC_STATUSES))
    def get_public_status(self, obj: CallBack) -> str:
        return public_status(obj.person)

    @extend_schema_field(PublicStatusTextSerializer)
    def get_public_status_text(self, obj: CallBack) -> dict[str, str]:
        return public_status_text(public_status(obj.person))

    def get_overdue(self, obj: CallBack) -> bool:
        now = self.context.get("now")
        return bool(obj.done_at is None and now is not None and obj.due_at < now)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_done_by(self, obj: CallBack) -> str | None:
        return obj.done_by.username if obj.done_by_id and obj.done_by else None
