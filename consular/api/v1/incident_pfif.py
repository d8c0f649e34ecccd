"""PFIF interchange and the registry export of an incident. Thin: check the input, call the service, shape the
answer.

- ``GET  /api/v1/incidents/{id}/pfif``: the registry as PFIF 1.4 (``application/xml``, streamed), statuses
  through the next-of-kin gate.
- ``POST /api/v1/incidents/{id}/pfif``: import a PFIF 1.1–1.4 document sent as the request body
  (``Content-Type: application/xml``, ``text/xml`` or ``application/pfif+xml``) or as the multipart field
  ``file``; answers the import summary.
- ``GET  /api/v1/incidents/{id}/persons.csv`` and ``/persons.xlsx``: the officers' registry list (``status``
  filters, repeatable).

Errors are always the JSON envelope, whatever the client accepts."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.api.permissions import IsStaff
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.incidents import exports, pfif_sync, selectors
from consular.incidents.codes import PersonStatus
from consular.incidents.models import Incident

XML_MEDIA_TYPE = "application/xml"
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class JsonErrors(DefaultContentNegotiation):
    """These views answer files (not rendered by DRF) or, for errors, the JSON envelope: whatever the client's
    Accept header says, errors are rendered as JSON (never a 406)."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


class _RawXmlParser(BaseParser):
    """The request body as bytes, read up to the import limit (one byte more, to tell a too-large body)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        if stream is None:
            return b""
        return stream.read(pfif_sync.MAX_IMPORT_BYTES + 1)


class XmlParser(_RawXmlParser):
    media_type = "application/xml"


class TextXmlParser(_RawXmlParser):
    media_type = "text/xml"


class PfifXmlParser(_RawXmlParser):
    media_type = "application/pfif+xml"


class PfifUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The PFIF document (XML).")


class PfifErrorSerializer(serializers.Serializer):
    record = serializers.CharField(help_text="The record id, or `person #3` when it has none.")
    field = serializers.CharField()
    message = serializers.CharField()


class PfifCandidateSerializer(serializers.Serializer):
    person = serializers.UUIDField()
    score = serializers.FloatField()
    level = serializers.CharField()


class PfifPossibleMatchSerializer(serializers.Serializer):
    record = serializers.CharField(help_text="The PFIF person record id.")
    person = serializers.UUIDField(help_text="The person created for it.")
    candidates = PfifCandidateSerializer(many=True, help_text="Registry persons it may also be.")


class PfifImportSummarySerializer(serializers.Serializer):
    version = serializers.CharField(help_text="PFIF version of the document: 1.4, 1.3, 1.2 or 1.1.")
    persons_read = serializers.IntegerField()
    notes_read = serializers.IntegerField()
    persons_created = serializers.IntegerField()
    persons_matched = serializers.IntegerField(help_text="Linked to a registry person by name and birth date.")
    persons_known = serializers.IntegerField(help_text="Imported before, or one of this registry's own records.")
    persons_expired = serializers.IntegerField(help_text="Deleted at the source; the registry keeps its persons.")
    notes_applied = serializers.IntegerField(help_text="Wrote a status change (source kind `pfif`).")
    notes_without_status = serializers.IntegerField()
    notes_seen_before = serializers.IntegerField()
    notes_stale = serializers.IntegerField(help_text="Older than what the registry knows: not applied.")
    notes_kept = serializers.IntegerField(
        help_text="The registry's status was kept (deceased, or injured/hospitalised against an 'alive' note)."
    )
    errors = PfifErrorSerializer(many=True)  # type: ignore[assignment]
    possible_matches = PfifPossibleMatchSerializer(many=True)


def _incident_or_404(request: Request, incident_id: str) -> Incident:
    incident = selectors.incident_get(actor=request.user, incident_id=incident_id)
    if incident is None:
        raise Http404
    return incident


def _attachment(incident: Incident, suffix: str) -> str:
    return f'attachment; filename="{incident.reference}-{suffix}"'


def _too_large() -> ApplicationError:
    limit = pfif_sync.MAX_IMPORT_BYTES // (1024 * 1024)
    return ApplicationError(
        ErrorCode.INVALID, _("The PFIF document is too large."),
        fields={"file": [lazy_interpolate(_("At most %(limit)s MB."), limit=limit)]},
    )


class IncidentPfif(APIView):
    """PFIF 1.4 export and import of the incident's registry."""

    permission_classes = [IsStaff]
    parser_classes = [XmlParser, TextXmlParser, PfifXmlParser, MultiPartParser]
    content_negotiation_class = JsonErrors

    @extend_schema(
        operation_id="incidents_pfif_export",
        responses={(200, XML_MEDIA_TYPE): OpenApiTypes.STR},
        description="The registry as a PFIF 1.4 document, streamed: every person of the incident with one note "
        "per status change. Statuses go through the next-of-kin gate: a death whose next of kin has not been "
        "told is left out (no `believed_dead` note, no text). Officers' notes, hospitals, passport numbers and "
        "contacts are not exported. The export is recorded in the audit log.",
    )
    def get(self, request: Request, incident_id: str) -> StreamingHttpResponse:
        incident = _incident_or_404(request, incident_id)
        chunks = pfif_sync.incident_pfif_export(actor=request.user, incident=incident)
        response = StreamingHttpResponse(chunks, content_type=f"{XML_MEDIA_TYPE}; charset=utf-8")
        response["Content-Disposition"] = _attachment(incident, "pfif.xml")
        return response

    @extend_schema(
        operation_id="incidents_pfif_import",
        request={XML_MEDIA_TYPE: OpenApiTypes.STR, "multipart/form-data": PfifUploadSerializer},
        responses=PfifImportSummarySerializer,
        description="Import a PFIF 1.1–1.4 document: the XML as the request body (`Content-Type: "
        "application/xml`) or a multipart field `file`. Known records (by `person_record_id`) get only "
        "their new notes; others are matched by name and birth date (a single `match` links) or created. "
        "Notes set statuses (source kind `pfif`, ref the note id): `believed_alive` → safe, "
        "`believed_missing` → missing, `believed_dead` → unconfirmed (another site never makes anyone "
        "deceased). Re-importing a document changes nothing. A document that is not PFIF is a 400.",
    )
    def post(self, request: Request, incident_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        data = request.data
        if isinstance(data, bytes):
            body = data
        else:
            upload = request.FILES.get("file")
            if upload is None:
                hint = _("Send the XML as the request body (Content-Type: application/xml) or as the field “file”.")
                raise ApplicationError(ErrorCode.INVALID, _("Send the PFIF document."), fields={"file": [hint]})
            if upload.size is not None and upload.size > pfif_sync.MAX_IMPORT_BYTES:
                raise _too_large()
            body = upload.read()
        if len(body) > pfif_sync.MAX_IMPORT_BYTES:
            raise _too_large()
        if not body.strip():
            empty = _("The PFIF document is empty.")
            raise ApplicationError(ErrorCode.INVALID, empty, fields={"file": [empty]})
        summary = pfif_sync.incident_pfif_import(actor=request.user, incident=incident, data=body)
        return Response(PfifImportSummarySerializer(summary.as_dict()).data)


STATUS_PARAMETER = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    many=True,
    enum=PersonStatus.values,
    description="Only persons with this status (repeatable).",
)


class _PersonsExport(APIView):
    permission_classes = [IsStaff]
    content_negotiation_class = JsonErrors

    def _statuses(self, request: Request) -> list[str]:
        return request.query_params.getlist("status")


class PersonsCsv(_PersonsExport):
    @extend_schema(
        operation_id="incidents_persons_csv",
        parameters=[STATUS_PARAMETER],
        responses={(200, CSV_MEDIA_TYPE): OpenApiTypes.STR},
        description="The registry as CSV (UTF-8 with BOM) for officers: true status and when the next of kin was "
        "told; passport numbers only for HQ and mission officers. Cells starting with = + - @ are prefixed "
        "with an apostrophe. Recorded in the audit log.",
    )
    def get(self, request: Request, incident_id: str) -> HttpResponse:
        incident = _incident_or_404(request, incident_id)
        body = exports.persons_csv(actor=request.user, incident=incident, status=self._statuses(request))
        response = HttpResponse(body, content_type=f"{CSV_MEDIA_TYPE}; charset=utf-8")
        response["Content-Disposition"] = _attachment(incident, "persons.csv")
        return response


class PersonsXlsx(_PersonsExport):
    @extend_schema(
        operation_id="incidents_persons_xlsx",
        parameters=[STATUS_PARAMETER],
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
        description="The same list as `persons.csv`, as an XLSX workbook.",
    )
    def get(self, request: Request, incident_id: str) -> HttpResponse:
        incident = _incident_or_404(request, incident_id)
        body = exports.persons_xlsx(actor=request.user, incident=incident, status=self._statuses(request))
        response = HttpResponse(body, content_type=XLSX_MEDIA_TYPE)
        response["Content-Disposition"] = _attachment(incident, "persons.xlsx")
        return response
