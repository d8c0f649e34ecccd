"""The SMS gateway's inbound-message callback: a citizen's SMS reply to an alert ("1 4821"), signed by the gateway
like its receipts (`Consular-Signature`, docs/operations.md "Channel keys"), no login. Thin: verify, validate,
call `consular.alerts.sms_replies.sms_reply_receive`, answer the outcome."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.alerts.models import SmsReplyOutcome
from consular.alerts.sms_replies import InboundIn, sms_reply_receive
from consular.core.errors import ApplicationError, ErrorCode
from consular.notify.channels.signing import SignatureError
from consular.notify.channels.sms import CallbackError, verify_callback

_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{4,30}")
TEXT_MAX = 1600  # ten concatenated segments


class SmsInboundSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=200, help_text="The gateway's message id: a retry carries the same.")
    text = serializers.CharField(max_length=TEXT_MAX, allow_blank=True, trim_whitespace=False,
                                 help_text="What the citizen wrote, e.g. `1 4821`.")
    received_at = serializers.DateTimeField(required=False, allow_null=True,
                                            help_text="When the gateway received it (ISO 8601).")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # `from` is a Python keyword: declared here.
        fields["from"] = serializers.CharField(max_length=32, help_text="The sender's number (E.164: +66…).")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        phone = attrs["from"].strip()
        digits = sum(c.isdigit() for c in phone)
        if not _PHONE.fullmatch(phone) or not 6 <= digits <= 20:
            raise serializers.ValidationError({"from": [_("A phone number of 6 to 20 digits, + first.")]})
        return attrs


class SmsInboundAnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SmsReplyOutcome.choices, help_text=(
        "`recorded` (the check-in was recorded, as through the link; \"need help\" without a code: on the newest "
        "open message), `not_understood`, `expired` (the alert is no longer answered), `code_required` "
        "(\"safe\" without its code: never accepted, the sender may be spoofed), `locked` (too many wrong codes "
        "from this number: codes are refused for an hour, \"need help\" still works). The citizen gets an answer "
        "SMS."))


class SmsInboundView(APIView):
    """`POST /api/v1/sms/inbound`: an SMS a citizen sent to the gateway's number, forwarded by the gateway and
    signed with the gateway secret. Answers 200 with the outcome (also for a retry of a message already received,
    which changes nothing), 403 when the signature does not verify, 400 with field messages for a malformed
    body. Not rate-limited per address: every message comes from the gateway, and the signature is checked first."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        request=SmsInboundSerializer,
        responses={200: SmsInboundAnswerSerializer,
                   403: OpenApiResponse(response=OpenApiTypes.OBJECT, description="bad signature")},
    )
    def post(self, request: Request) -> Response:
        try:
            payload = verify_callback(request.headers, request.body)
        except CallbackError as error:
            if isinstance(error.__cause__, SignatureError):
                raise ApplicationError(ErrorCode.PERMISSION_DENIED,
                                       _("The message's signature does not verify."), status=403) from error
            raise ApplicationError(ErrorCode.INVALID, _("This is not an inbound message."),
                                   fields={"body": [str(error)]}) from error
        if not isinstance(payload, dict):
            raise ApplicationError(ErrorCode.INVALID, _("This is not an inbound message."),
                                   fields={"body": [_("A JSON object is expected.")]})
        data = SmsInboundSerializer(data=payload)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = sms_reply_receive(data=InboundIn(gateway_id=values["id"], phone=values["from"].strip(),
                                                  text=values["text"], received_at=values.get("received_at")))
        return Response(SmsInboundAnswerSerializer({"status": result.reply.outcome}).data)
