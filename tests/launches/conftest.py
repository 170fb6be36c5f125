"""Fixtures for the launch tests: the example clock, content and a second consumer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from launches.models import Consumer
from player_api.models import Content
from tests.factories import ConsumerFactory, ContentFactory
from tests.launches.signing import CLOCK


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Our clock at the examples' oauth_timestamp; it ticks, so launches get distinct times."""
    with time_machine.travel(CLOCK, tick=True) as traveller:
        yield traveller


@pytest.fixture
def assessment(db: None) -> Content:
    return ContentFactory(title="Fractions check")


@pytest.fixture
def inactive_consumer(db: None) -> Consumer:
    return ConsumerFactory(
        name="Retired LMS", key="retired-key", secret="retired-secret", active=False
    )
