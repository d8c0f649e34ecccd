"""Base settings: read the environment (through config.env only) and define everything else.

Test and production settings import this module and only override.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from config.env import cache_config, email_config, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("CONSULAR_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Insecure development defaults; config.settings.production refuses to start with any of them.
DEV_SECRET_KEY = "consular-insecure-development-key-do-not-use-in-production"
DEV_DATA_KEY = "Y29uc3VsYXItZGV2LWRhdGEta2V5LW5vdC1zZWNyZXQ="  # base64 of 32 public bytes
DEV_HASH_KEY = "consular-insecure-development-hash-key"

SECRET_KEY = env_str("CONSULAR_SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("CONSULAR_DEBUG", False)
ALLOWED_HOSTS = env_list("CONSULAR_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CONSULAR_CSRF_TRUSTED_ORIGINS", "")

# Personal-data encryption: a comma-separated list of Fernet keys, newest first. The first encrypts,
# all decrypt; `consular rotatekeys` re-encrypts every stored value with the first.
DATA_KEYS = env_list("CONSULAR_DATA_KEYS", DEV_DATA_KEY)
# Key for the keyed hashes (HMAC-SHA256) that allow exact look-up of passport numbers and phones.
HASH_KEY = env_str("CONSULAR_HASH_KEY", DEV_HASH_KEY)

DATABASES = {
    "default": dj_database_url.parse(
        env_str("CONSULAR_DATABASE_URL", f"sqlite:///{VAR_DIR / 'consular.sqlite3'}"),
        conn_max_age=env_int("CONSULAR_DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

CACHES = {"default": cache_config(env_str("CONSULAR_CACHE_URL", "db://consular_cache"))}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "consular.core",
    "consular.accounts",
    "consular.api",
    "consular.portal",
    "consular.console",
    "consular.notify",
    "consular.cases",
    "consular.incidents",
    "consular.travel",
    "consular.alerts",
    "consular.stats",
    "consular.server",
]

MIDDLEWARE = [
    "consular.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers compressed for a phone with one bar of signal (Django pads against BREACH).
    "django.middleware.gzip.GZipMiddleware",
    "consular.core.middleware.ChineseFirstMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "consular.api.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "consular.core.context_processors.deployment",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "consular.accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["consular.accounts.backends.ThrottledModelBackend"]
# Wrong passwords allowed per account and per address before logins pause for the window (seconds).
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("CONSULAR_LOGIN_MAX_FAILURES", 10)
LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("CONSULAR_LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("CONSULAR_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "consular" / "locale"]
TIME_ZONE = env_str("CONSULAR_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("CONSULAR_SESSION_SECONDS", 8 * 3600)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Deployment identity: everything country-specific is configuration.
CONSULAR_DEPLOYMENT = {
    "hotline": env_str("CONSULAR_HOTLINE", "+86-10-12308"),
    "missions_file": env_str(
        "CONSULAR_MISSIONS_FILE", str(BASE_DIR / "consular" / "core" / "data" / "missions.toml")
    ),
}
# The alert editor's map: a raster tile URL template ({z}/{x}/{y}, e.g. https://tiles.example.org/{z}/{x}/{y}.png)
# drawn under the static world outline, and its attribution. Empty: the outline only, and officers' browsers fetch
# nothing from another server.
CONSULAR_MAP_TILE_URL = env_str("CONSULAR_MAP_TILE_URL", "")
CONSULAR_MAP_TILE_ATTRIBUTION = env_str("CONSULAR_MAP_TILE_ATTRIBUTION", "")
# Seconds between audit-chain sealing passes run by `consular worker`.
AUDIT_SEAL_INTERVAL = env_int("CONSULAR_AUDIT_SEAL_INTERVAL", 5)
# Benchmarks only: expose POST /api/v1/bench/floor (one INSERT), the floor the hotline benchmark compares to.
BENCH_FLOOR = env_bool("CONSULAR_BENCH_FLOOR", False)
# Seconds a process keeps the jurisdiction map (missions and districts) in memory before re-reading it.
JURISDICTION_CACHE_SECONDS = env_int("CONSULAR_JURISDICTION_CACHE_SECONDS", 60)
# Seconds a process remembers what an API token resolved to (its user): the longest a token revoked or a user
# deactivated in another process keeps working. 0: look the token up on every request.
API_TOKEN_CACHE_SECONDS = env_int("CONSULAR_API_TOKEN_CACHE_SECONDS", 5)
# How long a stored Idempotency-Key answer is kept.
IDEMPOTENCY_TTL_HOURS = env_int("CONSULAR_IDEMPOTENCY_TTL_HOURS", 24)
# Largest request body read into memory. A POST with an Idempotency-Key is hashed whole, uploads included, so
# this bounds keyed list imports and PFIF documents too (larger ones are answered 413 `too_large`). Put the
# same bound on the proxy in front (client_max_body_size).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CONSULAR_MAX_REQUEST_MB", 50) * 1024 * 1024

# Number of trusted reverse proxies in front of the app: the client address (audit log, rate limits) is taken
# from X-Forwarded-For only that far; 0 trusts no header and uses the connection's address.
PROXY_COUNT = env_int("CONSULAR_PROXY_COUNT", 0)

# Limits for anonymous API callers, per client address ("N/sec", "N/min", "N/hour", "N/day").
RATE_LIMITS = {
    "anon": env_str("CONSULAR_ANON_RATE", "120/min"),
    "anon_burst": env_str("CONSULAR_ANON_BURST_RATE", "20/sec"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "consular.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "consular.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "consular.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["consular.api.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "consular.api.throttling.AnonBurstThrottle",
        "consular.api.throttling.AnonSustainedThrottle",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Consular API",
    "DESCRIPTION": "Consular protection and services platform. Errors are always "
    '`{"error": {"code", "message", "fields"}}`; every POST honours `Idempotency-Key`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "MissionKindEnum": "consular.core.models.MissionKind",
        "RoleEnum": "consular.accounts.models.Role",
        "PersonRoleEnum": "consular.cases.codes.PersonRole",
        "StateEnum": "consular.cases.codes.State",
        "CategoryEnum": "consular.cases.codes.Category",
        "UrgencyEnum": "consular.cases.codes.Urgency",
        "ChannelEnum": "consular.cases.codes.Channel",
        "IncidentKindEnum": "consular.incidents.codes.IncidentKind",
        "IncidentStatusEnum": "consular.incidents.codes.IncidentStatus",
        "PersonStatusEnum": "consular.incidents.codes.PersonStatus",
        "PublicStatusEnum": "consular.incidents.codes.PUBLIC_STATUSES",
        "SourceKindEnum": "consular.incidents.codes.SourceKind",
        "ListKindEnum": "consular.incidents.import_models.ListKind",
        "InquiryChannelEnum": "consular.incidents.codes.InquiryChannel",
        "InquiryStateEnum": "consular.incidents.codes.InquiryState",
        "AlertStateEnum": "consular.alerts.codes.AlertState",
        "AlertEditionStateEnum": "consular.alerts.codes.EditionState",
        "AlertLevelEnum": "consular.alerts.codes.Level",
        "AlertCategoryEnum": "consular.alerts.codes.Category",
        "AlertMsgTypeEnum": "consular.alerts.codes.MsgType",
        "CheckInStatusEnum": "consular.alerts.models.CheckInStatus",
        "RegistrationKindEnum": "consular.travel.codes.RegistrationKind",
        "RegistrationStateEnum": "consular.travel.codes.RegistrationState",
        "RegistrationChannelEnum": "consular.travel.codes.Channel",
        "RelationEnum": "consular.travel.codes.Relation",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "consular.api.schema.add_error_responses",
    ],
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CONSULAR_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Email (the notify seam's email channel) -----------------------------------------------------------------
# smtp://[user:password@]host:port[?tls=1]; empty prints emails to the console (development).
_EMAIL = email_config(env_str("CONSULAR_EMAIL_URL", ""))
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL["EMAIL_HOST"]
EMAIL_PORT = _EMAIL["EMAIL_PORT"]
EMAIL_HOST_USER = _EMAIL["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _EMAIL["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _EMAIL["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _EMAIL["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _EMAIL["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = env_str("CONSULAR_EMAIL_FROM", "consular@localhost")

# --- Notification channels (consular.notify.channels; schemes in docs/operations.md "Channel keys") ----------
# SMS gateway: signed JSON POSTs; secrets comma-separated, newest first (signs with all, verifies with any).
SMS_GATEWAY_URL = env_str("CONSULAR_SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY_ID = env_str("CONSULAR_SMS_GATEWAY_KEY_ID", "")
SMS_GATEWAY_SECRETS = env_list("CONSULAR_SMS_GATEWAY_SECRET", "")
SMS_RECEIPT_URL = env_str("CONSULAR_SMS_RECEIPT_URL", "")
SMS_RECEIPT_MAX_AGE_SECONDS = env_int("CONSULAR_SMS_RECEIPT_MAX_AGE_SECONDS", 300)
# Web Push: VAPID private key (PEM, or base64url raw/DER) and the contact the push services see.
VAPID_PRIVATE_KEY = env_str("CONSULAR_VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = env_str("CONSULAR_VAPID_SUBJECT", f"mailto:{DEFAULT_FROM_EMAIL}")
PUSH_TTL_SECONDS = env_int("CONSULAR_PUSH_TTL_SECONDS", 24 * 3600)
PUSH_URGENCY = env_str("CONSULAR_PUSH_URGENCY", "high")
PUSH_ALLOWED_HOSTS = env_list(
    "CONSULAR_PUSH_ALLOWED_HOSTS",
    "fcm.googleapis.com,*.push.services.mozilla.com,*.notify.windows.com,*.push.apple.com",
)
# Webhooks: name=url pairs; each name's secret(s) in CONSULAR_WEBHOOK_SECRET_<NAME>.
WEBHOOK_TARGETS = {
    name.strip(): {"url": url.strip(), "secrets": env_list(f"CONSULAR_WEBHOOK_SECRET_{name.strip().upper()}", "")}
    for name, _, url in (pair.partition("=") for pair in env_list("CONSULAR_WEBHOOK_TARGETS", ""))
}
CHANNEL_TIMEOUT_SECONDS = env_int("CONSULAR_CHANNEL_TIMEOUT_SECONDS", 10)
# Messages per second per channel, shared by all workers (0: unlimited); parsed by the rate limiter.
CHANNEL_RATES = {
    channel: env_str(f"CONSULAR_CHANNEL_RATE_{channel.upper()}", default)
    for channel, default in (("email", "0"), ("sms", "20"), ("push", "100"), ("webhook", "20"))
}

# --- Protection cases ---------------------------------------------------------------------------------------
# Minutes from opening to the first response, per urgency (P1: life at risk).
CASE_FIRST_RESPONSE_MINUTES = {
    "p1": env_int("CONSULAR_CASE_P1_MINUTES", 15),
    "p2": env_int("CONSULAR_CASE_P2_MINUTES", 60),
    "p3": env_int("CONSULAR_CASE_P3_MINUTES", 8 * 60),
    "p4": env_int("CONSULAR_CASE_P4_MINUTES", 3 * 24 * 60),
}
# Duties each category adds to a new case, with their deadlines (minutes after opening).
CASE_DUTIES: dict[str, list[dict[str, object]]] = {
    "detention": [
        {"code": "contact_detainee", "title_en": "Contact the detainee", "title_zh": "联系被羁押人",
         "due_minutes": 24 * 60},
        {"code": "seek_consular_visit", "title_en": "Seek a consular visit", "title_zh": "申请领事探视",
         "due_minutes": 72 * 60},
        {"code": "notify_family", "title_en": "Inform the family (with consent)", "title_zh": "经同意后通知家属",
         "due_minutes": 48 * 60},
    ],
    "death": [
        {"code": "notify_next_of_kin", "title_en": "Notify the next of kin", "title_zh": "通知近亲属",
         "due_minutes": 12 * 60},
        {"code": "confirm_identity", "title_en": "Confirm identity with local authorities",
         "title_zh": "与当地主管部门核实身份", "due_minutes": 24 * 60},
    ],
    "kidnapping": [
        {"code": "alert_hq_crisis_cell", "title_en": "Alert the HQ crisis cell", "title_zh": "报告部应急处置小组",
         "due_minutes": 30},
        {"code": "contact_local_police", "title_en": "Contact local police", "title_zh": "联系当地警方",
         "due_minutes": 2 * 60},
    ],
    "missing_contact": [
        {"code": "contact_local_police", "title_en": "Contact local police", "title_zh": "联系当地警方",
         "due_minutes": 24 * 60},
    ],
    "illness_injury": [
        {"code": "contact_hospital", "title_en": "Contact the hospital", "title_zh": "联系医院",
         "due_minutes": 6 * 60},
    ],
    "traffic_accident": [
        {"code": "check_casualties", "title_en": "Establish casualties and hospitals", "title_zh": "核实伤亡及收治医院",
         "due_minutes": 2 * 60},
    ],
}
# Urgencies whose overdue cases the worker escalates to HQ's duty officer.
CASE_ESCALATE_URGENCIES = ["p1", "p2"]
# Where escalations go: the HQ duty officer's address (and every active HQ officer with an email if empty).
CASE_DUTY_EMAIL = env_str("CONSULAR_DUTY_EMAIL", "")
# Help requests accepted from one address per hour through the web form (the API has its own rate limits).
HELP_FORM_MAX_PER_HOUR = env_int("CONSULAR_HELP_FORM_MAX_PER_HOUR", 20)
# Citizens' follow-up: wrong codes allowed per reference and per address before a pause of this many seconds.
FOLLOWUP_MAX_FAILURES = env_int("CONSULAR_FOLLOWUP_MAX_FAILURES", 5)
FOLLOWUP_WINDOW_SECONDS = env_int("CONSULAR_FOLLOWUP_WINDOW_SECONDS", 15 * 60)

# --- Major incidents ----------------------------------------------------------------------------------------
# Minutes within which an inquirer is called back after the status of the person they asked about changed.
INCIDENT_CALLBACK_MINUTES = env_int("CONSULAR_INCIDENT_CALLBACK_MINUTES", 60)
# PFIF interchange: the domain naming this registry in PFIF record ids (domain/local-id), and the source name
# other person-finder sites show for its records (and as the author of its notes).
PFIF_DOMAIN = env_str("CONSULAR_PFIF_DOMAIN", "consular.example.gov")
PFIF_SOURCE_NAME = env_str("CONSULAR_PFIF_SOURCE_NAME", "Consular protection registry")

# --- Safety alerts ------------------------------------------------------------------------------------------
# The CAP `sender` of every alert (no spaces, commas or "<&"): the ministry's address or domain.
ALERTS_CAP_SENDER = env_str("CONSULAR_ALERTS_CAP_SENDER", "consular@mfa.example.gov")
# Deliveries: how long a worker holds a claimed batch before another may take it again (a killed worker's batch
# is re-claimed then), the attempts before a temporary failure becomes final, and the first retry delay
# (doubled at each attempt, at most ALERTS_DELIVERY_BACKOFF_MAX_SECONDS).
ALERTS_DELIVERY_LEASE_SECONDS = env_int("CONSULAR_ALERTS_DELIVERY_LEASE_SECONDS", 300)
ALERTS_DELIVERY_MAX_ATTEMPTS = env_int("CONSULAR_ALERTS_DELIVERY_MAX_ATTEMPTS", 6)
ALERTS_DELIVERY_BACKOFF_SECONDS = env_int("CONSULAR_ALERTS_DELIVERY_BACKOFF_SECONDS", 30)
ALERTS_DELIVERY_BACKOFF_MAX_SECONDS = env_int("CONSULAR_ALERTS_DELIVERY_BACKOFF_MAX_SECONDS", 3600)
# The portal's public address, for links in messages (the personal check-in link): scheme and host, no slash.
PUBLIC_URL = env_str("CONSULAR_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# How many deliveries one worker claims and sends at a time, and how long after an alert's validity ends its
# check-in links still work.
ALERTS_SEND_BATCH = env_int("CONSULAR_ALERTS_SEND_BATCH", 100)
ALERTS_CHECKIN_GRACE_HOURS = env_int("CONSULAR_ALERTS_CHECKIN_GRACE_HOURS", 72)

# --- Trip registration --------------------------------------------------------------------------------------
# Days after a registration's last departure date when its personal data is purged (548 days: about 18 months).
TRAVEL_PURGE_AFTER_DAYS = env_int("CONSULAR_TRAVEL_PURGE_AFTER_DAYS", 548)

# --- Citizen accounts (self sign-up, email verification, password reset, app tokens) ------------------------
# Days a sign-up's verification link works; password-reset links work PASSWORD_RESET_TIMEOUT (the same 3 days).
CITIZEN_SIGNUP_LINK_DAYS = env_int("CONSULAR_CITIZEN_SIGNUP_LINK_DAYS", 3)
PASSWORD_RESET_TIMEOUT = CITIZEN_SIGNUP_LINK_DAYS * 24 * 3600
# Requests that send an account email (sign-up, new link, password reset) per hour, per client address and per
# email address; beyond them a friendly 429.
CITIZEN_SIGNUP_MAX_PER_ADDRESS = env_int("CONSULAR_CITIZEN_SIGNUP_MAX_PER_ADDRESS", 20)
CITIZEN_SIGNUP_MAX_PER_EMAIL = env_int("CONSULAR_CITIZEN_SIGNUP_MAX_PER_EMAIL", 5)
# Days an API token issued to a citizen's app (POST /api/v1/auth/token) stays valid.
CITIZEN_TOKEN_DAYS = env_int("CONSULAR_CITIZEN_TOKEN_DAYS", 90)
