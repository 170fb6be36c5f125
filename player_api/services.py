"""Writes of the player: start or resume an attempt, save responses, submit."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from launches.models import Launch
from outcomes.services import delivery_create_for_attempt
from player_api.errors import (
    AttemptSubmitted,
    ContentNotFound,
    InvalidAnswer,
    QuestionNotFound,
)
from player_api.models import Attempt, AttemptStatus, Content, Question, Response
from player_api.scoring import answer_is_correct, answer_validate

# The maximum time_spent_ms one response may report: one day, in milliseconds.
MAX_TIME_SPENT_MS = 24 * 3600 * 1000

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
            Attempt.objects.filter(
                launch=launch, content=content, status=AttemptStatus.SUBMITTED
            )
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


def _attempt_lock_open(attempt_id: uuid.UUID) -> Attempt:
    """Lock an attempt row for this transaction; raise AttemptSubmitted when it is closed."""
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
    if attempt.is_submitted:
        raise AttemptSubmitted("This attempt was already submitted and can no longer change.")
    return attempt


def response_save(
    attempt: Attempt, question_id: uuid.UUID, answer: Any, time_spent_ms: int
) -> Response:
    """Store the student's answer to one question, replacing an earlier one.

    ``time_spent_ms`` is the total time on the question so far, so it replaces
    the stored time too. Raises QuestionNotFound when the question is not part
    of the attempt's content, InvalidAnswer when the answer has the wrong shape
    for the question type, and AttemptSubmitted after submit.
    """
    question = Question.objects.filter(
        pk=question_id, content_id=attempt.content_id, retired=False
    ).first()
    if question is None:
        raise QuestionNotFound(f"Question {question_id} is not part of this attempt.")
    answer = answer_validate(question, answer)
    if not 0 <= time_spent_ms <= MAX_TIME_SPENT_MS:
        raise InvalidAnswer(
            f"time_spent_ms must be a whole number from 0 to {MAX_TIME_SPENT_MS}."
        )

    with transaction.atomic():
        _attempt_lock_open(attempt.pk)
        response, _ = Response.objects.update_or_create(
            attempt=attempt,
            question=question,
            defaults={"answer": answer, "time_spent_ms": time_spent_ms},
        )
    return response


def reaction_set(attempt: Attempt, reaction: int) -> Attempt:
    """Store the student's reaction, 0 for none or 1 to 5; raise AttemptSubmitted after submit."""
    with transaction.atomic():
        locked = _attempt_lock_open(attempt.pk)
        locked.reaction = reaction
        locked.save(update_fields=["reaction"])
    return locked


def attempt_submit(attempt: Attempt) -> Attempt:
    """Compute and store the attempt's result and hand it to the outcomes app.

    One transaction locks the attempt, scores every current question and
    snapshots what the outcome needs from the attempt's own launch. Unanswered
    questions count as wrong, and a collection without questions scores 1.0.
    The same transaction creates the outcome delivery, so the delivery exists
    if and only if the submission committed. Submitting again returns the
    stored result and creates nothing.
    """
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("launch").get(pk=attempt.pk)
        if locked.is_submitted:
            logger.info("Attempt %s was already submitted; returning its result", locked.pk)
            return locked

        now = timezone.now()
        # The row lock serializes submits on PostgreSQL. SQLite ignores
        # select_for_update, so the status change is also a conditional update
        # that only one request can make.
        claimed = Attempt.objects.filter(
            pk=locked.pk, status=AttemptStatus.IN_PROGRESS
        ).update(status=AttemptStatus.SUBMITTED, submitted_at=now)
        if claimed != 1:
            logger.info("Attempt %s was submitted by a concurrent request", locked.pk)
            return Attempt.objects.get(pk=locked.pk)

        locked.status = AttemptStatus.SUBMITTED
        locked.submitted_at = now
        _result_compute(locked, now)
        _outcome_snapshot(locked)
        locked.save()
        delivery_create_for_attempt(locked)

    logger.info(
        "Submitted attempt %s of launch %s: score %s of %s questions",
        locked.pk,
        locked.launch_id,
        locked.score,
        locked.questions_count,
    )
    return locked


def _result_compute(attempt: Attempt, now: datetime) -> None:
    """Score the attempt's responses and set score, questions_count and the times."""
    questions = list(Question.objects.filter(content_id=attempt.content_id, retired=False))
    responses = {
        response.question_id: response
        for response in Response.objects.filter(attempt=attempt, question__in=questions)
    }

    correct = 0
    for question in questions:
        response = responses.get(question.pk)
        if response is None:
            continue
        response.is_correct = answer_is_correct(question, response.answer)
        response.save(update_fields=["is_correct"])
        correct += response.is_correct

    attempt.questions_count = len(questions)
    # NOTE: an assessment cannot be imported without questions, so only a
    # collection reaches the empty case, which scores full marks on completion.
    attempt.score = correct / len(questions) if questions else 1.0
    time_sent = sum(response.time_spent_ms for response in responses.values())
    elapsed_ms = int((now - attempt.started_at).total_seconds() * 1000)
    attempt.time_spend_ms = time_sent if time_sent else max(elapsed_ms, 0)
    attempt.completed_time = int(now.timestamp() * 1000)


def _outcome_snapshot(attempt: Attempt) -> None:
    """Copy from the attempt's own launch what the outcome will need."""
    launch = attempt.launch
    attempt.lis_result_sourcedid = launch.lis_result_sourcedid
    attempt.class_id = launch.class_id
    attempt.course_id = launch.course_id
    attempt.unit_id = launch.unit_id
    attempt.lesson_id = launch.lesson_id
    attempt.student = launch.is_student
