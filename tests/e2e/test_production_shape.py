"""The flow as production runs it: gunicorn, a Celery worker and beat as separate processes
on PostgreSQL and Redis, with the inspector failing the first try so that beat's sweep
must send the score again."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from launches.models import OutcomeFormat
from player_api.models import Content
from test_consumer.models import FailureMode, FailurePlan, Verdict
from tests.e2e.conftest import Process, celery_command, inspected_wait, process_start
from tests.e2e.flow import EXPECTED_SCORE, attempt_play, lti_launch, player_config
from tests.factories import ConsumerFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Short retry and sweep intervals, so the retry after the planned failure comes quickly.
FAST_RETRIES = {
    "OUTCOMES_RETRY_SCHEDULE": "1,1,1,1,1",
    "OUTCOMES_SWEEP_INTERVAL": "1",
    "OUTCOMES_STUCK_AFTER": "30",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def production_processes(
    transactional_db: None, tmp_path: Path
) -> Iterator[tuple[str, list[Process]]]:
    """Start gunicorn, a worker and beat against the test database; yield the web URL."""
    engine = django_settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.skip(f"production shape needs PostgreSQL; DATABASE_URL uses {engine}")
    if not django_settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("production shape needs Redis; CELERY_BROKER_URL is not redis://")

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    gunicorn = [
        sys.executable, "-m", "gunicorn", "gooru_lti.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--access-logfile", "-",
    ]
    processes = [
        process_start("gunicorn", gunicorn, tmp_path, **FAST_RETRIES),
        process_start(
            "worker",
            celery_command("worker", "--pool", "solo", "--loglevel", "INFO", "--without-gossip",
                           "--without-mingle", "--without-heartbeat"),
            tmp_path,
            **FAST_RETRIES,
        ),
        process_start(
            "beat",
            celery_command("beat", "--loglevel", "INFO",
                           "--schedule", str(tmp_path / "celerybeat-schedule")),
            tmp_path,
            **FAST_RETRIES,
        ),
    ]
    try:
        processes[0].wait_for_log("Booting worker")
        processes[1].wait_for_log("ready.")
        processes[2].wait_for_log("beat: Starting")
        yield base_url, processes
    finally:
        for process in processes:
            process.stop()


def test_production_shape_retries_then_delivers(
    production_processes: tuple[str, list[Process]], sample_assessment: Content
) -> None:
    base_url, processes = production_processes
    consumer = ConsumerFactory(
        key="production-lms",
        outcome_format=OutcomeFormat.LTI_POX,
        outcomes_url=f"{base_url}/lti/test-consumer/outcomes/",
    )
    FailurePlan.schedule(1, FailureMode.HTTP_503)
    assert requests.get(f"{base_url}/healthz", timeout=30).status_code == 200

    launch = lti_launch(
        base_url, consumer, sample_assessment,
        user_id="production-student", resource_link_id="production-link", sourcedid="prod-src-1",
    )
    config = player_config(base_url, launch)
    result = attempt_play(base_url, config, sample_assessment)
    received = inspected_wait(lambda item: True, *processes, count=2)

    assert result["score"] == pytest.approx(EXPECTED_SCORE)
    assert [item.verdict for item in received[:2]] == [Verdict.FAILED_ON_PURPOSE, Verdict.ACCEPTED]
    assert all(item.signature_valid for item in received[:2])
    assert received[0].oauth_nonce != received[1].oauth_nonce
    assert received[0].delivery_id == received[1].delivery_id
    assert received[1].operation == "replaceResult"
    assert received[1].sourcedid == "prod-src-1"
    assert received[1].score == pytest.approx(EXPECTED_SCORE)
