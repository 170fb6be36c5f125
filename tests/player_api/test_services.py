"""Attempts: start or resume on launch, and submit with its result and outcome hand-over."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from launches.models import Consumer, ContentType, Launch, LtiUser
from outcomes.models import Delivery, DeliveryStatus
from player_api import services
from player_api.errors import ContentNotFound
from player_api.models import Attempt, AttemptStatus, Content, Question
from player_api.models import Response as ResponseModel
from player_api.services import attempt_start_or_resume, attempt_submit, response_save
from tests.factories import AttemptFactory, ContentFactory, LaunchFactory

pytestmark = pytest.mark.django_db

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

CLASS_ID = uuid.UUID("11111111-1111-4111-8111-111111111111")
COURSE_ID = uuid.UUID("22222222-2222-4222-8222-222222222222")
UNIT_ID = uuid.UUID("33333333-3333-4333-8333-333333333333")
LESSON_ID = uuid.UUID("44444444-4444-4444-8444-444444444444")


def test_start_creates_attempt(quiz: Content, learner: LtiUser) -> None:
    launch = LaunchFactory(user=learner, content_id=quiz.pk)

    attempt = attempt_start_or_resume(launch)

    assert attempt.user == learner
    assert attempt.launch == launch
    assert attempt.content == quiz
    assert attempt.resource_link_id == launch.resource_link_id
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_resume_binds_newest_launch(quiz: Content, learner: LtiUser) -> None:
    first = LaunchFactory(user=learner, content_id=quiz.pk, lis_result_sourcedid="old")
    started = attempt_start_or_resume(first)
    second = LaunchFactory(
        user=learner,
        content_id=quiz.pk,
        resource_link_id=first.resource_link_id,
        lis_result_sourcedid="new",
    )

    resumed = attempt_start_or_resume(second)

    assert resumed.pk == started.pk
    resumed.refresh_from_db()
    assert resumed.launch == second
    assert Attempt.objects.count() == 1


def test_start_other_link_is_new_attempt(quiz: Content, learner: LtiUser) -> None:
    first = attempt_start_or_resume(LaunchFactory(user=learner, content_id=quiz.pk))

    second = attempt_start_or_resume(LaunchFactory(user=learner, content_id=quiz.pk))

    assert second.pk != first.pk


def test_start_other_user_is_new_attempt(quiz: Content, learner: LtiUser) -> None:
    launch = LaunchFactory(user=learner, content_id=quiz.pk)
    mine = attempt_start_or_resume(launch)
    classmate_launch = LaunchFactory(content_id=quiz.pk, resource_link_id=launch.resource_link_id)

    theirs = attempt_start_or_resume(classmate_launch)

    assert theirs.pk != mine.pk
    assert theirs.user == classmate_launch.user


def test_submitted_attempt_is_never_reopened(quiz: Content, learner: LtiUser) -> None:
    first = LaunchFactory(user=learner, content_id=quiz.pk)
    attempt_submit(attempt_start_or_resume(first))
    second = LaunchFactory(user=learner, content_id=quiz.pk, resource_link_id=first.resource_link_id)

    fresh = attempt_start_or_resume(second)

    assert fresh.status == AttemptStatus.IN_PROGRESS
    assert fresh.launch == second
    assert Attempt.objects.filter(status=AttemptStatus.SUBMITTED).count() == 1
    assert Attempt.objects.count() == 2


def test_start_missing_content_raises(learner: LtiUser) -> None:
    with pytest.raises(ContentNotFound):
        attempt_start_or_resume(LaunchFactory(user=learner))


def test_start_wrong_content_type_raises(quiz: Content, learner: LtiUser) -> None:
    launch = LaunchFactory(user=learner, content_id=quiz.pk, content_type=ContentType.COLLECTION)

    with pytest.raises(ContentNotFound) as raised:
        attempt_start_or_resume(launch)

    assert f"No collection with id {quiz.pk}" in str(raised.value)


def test_submit_scores_unanswered_as_wrong(attempt: Attempt, questions: list[Question]) -> None:
    response_save(attempt, questions[0].pk, "b", 1000)
    response_save(attempt, questions[1].pk, False, 2000)

    result = attempt_submit(attempt)

    assert result.score == pytest.approx(1 / 3)
    assert result.questions_count == 3
    assert result.status == AttemptStatus.SUBMITTED
    correctness = dict(ResponseModel.objects.values_list("question_id", "is_correct"))
    assert correctness == {questions[0].pk: True, questions[1].pk: False}


def test_submit_all_right_scores_one(attempt: Attempt, questions: list[Question]) -> None:
    response_save(attempt, questions[0].pk, "b", 0)
    response_save(attempt, questions[1].pk, True, 0)
    response_save(attempt, questions[2].pk, ["  FOUR "], 0)

    assert attempt_submit(attempt).score == 1.0


def test_submit_nothing_answered_scores_zero(attempt: Attempt, questions: list[Question]) -> None:
    assert attempt_submit(attempt).score == 0.0


def test_submit_collection_without_questions(learner: LtiUser) -> None:
    collection = ContentFactory(content_type=ContentType.COLLECTION, title="Reading only")
    launch = LaunchFactory(
        user=learner, content_id=collection.pk, content_type=ContentType.COLLECTION
    )

    result = attempt_submit(attempt_start_or_resume(launch))

    assert result.score == 1.0
    assert result.questions_count == 0


def test_submit_ignores_retired_questions(attempt: Attempt, questions: list[Question]) -> None:
    response_save(attempt, questions[0].pk, "b", 500)
    Question.objects.filter(pk=questions[2].pk).update(retired=True)

    result = attempt_submit(attempt)

    assert result.questions_count == 2
    assert result.score == 0.5


def test_submit_time_is_sum_of_sent_times(attempt: Attempt, questions: list[Question]) -> None:
    response_save(attempt, questions[0].pk, "a", 1500)
    response_save(attempt, questions[1].pk, True, 2250)

    assert attempt_submit(attempt).time_spend_ms == 3750


def test_submit_time_falls_back_to_elapsed(quiz: Content, learner: LtiUser) -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        attempt = attempt_start_or_resume(LaunchFactory(user=learner, content_id=quiz.pk))
        response_save(attempt, quiz.questions.first().pk, "b", 0)  # type: ignore[union-attr]

    with time_machine.travel(start + dt.timedelta(minutes=4, seconds=30), tick=False):
        result = attempt_submit(attempt)

    assert result.time_spend_ms == 270_000
    assert result.completed_time == int((start.timestamp() + 270) * 1000)


def test_submit_snapshots_own_launch(quiz: Content, learner: LtiUser) -> None:
    first = LaunchFactory(user=learner, content_id=quiz.pk, lis_result_sourcedid="sourcedid-1")
    attempt_start_or_resume(first)
    second = LaunchFactory(
        user=learner,
        content_id=quiz.pk,
        resource_link_id=first.resource_link_id,
        lis_result_sourcedid="sourcedid-2",
        class_id=CLASS_ID,
        course_id=COURSE_ID,
        unit_id=UNIT_ID,
        lesson_id=LESSON_ID,
        is_student=False,
    )

    result = attempt_submit(attempt_start_or_resume(second))

    result.refresh_from_db()
    assert result.lis_result_sourcedid == "sourcedid-2"
    assert result.class_id == CLASS_ID
    assert result.course_id == COURSE_ID
    assert result.unit_id == UNIT_ID
    assert result.lesson_id == LESSON_ID
    assert result.student is False
    assert Delivery.objects.get().sourcedid == "sourcedid-2"


def test_submit_creates_one_delivery(
    attempt: Attempt, questions: list[Question], django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        attempt_submit(attempt)

    delivery = Delivery.objects.get()
    assert delivery.attempt_id == attempt.pk
    assert delivery.sourcedid == "sourcedid-alice"
    assert delivery.status == DeliveryStatus.PENDING
    assert len(callbacks) == 1


def test_submit_twice_returns_stored_result(
    attempt: Attempt, questions: list[Question], django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    response_save(attempt, questions[0].pk, "b", 700)
    first = attempt_submit(attempt)

    with django_capture_on_commit_callbacks() as callbacks:
        again = attempt_submit(attempt)

    assert (again.score, again.questions_count, again.time_spend_ms, again.completed_time) == (
        first.score,
        first.questions_count,
        first.time_spend_ms,
        first.completed_time,
    )
    assert Delivery.objects.count() == 1
    assert callbacks == []


def test_submit_ungraded_launch_sends_nothing(attempt: Attempt, questions: list[Question]) -> None:
    attempt.launch.lis_result_sourcedid = ""
    attempt.launch.save()

    result = attempt_submit(attempt)

    assert result.status == AttemptStatus.SUBMITTED
    assert not Delivery.objects.exists()


def test_submit_rolls_back_when_handover_fails(
    attempt: Attempt, questions: list[Question], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(attempt: Attempt) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(services, "delivery_create_for_attempt", fail)

    with pytest.raises(RuntimeError):
        attempt_submit(attempt)

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.score is None
    assert attempt.lis_result_sourcedid == ""


def test_submit_endpoint_returns_result(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    api.put(
        f"/api/v1/attempts/{attempt.pk}/responses/{questions[1].pk}/",
        {"answer": True, "time_spent_ms": 4000},
        format="json",
    )

    response = api.post(f"/api/v1/attempts/{attempt.pk}/submit/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"score", "questions_count", "time_spend_ms", "completed_time"}
    assert body["score"] == pytest.approx(1 / 3)
    assert body["questions_count"] == 3
    assert body["time_spend_ms"] == 4000
    attempt.refresh_from_db()
    assert body["completed_time"] == attempt.completed_time


def test_submit_endpoint_is_idempotent(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    first = api.post(f"/api/v1/attempts/{attempt.pk}/submit/")

    second = api.post(f"/api/v1/attempts/{attempt.pk}/submit/")

    assert second.status_code == 200
    assert second.json() == first.json()
    assert Delivery.objects.count() == 1


def test_detail_after_submit_shows_result(
    api: APIClient, attempt: Attempt, questions: list[Question]
) -> None:
    url = f"/api/v1/attempts/{attempt.pk}/"
    api.put(f"{url}responses/{questions[0].pk}/", {"answer": "b"}, format="json")
    api.post(f"{url}submit/")

    body = api.get(url).json()

    assert body["status"] == "submitted"
    assert body["result"]["score"] == pytest.approx(1 / 3)
    assert body["result"]["questions_count"] == 3
    assert body["responses"][0]["is_correct"] is True


def test_attempt_factory_builds_matching_launch() -> None:
    attempt = AttemptFactory()

    assert attempt.launch.content_id == attempt.content_id
    assert attempt.user == attempt.launch.user


@pytest.mark.django_db(transaction=True)
def test_submit_concurrent_creates_one_delivery(
    attempt: Attempt, questions: list[Question]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serializes writers instead")
    # The committed delivery is enqueued. Should a worker run it, it goes to a
    # closed port on this machine.
    Consumer.objects.filter(pk=attempt.launch.consumer_id).update(
        outcomes_url="http://127.0.0.1:9/outcomes"
    )
    barrier = threading.Barrier(4)
    results: list[float | None] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait()
            results.append(attempt_submit(Attempt.objects.get(pk=attempt.pk)).score)
        except Exception as error:  # asserted below, so a thread failure fails the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results == [0.0] * 4
    assert Delivery.objects.filter(attempt=attempt).count() == 1


def test_start_race_resumes_winner(
    quiz: Content, learner: LtiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    launch = LaunchFactory(user=learner, content_id=quiz.pk)
    winner = attempt_start_or_resume(launch)
    lookups: list[Attempt | None] = []
    real_lookup = services._attempt_open_for

    def lookup_missing_the_winner_once(launch: Launch) -> Attempt | None:
        # The first lookup runs before the other request's insert commits.
        found = None if not lookups else real_lookup(launch)
        lookups.append(found)
        return found

    monkeypatch.setattr(services, "_attempt_open_for", lookup_missing_the_winner_once)

    resumed = attempt_start_or_resume(launch)

    assert resumed.pk == winner.pk
    assert lookups == [None, winner]
    assert Attempt.objects.count() == 1
