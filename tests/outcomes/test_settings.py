"""Outcome settings that would let two workers send one delivery stop start-up."""

from __future__ import annotations

from tests.gooru_lti.test_settings_env import GOOD, load_settings


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
