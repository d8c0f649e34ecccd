"""API tokens: `csl_` + 40 random url-safe characters; stored as SHA-256 (the token has 240 bits of entropy,
so a fast hash is enough and look-up is a single indexed query)."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "csl_"


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
