"""An incident's list imports (multipart file plus column mapping) and the review queue of possible matches.
Thin: validate, call `consular.incidents.imports`, shape the answer. Same roles and mission scoping as the other
incident endpoints: staff read (a mission officer only the incidents of the own mission; others are 404),
writers import and decide, auditors only read."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.api.errors import error_body
from consular.api.permissions import IsStaff
from consular.api.v1.cases import AuditedList
from consular.core.audit import audit_read, audit_read_many
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.incidents import import_selectors, imports, selectors
from consular.incidents.codes import PersonStatus
from consular.incidents.import_models import (
    CandidateKind,
    ImportMode,
    ImportStatus,
    ListImport,
    ListKind,
    MatchReview,
    ReviewState,
)
from consular.incidents.models import AffectedPerson, Incident
from consular.incidents.tabular import FIELDS

# Personal data shown by the review views (recorded in the audit log as read).
REVIEW_PERSONAL = ["values"]
REVIEW_CANDIDATE_PERSONAL = ["name_zh", "name_latin", "other_names", "birth_date", "passport_number", "status"]
INVALID_ROWS = "invalid_rows"


def _incident_or_404(request: Request, incident_id: str) -> Incident:
    incident = selectors.incident_get(actor=request.user, incident_id=incident_id)
    if incident is None:
        raise Http404
    return incident


# --- Shapes -------------------------------------------------------------------------------------------------------

class ImportInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The list: CSV (any common encoding and delimiter) or XLSX.")
    kind = serializers.ChoiceField(choices=ListKind.choices)
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING,
                                   help_text="all_or_nothing: one bad row refuses the list (422); good_rows_only: "
                                             "the good rows are imported and the bad ones reported.")
    mapping = serializers.CharField(
        required=False, allow_blank=True, max_length=10000,
        help_text='A JSON object, target field → the file\'s column header, e.g. {"name_zh": "姓名", '
                  f'"passport_number": "Passport No."}}. Fields: {", ".join(FIELDS)}. Without it, the columns are '
                  "recognised from common English and Chinese headers.",
    )
    sheet = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                  help_text="XLSX: the worksheet (default: the first).")

    def validate_file(self, value: Any) -> Any:
        if value.size > imports.MAX_BYTES:
            raise serializers.ValidationError(
                lazy_interpolate(_("The file is larger than %(mb)s MB."), mb=imports.MAX_BYTES // (1024 * 1024)))
        return value

    def validate_mapping(self, value: str) -> dict[str, str] | None:
        if not value.strip():
            return None
        try:
            mapping = json.loads(value)
        except ValueError as exc:
            raise serializers.ValidationError(_("Not JSON: give an object of field → column header.")) from exc
        if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in mapping.items()):
            raise serializers.ValidationError(_("Give a JSON object of field → column header (strings)."))
        if len(mapping) > len(FIELDS):
            raise serializers.ValidationError(lazy_interpolate(_("At most %(count)s fields."), count=len(FIELDS)))
        return mapping


class ImportCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Data rows in the file.")
    linked = serializers.IntegerField(help_text="Rows linked to a person of the registry (a confident match).")
    created = serializers.IntegerField(help_text="Rows that created a person (no match).")
    review = serializers.IntegerField(help_text="Rows sent to the review queue (a possible match).")
    skipped_same = serializers.IntegerField(help_text="Rows already imported for this incident: nothing changed.")
    bad = serializers.IntegerField(help_text="Rows with at least one error.")
    registrations_linked = serializers.IntegerField(
        help_text="Rows whose person was linked to a trip registration (a confident match).")
    registration_reviews = serializers.IntegerField(
        help_text="Rows whose possible trip registration went to the review queue (candidate_kind registration).")


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="CSV: the line in the file; XLSX: the row number.")
    column = serializers.CharField(help_text="The column header as in the file; empty for the whole row.")
    field = serializers.CharField(help_text="The target field; empty for the whole row.")
    message = serializers.CharField()


class ImportOutSerializer(serializers.ModelSerializer):
    """A list import: `imported` with its counts, or `rejected` (bad rows, all-or-nothing: nothing imported)."""

    incident = serializers.UUIDField(source="incident_id")
    kind = serializers.ChoiceField(choices=ListKind.choices)
    mode = serializers.ChoiceField(choices=ImportMode.choices)
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    format = serializers.CharField(source="file_format")
    mapping = serializers.DictField(child=serializers.CharField())
    counts = serializers.SerializerMethodField()
    # The body key is `errors`; DRF takes declared fields out of the class, so Serializer.errors is not shadowed.
    errors = serializers.SerializerMethodField()  # type: ignore[assignment]
    created_by = serializers.SerializerMethodField()
    # Declared, not derived: a PositiveIntegerField's maximum differs by database, the schema must not.
    errors_total = serializers.IntegerField(read_only=True, min_value=0)

    class Meta:
        model = ListImport
        fields = ["id", "incident", "kind", "filename", "format", "sha256", "mapping", "mode", "status", "counts",
                  "errors", "errors_total", "created_by", "created_at"]

    @extend_schema_field(ImportCountsSerializer)
    def get_counts(self, obj: ListImport) -> dict[str, int]:
        return {"total": obj.total, "linked": obj.linked, "created": obj.created, "review": obj.review,
                "skipped_same": obj.skipped_same, "bad": obj.bad, "registrations_linked": obj.registrations_linked,
                "registration_reviews": obj.registration_reviews}

    @extend_schema_field(RowErrorSerializer(many=True))
    def get_errors(self, obj: ListImport) -> list[dict[str, Any]]:
        return obj.error_list()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_created_by(self, obj: ListImport) -> str | None:
        return obj.created_by.username if obj.created_by_id and obj.created_by else None


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="invalid_rows")
    message = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # `fields` is the name of the Serializer's own property: added here, not declared.
        return {**super().get_fields(), "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text='Per row and field: {"rows.<line>.<field>": ["…"]}.')}


class ImportRejectedSerializer(serializers.Serializer):
    """The answer to a list refused for its bad rows: the usual error, and the rejected import."""

    error = ErrorDetailSerializer()

    def get_fields(self) -> dict[str, serializers.Field]:
        # The body's key is `import`, a Python keyword: added here, not declared.
        return {**super().get_fields(),
                "import": ImportOutSerializer(help_text="The rejected import, its errors by line and column.")}


class ReviewQuerySerializer(serializers.Serializer):
    state = serializers.MultipleChoiceField(choices=ReviewState.choices, required=False,
                                            help_text="Repeatable; default: pending.")


class CandidateOutSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name_zh = serializers.CharField()
    name_latin = serializers.CharField()
    other_names = serializers.ListField(child=serializers.CharField())
    birth_date = serializers.DateField(allow_null=True)
    passport_number = serializers.CharField(allow_null=True, help_text="Null for roles that do not see passport "
                                                                       "numbers (hotline operators, auditors).")
    status = serializers.ChoiceField(choices=PersonStatus.choices)
    score = serializers.FloatField(min_value=0, max_value=1)
    reasons = serializers.ListField(child=serializers.CharField())


def _candidate(person: AffectedPerson, score: float, reasons: list[str], *, passport: bool) -> dict[str, Any]:
    return {"id": person.pk, "name_zh": person.name_zh, "name_latin": person.name_latin,
            "other_names": [n for n in person.other_names.splitlines() if n.strip()],
            "birth_date": person.birth_date, "passport_number": person.passport_number if passport else None,
            "status": person.status, "score": score, "reasons": reasons}


class CandidateRegistrationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name_zh = serializers.CharField(allow_null=True, help_text="Null when your role may not read this registration.")
    name_latin = serializers.CharField(allow_null=True)
    birth_date = serializers.DateField(allow_null=True)
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    score = serializers.FloatField(min_value=0, max_value=1)


# What a review shows of a candidate registration (and records as read), to the roles that may read it.
REVIEW_REGISTRATION_PERSONAL = ["name_zh", "name_latin", "birth_date"]


def _candidate_registration(obj: MatchReview, visible: dict[str, Any]) -> dict[str, Any] | None:
    if obj.candidate_kind != CandidateKind.REGISTRATION or obj.registration_id is None:
        return None
    registration = visible.get(str(obj.registration_id))
    out: dict[str, Any] = {"id": obj.registration_id, "score": obj.score}
    for name in ("name_zh", "name_latin", "birth_date", "starts_on", "ends_on"):
        out[name] = getattr(registration, name) if registration is not None else None
    return out


def _visible_registrations(request: Request, reviews: list[MatchReview]) -> dict[str, Any]:
    """The candidate registrations of the reviews the caller may read, by id, each recorded as read."""
    ids = [r.registration_id for r in reviews if r.registration_id is not None]
    if not ids:
        return {}
    from consular.travel.selectors import STAFF_READER_ROLES, registrations_visible

    if getattr(request.user, "role", None) not in STAFF_READER_ROLES:
        return {}
    found: list[Any] = list(registrations_visible(actor=request.user).filter(pk__in=ids))
    audit_read_many(actor=request.user, objects=found, fields=REVIEW_REGISTRATION_PERSONAL,
                    purpose="review_candidates")
    return {str(r.pk): r for r in found}


class ReviewOutSerializer(serializers.ModelSerializer):
    """A possible match: the row's values (as normalised from the list) and the candidate with its score and
    the matcher's reasons; `others` are further candidates of the same row (confirm may name one). With
    `candidate_kind` `registration` the candidate is the person the row became and `registration` the trip
    registration they may be: confirm links them, reject does not."""

    candidate_kind = serializers.ChoiceField(choices=CandidateKind.choices)
    registration = serializers.SerializerMethodField()

    state = serializers.ChoiceField(choices=ReviewState.choices)
    list_import = serializers.UUIDField(source="import_row.list_import_id")
    line = serializers.IntegerField(source="import_row.line")
    kind = serializers.ChoiceField(source="import_row.list_import.kind", choices=ListKind.choices)
    values = serializers.SerializerMethodField()
    candidate = serializers.SerializerMethodField()
    others = serializers.SerializerMethodField()
    person = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = MatchReview
        fields = ["id", "state", "list_import", "line", "kind", "candidate_kind", "values", "candidate",
                  "registration", "others", "person", "decided_by", "decided_at", "note", "created_at"]

    @extend_schema_field(CandidateRegistrationSerializer(allow_null=True))
    def get_registration(self, obj: MatchReview) -> dict[str, Any] | None:
        found = _candidate_registration(obj, self.context.get("registrations", {}))
        return None if found is None else dict(CandidateRegistrationSerializer(found).data)

    def _passports(self) -> bool:
        request = self.context.get("request")  # as the person serializer: the caller's role decides
        return request is not None and selectors.sees_passport_numbers(request.user)

    @extend_schema_field(serializers.DictField(help_text="The row's values by field (dates as YYYY-MM-DD); the "
                                                         "passport number only for roles that see them."))
    def get_values(self, obj: MatchReview) -> dict[str, Any]:
        values = imports.review_values(obj)
        if not self._passports() and "passport_number" in values:
            values["passport_number"] = None
        return values

    @extend_schema_field(CandidateOutSerializer)
    def get_candidate(self, obj: MatchReview) -> dict[str, Any]:
        return CandidateOutSerializer(_candidate(obj.candidate, obj.score, imports.review_reasons(obj),
                                                 passport=self._passports())).data

    @extend_schema_field(CandidateOutSerializer(many=True))
    def get_others(self, obj: MatchReview) -> list[Any]:
        persons: dict[str, AffectedPerson] = self.context.get("others", {})
        return [CandidateOutSerializer(_candidate(persons[str(o["person"])], o["score"], [],
                                                  passport=self._passports())).data
                for o in obj.others if str(o.get("person")) in persons]

    @extend_schema_field(serializers.UUIDField(allow_null=True, help_text="The person the row became."))
    def get_person(self, obj: MatchReview) -> str | None:
        if obj.candidate_kind == CandidateKind.REGISTRATION:
            return str(obj.candidate_id)
        return str(obj.import_row.person_id) if obj.import_row.person_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, obj: MatchReview) -> str | None:
        return obj.decided_by.username if obj.decided_by_id and obj.decided_by else None


class ReviewConfirmSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    person = serializers.UUIDField(required=False, allow_null=True, default=None,
                                   help_text="Another candidate of the row (one of `others`); default the "
                                             "candidate.")


class ReviewRejectSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


# --- Views --------------------------------------------------------------------------------------------------------

def _rejected_response(rejected: ListImport) -> Response:
    errors = rejected.error_list()
    fields: dict[str, list[str]] = {}
    for e in errors:
        fields.setdefault(f"rows.{e['line']}.{e['field'] or 'row'}", []).append(e["message"])
    body = error_body(INVALID_ROWS, str(imports.rejected_message(rejected)), fields)
    body["import"] = ImportOutSerializer(rejected).data
    return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)


class ImportList(generics.ListAPIView):
    """The incident's list imports, newest first (counts and errors; no personal data)."""

    permission_classes = [IsStaff]
    serializer_class = ImportOutSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        incident = _incident_or_404(self.request, self.kwargs["incident_id"])
        return import_selectors.import_list(actor=self.request.user, incident=incident)

    @extend_schema(
        request={"multipart/form-data": ImportInSerializer},
        responses={201: ImportOutSerializer,
                   422: OpenApiResponse(ImportRejectedSerializer,
                                        description="all_or_nothing and bad rows: nothing imported; the errors by "
                                                    "line and column.")},
    )
    def post(self, request: Request, incident_id: str) -> Response:
        """Import a list (multipart: `file`, `kind`, `mode`, `mapping`). Each row is linked to a confidently
        matching person (its status recorded with source `import`, reference `<import id>:<line>`), sent to the
        review queue (a possible match) or added as a new person; a row already imported for the incident changes
        nothing. A list never records a death: a morgue row gives an unconfirmed report."""
        incident = _incident_or_404(request, incident_id)
        data = ImportInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        upload = v["file"]
        result = imports.list_import(actor=request.user, incident=incident, data=upload.read(),
                                     filename=upload.name or "", mapping=v.get("mapping"), kind=v["kind"],
                                     mode=v["mode"], sheet=v.get("sheet") or None)
        if result.status == ImportStatus.REJECTED:
            return _rejected_response(result)
        return Response(ImportOutSerializer(result).data, status=status.HTTP_201_CREATED)


class ImportDetail(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=ImportOutSerializer)
    def get(self, request: Request, incident_id: str, import_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        found = import_selectors.import_get(actor=request.user, incident=incident, import_id=import_id)
        if found is None:
            raise Http404
        return Response(ImportOutSerializer(found).data)


class ReviewList(AuditedList):
    """The review queue: possible matches of imported rows, oldest first, pending by default (`state`
    repeatable). Each review shown (the row's values) and each candidate shown is recorded as read."""

    permission_classes = [IsStaff]
    serializer_class = ReviewOutSerializer
    audit_fields = REVIEW_PERSONAL
    audit_purpose = "review_queue"

    @extend_schema(parameters=[ReviewQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        incident = _incident_or_404(self.request, self.kwargs["incident_id"])
        states = self.request.query_params.getlist("state")
        query = ReviewQuerySerializer(data={"state": states} if states else {})
        query.is_valid(raise_exception=True)
        wanted = sorted(query.validated_data.get("state") or [ReviewState.PENDING])
        return import_selectors.review_list(actor=self.request.user, incident=incident, states=wanted)

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        reviews = list(page or [])
        self._others = import_selectors.review_other_persons(reviews=reviews)
        persons = {r.candidate.pk: r.candidate for r in reviews} | {p.pk: p for p in self._others.values()}
        audit_read_many(actor=self.request.user, objects=list(persons.values()),
                        fields=selectors.person_fields_read(self.request.user, REVIEW_CANDIDATE_PERSONAL),
                        purpose="review_candidates")
        self._registrations = _visible_registrations(self.request, reviews)
        return page

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "others": getattr(self, "_others", {}),
                "registrations": getattr(self, "_registrations", {})}


def _review_or_404(request: Request, incident: Incident, review_id: str) -> MatchReview:
    review = import_selectors.review_get(actor=request.user, incident=incident, review_id=review_id)
    if review is None:
        raise Http404
    return review


def _review_detail(request: Request, incident: Incident, review: MatchReview) -> Response:
    review = import_selectors.review_get(actor=request.user, incident=incident, review_id=review.pk) or review
    others = import_selectors.review_other_persons(reviews=[review])
    audit_read(actor=request.user, obj=review, fields=REVIEW_PERSONAL, purpose="review_queue")
    audit_read_many(actor=request.user, objects=[review.candidate, *others.values()],
                    fields=selectors.person_fields_read(request.user, REVIEW_CANDIDATE_PERSONAL),
                    purpose="review_candidates")
    registrations = _visible_registrations(request, [review])
    context = {"others": others, "registrations": registrations, "request": request}
    return Response(ReviewOutSerializer(review, context=context).data)


class ReviewDetail(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=ReviewOutSerializer)
    def get(self, request: Request, incident_id: str, review_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        return _review_detail(request, incident, _review_or_404(request, incident, review_id))


class ReviewConfirm(APIView):
    """The row is the candidate (or the person named, another candidate of the row): it is linked, and the row's
    status recorded on the person (source `import`)."""

    permission_classes = [IsStaff]

    @extend_schema(request=ReviewConfirmSerializer, responses=ReviewOutSerializer)
    def post(self, request: Request, incident_id: str, review_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        review = _review_or_404(request, incident, review_id)
        data = ReviewConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = None
        if data.validated_data["person"] is not None:
            person = selectors.person_get(actor=request.user, incident=incident,
                                          person_id=data.validated_data["person"])
            if person is None:
                raise ApplicationError(ErrorCode.INVALID, _("Unknown person."),
                                       fields={"person": [_("No such person in this incident.")]})
        review = imports.review_confirm(actor=request.user, review=review, note=data.validated_data["note"],
                                        person=person)
        return _review_detail(request, incident, review)


class ReviewReject(APIView):
    """The row is nobody of the registry: a new person is created from it (source `import`)."""

    permission_classes = [IsStaff]

    @extend_schema(request=ReviewRejectSerializer, responses=ReviewOutSerializer)
    def post(self, request: Request, incident_id: str, review_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        review = _review_or_404(request, incident, review_id)
        data = ReviewRejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = imports.review_reject(actor=request.user, review=review, note=data.validated_data["note"])
        return _review_detail(request, incident, review)
