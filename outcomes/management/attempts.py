"""Helpers shared by the outcome commands."""

from __future__ import annotations

import uuid

from django.core.management.base import CommandError

from player_api.models import Attempt


def attempt_get(value: str) -> Attempt:
    """Return the attempt with this UUID, or raise CommandError naming the value."""
    try:
        attempt_id = uuid.UUID(value)
    except ValueError:
        raise CommandError(
            f"--attempt {value!r} is not an attempt UUID. Copy the attempt id from the admin."
        ) from None
    attempt = (
        Attempt.objects.select_related("launch__consumer", "content").filter(pk=attempt_id).first()
    )
    if attempt is None:
        raise CommandError(f"Attempt {value} not found. Check the id in the admin under Attempts.")
    return attempt
