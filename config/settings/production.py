"""Production settings: the base settings, hardened, refusing to start on an unsafe configuration."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int
from config.settings.base import *  # noqa: F403
from config.settings.base import (
    DATA_KEYS,
    DEBUG,
    DEV_DATA_KEY,
    DEV_HASH_KEY,
    DEV_SECRET_KEY,
    HASH_KEY,
    SECRET_KEY,
)


def check_production(*, secret_key: str, debug: bool, data_keys: list[str], hash_key: str) -> None:
    """Refuse a configuration that would be unsafe in production. Raises ImproperlyConfigured."""
    problems = []
    if not secret_key or secret_key == DEV_SECRET_KEY or len(secret_key) < 40:
        problems.append("CONSULAR_SECRET_KEY must be set to a random value of at least 40 characters")
    if debug:
        problems.append("CONSULAR_DEBUG must be off")
    if not data_keys or DEV_DATA_KEY in data_keys:
        problems.append("CONSULAR_DATA_KEYS must list your own Fernet keys (consular genkey)")
    if not hash_key or hash_key == DEV_HASH_KEY or len(hash_key) < 32:
        problems.append("CONSULAR_HASH_KEY must be set to a random value of at least 32 characters")
    if problems:
        raise ImproperlyConfigured("Refusing to start: " + "; ".join(problems))


check_production(secret_key=SECRET_KEY, debug=DEBUG, data_keys=DATA_KEYS, hash_key=HASH_KEY)

SESSION_COOKIE_SECURE = env_bool("CONSULAR_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("CONSULAR_SECURE_COOKIES", True)
SECURE_HSTS_SECONDS = env_int("CONSULAR_HSTS_SECONDS", 31536000)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("CONSULAR_SSL_REDIRECT", False)
