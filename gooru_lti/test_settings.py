"""Settings for the test suite: the production settings with development keys.

DATABASE_URL and CELERY_BROKER_URL still come from the environment, so the same
suite runs on the embedded defaults and on PostgreSQL with Redis or RabbitMQ.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5LTA=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1,tool.example.edu")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
