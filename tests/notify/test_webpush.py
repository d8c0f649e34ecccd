"""WebPushChannel against a local push service that decrypts the payload (RFC 8291) with the subscription's
private key and checks the VAPID JWT (RFC 8292): signature, audience, expiry, subject."""

from __future__ import annotations

import base64
import io
import json
import time
from contextlib import redirect_stdout
from typing import Any

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from consular.notify.channels import ChannelNotConfigured, Message, Status, get_channel
from consular.notify.channels import vapid as vapid_command
from consular.notify.channels.webpush import (
    GONE,
    MAX_PLAINTEXT,
    WebPushChannel,
    b64url_decode,
    b64url_encode,
    generate_vapid_keys,
    host_allowed,
    load_private_key,
    vapid_public_key,
)
from tests.notify.peer import Answer, Request, http_peer

VAPID_PRIVATE, VAPID_PUBLIC = generate_vapid_keys()
SUBJECT = "mailto:alerts@consular.example.org"


class Browser:
    """The user agent's side of a subscription: its ECDH key pair and auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"

    def subscription(self, endpoint: str) -> str:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return json.dumps({"endpoint": endpoint, "keys": {"p256dh": b64url_encode(point),
                                                          "auth": b64url_encode(self.auth)}})

    def decrypt(self, body: bytes) -> Any:
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


def check_vapid(authorization: str, audience: str) -> dict[str, Any]:
    """Verify the VAPID header as a push service does; return the JWT claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.split("=", 1) for part in params.split(","))
    assert fields["k"] == VAPID_PUBLIC
    header_b64, claims_b64, signature_b64 = fields["t"].split(".")
    assert json.loads(b64url_decode(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
    raw = b64url_decode(signature_b64)
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims: dict[str, Any] = json.loads(b64url_decode(claims_b64))
    assert claims["aud"] == audience
    assert claims["sub"] == SUBJECT
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    return claims


@pytest.fixture
def browser() -> Browser:
    return Browser()


def push_service(browser: Browser, audience: list[str], payloads: list[Any]) -> Any:
    def respond(request: Request) -> Answer:
        try:
            check_vapid(request.headers["authorization"], audience[0])
        except (AssertionError, InvalidSignature, KeyError):
            return Answer(403, b"bad vapid")
        assert request.headers["content-encoding"] == "aes128gcm"
        assert request.headers["ttl"] == "3600" and request.headers["urgency"] == "high"
        assert len(request.headers["topic"]) <= 32
        payloads.append(browser.decrypt(request.body))
        answers = {"/ok": Answer(201, headers={"Location": audience[0] + "/m/1"}), "/gone": Answer(410),
                   "/missing": Answer(404), "/busy": Answer(429, headers={"Retry-After": "30"}),
                   "/down": Answer(502), "/big": Answer(413)}
        return answers[request.path]
    return respond


def push(subscription: str, key: str = "d-1", text: str = "请注意安全。") -> Message:
    return Message(channel="push", to=subscription, subject="安全提醒", text=text, idempotency_key=key,
                   url="https://consular.example.org/c/tok", language="zh-hans")


def make(**extra: Any) -> WebPushChannel:
    options: dict[str, Any] = {"private_key": VAPID_PRIVATE, "subject": SUBJECT, "ttl": 3600, "urgency": "high",
                               "allowed_hosts": ["127.0.0.1"]}
    return WebPushChannel(**{**options, **extra})


def test_push_is_encrypted_for_the_subscription_and_vapid_signed(browser: Browser) -> None:
    audience: list[str] = []
    payloads: list[Any] = []
    with http_peer(push_service(browser, audience, payloads)) as peer:
        audience.append(peer.url)
        channel = make()
        outcomes = channel.send_many([push(browser.subscription(peer.url + path), f"d-{path}")
                                      for path in ("/ok", "/gone", "/missing", "/busy", "/down", "/big")])
        topics = {r.headers["topic"] for r in peer.requests}
    ok, gone, missing, busy, down, big = outcomes
    assert ok.status is Status.DELIVERED and ok.provider_id == peer.url + "/m/1"
    assert gone.status is Status.PERMANENT_FAILURE and gone.reason.startswith(GONE)
    assert missing.status is Status.PERMANENT_FAILURE and missing.reason.startswith(GONE)
    assert busy.status is Status.TEMPORARY_FAILURE and busy.retry_after == 30
    assert down.status is Status.TEMPORARY_FAILURE
    assert big.status is Status.PERMANENT_FAILURE and not big.reason.startswith(GONE)
    assert payloads[0] == {"title": "安全提醒", "body": "请注意安全。", "url": "https://consular.example.org/c/tok",
                           "lang": "zh-hans", "tag": "d-/ok"}
    assert len(payloads) == 6 and len(topics) == 6


def test_a_different_vapid_key_is_refused(browser: Browser) -> None:
    audience: list[str] = []
    with http_peer(push_service(browser, audience, [])) as peer:
        audience.append(peer.url)
        other, _ = generate_vapid_keys()
        outcome = make(private_key=other).send(push(browser.subscription(peer.url + "/ok")))
    assert outcome.status is Status.TEMPORARY_FAILURE and "403" in outcome.reason


def test_long_text_is_shortened_to_fit_one_record(browser: Browser) -> None:
    audience: list[str] = []
    payloads: list[Any] = []
    with http_peer(push_service(browser, audience, payloads)) as peer:
        audience.append(peer.url)
        channel = make()
        assert len(channel.payload(push("{}", text="警" * 5000))) <= MAX_PLAINTEXT
        outcome = channel.send(push(browser.subscription(peer.url + "/ok"), text="警" * 5000))
        body_size = len(peer.requests[0].body)
    assert outcome.status is Status.DELIVERED
    assert payloads[0]["body"].endswith("…") and body_size <= 4096


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("not json", "invalid push subscription"),
        ('{"endpoint": "https://fcm.googleapis.com/x"}', "invalid push subscription"),
        ('{"endpoint": "https://x", "keys": {"p256dh": "AAAA", "auth": "MDEyMzQ1Njc4OWFiY2RlZg"}}',
         "invalid push subscription"),
    ],
)
def test_invalid_subscriptions(to: str, reason: str) -> None:
    outcome = make().send(push(to))
    assert outcome.status is Status.PERMANENT_FAILURE and outcome.reason.startswith(reason)


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("http://fcm.googleapis.com/fcm/send/x", "must be https"),
        ("http://10.0.0.5/x", "must be https"),
        ("https://internal.consular.lan/admin", "host not allowed"),
        ("https://169.254.169.254/latest", "host not allowed"),
        ("file:///etc/passwd", "must be https"),
    ],
)
def test_endpoints_outside_the_push_services_are_never_called(browser: Browser, endpoint: str, reason: str) -> None:
    channel = make(allowed_hosts=["fcm.googleapis.com", "*.push.services.mozilla.com"])
    outcome = channel.send(push(browser.subscription(endpoint)))
    assert outcome.status is Status.PERMANENT_FAILURE and reason in outcome.reason


def test_host_patterns() -> None:
    patterns = ["fcm.googleapis.com", "*.push.services.mozilla.com"]
    assert host_allowed("FCM.googleapis.com.", patterns)
    assert host_allowed("updates.push.services.mozilla.com", patterns)
    assert not host_allowed("fcm.googleapis.com.evil.org", patterns)
    assert not host_allowed("push.services.mozilla.com.evil.org", patterns)


def test_key_formats_and_generation(settings: Any) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    sec1 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()
    der = b64url_encode(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    raw = b64url_encode(key.private_numbers().private_value.to_bytes(32, "big"))
    expected = key.private_numbers().private_value
    for text in (pem, sec1, der, raw, base64.b64encode(b64url_decode(raw)).decode()):
        assert load_private_key(text).private_numbers().private_value == expected
    with pytest.raises(ChannelNotConfigured, match="P-256"):
        load_private_key(ec.generate_private_key(ec.SECP384R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
    with pytest.raises(ChannelNotConfigured):
        load_private_key("not a key")

    out = io.StringIO()
    with redirect_stdout(out):
        assert vapid_command.main() == 0
    lines = out.getvalue().splitlines()
    private = lines[0].removeprefix("CONSULAR_VAPID_PRIVATE_KEY=")
    settings.VAPID_PRIVATE_KEY, settings.VAPID_SUBJECT = private, SUBJECT
    assert vapid_public_key() == lines[2] and len(b64url_decode(lines[2])) == 65
    assert isinstance(get_channel("push"), WebPushChannel)
    settings.VAPID_PRIVATE_KEY = ""
    assert vapid_public_key() == ""
    with pytest.raises(ChannelNotConfigured):
        get_channel("push")


def test_subject_and_urgency_are_checked() -> None:
    with pytest.raises(ChannelNotConfigured, match="mailto"):
        make(subject="alerts@consular.example.org")
    with pytest.raises(ChannelNotConfigured, match="urgency"):
        make(urgency="urgent")
