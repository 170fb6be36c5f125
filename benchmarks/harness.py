"""Start and stop what a benchmark runs against, all on 127.0.0.1.

Every benchmark gets its own PostgreSQL database (named gooru_bench_*), cloned
from a migrated template, and a Celery queue of the same name in the Redis
database of BENCH_REDIS_URL. Servers run as
child processes in their own process group, so that stopping one also stops
its workers and nothing outlives the benchmark.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
# Server logs and raw JSON results; BENCH_VAR_DIR moves them (the smoke test does).
VAR_DIR = Path(os.environ.get("BENCH_VAR_DIR", ROOT / "var" / "benchmarks"))
BIN_DIR = Path(sys.executable).parent

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
# Every database a benchmark creates or drops starts with this prefix.
DATABASE_PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "gooru_bench_")
if not re.fullmatch(r"gooru_bench_[a-z0-9_]*", DATABASE_PREFIX):
    raise SystemExit(
        f"BENCH_DATABASE_PREFIX={DATABASE_PREFIX!r} is invalid: use gooru_bench_ followed by "
        "lowercase letters, digits or underscores."
    )
BENCH_CONSUMER_KEY = "bench-key"
BENCH_CONSUMER_SECRET = "bench-secret-0123456789abcdef"

# Seconds to wait for a server to accept connections after it was started.
STARTUP_TIMEOUT = 60.0


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"{url!r} is not on 127.0.0.1: benchmarks only talk to local servers.")


_check_loopback(POSTGRES_URL)
_check_loopback(REDIS_URL)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_name(kind: str) -> str:
    """Return the name of the database for one kind of benchmark, such as "growth"."""
    return f"{DATABASE_PREFIX}{kind}"


TEMPLATE_DATABASE = database_name("template")


def database_url(name: str) -> str:
    return f"{POSTGRES_URL}/{name}"


def server_env(database: str, **extra: str) -> dict[str, str]:
    """Return the environment for every process of one benchmark."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DATABASE_URL": database_url(database),
            "BENCH_QUEUE": database,
            "CELERY_BROKER_URL": REDIS_URL,
            "BENCH_CONSUMER_KEY": BENCH_CONSUMER_KEY,
            "BENCH_CONSUMER_SECRET": BENCH_CONSUMER_SECRET,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def setup_django(database: str, **extra: str) -> None:
    """Point this process's Django at the benchmark database and set it up.

    SIGTERM (from `timeout`, for example) then exits through the `finally`
    blocks, so the servers this process started are stopped with it.
    """
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    os.environ.update(server_env(database, **extra))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(database_url("postgres"), autocommit=True)


def _migrate_template() -> None:
    with _admin_connection() as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE_DATABASE,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{TEMPLATE_DATABASE}"')
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        env=server_env(TEMPLATE_DATABASE),
        cwd=ROOT,
        check=True,
    )


def fresh_database(name: str) -> str:
    """Drop and recreate database `name` as a copy of the migrated template; return name."""
    if not name.startswith(DATABASE_PREFIX) or name == TEMPLATE_DATABASE:
        raise ValueError(f"Benchmark databases are named {DATABASE_PREFIX}*, not {name!r}.")
    _migrate_template()
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DATABASE}"')
    return name


def flush_broker() -> None:
    """Drop the messages waiting in this benchmark's Celery queue (named after its database).

    Only the queue's lists are deleted, not the whole Redis database, so that
    workers bound to other queues in the same database keep their bindings.
    """
    queue = os.environ.get("BENCH_QUEUE", "celery")
    # kombu keeps messages of priority 3, 6 and 9 in lists named after the queue.
    keys = [queue, *(f"{queue}\x06\x16{priority}" for priority in (3, 6, 9))]
    redis.Redis.from_url(REDIS_URL).delete(*keys)


class Process:
    """A child process in its own process group, stopped with the group."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str]) -> None:
        self.name = name
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = VAR_DIR / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            list(argv),
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def check_running(self) -> None:
        if self.popen.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{tail}")

    def stop(self, timeout: float = 20.0) -> None:
        """Send SIGTERM to the group, then SIGKILL to what is left after timeout seconds."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self._log.close()


def _wait_for_port(process: Process, port: int) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        process.check_running()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not listen on port {port} within {STARTUP_TIMEOUT} s.")


@contextlib.contextmanager
def _serving(process: Process, port: int) -> Iterator[str]:
    """Yield the base URL once process listens on port; stop it afterwards."""
    try:
        _wait_for_port(process, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()


@contextlib.contextmanager
def gunicorn(database: str, workers: int) -> Iterator[str]:
    """Run the service under gunicorn with sync workers; yield its base URL."""
    port = free_port()
    process = Process(
        "gunicorn",
        [
            str(BIN_DIR / "gunicorn"),
            "gooru_lti.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            "2048",
        ],
        server_env(database),
    )
    with _serving(process, port) as base_url:
        yield base_url


@contextlib.contextmanager
def sink() -> Iterator[str]:
    """Run the recording HTTP sink (benchmarks.sink); yield its base URL."""
    port = free_port()
    process = Process(
        "sink",
        [sys.executable, "-m", "benchmarks.sink", "--port", str(port)],
        server_env(TEMPLATE_DATABASE),
    )
    with _serving(process, port) as base_url:
        yield base_url


@contextlib.contextmanager
def celery_worker(database: str, concurrency: int, name: str = "worker") -> Iterator[Process]:
    """Run a prefork Celery worker of `concurrency` processes; yield once it replies to a ping."""
    process = Process(
        name,
        [
            str(BIN_DIR / "celery"),
            "-A",
            "gooru_lti",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--hostname",
            f"{name}-{os.getpid()}@127.0.0.1",
            "--without-gossip",
            "--without-mingle",
        ],
        server_env(database),
    )
    try:
        _wait_for_worker(process)
        yield process
    finally:
        process.stop()


def _wait_for_worker(process: Process) -> None:
    from gooru_lti.celery import app

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        process.check_running()
        replies = app.control.ping(timeout=0.5) or []
        if any(process.name in next(iter(reply)) for reply in replies):
            return
    raise RuntimeError(f"{process.name} did not reply to a ping within {STARTUP_TIMEOUT} s.")


def process_tree_rss_kib(pid: int) -> dict[int, int]:
    """Return the resident set size in KiB of pid and each of its children, by pid."""
    sizes: dict[int, int] = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        status = Path(f"/proc/{current}/status")
        with contextlib.suppress(FileNotFoundError):
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[current] = int(line.split()[1])
        children = Path(f"/proc/{current}/task/{current}/children")
        with contextlib.suppress(FileNotFoundError):
            pending.extend(int(child) for child in children.read_text().split())
    return sizes
