"""Web Push (RFC 8030) to the installed portal: payload encrypted with aes128gcm (RFC 8291, `http_ece`),
the request authorised with VAPID (RFC 8292, `py_vapid`).

`Message.to` is the subscription JSON the browser's `PushSubscription.toJSON()` gives:
`{"endpoint": "https://…", "keys": {"p256dh": "<base64url>", "auth": "<base64url>"}}`.

The endpoint comes from a citizen's browser, so it is checked before anything is sent: `https` only (plain
`http` to a loopback address, for tests) and the host must match CONSULAR_PUSH_ALLOWED_HOSTS (the big push
services by default), so a forged subscription cannot make the worker POST into the internal network.

Answers: 2xx → `delivered` (provider id: the `Location` of the push message); 404/410 → `permanent_failure`
with reason starting `subscription_gone` (delete the subscription); 429, 5xx, 401/403 (VAPID refused:
usually our key or clock) and timeouts → `temporary_failure`; other 4xx (400, 413) → `permanent_failure`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import time
from collections.abc import Sequence
from fnmatch import fnmatch
from ipaddress import ip_address
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid02

from consular.notify.channels.base import Channel, ChannelNotConfigured, Message, Outcome
from consular.notify.channels.transport import TransportError, classify, post

GONE = "subscription_gone"
URGENCIES = ("very-low", "low", "normal", "high")
# RFC 8291 section 4: a payload of at most 3993 octets fits the 4096-octet limit of every push service.
MAX_PLAINTEXT = 3993
JWT_LIFETIME = 12 * 3600  # RFC 8292: at most 24 hours
_LOOPBACK_NAMES = {"localhost"}


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(data: str) -> bytes:
    text = data.strip().replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_private_key(value: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM (PKCS#8 or SEC1), or base64url of the raw 32-byte scalar or of DER."""
    value = value.strip()
    try:
        if "-----BEGIN" in value:
            key = serialization.load_pem_private_key(value.encode(), password=None)
        else:
            raw = b64url_decode(value)
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError, binascii.Error) as error:
        raise ChannelNotConfigured(f"CONSULAR_VAPID_PRIVATE_KEY cannot be read: {error}") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ChannelNotConfigured("CONSULAR_VAPID_PRIVATE_KEY must be a P-256 (prime256v1) EC key")
    return key


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    """The `applicationServerKey` the PWA passes to `pushManager.subscribe()`."""
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url_encode(point)


def generate_vapid_keys() -> tuple[str, str]:
    """A new VAPID key pair: (private key as base64url of the raw scalar, public key as base64url point)."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url_encode(raw), public_key_b64(key)


def host_allowed(host: str, patterns: Sequence[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(fnmatch(host, pattern.lower()) for pattern in patterns)


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class WebPushChannel(Channel):
    name = "push"

    def __init__(
        self,
        *,
        private_key: str | None = None,
        subject: str | None = None,
        ttl: int | None = None,
        urgency: str | None = None,
        allowed_hosts: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> None:
        key_text = settings.VAPID_PRIVATE_KEY if private_key is None else private_key
        if not key_text:
            raise ChannelNotConfigured("CONSULAR_VAPID_PRIVATE_KEY is not set")
        self.key = load_private_key(key_text)
        self.public_key = public_key_b64(self.key)
        self.subject = settings.VAPID_SUBJECT if subject is None else subject
        if not self.subject.startswith(("mailto:", "https://")):
            raise ChannelNotConfigured("CONSULAR_VAPID_SUBJECT must be a mailto: (or https:) contact")
        self.ttl = settings.PUSH_TTL_SECONDS if ttl is None else ttl
        self.urgency = settings.PUSH_URGENCY if urgency is None else urgency
        if self.urgency not in URGENCIES:
            raise ChannelNotConfigured(f"push urgency must be one of {', '.join(URGENCIES)}")
        self.allowed_hosts = list(settings.PUSH_ALLOWED_HOSTS if allowed_hosts is None else allowed_hosts)
        self.timeout = settings.CHANNEL_TIMEOUT_SECONDS if timeout is None else timeout
        self._vapid = Vapid02(self.key)
        self._authorizations: dict[str, tuple[float, str]] = {}

    def authorization(self, audience: str) -> str:
        """The VAPID `Authorization` header for one push service, reused until an hour before it expires."""
        now = time.time()
        cached = self._authorizations.get(audience)
        if cached and cached[0] - 3600 > now:
            return cached[1]
        expires = int(now) + JWT_LIFETIME
        header = self._vapid.sign({"aud": audience, "sub": self.subject, "exp": expires})["Authorization"]
        self._authorizations[audience] = (expires, header)
        return str(header)

    def payload(self, message: Message) -> bytes:
        """The JSON the service worker shows; the text is shortened until it fits one push record."""
        data = {"title": message.subject, "body": message.text, "url": message.url, "lang": message.language,
                "tag": message.idempotency_key}
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        text = message.text
        while len(encoded) > MAX_PLAINTEXT and text:
            text = text[: max(0, len(text) - (len(encoded) - MAX_PLAINTEXT) // 3 - 1)]
            data["body"] = text + "…"
            encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return encoded

    def send(self, message: Message) -> Outcome:
        try:
            subscription = json.loads(message.to)
            endpoint = str(subscription["endpoint"])
            receiver = b64url_decode(subscription["keys"]["p256dh"])
            auth = b64url_decode(subscription["keys"]["auth"])
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), receiver)
        except (ValueError, KeyError, TypeError, binascii.Error):
            return Outcome.permanent("invalid push subscription")
        if len(auth) != 16:
            return Outcome.permanent("invalid push subscription: auth secret must be 16 bytes")
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        if not (parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host))):
            return Outcome.permanent("push endpoint must be https")
        if not host_allowed(host, self.allowed_hosts):
            return Outcome.permanent(f"push endpoint host not allowed: {host}")
        body = http_ece.encrypt(
            self.payload(message),
            salt=os.urandom(16),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            dh=receiver,
            auth_secret=auth,
            version="aes128gcm",
        )
        headers = {
            "Authorization": self.authorization(f"{parts.scheme}://{parts.netloc}"),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(self.ttl),
            "Urgency": self.urgency,
            # The same topic on every attempt: a retry replaces an undelivered copy at the push service.
            "Topic": b64url_encode(hashlib.sha256(message.idempotency_key.encode()).digest())[:32],
        }
        try:
            response = post(endpoint, body, headers, timeout=self.timeout)
        except TransportError as error:
            return Outcome.temporary(f"push service unreachable: {error}")
        if response.status in (404, 410):
            return Outcome.permanent(f"{GONE}: http {response.status}")
        failure = classify(response)
        if failure is not None:
            return failure
        return Outcome.delivered(response.headers.get("location", ""))


def vapid_public_key() -> str:
    """The configured key pair's public half (for the PWA's subscribe call); empty when push is off."""
    if not settings.VAPID_PRIVATE_KEY:
        return ""
    return public_key_b64(load_private_key(settings.VAPID_PRIVATE_KEY))
