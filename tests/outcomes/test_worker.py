"""Deliveries through real Celery worker and beat processes, with a killed worker and a broker outage.

The worker and beat are subprocesses on the test database, so these tests are
transactional. They wait for a state with a generous bound and never assert
on durations.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings

from gooru_lti.celery import app as celery_app
from launches.models import Consumer
from outcomes.models import Delivery, DeliveryStatus
from player_api.models import Attempt
from player_api.services import attempt_submit, response_save
from tests.e2e.conftest import Process, celery_command, process_start
from tests.factories import AttemptFactory, ContentFactory, LaunchFactory, QuestionFactory
from tests.outcomes.conftest import FakeLms, Reply, celery_publish_to

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# A bound on waiting for a busy 2-core machine, not a timing assertion.
WAIT_SECONDS = 90
REDIS_SERVER = "/usr/bin/redis-server"
# Small values so a stuck delivery is swept again within seconds; the stuck
# time stays longer than connect plus read timeout, as settings require.
FAST_SWEEP_ENVIRONMENT = {
    "OUTCOMES_CONNECT_TIMEOUT": "1",
    "OUTCOMES_READ_TIMEOUT": "5",
    "OUTCOMES_STUCK_AFTER": "7",
    "OUTCOMES_SWEEP_INTERVAL": "1",
    "OUTCOMES_RETRY_SCHEDULE": "1,1,1,1,1",
}


def _broker_is_redis(url: str) -> bool:
    return urlsplit(url).scheme in {"redis", "rediss"}


def _wait_until(condition: Callable[[], bool], description: str, *logs: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tails = "\n".join(f"--- {log} ---\n{log.read_text(errors='replace')[-3000:]}" for log in logs)
    pytest.fail(f"Gave up waiting for {description}.\n{tails}")


def _kill(process: Process) -> None:
    """Kill with SIGKILL, as an out-of-memory killer or a lost machine would."""
    os.kill(process.popen.pid, signal.SIGKILL)
    process.popen.wait(timeout=30)


@dataclass
class CeleryHarness:
    """Starts worker and beat processes on one broker and one private queue."""

    broker_url: str
    queue: str
    directory: Path
    processes: list[Process]

    def _start(self, name: str, arguments: list[str]) -> Process:
        process = process_start(
            f"{name}-{len(self.processes)}",
            celery_command(*arguments),
            self.directory,
            DJANGO_SETTINGS_MODULE="tests.outcomes.worker_settings",
            CELERY_BROKER_URL=self.broker_url,
            OUTCOMES_TEST_QUEUE=self.queue,
            **FAST_SWEEP_ENVIRONMENT,
        )
        self.processes.append(process)
        return process

    def worker(self) -> Process:
        worker = self._start(
            "worker",
            [
                "worker", "--pool", "solo", "--queues", self.queue, "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
        )
        worker.wait_for_log("ready.")
        return worker

    def beat(self) -> Process:
        beat = self._start(
            "beat",
            [
                "beat", "--loglevel", "INFO",
                "--schedule", str(self.directory / "celerybeat-schedule"),
                "--pidfile", str(self.directory / "celerybeat.pid"),
            ],
        )
        beat.wait_for_log("beat: Starting")
        return beat

    def logs(self) -> list[Path]:
        return [process.log_path for process in self.processes]


@pytest.fixture
def celery_harness_factory(tmp_path: Path) -> Iterator[Callable[[str], CeleryHarness]]:
    harnesses: list[CeleryHarness] = []
    previous: list[tuple[str | None, str]] = []

    def make(broker_url: str) -> CeleryHarness:
        queue = f"outcomes-test-{uuid.uuid4().hex[:12]}"
        previous.append(celery_publish_to(broker_url, queue))
        harness = CeleryHarness(broker_url, queue, tmp_path, [])
        harnesses.append(harness)
        return harness

    yield make
    for harness in harnesses:
        for process in harness.processes:
            process.stop()
    if previous:
        celery_publish_to(*previous[0])


@pytest.fixture
def worker_consumer(consumer: Consumer, fake_lms: FakeLms) -> Consumer:
    consumer.outcomes_url = fake_lms.url
    consumer.save()
    return consumer


@pytest.fixture
def lms_settings(settings: Any) -> Any:
    settings.OUTCOMES_ALLOW_PRIVATE_NETWORKS = True
    return settings


def _graded_attempt(consumer: Consumer, sourcedid: str) -> Attempt:
    """An open attempt at a two-question assessment with one right answer saved."""
    content = ContentFactory()
    right = QuestionFactory(content=content, position=0)
    QuestionFactory(content=content, position=1)
    launch = LaunchFactory(
        user__consumer=consumer,
        content_id=content.pk,
        content_type=content.content_type,
        lis_result_sourcedid=sourcedid,
    )
    attempt = AttemptFactory(content=content, launch=launch)
    response_save(attempt, right.pk, "b", 1000)
    return attempt


def _delivery_of(attempt: Attempt) -> Delivery:
    return Delivery.objects.get(attempt=attempt)


def _status_is(attempt: Attempt, status: str) -> Callable[[], bool]:
    return lambda: Delivery.objects.filter(attempt=attempt, status=status).exists()


def test_worker_delivers_submitted_attempt(
    worker_consumer: Consumer,
    fake_lms: FakeLms,
    lms_settings: Any,
    celery_harness_factory: Callable[[str], CeleryHarness],
) -> None:
    harness = celery_harness_factory(django_settings.CELERY_BROKER_URL)
    harness.worker()
    attempt = _graded_attempt(worker_consumer, "src-worker-1")

    attempt_submit(attempt)

    _wait_until(_status_is(attempt, DeliveryStatus.DELIVERED), "the delivery", *harness.logs())
    delivery = _delivery_of(attempt)
    assert delivery.tries == 1
    assert delivery.confirmed is True
    (request,) = fake_lms.requests
    assert b'"score":0.5' in request.body
    assert b'"lis_result_sourcedid":"src-worker-1"' in request.body


def test_worker_killed_during_slow_reply_then_delivered(
    worker_consumer: Consumer,
    fake_lms: FakeLms,
    lms_settings: Any,
    celery_harness_factory: Callable[[str], CeleryHarness],
) -> None:
    harness = celery_harness_factory(django_settings.CELERY_BROKER_URL)
    worker = harness.worker()
    harness.beat()
    fake_lms.script(Reply(hang=True))
    attempt = _graded_attempt(worker_consumer, "src-worker-2")

    attempt_submit(attempt)
    _wait_until(lambda: len(fake_lms.requests) == 1, "the first request", *harness.logs())
    _kill(worker)
    fake_lms.release.set()

    assert _delivery_of(attempt).status == DeliveryStatus.SENDING
    harness.worker()
    _wait_until(_status_is(attempt, DeliveryStatus.DELIVERED), "the delivery", *harness.logs())
    delivery = _delivery_of(attempt)
    lost, delivered = delivery.try_set.order_by("pk")
    assert delivery.tries == 2
    assert "worker stopped during the request" in lost.error
    assert delivered.status_code == 200
    assert len(fake_lms.requests) == 2
    assert {r.headers["x-gooru-delivery-id"] for r in fake_lms.requests} == {str(delivery.uuid)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisServer:
    """A redis-server of this test alone, on its own port, without persistence."""

    port: int
    directory: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.popen = subprocess.Popen(
            [
                REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def accepting() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", self.port)) == 0

        _wait_until(accepting, f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(timeout=20)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if not _broker_is_redis(django_settings.CELERY_BROKER_URL):
        pytest.skip("needs Redis: CELERY_BROKER_URL is not a redis:// URL")
    if not shutil.which(REDIS_SERVER):
        pytest.skip(f"needs {REDIS_SERVER} to start a Redis of its own")
    server = RedisServer(_free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


def test_worker_delivers_after_redis_outage_at_submit(
    worker_consumer: Consumer,
    fake_lms: FakeLms,
    lms_settings: Any,
    own_redis: RedisServer,
    celery_harness_factory: Callable[[str], CeleryHarness],
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = celery_harness_factory(own_redis.url)
    harness.worker()
    harness.beat()
    attempt = _graded_attempt(worker_consumer, "src-worker-3")

    with celery_app.connection_for_write() as publishing:
        assert publishing.as_uri().endswith(f":{own_redis.port}/0")
    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="outcomes"):
        attempt_submit(attempt)
    delivery = _delivery_of(attempt)
    assert delivery.status == DeliveryStatus.PENDING
    assert f"Delivery {delivery.pk} not enqueued, the sweeper will send it" in caplog.text
    assert fake_lms.requests == []

    own_redis.start()
    _wait_until(_status_is(attempt, DeliveryStatus.DELIVERED), "the delivery", *harness.logs())
    assert len(fake_lms.requests) == 1
