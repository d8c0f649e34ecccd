"""DRF authentication by `Authorization: Bearer <token>`.

A process remembers what a token resolved to (the token, its user and the user's mission) for
API_TOKEN_CACHE_SECONDS (default 5), so a client posting in a burst costs one token query per process per
interval rather than one per request. The bound: a token revoked, or a user deactivated or given another
role, outside this process (another worker, a management command, the admin) stops working, or works with the
new role, within that many seconds; `token_revoke` forgets the token in its own process at once. Expiry is
checked on every request against the token's stored `expires_at`.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from consular.accounts.models import ApiToken
from consular.accounts.tokens import token_hash

_MAX_CACHED = 1000
_cache: dict[str, tuple[float, ApiToken]] = {}
_lock = threading.Lock()
_clock = time.monotonic


def token_cache_forget(key_hash: str | None = None) -> None:
    """Forget one token (by its hash), or every token."""
    with _lock:
        if key_hash is None:
            _cache.clear()
        else:
            _cache.pop(key_hash, None)


def _lookup(key_hash: str) -> ApiToken | None:
    ttl = settings.API_TOKEN_CACHE_SECONDS
    if ttl > 0:
        hit = _cache.get(key_hash)
        if hit is not None and _clock() - hit[0] < ttl:
            return _private_copy(hit[1])
    token = (
        ApiToken.objects.select_related("user", "user__mission")
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .first()
    )
    if token is not None and ttl > 0:
        with _lock:
            if len(_cache) >= _MAX_CACHED:
                _cache.clear()
            _cache[key_hash] = (_clock(), _private_copy(token))
    return token


def _private_copy(token: ApiToken) -> ApiToken:
    """Each request gets its own token and user objects (threads share the cache); the mission is shared
    read-only, as the jurisdiction map's missions are."""
    user = copy.copy(token.user)
    token = copy.copy(token)
    token.user = user
    return token


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        key_hash = token_hash(parts[1])
        token = _lookup(key_hash)
        now = timezone.now()
        if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            hit = _cache.get(key_hash)
            if hit is not None:
                hit[1].last_used_at = now
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
