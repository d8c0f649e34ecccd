"""Test settings: the base settings with fast, isolated, local components."""

from __future__ import annotations

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, VAR_DIR

if not os.environ.get("CONSULAR_DATABASE_URL"):
    # A file, not :memory:, so that threads and the live server in tests share one real database.
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "test.sqlite3"),
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
    }
else:
    # One test database per run, so two runs on one server (a developer and CI) never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["consular.accounts.hashers.FastArgon2PasswordHasher"]
# Tests change missions directly: re-read the jurisdiction map on every call (one test checks the cache).
JURISDICTION_CACHE_SECONDS = 0
# Tests revoke tokens and deactivate users directly: look tokens up on every request (one test checks the cache).
API_TOKEN_CACHE_SECONDS = 0
