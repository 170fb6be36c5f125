"""Writes for launches: record a verified launch and purge expired nonces."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction

from launches.errors import LaunchRejected, RejectReason
from launches.models import Launch, LtiUser, Nonce
from launches.parameters import LaunchParameters
from launches.verification import VerifiedLaunch

logger = logging.getLogger(__name__)


def _user_update_or_create(verified: VerifiedLaunch, parameters: LaunchParameters) -> LtiUser:
    """Return the user for (consumer, user_id), creating it on the first launch.

    Name and email are refreshed when the LMS sends them and are never used to
    find a user, so two LMS users with one email stay two Gooru users.
    """
    user, created = LtiUser.objects.get_or_create(
        consumer=verified.consumer,
        lms_user_id=parameters.user_id,
        defaults={"name": parameters.name, "email": parameters.email},
    )
    if created:
        return user

    changed = []
    if parameters.name and parameters.name != user.name:
        user.name = parameters.name
        changed.append("name")
    if parameters.email and parameters.email != user.email:
        user.email = parameters.email
        changed.append("email")
    if changed:
        user.save(update_fields=[*changed, "updated"])
    return user


def launch_record(verified: VerifiedLaunch, parameters: LaunchParameters) -> Launch:
    """Store the nonce, the user and the launch in one transaction and return the launch.

    Raises LaunchRejected(REPLAYED_NONCE) when the consumer already used this
    nonce. Of two concurrent copies of one launch, the unique constraint on
    Nonce lets exactly one commit; the other rolls back and writes nothing.
    """
    consumer = verified.consumer
    with transaction.atomic():
        try:
            with transaction.atomic():
                Nonce.objects.create(
                    consumer=consumer, value=verified.nonce, timestamp=verified.timestamp
                )
        except IntegrityError:
            raise LaunchRejected(
                RejectReason.REPLAYED_NONCE,
                f"The oauth_nonce {verified.nonce!r} was used before.",
                consumer_key=consumer.key,
                consumer=consumer,
            ) from None

        user = _user_update_or_create(verified, parameters)
        launch = Launch.objects.create(
            consumer=consumer,
            user=user,
            resource_link_id=parameters.resource_link_id,
            context_id=parameters.context_id,
            context_title=parameters.context_title,
            tool_consumer_instance_guid=parameters.tool_consumer_instance_guid,
            roles=parameters.roles_value,
            is_student=parameters.roles.is_student,
            content_type=parameters.content_type,
            content_id=parameters.content_id,
            class_id=parameters.ids["class_id"],
            course_id=parameters.ids["course_id"],
            unit_id=parameters.ids["unit_id"],
            lesson_id=parameters.ids["lesson_id"],
            lis_result_sourcedid=parameters.lis_result_sourcedid,
            lis_outcome_service_url=parameters.lis_outcome_service_url,
            launch_presentation_return_url=parameters.launch_presentation_return_url,
            ext_outcome_data_values_accepted=parameters.ext_outcome_data_values_accepted,
        )
    return launch


def nonces_purge_expired() -> int:
    """Delete the nonces whose timestamp is outside the window, and return how many.

    A replay of such a nonce is rejected by its timestamp alone, so its row
    is no longer needed.
    """
    oldest_accepted = int(time.time()) - int(settings.LTI_TIMESTAMP_WINDOW)
    deleted, _ = Nonce.objects.filter(timestamp__lt=oldest_accepted).delete()
    if deleted:
        logger.info("Purged %s expired nonces", deleted)
    return deleted
