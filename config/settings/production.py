"""Production settings: the base settings, hardened, refusing to start on an unsafe configuration."""

from __future__ import annotations

from config.checks import check_production
from config.env import env_bool, env_int, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import DATA_KEYS, DEBUG, HASH_KEY, SECRET_KEY

check_production(
    secret_key=SECRET_KEY, debug=DEBUG, data_keys=DATA_KEYS, hash_key=HASH_KEY,
    email_url=env_str("CONSULAR_EMAIL_URL", ""),
)

SESSION_COOKIE_SECURE = env_bool("CONSULAR_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("CONSULAR_SECURE_COOKIES", True)
SECURE_HSTS_SECONDS = env_int("CONSULAR_HSTS_SECONDS", 31536000)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("CONSULAR_SSL_REDIRECT", False)
