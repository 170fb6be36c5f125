"""Celery tasks of the launch app."""

from __future__ import annotations

from celery import shared_task

from launches.services import nonces_purge_expired


@shared_task
def purge_expired_nonces() -> int:
    """Delete nonces too old to be replayed; beat runs this every ten minutes."""
    return nonces_purge_expired()
