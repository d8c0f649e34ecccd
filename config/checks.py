"""Configuration checks that production settings run at import time."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import DEV_DATA_KEY, DEV_HASH_KEY, DEV_SECRET_KEY


def _valid_fernet(key: str) -> bool:
    try:
        Fernet(key.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError):
        return False
    return True


def check_production(
    *, secret_key: str, debug: bool, data_keys: list[str], hash_key: str, email_url: str = "smtp://set"
) -> None:
    """Refuse a configuration that would be unsafe in production. Raises ImproperlyConfigured."""
    problems = []
    if not secret_key or secret_key == DEV_SECRET_KEY or len(secret_key) < 40:
        problems.append("CONSULAR_SECRET_KEY must be set to a random value of at least 40 characters")
    if debug:
        problems.append("CONSULAR_DEBUG must be off")
    if not data_keys or DEV_DATA_KEY in data_keys:
        problems.append("CONSULAR_DATA_KEYS must list your own Fernet keys (consular genkey)")
    elif not all(_valid_fernet(k) for k in data_keys):
        problems.append("CONSULAR_DATA_KEYS holds a value that is not a Fernet key (consular genkey)")
    if not hash_key or hash_key == DEV_HASH_KEY or len(hash_key) < 32:
        problems.append("CONSULAR_HASH_KEY must be set to a random value of at least 32 characters")
    if not email_url:
        problems.append("CONSULAR_EMAIL_URL must be set: escalations of overdue cases are sent by email")
    if problems:
        raise ImproperlyConfigured("Refusing to start: " + "; ".join(problems))
