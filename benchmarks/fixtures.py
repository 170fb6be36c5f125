"""Rows the benchmarks need: the benchmark consumer, one assessment and its students."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmarks.harness import BENCH_CONSUMER_KEY, BENCH_CONSUMER_SECRET
from benchmarks.lti import LaunchTarget, sourcedid

if TYPE_CHECKING:
    from launches.models import Consumer
    from player_api.models import Content

QUESTION_COUNT = 5
CONTENT_ID = uuid.UUID("00000000-0000-4000-8000-00000000be0c")


def create_consumer(outcomes_url: str, outcome_format: str = "gooru_json") -> Consumer:
    """Create the benchmark consumer (key BENCH_CONSUMER_KEY) and return it."""
    from launches.models import Consumer

    consumer = Consumer(
        name="Benchmark LMS",
        key=BENCH_CONSUMER_KEY,
        outcomes_url=outcomes_url,
        outcome_format=outcome_format,
    )
    consumer.secret = BENCH_CONSUMER_SECRET
    consumer.save()
    return consumer


def create_assessment() -> Content:
    """Create an assessment of QUESTION_COUNT single-choice questions and return it."""
    from player_api.models import Content, Question

    content = Content.objects.create(
        id=CONTENT_ID, content_type="assessment", title="Benchmark assessment"
    )
    Question.objects.bulk_create(
        Question(
            content=content,
            position=position,
            question_type="single_choice",
            prompt=f"Question {position}: which letter is A?",
            choices=[{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
            correct_answer="a",
        )
        for position in range(1, QUESTION_COUNT + 1)
    )
    return content


def launch_target(outcome_service_url: str) -> LaunchTarget:
    return LaunchTarget(
        consumer_key=BENCH_CONSUMER_KEY,
        consumer_secret=BENCH_CONSUMER_SECRET,
        content_id=CONTENT_ID,
        content_type="assessment",
        outcome_service_url=outcome_service_url,
    )


@dataclass(frozen=True)
class Student:
    """A learner with an open attempt and the Bearer token the player page would hand out."""

    number: int
    sourcedid: str
    attempt_id: uuid.UUID
    token: str


def create_students(
    consumer: Consumer, numbers: Iterable[int], outcome_service_url: str
) -> list[Student]:
    """Create one learner, launch and open attempt per number, as a launch would.

    Users and launches are bulk-inserted; the attempts come from the player's
    own attempt_start_or_resume service and the tokens from make_player_token.
    """
    from launches.models import Launch, LtiUser
    from player_api.models import Content
    from player_api.services import attempt_start_or_resume
    from player_api.tokens import make_player_token

    numbers = list(numbers)
    content = Content.objects.get(pk=CONTENT_ID)
    users = LtiUser.objects.bulk_create(
        LtiUser(consumer=consumer, lms_user_id=f"bench-user-{number}", name=f"Learner {number}")
        for number in numbers
    )
    launches = Launch.objects.bulk_create(
        Launch(
            consumer=consumer,
            user=user,
            resource_link_id=f"bench-link-{number}",
            context_id="bench-course",
            roles="Learner",
            is_student=True,
            content_type=content.content_type,
            content_id=content.pk,
            lis_result_sourcedid=sourcedid(number),
            lis_outcome_service_url=outcome_service_url,
        )
        for number, user in zip(numbers, users, strict=True)
    )
    students = []
    for number, launch in zip(numbers, launches, strict=True):
        attempt = attempt_start_or_resume(launch)
        students.append(Student(number, sourcedid(number), attempt.pk, make_player_token(attempt)))
    return students


def question_ids() -> list[uuid.UUID]:
    from player_api.models import Question

    return list(
        Question.objects.filter(content_id=CONTENT_ID)
        .order_by("position")
        .values_list("pk", flat=True)
    )


def answer_every_question(students: Iterable[Student]) -> None:
    """Store an answer to every question of each student's attempt, right for odd positions."""
    from player_api.models import Question, Response

    questions = list(Question.objects.filter(content_id=CONTENT_ID).order_by("position"))
    Response.objects.bulk_create(
        Response(
            attempt_id=student.attempt_id,
            question=question,
            answer="a" if question.position % 2 else "b",
            time_spent_ms=1500,
        )
        for student in students
        for question in questions
    )
