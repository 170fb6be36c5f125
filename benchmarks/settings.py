"""Settings for benchmark servers: the production settings plus two baseline views.

The harness sets DATABASE_URL and CELERY_BROKER_URL for every process it starts.
The development keys below are for servers on 127.0.0.1 that live for one run.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "YmVuY2htYXJrLW9ubHktZmllbGQta2V5LTAwMDAwMDA=")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("OUTCOMES_ALLOW_PRIVATE_NETWORKS", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from gooru_lti.settings import *  # noqa: E402,F403

ROOT_URLCONF = "benchmarks.urls"

# Each benchmark sends its tasks to its own queue, so that two benchmarks sharing
# the Redis database never take each other's messages.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BENCH_QUEUE", "celery")

# The consumer that the verify-only baseline view accepts; the harness sets both.
BENCH_CONSUMER_KEY = os.environ.get("BENCH_CONSUMER_KEY", "bench-key")
BENCH_CONSUMER_SECRET = os.environ.get("BENCH_CONSUMER_SECRET", "bench-secret")
