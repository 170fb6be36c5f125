"""Outcome settings: the start-up check on stuck-after and the default retry schedule."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.gooru_lti.test_settings_env import GOOD, ROOT, load_settings


def test_stuck_after_shorter_than_timeouts_stops_startup() -> None:
    result = load_settings(
        **GOOD,
        OUTCOMES_STUCK_AFTER="20",
        OUTCOMES_CONNECT_TIMEOUT="5",
        OUTCOMES_READ_TIMEOUT="20",
    )

    assert result.returncode != 0
    assert "OUTCOMES_STUCK_AFTER=20 must be longer than" in result.stderr
    assert "(25 seconds)" in result.stderr


def test_stuck_after_longer_than_timeouts_starts() -> None:
    result = load_settings(
        **GOOD, OUTCOMES_STUCK_AFTER="7", OUTCOMES_CONNECT_TIMEOUT="1", OUTCOMES_READ_TIMEOUT="5"
    )

    assert result.returncode == 0, result.stderr


def test_default_retry_schedule_spans_three_days() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(sum(settings.OUTCOMES_RETRY_DELAYS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**_environment_without_outcomes(), **GOOD, "DJANGO_SETTINGS_MODULE": "gooru_lti.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 3 * 24 * 3600


def _environment_without_outcomes() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("OUTCOMES_") and name not in {"DEBUG", "DATABASE_URL"}
    }
