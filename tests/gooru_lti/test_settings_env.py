"""Start-up fails with a message naming the variable when the environment is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "gooru_lti.settings"
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


GOOD = {
    "SECRET_KEY": "a-long-random-production-secret-key",
    "FIELD_ENCRYPTION_KEY": "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5LTA=",
}


def test_settings_start_with_required_values() -> None:
    result = load_settings(**GOOD)

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_missing_secret_key_with_debug_off() -> None:
    result = load_settings(FIELD_ENCRYPTION_KEY=GOOD["FIELD_ENCRYPTION_KEY"])

    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_missing_secret_key_allowed_with_debug_on() -> None:
    result = load_settings(DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_missing_encryption_key_with_debug_off() -> None:
    result = load_settings(SECRET_KEY=GOOD["SECRET_KEY"])

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is required" in result.stderr


def test_malformed_encryption_key() -> None:
    result = load_settings(SECRET_KEY=GOOD["SECRET_KEY"], FIELD_ENCRYPTION_KEY="short")

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY contains an invalid key: expected a Fernet key" in result.stderr


@pytest.mark.parametrize(
    "url", ["nonsense", "mysqlish://host/db", "postgres://127.0.0.1:notaport/db"]
)
def test_malformed_database_url(url: str) -> None:
    result = load_settings(DATABASE_URL=url, **GOOD)

    assert result.returncode != 0
    assert "DATABASE_URL=" in result.stderr
    assert url in result.stderr


def test_malformed_boolean() -> None:
    result = load_settings(DEBUG="maybe", **GOOD)

    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_malformed_number() -> None:
    result = load_settings(LTI_TIMESTAMP_WINDOW="five minutes", **GOOD)

    assert result.returncode != 0
    assert "LTI_TIMESTAMP_WINDOW='five minutes' is not a whole number" in result.stderr


def test_malformed_broker_url() -> None:
    result = load_settings(CELERY_BROKER_URL="kafka://host", **GOOD)

    assert result.returncode != 0
    assert "CELERY_BROKER_URL='kafka://host' is not a broker URL" in result.stderr


def test_production_defaults_are_safe() -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.ALLOWED_HOSTS)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "ALLOWED_HOSTS"}}
    env.update(GOOD, DJANGO_SETTINGS_MODULE="gooru_lti.settings")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "[]"]


def test_manage_py_reports_bad_variable_without_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(DJANGO_SETTINGS_MODULE="gooru_lti.settings", DEBUG="maybe")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Configuration error: DEBUG='maybe' is not a boolean: "
        "use one of 1, 0, true, false, yes, no, on, off."
    )
