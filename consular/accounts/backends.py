"""Password authentication that slows down guessing: after too many wrong passwords for one account, or from
one address, further attempts are refused for a while (even with the right password).

Citizen usernames are their email addresses in lower case (`consular.accounts.signup.email_clean`): a citizen may
type the address in any case and with spaces around it. Staff usernames stay exact (case-sensitive): a name that
matches a staff account exactly is that account; only a citizen account is found by the lower-cased address."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from consular.accounts.models import Role, User
from consular.core.middleware import client_address


def _keys(request: HttpRequest | None, username: str) -> list[tuple[str, int]]:
    name = hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()[:32]
    keys = [(f"login-fail:user:{name}", settings.LOGIN_MAX_FAILURES_PER_ACCOUNT)]
    if request is not None:
        keys.append((f"login-fail:ip:{client_address(request) or '-'}", settings.LOGIN_MAX_FAILURES_PER_ADDRESS))
    return keys


def _username(typed: str) -> str:
    """The username to look up: the typed one when an account has exactly it, else the lower-cased, stripped
    address when a citizen account has that (citizen usernames are lower-cased emails)."""
    folded = typed.strip().lower()
    if folded == typed or User.objects.filter(username=typed).exists():
        return typed
    if User.objects.filter(username=folded, role=Role.CITIZEN).exists():
        return folded
    return typed


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if username is None or password is None:
            return None
        keys = _keys(request, username)
        if any((cache.get(key) or 0) >= limit for key, limit in keys):
            raise PermissionDenied("too many failed logins")  # authenticate() then reports a failed login
        user = super().authenticate(request, username=_username(username), password=password, **kwargs)
        if user is None:
            for key, _ in keys:
                cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        return user
