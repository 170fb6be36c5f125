"""Writes of the player: start or resume an attempt, save responses, submit."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from launches.models import Launch
from player_api.errors import ContentNotFound
from player_api.models import Attempt, AttemptStatus, Content

logger = logging.getLogger(__name__)


def attempt_start_or_resume(launch: Launch) -> Attempt:
    """Return the attempt a launch plays, resuming or starting one.

    The user's open attempt for the launch's resource link and content is
    resumed and bound to this newest launch, so its outcome uses this launch's
    sourcedid. When none is open but this very launch already submitted one
    (the student reloaded the page after submitting), that attempt is returned
    so that the page shows its result. Otherwise a new attempt starts: a
    submitted attempt is never reopened.

    Raises ContentNotFound when no content of the launch's type has its id.
    """
    content = Content.objects.filter(
        pk=launch.content_id, content_type=launch.content_type
    ).first()
    if content is None:
        raise ContentNotFound(
            f"No {launch.content_type} with id {launch.content_id} is available."
        )

    for _ in range(2):
        attempt = _attempt_open_for(launch)
        if attempt is not None:
            if attempt.launch_id != launch.pk:
                attempt.launch = launch
                attempt.save(update_fields=["launch"])
            return attempt

        submitted = (
            Attempt.objects.filter(launch=launch, content=content)
            .order_by("-submitted_at")
            .first()
        )
        if submitted is not None:
            return submitted

        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    user=launch.user,
                    launch=launch,
                    content=content,
                    resource_link_id=launch.resource_link_id,
                )
        except IntegrityError:
            # A second request for the same link started the attempt first;
            # the next round resumes it.
            logger.info(
                "Attempt for launch %s was started concurrently; resuming it", launch.pk
            )
            continue
        logger.info("Started attempt %s for launch %s", attempt.pk, launch.pk)
        return attempt

    raise RuntimeError(f"Could not start or resume an attempt for launch {launch.pk}.")


def _attempt_open_for(launch: Launch) -> Attempt | None:
    return Attempt.objects.filter(
        user=launch.user,
        resource_link_id=launch.resource_link_id,
        content_id=launch.content_id,
        status=AttemptStatus.IN_PROGRESS,
    ).first()
