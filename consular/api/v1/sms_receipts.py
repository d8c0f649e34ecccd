"""The SMS gateway's delivery-receipt callback: signed like every gateway request (docs/operations.md, "Channel
keys"), no login. A bad, stale or missing signature is refused with 401 and changes nothing."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.alerts.receipts import sms_receipt_apply
from consular.core.errors import ApplicationError, ErrorCode
from consular.notify.channels.signing import SignatureError
from consular.notify.channels.sms import ReceiptError, verify_receipt


class SmsReceiptSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The gateway's message id (returned when it accepted the message).")
    reference = serializers.CharField(help_text="The delivery id the message was sent with.")
    status = serializers.CharField(help_text="delivered, failed, undeliverable, rejected, expired, or an "
                                             "intermediate state (queued, sent), which changes nothing.")
    reason = serializers.CharField(required=False)


class SmsReceiptAnswerSerializer(serializers.Serializer):
    applied = serializers.BooleanField()


class SmsReceiptView(APIView):
    """`POST /api/v1/sms/receipts`: a delivery receipt from the SMS gateway, signed with the gateway secret
    (`Consular-Signature: t=…,v1=…`). Answers 200 `{"applied": true}` when it names one of our SMS deliveries
    (also when it changed nothing, e.g. a repeat), `{"applied": false}` otherwise, 401 when the signature does
    not verify, 400 when the body is not a receipt."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []  # every receipt comes from the gateway's address; the signature is checked

    @extend_schema(request=SmsReceiptSerializer, responses={200: SmsReceiptAnswerSerializer,
                                                            401: OpenApiResponse(description="bad signature")})
    def post(self, request: Request) -> Response:
        try:
            receipt = verify_receipt(request.headers, request.body)
        except ReceiptError as error:
            detail = str(error)
            if isinstance(error.__cause__, SignatureError):
                raise ApplicationError(ErrorCode.NOT_AUTHENTICATED, _("The receipt's signature does not verify."),
                                       status=401) from error
            raise ApplicationError(ErrorCode.INVALID, _("This is not a delivery receipt."),
                                   fields={"body": [detail]}) from error
        return Response({"applied": sms_receipt_apply(receipt) is not None})
