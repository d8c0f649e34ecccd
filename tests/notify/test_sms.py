"""SmsGatewayChannel against a local HTTP gateway that checks the signature; receipts."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from consular.notify.channels import ChannelNotConfigured, Message, Status, get_channel, signing
from consular.notify.channels.sms import ReceiptError, SmsGatewayChannel, verify_receipt
from tests.notify.peer import Answer, Request, http_peer

SECRET = "gateway-shared-secret-0123456789abcdef"


def gateway(request: Request) -> Answer:
    try:
        signing.verify(request.headers.get("consular-signature"), request.body, [SECRET])
    except signing.SignatureError as error:
        return Answer(401, json.dumps({"error": str(error)}).encode())
    if request.headers.get("consular-key-id") != "consular-1" or not request.headers.get("idempotency-key"):
        return Answer(400)
    to = json.loads(request.body)["to"]
    if to.endswith("200"):
        return Answer(200, json.dumps({"id": "gw-" + request.headers["idempotency-key"]}).encode(),
                      {"Content-Type": "application/json"})
    if to.endswith("429"):
        return Answer(429, b"slow down", {"Retry-After": "7"})
    if to.endswith("500"):
        return Answer(500, b"boom")
    if to.endswith("503"):
        return Answer(503, b"", {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    if to.endswith("999"):
        time.sleep(1)
        return Answer(200)
    return Answer(400, b"invalid number")


def sms(to: str, key: str = "d-1") -> Message:
    return Message(channel="sms", to=to, subject="", text="使馆提醒：请注意安全。", idempotency_key=key,
                   url="https://c.example.org/c/abc")


def make(url: str, secret: str = SECRET, **extra: Any) -> SmsGatewayChannel:
    return SmsGatewayChannel(url=url, key_id="consular-1", secrets=[secret], receipt_url="", **extra)


def test_outcomes_by_gateway_answer() -> None:
    with http_peer(gateway) as peer:
        outcomes = make(peer.url + "/send").send_many(
            [sms("+66800000200", "d-1"), sms("+66800000429", "d-2"), sms("+66800000500", "d-3"),
             sms("+66800000503", "d-4"), sms("+66800000400", "d-5"), sms("", "d-6")]
        )
    delivered, throttled, error, unavailable, invalid, missing = outcomes
    assert delivered.status is Status.DELIVERED and delivered.provider_id == "gw-d-1" and delivered.awaiting_receipt
    assert throttled.status is Status.TEMPORARY_FAILURE and throttled.retry_after == 7
    assert error.status is Status.TEMPORARY_FAILURE and error.retry_after is None and "500" in error.reason
    assert unavailable.status is Status.TEMPORARY_FAILURE and unavailable.retry_after == 24 * 3600  # capped
    assert invalid.status is Status.PERMANENT_FAILURE and "invalid number" in invalid.reason
    assert missing.status is Status.SUPPRESSED
    assert len(peer.requests) == 5
    first = peer.requests[0]
    body = json.loads(first.body)
    assert body == {"to": "+66800000200", "text": "使馆提醒：请注意安全。\nhttps://c.example.org/c/abc",
                    "reference": "d-1", "language": "zh-hans"}
    assert first.headers["idempotency-key"] == "d-1"
    assert first.headers["content-type"].startswith("application/json")


def test_a_wrong_secret_is_refused_by_the_gateway_and_retried_later() -> None:
    with http_peer(gateway) as peer:
        outcome = make(peer.url, secret="not-the-secret").send(sms("+66800000200"))
    assert outcome.status is Status.TEMPORARY_FAILURE and "401" in outcome.reason


def test_timeout_and_refused_connection_are_temporary() -> None:
    with http_peer(gateway) as peer:
        slow = make(peer.url, timeout=0.3).send(sms("+66800000999"))
        url = peer.url
    down = make(url).send(sms("+66800000200"))  # the peer is gone: connection refused
    assert slow.status is Status.TEMPORARY_FAILURE and "unreachable" in slow.reason
    assert down.status is Status.TEMPORARY_FAILURE and "unreachable" in down.reason


def test_receipt_url_is_sent_when_configured() -> None:
    with http_peer(gateway) as peer:
        channel = SmsGatewayChannel(url=peer.url, key_id="consular-1", secrets=[SECRET],
                                    receipt_url="https://consular.example.org/hooks/sms")
        channel.send(sms("+66800000200"))
    assert json.loads(peer.requests[0].body)["receipt_url"] == "https://consular.example.org/hooks/sms"


def test_configuration_is_checked(settings: Any) -> None:
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(ChannelNotConfigured):
        get_channel("sms")
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_SECRETS = "https://gw.example.org/send", []
    with pytest.raises(ChannelNotConfigured):
        get_channel("sms")
    settings.SMS_GATEWAY_SECRETS = ["s"]
    assert isinstance(get_channel("sms"), SmsGatewayChannel)


# --- receipts ---------------------------------------------------------------------------------------------

NOW = 1_800_000_000


def receipt(data: dict[str, str], *, secret: str = SECRET, t: int = NOW) -> tuple[dict[str, str], bytes]:
    body = json.dumps(data).encode()
    return {"Consular-Signature": signing.sign([secret], body, timestamp=t)}, body


def test_receipt_valid() -> None:
    headers, body = receipt({"id": "gw-1", "reference": "d-1", "status": "DELIVERED"})
    result = verify_receipt(headers, body, secrets=[SECRET], now=NOW + 10)
    assert (result.provider_id, result.status, result.reference) == ("gw-1", "delivered", "d-1")
    headers, body = receipt({"id": "gw-2", "status": "undeliverable", "reason": "absent subscriber"})
    failed = verify_receipt({k.lower(): v for k, v in headers.items()}, body, secrets=[SECRET], now=NOW)
    assert (failed.status, failed.reason) == ("permanent_failure", "absent subscriber")
    headers, body = receipt({"id": "gw-3", "status": "queued"})
    assert verify_receipt(headers, body, secrets=[SECRET], now=NOW).status == "pending"


def test_receipt_with_the_settings_secrets_during_a_rotation(settings: Any) -> None:
    settings.SMS_GATEWAY_SECRETS = ["new-secret", SECRET]
    headers, body = receipt({"id": "gw-1", "status": "delivered"})  # the gateway still signs with the old one
    assert verify_receipt(headers, body, now=NOW).status == "delivered"


@pytest.mark.parametrize(
    ("secret", "t", "tamper", "message"),
    [
        ("wrong-secret", NOW, False, "does not match"),
        (SECRET, NOW - 301, False, "tolerance"),
        (SECRET, NOW + 301, False, "tolerance"),
        (SECRET, NOW, True, "does not match"),
    ],
)
def test_receipt_refused(secret: str, t: int, tamper: bool, message: str) -> None:
    headers, body = receipt({"id": "gw-1", "status": "delivered"}, secret=secret, t=t)
    if tamper:
        body = body.replace(b"gw-1", b"gw-2")
    with pytest.raises(ReceiptError, match=message):
        verify_receipt(headers, body, secrets=[SECRET], tolerance=300, now=NOW)


def test_receipt_malformed() -> None:
    with pytest.raises(ReceiptError, match="missing"):
        verify_receipt({}, b"{}", secrets=[SECRET], now=NOW)
    with pytest.raises(ReceiptError, match="malformed"):
        verify_receipt({"Consular-Signature": "v1=abc"}, b"{}", secrets=[SECRET], now=NOW)
    for body in (b"not json", b'{"status": "delivered"}', b"[1]"):
        headers = {"Consular-Signature": signing.sign([SECRET], body, timestamp=NOW)}
        with pytest.raises(ReceiptError):
            verify_receipt(headers, body, secrets=[SECRET], now=NOW)
