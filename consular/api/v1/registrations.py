"""Trip registrations and group registrations. Thin: validate, call `consular.travel` services or selectors, shape the
answer. Citizens register, change and cancel their own trips; HQ officers and hotline operators read every
registration, mission officers those with a stop in their jurisdiction; volunteers and auditors none (see
`consular.travel.selectors`). Every read of a registration is recorded in the audit log.

Field messages name the field path with list indexes in brackets (`itinerary[1].depart`), for the type checks
here as for the services' rules."""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.api.errors import flatten_fields
from consular.api.v1 import registration_serializers as s
from consular.api.v1.cases import AuditedList
from consular.core.audit import audit_read
from consular.core.errors import ApplicationError, ErrorCode
from consular.travel import groups, selectors, services
from consular.travel.models import Registration

_INDEX = re.compile(r"\.(\d+)(?=\.|$)")


class CanReadRegistrations(BasePermission):
    """Citizens (their own), HQ officers, hotline operators and mission officers read; only citizens write
    (the services say so with 403)."""

    message = "This endpoint is for citizens and for consular officers."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.role in selectors.READER_ROLES


def _valid(serializer: serializers.Serializer) -> None:
    """Validate; DRF's nested errors come out with bracketed indexes, like the services' (`itinerary[0].arrive`)."""
    if serializer.is_valid():
        return
    fields = {_INDEX.sub(r"[\1]", key): [str(m) for m in messages]
              for key, messages in flatten_fields(serializer.errors).items()}
    raise ApplicationError(ErrorCode.INVALID, _("The request has invalid fields."), fields=fields)


def _registration_or_404(request: Request, registration_id: str) -> Registration:
    registration = selectors.registration_get(actor=request.user, registration_id=registration_id)
    if registration is None:
        raise Http404
    return registration


def _detail(request: Request, registration: Registration, code: int = status.HTTP_200_OK) -> Response:
    registration = selectors.registration_get(actor=request.user, registration_id=registration.pk) or registration
    audit_read(actor=request.user, obj=registration, fields=s.personal_fields_shown(request.user, registration))
    return Response(s.RegistrationOutSerializer(registration, context={"request": request}).data, status=code)


class RegistrationList(AuditedList):
    """Registrations the caller may see, latest trip first. A citizen sees their own. HQ officers and hotline
    operators see all, mission officers those with a stop in their consular jurisdiction; filter by `country`,
    `on` (a date), `date_from`/`date_until`, `state` (repeatable) and `group`. Each listed registration is
    recorded as read."""

    permission_classes = [CanReadRegistrations]
    serializer_class = s.RegistrationOutSerializer
    audit_fields = s.REGISTRATION_PERSONAL

    def get_audit_fields(self) -> list[str]:
        return s.personal_fields_shown(self.request.user, None)
    audit_purpose = "registrations"

    @extend_schema(parameters=[s.RegistrationQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        params = self.request.query_params
        raw: dict[str, Any] = {k: params[k] for k in ("country", "on", "date_from", "date_until", "group")
                               if k in params}
        if params.getlist("state"):
            raw["state"] = params.getlist("state")
        query = s.RegistrationQuerySerializer(data=raw)
        _valid(query)
        return selectors.registration_list(actor=self.request.user, filters=dict(query.validated_data))

    @extend_schema(request=s.RegistrationInSerializer, responses={201: s.RegistrationOutSerializer})
    def post(self, request: Request) -> Response:
        """Register a trip (citizens). Answers the registration with its `id`, `state`, `starts_on`, `ends_on`
        and `purge_after` (when its personal data will be deleted)."""
        data = s.RegistrationInSerializer(data=request.data)
        _valid(data)
        registration = services.registration_create(actor=request.user, data=data.to_registration_in())
        return _detail(request, registration, status.HTTP_201_CREATED)


class RegistrationDetail(APIView):
    permission_classes = [CanReadRegistrations]

    @extend_schema(responses=s.RegistrationOutSerializer)
    def get(self, request: Request, registration_id: str) -> Response:
        return _detail(request, _registration_or_404(request, registration_id))

    @extend_schema(request=s.RegistrationPatchSerializer, responses=s.RegistrationOutSerializer)
    def patch(self, request: Request, registration_id: str) -> Response:
        """Replace whole sections (`itinerary`, `contacts`, `channels` …) of one's own active registration."""
        registration = _registration_or_404(request, registration_id)
        unknown = set(request.data) - set(s.RegistrationPatchSerializer().fields) \
            if isinstance(request.data, dict) else set()
        data = s.RegistrationPatchSerializer(data=request.data)  # every section optional; a given one whole
        _valid(data)
        changes = data.to_changes()
        changes.update({k: request.data[k] for k in unknown})
        registration = services.registration_update(actor=request.user, registration=registration, changes=changes)
        return _detail(request, registration)


class RegistrationCancel(APIView):
    permission_classes = [CanReadRegistrations]

    @extend_schema(request=None, responses=s.RegistrationOutSerializer)
    def post(self, request: Request, registration_id: str) -> Response:
        """Cancel one's own registration: no more alerts; the stops become inactive."""
        registration = _registration_or_404(request, registration_id)
        return _detail(request, services.registration_cancel(actor=request.user, registration=registration))


class RegistrationGroupCreate(APIView):
    """A tour operator or company registers its travellers (citizen account): multipart with the CSV `file` and the
    shared `itinerary` (JSON). All or nothing; each bad line is named (`file.line[3].birth_date`)."""

    permission_classes = [CanReadRegistrations]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": s.GroupInSerializer}, responses={201: s.GroupOutSerializer})
    def post(self, request: Request) -> Response:
        data = s.GroupInSerializer(data=request.data)
        _valid(data)
        upload = data.validated_data["file"]
        group = groups.registration_group_create(actor=request.user, data=data.to_group_in(), file=upload.read(),
                                                 filename=upload.name or "")
        return Response(s.GroupOutSerializer(s.group_out(group)).data, status=status.HTTP_201_CREATED)
