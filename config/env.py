"""The one place the environment is read. Every setting the deployment controls is a CONSULAR_* variable."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def cache_config(url: str) -> dict[str, object]:
    """Turn CONSULAR_CACHE_URL into a CACHES entry: redis://, db://TABLE or locmem://."""
    parts = urlsplit(url)
    if parts.scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parts.scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": parts.netloc or "consular_cache",
        }
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": parts.netloc or "consular"}
    raise ImproperlyConfigured(f"CONSULAR_CACHE_URL: unsupported scheme {parts.scheme!r} (redis, db, locmem)")


def email_config(url: str) -> dict[str, Any]:
    """CONSULAR_EMAIL_URL: smtp://[user:password@]host:port[?tls=1], smtps://...; empty: print to console."""
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend", "EMAIL_HOST": "localhost",
                "EMAIL_PORT": 25, "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": "", "EMAIL_USE_TLS": False,
                "EMAIL_USE_SSL": False, "EMAIL_TIMEOUT": 20}
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured("CONSULAR_EMAIL_URL must be smtp://host:port or smtps://host:port")
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": query.get("tls", ["0"])[0] == "1",
        "EMAIL_USE_SSL": parts.scheme == "smtps" or query.get("ssl", ["0"])[0] == "1",
        "EMAIL_TIMEOUT": 20,
    }
