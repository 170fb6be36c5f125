"""Recording a delivery on submit: the row, the payload, superseding, previews."""

from __future__ import annotations

import json
import math

import pytest
from django.db import transaction

from launches.models import Consumer, OutcomeFormat, PoxTarget
from outcomes.models import Delivery, DeliveryStatus, Operation
from outcomes.services import delivery_create_for_attempt
from tests.outcomes.conftest import CLASS_ID, COURSE_ID, AttemptMaker

pytestmark = pytest.mark.django_db


def test_create_records_exact_json_payload(
    consumer: Consumer, submitted_attempt: AttemptMaker
) -> None:
    attempt = submitted_attempt(0.75)

    delivery = delivery_create_for_attempt(attempt)

    assert delivery is not None
    stored = Delivery.objects.get(pk=delivery.pk)
    assert stored.status == DeliveryStatus.PENDING
    assert stored.operation == Operation.REPLACE
    assert stored.outcome_format == OutcomeFormat.GOORU_JSON
    assert stored.target_url == consumer.outcomes_url
    assert stored.sourcedid == "83873872987329873264783687634"
    assert stored.consumer == consumer
    assert stored.attempt == attempt
    assert stored.tries == 0
    assert stored.next_try_at is not None
    assert json.loads(stored.payload) == {
        "result": {"lis_result_sourcedid": "83873872987329873264783687634", "score": 0.75},
        "context": {
            "gooru_content_id": str(attempt.content_id),
            "type": "assessment",
            "user_id": str(attempt.user_id),
            "class_id": str(CLASS_ID),
            "course_id": str(COURSE_ID),
            "unit_id": None,
            "lesson_id": None,
        },
        "time_spend_ms": 669438,
        "reaction": 0,
        "questions_count": 10,
        "completed_time": 1700000000000,
        "student": True,
    }


def test_create_without_sourcedid_records_nothing(submitted_attempt: AttemptMaker) -> None:
    attempt = submitted_attempt(0.5, lis_result_sourcedid="")

    assert delivery_create_for_attempt(attempt) is None
    assert Delivery.objects.count() == 0


def test_create_supersedes_older_pending_delivery(submitted_attempt: AttemptMaker) -> None:
    first = delivery_create_for_attempt(submitted_attempt(0.4))
    second = delivery_create_for_attempt(submitted_attempt(0.9))
    assert first is not None and second is not None

    first.refresh_from_db()
    second.refresh_from_db()

    assert first.status == DeliveryStatus.SUPERSEDED
    assert f"delivery {second.pk}" in first.last_error
    assert second.status == DeliveryStatus.PENDING


def test_create_leaves_other_sourcedids_alone(submitted_attempt: AttemptMaker) -> None:
    first = delivery_create_for_attempt(submitted_attempt(0.4, lis_result_sourcedid="a"))
    delivery_create_for_attempt(submitted_attempt(0.9, lis_result_sourcedid="b"))
    assert first is not None

    first.refresh_from_db()

    assert first.status == DeliveryStatus.PENDING


def test_create_with_invalid_score_is_failed_not_raised(submitted_attempt: AttemptMaker) -> None:
    delivery = delivery_create_for_attempt(submitted_attempt(math.nan))

    assert delivery is not None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "not a finite number" in delivery.last_error
    assert delivery.payload == ""


def test_create_pox_uses_allowed_launch_url(
    consumer: Consumer, submitted_attempt: AttemptMaker
) -> None:
    consumer.outcome_format = OutcomeFormat.LTI_POX
    consumer.pox_target = PoxTarget.LAUNCH
    consumer.allowed_outcome_hosts = "lms.example.org\ncanvas.example.edu"
    consumer.save()

    allowed = delivery_create_for_attempt(
        submitted_attempt(
            0.5,
            lis_result_sourcedid="s-1",
            lis_outcome_service_url="https://Canvas.example.edu/api/lti/v1/tools/3/grade_passback",
        )
    )
    refused = delivery_create_for_attempt(
        submitted_attempt(
            0.5, lis_result_sourcedid="s-2", lis_outcome_service_url="https://evil.example.com/x"
        )
    )

    assert allowed is not None and refused is not None
    assert allowed.target_url == "https://Canvas.example.edu/api/lti/v1/tools/3/grade_passback"
    assert refused.target_url == consumer.outcomes_url
    assert "<sourcedId>s-1</sourcedId>" in allowed.payload
    assert "<textString>0.5</textString>" in allowed.payload


def test_create_pox_adds_result_data_only_when_accepted(
    consumer: Consumer, submitted_attempt: AttemptMaker
) -> None:
    consumer.outcome_format = OutcomeFormat.LTI_POX
    consumer.save()

    canvas = delivery_create_for_attempt(
        submitted_attempt(0.5, lis_result_sourcedid="s-1", ext_outcome_data_values_accepted="url,text")
    )
    plain = delivery_create_for_attempt(submitted_attempt(0.5, lis_result_sourcedid="s-2"))

    assert canvas is not None and plain is not None
    assert "<resultData><text>" in canvas.payload
    assert ": 50%</text>" in canvas.payload
    assert "resultData" not in plain.payload


@pytest.mark.django_db(transaction=True)
def test_create_is_rolled_back_with_the_submit(submitted_attempt: AttemptMaker) -> None:
    attempt = submitted_attempt(0.5)

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            delivery_create_for_attempt(attempt)
            raise RuntimeError("submit failed after the hand-over")

    assert Delivery.objects.count() == 0
