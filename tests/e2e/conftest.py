"""Fixtures for the end-to-end tests: a live server, a real Celery worker and the inspector.

The worker is a subprocess started against the test database, so the tests that
use it are transactional: every row they write is committed and visible to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from gooru_lti.celery import app as celery_app
from player_api.models import Content
from test_consumer.models import InspectedRequest

SAMPLE_ASSESSMENT_ID = "882eb153-6d72-4068-ba58-18f22add3e2d"
# Long enough for a worker on a busy 2-core machine. It bounds a wait and asserts no speed.
WAIT_SECONDS = 90


def database_url_for_subprocess() -> str:
    """Return a DATABASE_URL naming the test database this process uses now."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST']}{port}/{db['NAME']}"


def subprocess_environment(**extra: str) -> dict[str, str]:
    """Return the environment for a worker, beat or web process of the flow under test."""
    environment = dict(os.environ)
    environment.update(
        DJANGO_SETTINGS_MODULE="gooru_lti.test_settings",
        DATABASE_URL=database_url_for_subprocess(),
        CELERY_BROKER_URL=django_settings.CELERY_BROKER_URL,
        OUTCOMES_ALLOW_PRIVATE_NETWORKS="1",
        TEST_CONSUMER_ENABLED="1",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    environment.update(extra)
    return environment


@dataclass
class Process:
    """A subprocess of the flow, with its output in a log file for failure messages."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, characters: int = 3000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"--- {self.name} log ({self.log_path}) ---\n{text[-characters:]}"

    def wait_for_log(self, marker: str) -> None:
        """Wait until the log contains marker; fail with the log when the process exits."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if marker in self.log_path.read_text(errors="replace"):
                return
            if self.popen.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.popen.returncode}.\n{self.log_tail()}")
            time.sleep(0.2)
        pytest.fail(f"{self.name} did not log {marker!r} in time.\n{self.log_tail()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def process_start(name: str, command: list[str], log_dir: Path, **environment: str) -> Process:
    log_path = log_dir / f"{name}.log"
    log_file = log_path.open("wb")
    popen = subprocess.Popen(
        command,
        cwd=django_settings.BASE_DIR,
        env=subprocess_environment(**environment),
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    log_file.close()
    return Process(name, popen, log_path)


def celery_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "gooru_lti", *arguments]


@pytest.fixture(autouse=True)
def celery_configured_broker() -> None:
    """Make the in-process Celery app publish to the configured broker.

    Celery reads broker_url from the CELERY_BROKER_URL environment variable
    first, so a test that patches the variable and then the setting restores
    the patched URL, and every later publish would go to that broker.
    """
    if celery_app.conf.broker_url != django_settings.CELERY_BROKER_URL:
        celery_app.conf.broker_url = django_settings.CELERY_BROKER_URL
        celery_app.close()


@pytest.fixture(scope="session")
def flow_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Process]:
    """A real Celery worker on the configured broker, reading a queue of its own.

    The queue name is unique to this run, so that a worker of another test run
    on the same file-system broker never takes these tasks, nor this one theirs.
    """
    queue = f"e2e-{uuid.uuid4().hex[:12]}"
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    worker = process_start(
        "worker",
        celery_command(
            "worker", "--pool", "solo", "--queues", queue, "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ),
        tmp_path_factory.mktemp("e2e-worker"),
    )
    try:
        worker.wait_for_log("ready.")
        yield worker
    finally:
        worker.stop()
        celery_app.conf.task_default_queue = previous_queue


@pytest.fixture
def flow_server(live_server: LiveServer, settings: Settings) -> str:
    """The live server's base URL on 127.0.0.1, with the test consumer and inspector on."""
    settings.TEST_CONSUMER_ENABLED = True
    settings.OUTCOMES_ALLOW_PRIVATE_NETWORKS = True
    return live_server.url.replace("localhost", "127.0.0.1")


@pytest.fixture
def sample_assessment(transactional_db: None) -> Content:
    """The 10-question sample assessment, imported with import_content."""
    sample_dir = Path(django_settings.BASE_DIR) / "player_api" / "sample_content"
    files = sorted(str(path) for path in sample_dir.glob("*.json"))
    if not files:
        pytest.skip(f"no sample content in {sample_dir}")
    call_command("import_content", *files, stdout=StringIO())
    return Content.objects.get(pk=SAMPLE_ASSESSMENT_ID)


def inspected_wait(
    predicate: Callable[[InspectedRequest], bool], *processes: Process, count: int = 1
) -> list[InspectedRequest]:
    """Wait until the inspector has recorded count requests that match predicate."""
    deadline = time.monotonic() + WAIT_SECONDS
    matched: list[InspectedRequest] = []
    while time.monotonic() < deadline:
        matched = [item for item in InspectedRequest.objects.order_by("id") if predicate(item)]
        if len(matched) >= count:
            return matched
        time.sleep(0.3)
    seen = list(InspectedRequest.objects.values("verdict", "operation", "score", "detail"))
    logs = "\n".join(process.log_tail() for process in processes)
    pytest.fail(f"The inspector received {len(matched)} of {count} matching requests: {seen}\n{logs}")

