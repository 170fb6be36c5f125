"""Reads over launches that other apps rely on."""

from __future__ import annotations

import uuid

from launches.models import Consumer, Launch, LtiUser


def launch_newest_for_link(
    consumer: Consumer, resource_link_id: str, user: LtiUser
) -> Launch | None:
    """Return the newest launch of a resource link by a user at a consumer, or None.

    Its lis_result_sourcedid is the one later outcomes for that link use,
    because an LMS may issue a new sourcedid on each launch.
    """
    # NOTE: launches created in the same microsecond (a frozen clock in a test)
    # have no defined order among themselves.
    return (
        Launch.objects.filter(consumer=consumer, resource_link_id=resource_link_id, user=user)
        .order_by("-created")
        .first()
    )


def content_exists(content_type: str, content_id: uuid.UUID) -> bool:
    """Return True when the player has content with this id and type."""
    # Imported here because player_api.models imports launches.models.
    from player_api.models import Content

    return Content.objects.filter(pk=content_id, content_type=content_type).exists()
