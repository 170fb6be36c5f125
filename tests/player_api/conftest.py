"""Fixtures of the player tests: a short assessment and a learner's attempt at it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from launches.models import ContentType, LtiUser
from player_api.models import Attempt, Content, Question, QuestionType
from player_api.tokens import make_player_token
from tests.factories import (
    AttemptFactory,
    ContentFactory,
    LaunchFactory,
    QuestionFactory,
)


@pytest.fixture
def quiz(db: None) -> Content:
    """A three-question assessment: single choice "b", true "true", one blank "4"."""
    content = ContentFactory(title="Number sense check", description="Three quick questions.")
    QuestionFactory(content=content, position=0)
    QuestionFactory(
        content=content,
        position=1,
        question_type=QuestionType.TRUE_FALSE,
        prompt="Every square is a rectangle.",
        choices=[],
        correct_answer=True,
    )
    QuestionFactory(
        content=content,
        position=2,
        question_type=QuestionType.FILL_IN_THE_BLANK,
        prompt="The square root of 16 is ___.",
        choices=[],
        correct_answer=[["4", "four"]],
        hint="Which number times itself makes 16?",
    )
    return content


@pytest.fixture
def questions(quiz: Content) -> list[Question]:
    return list(quiz.questions.order_by("position"))


@pytest.fixture
def attempt(quiz: Content, learner: LtiUser) -> Attempt:
    launch = LaunchFactory(
        user=learner,
        content_id=quiz.pk,
        content_type=ContentType.ASSESSMENT,
        lis_result_sourcedid="sourcedid-alice",
    )
    return AttemptFactory(content=quiz, launch=launch)


@pytest.fixture
def api(attempt: Attempt) -> APIClient:
    """An API client that sends the attempt's player token, as the player page does."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_player_token(attempt)}")
    return client
