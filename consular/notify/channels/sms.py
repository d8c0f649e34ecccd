"""SMS through an HTTP gateway: signed JSON requests out, signed delivery receipts back.

Request (one per message):

    POST CONSULAR_SMS_GATEWAY_URL
    Content-Type: application/json
    Consular-Key-Id: CONSULAR_SMS_GATEWAY_KEY_ID
    Consular-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>   (see signing.py)
    Idempotency-Key: <delivery id>      (the gateway answers a repeat with the first answer, sends nothing)

    {"to": "+66812345678", "text": "... https://…/c/<token>", "reference": "<delivery id>",
     "language": "zh-hans", "receipt_url": CONSULAR_SMS_RECEIPT_URL or omitted}

Answer: 2xx with `{"id": "<gateway message id>"}` → `delivered` with `awaiting_receipt=True` (the gateway has
it; the handset result comes by receipt); 429, 5xx, 401/403/408, timeouts and refused connections →
`temporary_failure` (Retry-After honoured); any other 3xx/4xx → `permanent_failure`.

Receipt (the gateway calls us), signed the same way with the same secret:

    {"id": "<gateway message id>", "reference": "<delivery id>", "status": "delivered" | "failed" |
     "undeliverable" | "rejected" | "expired" | <anything else: not final>, "reason": "..."}

Inbound message (the gateway forwards an SMS a citizen sent us), signed the same way (`verify_callback`):

    {"id": "<gateway message id>", "from": "+66812345678", "text": "1 4821", "received_at": "<ISO 8601>"}

Length: an SMS is 160 GSM-7 characters (70 UCS-2 code units, i.e. one Chinese text) or, concatenated, 153 (67)
per segment; `segments(text)` counts them, `GSM7` tells which alphabet a text needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings

from consular.notify.channels import signing
from consular.notify.channels.base import Channel, ChannelNotConfigured, Message, Outcome, text_with_link
from consular.notify.channels.transport import TransportError, classify, post

KEY_ID_HEADER = "Consular-Key-Id"
FINAL_FAILURES = frozenset({"failed", "undeliverable", "rejected", "expired"})


class CallbackError(ValueError):
    """A gateway callback that must not be trusted (bad or stale signature: its `__cause__` is a
    `signing.SignatureError`) or cannot be read."""


class ReceiptError(CallbackError):
    """A receipt that must not be trusted (bad or stale signature) or cannot be read."""


@dataclass(frozen=True, slots=True)
class Receipt:
    provider_id: str
    # delivered / permanent_failure are final; "pending" is an intermediate report (queued, sent to carrier).
    status: Literal["delivered", "permanent_failure", "pending"]
    reference: str = ""
    reason: str = ""


class SmsGatewayChannel(Channel):
    name = "sms"

    def __init__(
        self,
        *,
        url: str | None = None,
        key_id: str | None = None,
        secrets: Sequence[str] | None = None,
        receipt_url: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = settings.SMS_GATEWAY_URL if url is None else url
        self.key_id = settings.SMS_GATEWAY_KEY_ID if key_id is None else key_id
        self.secrets = list(settings.SMS_GATEWAY_SECRETS if secrets is None else secrets)
        self.receipt_url = settings.SMS_RECEIPT_URL if receipt_url is None else receipt_url
        self.timeout = settings.CHANNEL_TIMEOUT_SECONDS if timeout is None else timeout
        if not self.url.startswith(("https://", "http://")):
            raise ChannelNotConfigured("CONSULAR_SMS_GATEWAY_URL must be an http(s) URL")
        if not self.secrets:
            raise ChannelNotConfigured("CONSULAR_SMS_GATEWAY_SECRET is required to sign gateway requests")

    def body(self, message: Message) -> bytes:
        payload: dict[str, str] = {
            "to": message.to,
            "text": text_with_link(message.text, message.url),
            "reference": message.idempotency_key,
            "language": message.language,
        }
        if self.receipt_url:
            payload["receipt_url"] = self.receipt_url
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    def send(self, message: Message) -> Outcome:
        if not message.to:
            return Outcome.suppressed("no phone number")
        body = self.body(message)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            KEY_ID_HEADER: self.key_id,
            signing.SIGNATURE_HEADER: signing.sign(self.secrets, body),
            "Idempotency-Key": message.idempotency_key,
        }
        try:
            response = post(self.url, body, headers, timeout=self.timeout)
        except TransportError as error:
            return Outcome.temporary(f"sms gateway unreachable: {error}")
        failure = classify(response)
        if failure is not None:
            return failure
        try:
            answer = json.loads(response.body or b"{}")
            provider_id = str(answer.get("id", "")) if isinstance(answer, dict) else ""
        except ValueError:
            provider_id = ""
        return Outcome.delivered(provider_id, awaiting_receipt=True)


def verify_callback(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets: Sequence[str] | None = None,
    tolerance: int | None = None,
    now: float | None = None,
    error: type[CallbackError] = CallbackError,
) -> Any:
    """Check the signature of a callback from the gateway (a receipt, an inbound message) and read its JSON.

    `headers` may use any letter case (a Django `request.headers` works). Raises `error` when the signature is
    missing, wrong or older (or newer) than the tolerance (CONSULAR_SMS_RECEIPT_MAX_AGE_SECONDS; its
    `__cause__` is then the SignatureError), or the body is not JSON.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        signing.verify(
            lowered.get(signing.SIGNATURE_HEADER.lower()),
            body,
            list(settings.SMS_GATEWAY_SECRETS if secrets is None else secrets),
            tolerance=settings.SMS_RECEIPT_MAX_AGE_SECONDS if tolerance is None else tolerance,
            now=now,
        )
    except signing.SignatureError as problem:
        raise error(str(problem)) from problem
    try:
        return json.loads(body)
    except ValueError as problem:
        raise error("the body is not JSON") from problem


def verify_receipt(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets: Sequence[str] | None = None,
    tolerance: int | None = None,
    now: float | None = None,
) -> Receipt:
    """Check a delivery-receipt callback from the gateway and read it.

    `headers` may use any letter case (a Django `request.headers` works). Raises ReceiptError when the
    signature is missing, wrong or older (or newer) than the tolerance, or the body is not a receipt.
    """
    data = verify_callback(headers, body, secrets=secrets, tolerance=tolerance, now=now, error=ReceiptError)
    if not isinstance(data, dict) or not data.get("id") or not isinstance(data.get("status"), str):
        raise ReceiptError("receipt needs an id and a status")
    reported = data["status"].lower()
    status: Literal["delivered", "permanent_failure", "pending"]
    if reported == "delivered":
        status = "delivered"
    elif reported in FINAL_FAILURES:
        status = "permanent_failure"
    else:
        status = "pending"
    return Receipt(str(data["id"]), status, str(data.get("reference", "")), str(data.get("reason", reported)))


# --- Length -------------------------------------------------------------------------------------------------------

# The GSM 03.38 default alphabet; the characters of its extension table count twice.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    """True when the whole text can go in the GSM-7 alphabet (else the SMS is UCS-2: 70 units, not 160)."""
    return all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in text)


def segments(text: str) -> int:
    """How many SMS segments the text takes: GSM-7 160 (153 each when concatenated), else UCS-2 70 UTF-16 code
    units (67 each)."""
    if is_gsm7(text):
        units, single, part = len(text) + sum(c in _GSM7_EXTENDED for c in text), 160, 153
    else:
        units, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    if units <= single:
        return 1
    return -(-units // part)
