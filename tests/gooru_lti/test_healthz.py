"""GET /healthz reports the database and the broker."""

from __future__ import annotations

import pytest
from django.test import Client

from gooru_lti.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_ok_when_database_and_broker_up(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_503_when_broker_unreachable(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 on loopback (discard) has no listener here, so the connection is refused.
    # Celery reads CELERY_BROKER_URL from the environment before its own setting,
    # so patch the setting first: its saved value must be the real broker.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
    assert response.json()["database"] == "ok"


def test_healthz_restores_broker_after_outage_test(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "127.0.0.1:9" not in celery_app.conf.broker_url
