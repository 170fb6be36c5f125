"""Outcome deliveries: record on submit, claim, send, judge the reply, retry or finish.

The flow of one score: `delivery_create_for_attempt` writes the row inside the
submit transaction and enqueues `outcomes.tasks.deliver_outcome` on commit.
The task calls `delivery_send`, which claims the row with one conditional
UPDATE, makes the HTTP call outside any transaction, and records the try.
Retries are scheduled in `next_try_at`, and the periodic `deliveries_sweep`
enqueues rows that are due and rows stuck in "sending" after a worker died.
Operator actions (resend, cancel, readResult, deleteResult) live in
`outcomes.operations`.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from launches.models import Consumer, Launch, OutcomeFormat, PoxTarget
from outcomes import policy
from outcomes.models import Delivery, DeliveryStatus, DeliveryTry, Operation
from outcomes.payloads import (
    InvalidScoreError,
    ResultData,
    json_payload_build,
    pox_message_id_new,
    pox_message_id_replace,
    pox_replace_build,
)
from outcomes.signing import authorization_header
from outcomes.transport import HttpReply, TransportError, http_post
from player_api.models import Attempt

logger = logging.getLogger(__name__)

DELIVERY_ID_HEADER = "X-Gooru-Delivery-Id"
CONTENT_TYPES = {
    OutcomeFormat.GOORU_JSON: "application/json",
    OutcomeFormat.LTI_POX: "application/xml",
}
# The maximum number of rows one sweep enqueues; the next sweep takes the rest.
SWEEP_BATCH_SIZE = 1000
# The first characters of a reply body kept on a try row.
REPLY_EXCERPT_CHARS = 2000
# Statuses after which a delivery is never sent again unless an operator resends it.
FINAL_STATUSES = {
    DeliveryStatus.DELIVERED,
    DeliveryStatus.FAILED,
    DeliveryStatus.SUPERSEDED,
    DeliveryStatus.CANCELLED,
}


def _uuid_text(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def log_context(delivery: Delivery) -> tuple[object, ...]:
    return (delivery.pk, delivery.consumer.key, delivery.attempt_id)


# --- Target and payload ---------------------------------------------------


def outcome_target_url(consumer: Consumer, launch: Launch) -> str:
    """Return where a consumer's outcome for this launch goes.

    POX consumers set to the launch target use the launch's
    lis_outcome_service_url, but only when its host is in the consumer's list
    of allowed outcome hosts. Otherwise, and for JSON, it is the configured URL.
    """
    launch_url = launch.lis_outcome_service_url.strip()
    if (
        consumer.outcome_format == OutcomeFormat.LTI_POX
        and consumer.pox_target == PoxTarget.LAUNCH
        and launch_url
    ):
        host = (urlsplit(launch_url).hostname or "").lower()
        if urlsplit(launch_url).scheme in {"http", "https"} and host in consumer.allowed_outcome_host_list():
            return launch_url
        logger.info(
            "Launch %s: lis_outcome_service_url host %r is not allowed for consumer %s; "
            "using the configured outcomes URL",
            launch.pk,
            host,
            consumer.key,
        )
    return consumer.outcomes_url


def _result_data(attempt: Attempt) -> ResultData | None:
    """Return the Canvas resultData text when the launch accepts it, else None."""
    accepted = {
        value.strip().lower()
        for value in attempt.launch.ext_outcome_data_values_accepted.split(",")
        if value.strip()
    }
    if "text" not in accepted:
        return None
    return ResultData(text=f"{attempt.content.title}: {round((attempt.score or 0) * 100)}%")


def outcome_payload_build(attempt: Attempt, outcome_format: str, message_id: str) -> str:
    """Build the replace payload for an attempt; raises InvalidScoreError for a bad score."""
    if outcome_format == OutcomeFormat.LTI_POX:
        return pox_replace_build(
            attempt.lis_result_sourcedid, attempt.score, message_id, _result_data(attempt)
        )
    return json_payload_build(
        sourcedid=attempt.lis_result_sourcedid,
        score=attempt.score,  # type: ignore[arg-type]
        content_id=str(attempt.content_id),
        content_type=attempt.content.content_type,
        user_id=str(attempt.user_id),
        class_id=_uuid_text(attempt.class_id),
        course_id=_uuid_text(attempt.course_id),
        unit_id=_uuid_text(attempt.unit_id),
        lesson_id=_uuid_text(attempt.lesson_id),
        time_spend_ms=attempt.time_spend_ms,
        reaction=attempt.reaction,
        questions_count=attempt.questions_count,
        completed_time=attempt.completed_time,
        student=attempt.student,
    )


# --- Record on submit -----------------------------------------------------


def delivery_create_for_attempt(attempt: Attempt) -> Delivery | None:
    """Record the outcome delivery of a submitted attempt and enqueue it on commit.

    Call it inside the submit transaction, after the result and the snapshot
    (score, sourcedid, ids) are stored on the attempt, so the row exists if and
    only if the submission commits. Older deliveries for the same consumer and
    sourcedid that have not gone out yet become superseded, so an older score
    never overwrites a newer one. Returns None, creating nothing, for an
    attempt without a sourcedid (a preview, not deliverable). A score that
    cannot be sent (NaN, outside [0, 1]) gives a failed delivery with the
    reason, so the submission still commits and operators see the error.
    """
    sourcedid = attempt.lis_result_sourcedid
    if not sourcedid:
        logger.info("Attempt %s has no lis_result_sourcedid: not deliverable", attempt.pk)
        return None

    launch = attempt.launch
    consumer = launch.consumer
    now = timezone.now()
    delivery = Delivery(
        uuid=uuid.uuid4(),
        consumer=consumer,
        attempt=attempt,
        operation=Operation.REPLACE,
        outcome_format=consumer.outcome_format,
        target_url=outcome_target_url(consumer, launch),
        sourcedid=sourcedid,
        status=DeliveryStatus.PENDING,
        next_try_at=now,
        enqueued_at=now,
    )
    try:
        delivery.payload = outcome_payload_build(attempt, delivery.outcome_format, delivery.uuid.hex)
    except (InvalidScoreError, ValueError) as error:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_try_at = None
        delivery.enqueued_at = None
        delivery.last_error = f"Not sent: {error}"
        logger.warning(
            "Delivery for attempt %s (consumer %s) not sent: %s", attempt.pk, consumer.key, error
        )
    delivery.save()

    superseded = (
        Delivery.objects.filter(
            consumer=consumer,
            sourcedid=sourcedid,
            operation=Operation.REPLACE,
            status=DeliveryStatus.PENDING,
        )
        .exclude(pk=delivery.pk)
        .update(
            status=DeliveryStatus.SUPERSEDED,
            last_error=f"Superseded by delivery {delivery.pk}.",
            next_try_at=None,
        )
    )
    if superseded:
        logger.info(
            "Delivery %s supersedes %s older pending deliveries for consumer %s",
            delivery.pk,
            superseded,
            consumer.key,
        )

    if delivery.status == DeliveryStatus.PENDING:
        delivery_id = delivery.pk
        transaction.on_commit(lambda: delivery_enqueue(delivery_id))
    return delivery


def delivery_enqueue(delivery_id: int) -> bool:
    """Put a send task for a delivery on the broker; return False when the broker is down.

    A failure is logged and not raised, because the score is already stored:
    the sweeper enqueues the delivery once the broker is back.
    """
    from outcomes.tasks import deliver_outcome

    try:
        deliver_outcome.apply_async(
            (delivery_id,),
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        )
    except Exception as error:  # kombu raises OperationalError, redis and amqp their own
        Delivery.objects.filter(pk=delivery_id).update(enqueued_at=None)
        logger.warning(
            "Delivery %s not enqueued, the sweeper will send it: %s: %s",
            delivery_id,
            type(error).__name__,
            error,
        )
        return False
    return True


# --- Claim, send, record --------------------------------------------------


def _stuck_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.OUTCOMES_STUCK_AFTER)


def delivery_claim(delivery_id: int) -> Delivery | None:
    """Claim a due delivery for this worker, or return None when it is not ours to send.

    One conditional UPDATE moves a due "pending" row, or a "sending" row stuck
    longer than OUTCOMES_STUCK_AFTER (its worker died), to "sending" with a new
    claim id, so two workers never send one delivery at the same time. A row
    is not claimed while an older delivery for the same sourcedid is still in
    flight, so the LMS receives the scores in submission order.
    """
    now = timezone.now()
    claim_id = uuid.uuid4()
    older_in_flight = Delivery.objects.filter(
        consumer=OuterRef("consumer"),
        sourcedid=OuterRef("sourcedid"),
        operation=Operation.REPLACE,
        status=DeliveryStatus.SENDING,
        sending_since__gte=_stuck_before(now),
        pk__lt=OuterRef("pk"),
    )
    claimable = Q(status=DeliveryStatus.PENDING, next_try_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, sending_since__lt=_stuck_before(now)
    )
    claimed = (
        Delivery.objects.filter(claimable, pk=delivery_id)
        .exclude(Exists(older_in_flight))
        .update(
            status=DeliveryStatus.SENDING,
            sending_since=now,
            claim_id=claim_id,
            tries=F("tries") + 1,
            enqueued_at=None,
        )
    )
    if claimed != 1:
        return None

    # Tries left open by a worker that died during the request.
    DeliveryTry.objects.filter(delivery_id=delivery_id, duration_ms__isnull=True).exclude(
        started_at__gte=now
    ).update(error="No reply recorded: the worker stopped during the request.")
    return Delivery.objects.select_related("consumer", "attempt").get(pk=delivery_id)


def delivery_newer(delivery: Delivery) -> Delivery | None:
    """Return the newest later replace delivery for the same sourcedid, ignoring cancelled ones."""
    return (
        Delivery.objects.filter(
            consumer_id=delivery.consumer_id,
            sourcedid=delivery.sourcedid,
            operation=Operation.REPLACE,
            pk__gt=delivery.pk,
        )
        .exclude(status=DeliveryStatus.CANCELLED)
        .order_by("-pk")
        .first()
    )


def delivery_finish(delivery: Delivery, **fields: object) -> bool:
    """Write the result of a claimed delivery; False when another worker took it over."""
    updated = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claim_id=delivery.claim_id
    ).update(claim_id=None, updated=timezone.now(), **fields)
    for name, value in fields.items():
        setattr(delivery, name, value)
    if not updated:
        logger.warning(
            "Delivery %s (consumer %s, attempt %s): result not stored because another "
            "worker claimed the row meanwhile",
            *log_context(delivery),
        )
    return bool(updated)


@dataclass(frozen=True)
class TryResult:
    """The outcome of one HTTP try: a reply or a transport error, and its duration."""

    reply: HttpReply | None
    error: TransportError | None
    duration_ms: int
    message_id: str


def _request_body(delivery: Delivery) -> tuple[str, str]:
    """Return the body for this try and its POX message id (empty for JSON)."""
    if delivery.outcome_format != OutcomeFormat.LTI_POX:
        return delivery.payload, ""
    message_id = pox_message_id_new()
    return pox_message_id_replace(delivery.payload, message_id), message_id


def delivery_http_try(delivery: Delivery, body: str, message_id: str) -> TryResult:
    """Sign and POST one try of a delivery and store it as a DeliveryTry row.

    The row is written before the call, so a worker killed during the
    request still leaves a trace, and completed after it.
    """
    consumer = delivery.consumer
    content_type = CONTENT_TYPES[OutcomeFormat(delivery.outcome_format)]
    headers = {
        "Content-Type": content_type,
        DELIVERY_ID_HEADER: str(delivery.uuid),
        "Authorization": authorization_header(
            url=delivery.target_url,
            body=body,
            content_type=content_type,
            key=consumer.key,
            secret=consumer.secret,
        ),
    }
    try_row = DeliveryTry.objects.create(
        delivery=delivery, started_at=timezone.now(), message_id=message_id
    )

    started = time.monotonic()
    reply: HttpReply | None = None
    error: TransportError | None = None
    try:
        reply = http_post(
            delivery.target_url,
            body.encode("utf-8"),
            headers,
            connect_timeout=settings.OUTCOMES_CONNECT_TIMEOUT,
            read_timeout=settings.OUTCOMES_READ_TIMEOUT,
            allow_private=settings.OUTCOMES_ALLOW_PRIVATE_NETWORKS,
        )
    except TransportError as transport_error:
        error = transport_error
    duration_ms = round((time.monotonic() - started) * 1000)

    try_row.duration_ms = duration_ms
    if reply is not None:
        try_row.status_code = reply.status
        try_row.response_excerpt = reply.body.decode("utf-8", errors="replace")[:REPLY_EXCERPT_CHARS]
    if error is not None:
        try_row.error = str(error)
    try_row.save(update_fields=["duration_ms", "status_code", "response_excerpt", "error"])
    return TryResult(reply=reply, error=error, duration_ms=duration_ms, message_id=message_id)


def try_judge(delivery: Delivery, result: TryResult) -> policy.ReplyJudgement:
    if result.error is not None:
        verdict = policy.Verdict.RETRY if result.error.retryable else policy.Verdict.FAILED
        return policy.ReplyJudgement(verdict, str(result.error))
    assert result.reply is not None
    return policy.reply_judge(delivery.outcome_format, result.reply, timezone.now())


def judgement_store(delivery: Delivery, result: TryResult, judgement: policy.ReplyJudgement) -> None:
    """Store the judgement of a try on the delivery, scheduling a retry where one is left."""
    now = timezone.now()
    status_code = result.reply.status if result.reply is not None else None
    context = log_context(delivery)

    if judgement.verdict is policy.Verdict.DELIVERED:
        delivery_finish(
            delivery,
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            confirmed=judgement.confirmed,
            last_status_code=status_code,
            last_error="",
            next_try_at=None,
        )
        logger.info(
            "Delivery %s (consumer %s, attempt %s): delivered%s",
            *context,
            "" if judgement.confirmed is not False else ", unconfirmed (empty reply)",
        )
        return

    if judgement.verdict is policy.Verdict.FAILED:
        delivery_finish(
            delivery,
            status=DeliveryStatus.FAILED,
            last_status_code=status_code,
            last_error=judgement.error,
            next_try_at=None,
        )
        logger.warning(
            "Delivery %s (consumer %s, attempt %s): failed, not retried (HTTP %s): %s",
            *context,
            status_code,
            judgement.error,
        )
        return

    newer = delivery_newer(delivery)
    if newer is not None and delivery.operation == Operation.REPLACE:
        delivery_finish(
            delivery,
            status=DeliveryStatus.SUPERSEDED,
            last_status_code=status_code,
            last_error=f"{judgement.error} Superseded by delivery {newer.pk}.",
            next_try_at=None,
        )
        logger.info(
            "Delivery %s (consumer %s, attempt %s): superseded by %s after: %s",
            *context,
            newer.pk,
            judgement.error,
        )
        return

    retry_at = policy.next_try_at(delivery.tries, now, judgement.retry_after)
    if retry_at is None:
        delivery_finish(
            delivery,
            status=DeliveryStatus.FAILED,
            last_status_code=status_code,
            last_error=f"Gave up after {delivery.tries} tries. Last error: {judgement.error}",
            next_try_at=None,
        )
        logger.warning(
            "Delivery %s (consumer %s, attempt %s): failed after %s tries (HTTP %s): %s",
            *context,
            delivery.tries,
            status_code,
            judgement.error,
        )
        return

    delivery_finish(
        delivery,
        status=DeliveryStatus.PENDING,
        last_status_code=status_code,
        last_error=judgement.error,
        next_try_at=retry_at,
    )
    logger.warning(
        "Delivery %s (consumer %s, attempt %s): try %s not delivered (HTTP %s), retry at %s: %s",
        *context,
        delivery.tries,
        status_code,
        retry_at.isoformat(),
        judgement.error,
    )


def delivery_send(delivery_id: int) -> Delivery | None:
    """Claim a delivery, send it once, and store the result; safe to call twice.

    Returns the delivery as stored after the try, or None when it was not
    claimed (already sent, not due, in flight elsewhere, or gone). Never
    call it inside transaction.atomic: the HTTP call must not hold a
    transaction open.
    """
    delivery = delivery_claim(delivery_id)
    if delivery is None:
        logger.info("Delivery %s not claimed: not due, in flight or already final", delivery_id)
        return None

    newer = delivery_newer(delivery) if delivery.operation == Operation.REPLACE else None
    if newer is not None:
        delivery_finish(
            delivery,
            status=DeliveryStatus.SUPERSEDED,
            tries=delivery.tries - 1,
            last_error=f"Superseded by delivery {newer.pk}.",
            next_try_at=None,
        )
        logger.info(
            "Delivery %s (consumer %s, attempt %s): superseded by %s, not sent",
            *log_context(delivery),
            newer.pk,
        )
        _enqueue_next_for_sourcedid(delivery)
        return delivery

    body, message_id = _request_body(delivery)
    result = delivery_http_try(delivery, body, message_id)
    judgement_store(delivery, result, try_judge(delivery, result))
    if delivery.status in FINAL_STATUSES:
        _enqueue_next_for_sourcedid(delivery)
    return delivery


def _enqueue_next_for_sourcedid(delivery: Delivery) -> None:
    """Enqueue newer pending deliveries for the sourcedid that waited for this one."""
    waiting = Delivery.objects.filter(
        consumer_id=delivery.consumer_id,
        sourcedid=delivery.sourcedid,
        operation=Operation.REPLACE,
        status=DeliveryStatus.PENDING,
        next_try_at__lte=timezone.now(),
        pk__gt=delivery.pk,
    ).values_list("pk", flat=True)
    for waiting_id in waiting:
        delivery_enqueue(waiting_id)


# --- Sweeper --------------------------------------------------------------


def deliveries_due(now: datetime) -> Q:
    """Return the filter for rows the sweeper enqueues.

    These are pending rows that are due and not already on the broker, and
    rows stuck in "sending". A task put on the broker longer than
    OUTCOMES_STUCK_AFTER ago counts as lost (a broker restart without
    persistence) and is enqueued again.
    """
    stuck_before = _stuck_before(now)
    not_queued = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stuck_before)
    due = Q(status=DeliveryStatus.PENDING, next_try_at__lte=now)
    stuck = Q(status=DeliveryStatus.SENDING, sending_since__lt=stuck_before)
    return (due | stuck) & not_queued


def deliveries_sweep() -> int:
    """Enqueue deliveries that are due or stuck; return how many were enqueued."""
    now = timezone.now()
    ids = list(
        Delivery.objects.filter(deliveries_due(now))
        .order_by("next_try_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
    )
    if not ids:
        return 0

    Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
    enqueued = 0
    for delivery_id in ids:
        if not delivery_enqueue(delivery_id):
            Delivery.objects.filter(pk__in=ids[enqueued:]).update(enqueued_at=None)
            break
        enqueued += 1
    logger.info("Sweep enqueued %s of %s due or stuck deliveries", enqueued, len(ids))
    return enqueued
