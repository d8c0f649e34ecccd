"""HMAC-SHA256 request signing for the SMS gateway, its delivery receipts and outbound webhooks.

The scheme (the same one Stripe uses for its webhooks):

    Consular-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body bytes)>[,v1=<hex>...]

One `v1=` per secret configured (newest first), so a receiver that still holds only the old secret keeps
verifying during a rotation. A verifier accepts the request when the timestamp is within the tolerance of its
clock (default 300 s, both directions) and any `v1` matches any of its secrets (constant-time comparison).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from time import time

SIGNATURE_HEADER = "Consular-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The signature is missing, malformed, stale or does not match."""


def compute(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secrets: Sequence[str], body: bytes, *, timestamp: int | None = None) -> str:
    """The `Consular-Signature` header value for `body`, signed with every secret (newest first)."""
    if not secrets:
        raise ValueError("no signing secret")
    t = int(time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={compute(secret, t, body)}" for secret in secrets)])


def verify(
    header: str | None,
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check a `Consular-Signature` header; return its timestamp or raise SignatureError."""
    if not secrets:
        raise SignatureError("no verification secret configured")
    if not header:
        raise SignatureError("missing signature")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and timestamp is None:
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature")
    current = time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    matched = False
    for secret in secrets:
        expected = compute(secret, timestamp, body)
        for candidate in candidates:
            # Evaluate every pair (no early exit) so the time taken does not depend on which matched.
            matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    if not matched:
        raise SignatureError("signature does not match")
    return timestamp
