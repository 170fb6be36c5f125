"""Settings for gooru-lti, read from the environment.

Every value comes from an environment variable (see README.md for the full list).
A missing required value or a malformed one stops start-up with an
ImproperlyConfigured error that names the variable and the expected form.
Production defaults are safe: DEBUG is off, cookies are secure, and
SECRET_KEY and FIELD_ENCRYPTION_KEY have no default.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean; anything other than 1/0, true/false, yes/no or on/off is an error."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1, 0, true, false, yes, no, on, off."
    )


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """Read a whole number no smaller than minimum."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    """Read a decimal number (seconds, for example) no smaller than minimum."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not value >= minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list; blank items are dropped."""
    raw = env.str(name, default=None)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    """Read an absolute URL whose scheme is one of schemes."""
    raw = env.str(name, default=default).strip()
    if not raw:
        return raw
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        expected = " or ".join(f"{scheme}://host" for scheme in schemes)
        raise ImproperlyConfigured(f"{name}={raw!r} is not a URL of the form {expected}.")
    return raw.rstrip("/")


def env_database(name: str, default: str) -> dict[str, Any]:
    """Parse a database URL such as postgres://user@host:5432/name or sqlite:///path."""
    raw = env.str(name, default=default).strip()
    scheme = urlsplit(raw).scheme
    if scheme not in environ.Env.DB_SCHEMES:
        known = "postgres://user:password@host:5432/name or sqlite:////absolute/path"
        raise ImproperlyConfigured(f"{name}={raw!r} is not a database URL: expected {known}.")
    try:
        config = environ.Env.db_url_config(raw)
    except (ValueError, KeyError, ImproperlyConfigured) as error:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a valid database URL: {error}") from None
    if config["ENGINE"] != "django.db.backends.sqlite3" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={raw!r} names no database: add /name after the host.")
    return config


# --- Core -----------------------------------------------------------------

# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env_bool("DEBUG", False)

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env.str("SECRET_KEY", default="").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set it to a long random string, "
            "for example the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    SECRET_KEY = "insecure-development-only-key-do-not-use-in-production"

# Fernet keys (urlsafe base64 of 32 bytes) that encrypt consumer secrets at rest.
# The first key encrypts and every key in the list decrypts. To rotate, put a new
# key in front of the old one, and stored secrets stay readable.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY", [])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is required when DEBUG is off: set it to the output of "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
        )
    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
    ]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_key.encode())) != 32:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY contains an invalid key: expected a Fernet key "
            "(urlsafe base64 of 32 bytes, 44 characters)."
        ) from None

# https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
# https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-trusted-origins
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Behind a TLS-terminating proxy: trust X-Forwarded-Proto, -Host and -Port.
# Only enable this when the proxy overwrites those headers on every request.
TRUST_PROXY_HEADERS = env_bool("TRUST_PROXY_HEADERS", False)
if TRUST_PROXY_HEADERS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    USE_X_FORWARDED_PORT = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "launches",
    "player_api",
    "outcomes",
    "test_consumer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and X-Frame-Options middleware, to see their cookies and headers.
    "launches.middleware.LmsFramingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gooru_lti.urls"
WSGI_APPLICATION = "gooru_lti.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gooru_lti.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file-backed test database lets a Celery worker started by a test read the
    # same rows. A busy timeout lets web and worker processes share the file.
    _sqlite_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        _sqlite_file.with_name(f"test_{_sqlite_file.stem}.sqlite3")
    )
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Security -------------------------------------------------------------

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation and static files --------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- REST framework -------------------------------------------------------

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": None,
    # Every API error is {"code": ..., "message": ...} with its HTTP status.
    "EXCEPTION_HANDLER": "player_api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gooru-lti player API",
    "DESCRIPTION": "Fetch an attempt, record responses and a reaction, and submit it.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from our static files, so the docs need no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ---------------------------------------------------------------

# https://docs.celeryq.dev/en/stable/userguide/configuration.html#broker-url
# The default needs no server: messages are files under var/broker/.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://").strip()
_broker_scheme = urlsplit(CELERY_BROKER_URL).scheme
if _broker_scheme not in {"filesystem", "redis", "rediss", "amqp", "amqps", "pyamqp", "memory"}:
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL={CELERY_BROKER_URL!r} is not a broker URL: expected "
        "filesystem://, redis://host:6379/0 or amqp://user:password@host:5672//."
    )
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {}
if _broker_scheme == "filesystem":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif _broker_scheme.startswith("redis"):
    # Longer than the longest task, so Redis never hands a running task to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, Any] = {
    "sweep-outcome-deliveries": {
        "task": "outcomes.tasks.sweep_deliveries",
        "schedule": env_float("OUTCOMES_SWEEP_INTERVAL", 30.0, minimum=1.0),
    },
    "purge-expired-nonces": {
        "task": "launches.tasks.purge_expired_nonces",
        "schedule": crontab(minute="*/10"),
    },
}

# --- LTI launch -----------------------------------------------------------

# How far an oauth_timestamp may be from our clock, in seconds, either way.
LTI_TIMESTAMP_WINDOW = env_int("LTI_TIMESTAMP_WINDOW", 300, minimum=1)
# The public scheme://host[:port] that LMSs sign, for proxies that rewrite the path or host.
LTI_PUBLIC_BASE_URL = env_url("LTI_PUBLIC_BASE_URL", "", ("http", "https"))
# Origins allowed to frame the launch and the player, besides each consumer's LMS origin.
LTI_FRAME_ANCESTORS = env_list("LTI_FRAME_ANCESTORS", [])
# Lifetime of the API token that the player page receives, in seconds.
PLAYER_TOKEN_MAX_AGE = env_int("PLAYER_TOKEN_MAX_AGE", 4 * 3600, minimum=60)

# --- Outcomes -------------------------------------------------------------

OUTCOMES_CONNECT_TIMEOUT = env_float("OUTCOMES_CONNECT_TIMEOUT", 5.0, minimum=0.1)
OUTCOMES_READ_TIMEOUT = env_float("OUTCOMES_READ_TIMEOUT", 20.0, minimum=0.1)
# Seconds to wait before each retry; after the last one a delivery is failed.
# The default spans a little over three days.
OUTCOMES_RETRY_SCHEDULE = env_list(
    "OUTCOMES_RETRY_SCHEDULE",
    ["60", "300", "1800", "7200", "21600", "43200", "86400", "86400", "86400"],
)
if not OUTCOMES_RETRY_SCHEDULE or not all(item.isdigit() for item in OUTCOMES_RETRY_SCHEDULE):
    raise ImproperlyConfigured(
        "OUTCOMES_RETRY_SCHEDULE must be a comma-separated list of whole seconds, "
        "for example 60,300,1800,7200."
    )
OUTCOMES_RETRY_DELAYS = [int(item) for item in OUTCOMES_RETRY_SCHEDULE]
# A delivery left in "sending" longer than this (a killed worker) is sent again.
OUTCOMES_STUCK_AFTER = env_int("OUTCOMES_STUCK_AFTER", 300, minimum=1)
# Shorter would let the sweeper hand a delivery to a second worker while the
# first one still waits for the LMS.
if OUTCOMES_STUCK_AFTER <= OUTCOMES_CONNECT_TIMEOUT + OUTCOMES_READ_TIMEOUT:
    raise ImproperlyConfigured(
        f"OUTCOMES_STUCK_AFTER={OUTCOMES_STUCK_AFTER} must be longer than "
        "OUTCOMES_CONNECT_TIMEOUT plus OUTCOMES_READ_TIMEOUT "
        f"({OUTCOMES_CONNECT_TIMEOUT + OUTCOMES_READ_TIMEOUT:g} seconds)."
    )
# Allow outcomes URLs on loopback and private networks (the demo and tests need it).
OUTCOMES_ALLOW_PRIVATE_NETWORKS = env_bool("OUTCOMES_ALLOW_PRIVATE_NETWORKS", False)

# --- Test consumer and outcome inspector ----------------------------------

# Staff-only pages that launch like an LMS and receive outcomes like one.
TEST_CONSUMER_ENABLED = env_bool("TEST_CONSUMER_ENABLED", False)

# --- Logging --------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not a level: use DEBUG, INFO, WARNING, ERROR or CRITICAL."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # The launch view logs one line per rejected launch; oauthlib's own lines repeat it.
        "oauthlib": {"level": "WARNING"},
    },
}
