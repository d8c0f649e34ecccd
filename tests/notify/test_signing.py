"""The HMAC signature scheme shared by the SMS gateway, its receipts and webhooks; Retry-After parsing."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from consular.notify.channels import signing
from consular.notify.channels.base import parse_retry_after, text_with_link


def test_the_documented_scheme() -> None:
    body = '{"a":"安"}'.encode()
    header = signing.sign(["k1"], body, timestamp=1700000000)
    expected = hmac.new(b"k1", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert signing.verify(header, body, ["k0", "k1"], now=1700000100) == 1700000000


@pytest.mark.parametrize("header", [None, "", "t=1700000000", "v1=00", "t=x,v1=00", "t=1700000000,v1=00"])
def test_bad_headers(header: str | None) -> None:
    with pytest.raises(signing.SignatureError):
        signing.verify(header, b"{}", ["k1"], now=1700000000)


def test_no_secret_never_verifies() -> None:
    with pytest.raises(signing.SignatureError, match="no verification secret"):
        signing.verify(signing.sign(["k"], b"", timestamp=1), b"", [], now=1)
    with pytest.raises(ValueError):
        signing.sign([], b"")


def test_retry_after() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now=1767225600.0) == 60
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:00 GMT", now=1767225700.0) == 0
    assert parse_retry_after("99999999") == 24 * 3600


def test_text_with_link() -> None:
    assert text_with_link("Stay safe.", "https://x/c/1") == "Stay safe.\nhttps://x/c/1"
    assert text_with_link("Open https://x/c/1 now", "https://x/c/1") == "Open https://x/c/1 now"
    assert text_with_link("Stay safe.", "") == "Stay safe."
