"""Claiming a delivery: concurrent workers, and only one of them wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.utils import timezone

from launches.models import OutcomeFormat
from outcomes.models import Delivery, DeliveryStatus
from outcomes.services import delivery_claim
from tests.outcomes.conftest import AttemptMaker

WORKERS = 8


@pytest.mark.django_db(transaction=True)
def test_claim_concurrent_workers_one_wins(submitted_attempt: AttemptMaker) -> None:
    attempt = submitted_attempt(0.5)
    # Written directly, not through delivery_create_for_attempt, so no task goes
    # to the broker: the threads below stand in for the workers.
    delivery = Delivery.objects.create(
        consumer=attempt.launch.consumer,
        attempt=attempt,
        outcome_format=OutcomeFormat.GOORU_JSON,
        target_url="https://lms.example.org/outcomes",
        sourcedid=attempt.lis_result_sourcedid,
        payload="{}",
        next_try_at=timezone.now(),
    )
    barrier = threading.Barrier(WORKERS)
    claims: list[Delivery | None] = []
    errors: list[BaseException] = []

    def claim() -> None:
        try:
            barrier.wait(timeout=30)
            claims.append(delivery_claim(delivery.pk))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(claims) == WORKERS
    winners = [claimed for claimed in claims if claimed is not None]
    assert len(winners) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING
    assert delivery.tries == 1
    assert delivery.claim_id == winners[0].claim_id
