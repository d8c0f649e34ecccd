"""A citizen's answer to an alert through the personal link: `POST /api/v1/checkins/{token}`. No login: the token
is the credential. Thin: validate, call `consular.alerts.checkins.checkin_record`, shape the answer."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.alerts.checkins import MESSAGE_MAX, checkin_record
from consular.alerts.models import CheckInRegistry, CheckInStatus


class CheckInInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CheckInStatus.choices, help_text="`safe` or `need_help`.")
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=MESSAGE_MAX,
                                    trim_whitespace=True)


class CheckInOutSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CheckInStatus.choices)
    recorded_at = serializers.DateTimeField()
    case = serializers.CharField(allow_null=True, help_text="The reference of the case opened or added to.")
    registry = serializers.ChoiceField(
        choices=CheckInRegistry.choices, allow_null=True,
        help_text="What the answer did to the incident registry: `updated`, `added`, `not_shared` (no consent "
                  "to be listed), or null (the alert belongs to no incident).")


class CheckInCreate(APIView):
    """Answer an alert: "I am safe" (updates the incident registry when the alert belongs to an incident) or
    "I need help" (opens a case at the responsible mission, or adds the message to the one already open).
    404 for an unknown link, 410 once it has expired (then call the hotline)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=CheckInInSerializer,
        responses={201: CheckInOutSerializer,
                   410: OpenApiResponse(response=OpenApiTypes.OBJECT, description=(
                       "The link has expired (error envelope, code `checkin_expired`): call the hotline."))},
    )
    def post(self, request: Request, token: str) -> Response:
        data = CheckInInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = checkin_record(token=token, status=data.validated_data["status"],
                                message=data.validated_data.get("message", ""))
        body = {"status": result.checkin.status, "recorded_at": result.checkin.created_at,
                "case": result.case.reference if result.case is not None else None, "registry": result.registry}
        return Response(CheckInOutSerializer(body).data, status=status.HTTP_201_CREATED)
