"""Fixtures for the test consumer and outcome inspector tests."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer


@pytest.fixture
def enabled(settings: Settings) -> Settings:
    settings.TEST_CONSUMER_ENABLED = True
    return settings


@pytest.fixture
def inspector_url(live_server: LiveServer, enabled: Settings) -> str:
    """The outcome inspector on a live server, as a consumer's outcomes URL."""
    return f"{live_server.url}/lti/test-consumer/outcomes/"
