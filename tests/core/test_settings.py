"""Production settings refuse to start on an unsafe configuration."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.checks import check_production
from config.env import cache_config, env_bool
from config.settings.base import DEV_DATA_KEY, DEV_HASH_KEY, DEV_SECRET_KEY

GOOD = {
    "secret_key": "k" * 50,
    "debug": False,
    "data_keys": [Fernet.generate_key().decode()],
    "hash_key": "h" * 40,
}


def test_good_configuration_passes():
    check_production(**GOOD)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"secret_key": DEV_SECRET_KEY}, "CONSULAR_SECRET_KEY"),
        ({"secret_key": "short"}, "CONSULAR_SECRET_KEY"),
        ({"secret_key": ""}, "CONSULAR_SECRET_KEY"),
        ({"debug": True}, "CONSULAR_DEBUG"),
        ({"data_keys": [DEV_DATA_KEY]}, "CONSULAR_DATA_KEYS"),
        ({"data_keys": []}, "CONSULAR_DATA_KEYS"),
        ({"hash_key": DEV_HASH_KEY}, "CONSULAR_HASH_KEY"),
        ({"data_keys": ["not-a-key"]}, "not a Fernet key"),
        ({"email_url": ""}, "CONSULAR_EMAIL_URL"),
    ],
)
def test_unsafe_configuration_is_refused(change, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        check_production(**{**GOOD, **change})


def _run_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONSULAR_")}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run(
        [sys.executable, "-m", "consular.cli", "check", "--deploy", "--fail-level", "ERROR"],
        env=clean, capture_output=True, text=True, timeout=120, check=False,
    )


def test_production_process_refuses_defaults_and_starts_when_configured(tmp_path):
    refused = _run_check({"CONSULAR_VAR_DIR": str(tmp_path)})
    assert refused.returncode != 0
    assert "Refusing to start" in refused.stderr
    assert "CONSULAR_SECRET_KEY" in refused.stderr

    debug_on = _run_check({
        "CONSULAR_VAR_DIR": str(tmp_path), "CONSULAR_SECRET_KEY": "s" * 50, "CONSULAR_DEBUG": "true",
        "CONSULAR_DATA_KEYS": GOOD["data_keys"][0], "CONSULAR_HASH_KEY": "h" * 40,
    })
    assert debug_on.returncode != 0
    assert "CONSULAR_DEBUG must be off" in debug_on.stderr

    ok = _run_check({
        "CONSULAR_VAR_DIR": str(tmp_path), "CONSULAR_SECRET_KEY": "s" * 50,
        "CONSULAR_DATA_KEYS": GOOD["data_keys"][0], "CONSULAR_HASH_KEY": "h" * 40,
        "CONSULAR_ALLOWED_HOSTS": "consular.example.org", "CONSULAR_EMAIL_URL": "smtp://127.0.0.1:25",
    })
    assert ok.returncode == 0, ok.stderr


def test_env_bool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("CONSULAR_X", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("CONSULAR_X", False)
    monkeypatch.setenv("CONSULAR_X", "on")
    assert env_bool("CONSULAR_X", False) is True


def test_cache_urls():
    assert cache_config("redis://127.0.0.1:6379/1")["BACKEND"].endswith("RedisCache")
    assert cache_config("db://tbl")["LOCATION"] == "tbl"
    with pytest.raises(ImproperlyConfigured):
        cache_config("memcached://x")
