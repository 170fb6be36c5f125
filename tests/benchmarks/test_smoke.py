"""One benchmark, run with tiny sizes, to show that the scripts still run end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    or not settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="The benchmarks run on PostgreSQL and Redis only.",
)


def test_growth_benchmark_runs_tiny(tmp_path: Path) -> None:
    # Own databases and the suite's own Redis database, apart from real benchmark runs.
    env = dict(
        os.environ,
        BENCH_VAR_DIR=str(tmp_path),
        BENCH_DATABASE_PREFIX="gooru_bench_smoke_",
        BENCH_REDIS_URL=settings.CELERY_BROKER_URL,
    )

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.growth",
            "--runs",
            "1",
            "--sizes",
            "50,100",
            "--due",
            "3",
            "--no-doc",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((tmp_path / "growth.json").read_text())
    assert list(results) == ["50", "100"]
    largest = results["100"][0]
    assert largest["claim_p50_ms"] > 0
    assert largest["sweep_idle_ms"] > 0
    assert largest["claim_sql_ms"] >= 0
    assert largest["sweep_sql_ms"] >= 0
    # A table this small may be read by a sequential scan, so only a plan is required.
    assert largest["sweep_plan"] != "none"
    assert largest["claim_plan"] != "none"
    assert "| historical deliveries |" in result.stdout
