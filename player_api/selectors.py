"""Reads of the player, scoped to the users a request may act for."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404

from player_api.authentication import PlayerPrincipal
from player_api.models import Attempt, Question, Resource, Response


def attempt_get_for(principal: PlayerPrincipal, attempt_id: str) -> Attempt:
    """Return the attempt if it belongs to one of the principal's users.

    Raises Http404 for a malformed id, a missing attempt and another user's
    attempt alike, so a caller cannot learn which attempts exist.
    """
    try:
        pk = uuid.UUID(attempt_id)
    except ValueError:
        raise Http404("No such attempt.") from None
    attempt = (
        Attempt.objects.select_related("content", "launch")
        .filter(pk=pk, user_id__in=principal.user_ids)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def attempt_detail(attempt: Attempt) -> dict[str, Any]:
    """Return what the player shows of an attempt, in the shape of AttemptOutput.

    Questions come without their correct answers, and each response's
    is_correct stays null until the attempt is submitted.
    """
    questions = Question.objects.filter(content_id=attempt.content_id, retired=False)
    responses = Response.objects.filter(attempt=attempt, question__retired=False).order_by(
        "question__position"
    )
    submitted = attempt.is_submitted
    return {
        "id": attempt.pk,
        "status": attempt.status,
        "graded": attempt.launch.is_graded,
        "reaction": attempt.reaction,
        "content": attempt.content,
        "questions": list(questions),
        "resources": list(Resource.objects.filter(content_id=attempt.content_id)),
        "responses": [
            {
                "question_id": response.question_id,
                "answer": response.answer,
                "time_spent_ms": response.time_spent_ms,
                "is_correct": response.is_correct if submitted else None,
            }
            for response in responses
        ],
        "result": attempt if submitted else None,
    }
