"""The sweeper and the enqueue step: which rows are enqueued, and a broker that is down."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gooru_lti.celery import app as celery_app
from launches.models import Consumer
from outcomes.models import Delivery, DeliveryStatus
from outcomes.services import (
    deliveries_due,
    deliveries_sweep,
    delivery_create_for_attempt,
    delivery_enqueue,
)
from tests.outcomes.conftest import AttemptMaker, FakeLms, celery_publish_to

pytestmark = pytest.mark.django_db


def _delivery(submitted_attempt: AttemptMaker, sourcedid: str, **fields: Any) -> Delivery:
    delivery = delivery_create_for_attempt(submitted_attempt(0.5, lis_result_sourcedid=sourcedid))
    assert delivery is not None
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    return delivery


def test_sweep_selects_due_and_stuck_rows(
    submitted_attempt: AttemptMaker, settings: Any
) -> None:
    settings.OUTCOMES_STUCK_AFTER = 300
    now = timezone.now()
    long_ago = now - timedelta(seconds=301)
    recently = now - timedelta(seconds=10)
    cases: dict[str, dict[str, Any]] = {
        "due-not-queued": dict(next_try_at=now, enqueued_at=None),
        "due-queued-recently": dict(next_try_at=now, enqueued_at=recently),
        "due-queued-long-ago": dict(next_try_at=now, enqueued_at=long_ago),
        "not-due": dict(next_try_at=now + timedelta(minutes=5), enqueued_at=None),
        "stuck": dict(status=DeliveryStatus.SENDING, sending_since=long_ago, enqueued_at=None),
        "sending-recently": dict(
            status=DeliveryStatus.SENDING, sending_since=recently, enqueued_at=None
        ),
        "delivered": dict(status=DeliveryStatus.DELIVERED, next_try_at=None, enqueued_at=None),
        "failed": dict(status=DeliveryStatus.FAILED, next_try_at=now, enqueued_at=None),
    }
    for sourcedid, fields in cases.items():
        _delivery(submitted_attempt, sourcedid, **fields)

    selected = set(
        Delivery.objects.filter(deliveries_due(now)).values_list("sourcedid", flat=True)
    )

    assert selected == {"due-not-queued", "due-queued-long-ago", "stuck"}


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run enqueued tasks inline, so a sweep's sends happen in this test."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_sweep_sends_due_deliveries(
    lms_consumer: Consumer,
    fake_lms: FakeLms,
    submitted_attempt: AttemptMaker,
    eager_tasks: None,
) -> None:
    due = _delivery(submitted_attempt, "src-due", enqueued_at=None)
    later = _delivery(
        submitted_attempt, "src-later", enqueued_at=None, next_try_at=timezone.now() + timedelta(hours=1)
    )

    enqueued = deliveries_sweep()

    due.refresh_from_db()
    later.refresh_from_db()
    assert enqueued == 1
    assert due.status == DeliveryStatus.DELIVERED
    assert later.status == DeliveryStatus.PENDING
    assert len(fake_lms.requests) == 1


@pytest.fixture
def broker_down() -> Iterator[str]:
    """Point task publishing at a Redis URL on a closed 127.0.0.1 port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    previous = celery_publish_to(url, celery_app.conf.task_default_queue)
    yield url
    celery_publish_to(*previous)


def test_enqueue_with_broker_down_leaves_row_for_sweeper(
    submitted_attempt: AttemptMaker, broker_down: str, caplog: pytest.LogCaptureFixture
) -> None:
    delivery = _delivery(submitted_attempt, "src-1")

    with caplog.at_level(logging.WARNING, logger="outcomes"):
        enqueued = delivery_enqueue(delivery.pk)

    delivery.refresh_from_db()
    assert enqueued is False
    assert delivery.enqueued_at is None
    assert delivery.status == DeliveryStatus.PENDING
    assert f"Delivery {delivery.pk} not enqueued, the sweeper will send it" in caplog.text
    assert delivery.pk in [
        row.pk for row in Delivery.objects.filter(deliveries_due(timezone.now()))
    ]


def test_sweep_with_broker_down_keeps_rows_due(
    submitted_attempt: AttemptMaker, broker_down: str
) -> None:
    first = _delivery(submitted_attempt, "src-1", enqueued_at=None)
    second = _delivery(submitted_attempt, "src-2", enqueued_at=None)

    enqueued = deliveries_sweep()

    assert enqueued == 0
    assert Delivery.objects.filter(pk__in=[first.pk, second.pk], enqueued_at__isnull=True).count() == 2
