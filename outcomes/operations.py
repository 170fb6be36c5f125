"""Operator actions on outcomes: send a delivery again, cancel it, read or delete a POX result."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from launches.models import OutcomeFormat
from outcomes import policy
from outcomes.models import Delivery, DeliveryStatus, Operation
from outcomes.payloads import pox_delete_build, pox_message_id_new, pox_read_build
from outcomes.services import (
    delivery_enqueue,
    delivery_finish,
    delivery_http_try,
    delivery_newer,
    log_context,
    outcome_target_url,
    try_judge,
)
from player_api.models import Attempt

logger = logging.getLogger(__name__)


class DeliveryActionError(Exception):
    """An operator action that does not apply to a delivery, with the reason."""


def delivery_resend(delivery: Delivery, *, enqueue: bool = True) -> Delivery:
    """Make a delivery due now with a fresh retry schedule, and enqueue it when enqueue is True.

    The target URL is read again from the consumer, so a corrected outcomes
    URL takes effect. The payload stays as built on submit. Raises
    DeliveryActionError for a delivery in flight, one that is not a replace,
    one that has no payload, or one that a newer delivery for the same
    sourcedid replaces, because sending it would overwrite a newer score.
    """
    if delivery.operation != Operation.REPLACE:
        raise DeliveryActionError("only replace deliveries are sent again")
    if delivery.status == DeliveryStatus.SENDING:
        raise DeliveryActionError("it is being sent right now")
    if not delivery.payload:
        raise DeliveryActionError(f"it has no payload ({delivery.last_error})")
    newer = delivery_newer(delivery)
    if newer is not None:
        raise DeliveryActionError(f"newer delivery {newer.pk} exists for the same sourcedid")

    target_url = outcome_target_url(delivery.consumer, delivery.attempt.launch)
    now = timezone.now()
    updated = (
        Delivery.objects.filter(pk=delivery.pk)
        .exclude(status=DeliveryStatus.SENDING)
        .update(
            status=DeliveryStatus.PENDING,
            tries=0,
            next_try_at=now,
            enqueued_at=now if enqueue else None,
            target_url=target_url,
            updated=now,
        )
    )
    if not updated:
        raise DeliveryActionError("it is being sent right now")
    logger.info(
        "Delivery %s (consumer %s, attempt %s): queued again by an operator",
        *log_context(delivery),
    )
    if enqueue:
        delivery_id = delivery.pk
        transaction.on_commit(lambda: delivery_enqueue(delivery_id))
    delivery.refresh_from_db()
    return delivery


def delivery_cancel(delivery: Delivery) -> Delivery:
    """Cancel a pending or failed delivery; raises DeliveryActionError for any other status."""
    updated = Delivery.objects.filter(
        pk=delivery.pk, status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]
    ).update(status=DeliveryStatus.CANCELLED, next_try_at=None, updated=timezone.now())
    if not updated:
        raise DeliveryActionError(f"a {delivery.status} delivery cannot be cancelled")
    logger.info(
        "Delivery %s (consumer %s, attempt %s): cancelled by an operator", *log_context(delivery)
    )
    delivery.refresh_from_db()
    return delivery


# --- Read and delete (POX only) --------------------------------------------


class OutcomeNotSupportedError(Exception):
    """readResult and deleteResult asked of a consumer that does not offer them."""


@dataclass(frozen=True)
class OutcomeOperationResult:
    delivery: Delivery
    delivered: bool
    unsupported: bool
    score_text: str | None
    error: str


def _pox_operation(attempt: Attempt, operation: Operation) -> OutcomeOperationResult:
    """Send one readResult or deleteResult for an attempt's sourcedid, inline and once.

    The request is recorded as a delivery with its try, like a replace, but is
    never retried: operators run the command again. An imsx_codeMajor of
    unsupported is reported as such.
    """
    launch = attempt.launch
    consumer = launch.consumer
    if consumer.outcome_format != OutcomeFormat.LTI_POX:
        raise OutcomeNotSupportedError(
            f"Consumer {consumer.key} receives Gooru JSON, which offers no "
            f"{operation.label.lower()}: only LTI 1.1 POX consumers do."
        )
    if not attempt.lis_result_sourcedid:
        raise OutcomeNotSupportedError(
            f"Attempt {attempt.pk} has no lis_result_sourcedid (a preview, or not submitted "
            f"yet): nothing to {operation}."
        )

    builder = pox_read_build if operation == Operation.READ else pox_delete_build
    message_id = pox_message_id_new()
    now = timezone.now()
    delivery = Delivery.objects.create(
        uuid=uuid.uuid4(),
        consumer=consumer,
        attempt=attempt,
        operation=operation,
        outcome_format=OutcomeFormat.LTI_POX,
        target_url=outcome_target_url(consumer, launch),
        sourcedid=attempt.lis_result_sourcedid,
        payload=builder(attempt.lis_result_sourcedid, message_id),
        status=DeliveryStatus.SENDING,
        tries=1,
        sending_since=now,
        claim_id=uuid.uuid4(),
    )
    result = delivery_http_try(delivery, delivery.payload, message_id)
    judgement = try_judge(delivery, result)
    delivered = judgement.verdict is policy.Verdict.DELIVERED
    status_code = result.reply.status if result.reply is not None else None
    delivery_finish(
        delivery,
        status=DeliveryStatus.DELIVERED if delivered else DeliveryStatus.FAILED,
        delivered_at=now if delivered else None,
        confirmed=judgement.confirmed,
        last_status_code=status_code,
        last_error=judgement.error,
        next_try_at=None,
    )
    if not delivered:
        logger.warning(
            "Delivery %s (consumer %s, attempt %s): %s failed (HTTP %s): %s",
            *log_context(delivery),
            operation.label,
            status_code,
            judgement.error,
        )
    return OutcomeOperationResult(
        delivery=delivery,
        delivered=delivered,
        unsupported=judgement.code_major == "unsupported",
        score_text=judgement.score_text,
        error=judgement.error,
    )


def outcome_read(attempt: Attempt) -> OutcomeOperationResult:
    """Read the score the LMS holds for an attempt's sourcedid (readResult)."""
    return _pox_operation(attempt, Operation.READ)


def outcome_delete(attempt: Attempt) -> OutcomeOperationResult:
    """Clear the score the LMS holds for an attempt's sourcedid (deleteResult)."""
    return _pox_operation(attempt, Operation.DELETE)

