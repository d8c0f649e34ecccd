"""Personal-data protection: Fernet encryption with rotating keys, and keyed hashes for exact look-up."""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("CONSULAR_DATA_KEYS is empty")
    try:
        return MultiFernet([Fernet(key.encode("ascii")) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("CONSULAR_DATA_KEYS must be url-safe base64 Fernet keys") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.DATA_KEYS))


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A personal-data value cannot be decrypted with any key in CONSULAR_DATA_KEYS "
            "(was a key removed before `consular rotatekeys` finished?)"
        ) from exc


def reencrypt(token: str) -> str:
    """Re-encrypt a stored token under the first (newest) key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


def normalize_passport(value: str) -> str:
    return re.sub(r"[\s\-]", "", value).upper()


def normalize_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if value.strip().startswith("00"):
        digits = digits[2:]
    return digits


def normalize_text(value: str) -> str:
    return " ".join(value.split()).casefold()


NORMALIZERS = {"passport": normalize_passport, "phone": normalize_phone, "text": normalize_text}


def keyed_hash(value: str, *, kind: str) -> str:
    """HMAC-SHA256 of the normalised value under CONSULAR_HASH_KEY; equal inputs give equal hashes, and
    without the key the hash reveals nothing (a passport number cannot be brute-forced offline)."""
    normalized = NORMALIZERS[kind](value)
    message = f"{kind}:{normalized}".encode()
    return hmac.new(settings.HASH_KEY.encode("utf-8"), message, hashlib.sha256).hexdigest()
