"""The whole flow over HTTP: an independent LMS library launches, the API plays, the inspector
receives the score from a real Celery worker."""

from __future__ import annotations

import json
import time
from io import StringIO

import pytest
from django.core.management import call_command

from launches.models import LtiUser, OutcomeFormat
from outcomes.models import Delivery, DeliveryStatus
from player_api.models import Attempt, Content
from test_consumer.models import (
    FailureMode,
    FailurePlan,
    GradebookEntry,
    InspectedRequest,
    RequestFormat,
    Verdict,
)
from tests.e2e.conftest import WAIT_SECONDS, Process, inspected_wait
from tests.e2e.flow import EXPECTED_SCORE, attempt_play, lti_launch, player_config
from tests.factories import ConsumerFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def delivery_status_wait(
    attempt: Attempt, worker: Process, status: str = DeliveryStatus.DELIVERED
) -> Delivery:
    """Wait until the attempt's newest delivery has status, so later steps see its final row."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        delivery = Delivery.objects.filter(attempt=attempt).order_by("-id").first()
        if delivery is not None and delivery.status == status:
            return delivery
        time.sleep(0.3)
    pytest.fail(f"The delivery of attempt {attempt.pk} is not {status}.\n{worker.log_tail()}")


def test_flow_delivers_gooru_json(
    flow_server: str, flow_worker: Process, sample_assessment: Content
) -> None:
    consumer = ConsumerFactory(
        key="e2e-json",
        outcome_format=OutcomeFormat.GOORU_JSON,
        outcomes_url=f"{flow_server}/lti/test-consumer/outcomes/",
    )

    launch = lti_launch(
        flow_server, consumer, sample_assessment,
        user_id="e2e-student-1", resource_link_id="e2e-link-json", sourcedid="e2e-src-json",
    )
    config = player_config(flow_server, launch)
    result = attempt_play(flow_server, config, sample_assessment)
    [received] = inspected_wait(lambda item: True, flow_worker)

    assert result["score"] == pytest.approx(EXPECTED_SCORE)
    assert result["questions_count"] == 10
    assert received.verdict == Verdict.ACCEPTED, received.detail
    assert received.signature_valid
    assert received.body_hash_valid
    assert received.request_format == RequestFormat.GOORU_JSON
    assert received.consumer == consumer
    assert received.sourcedid == "e2e-src-json"
    assert received.score == pytest.approx(EXPECTED_SCORE)
    body = json.loads(received.body)
    user = LtiUser.objects.get(consumer=consumer, lms_user_id="e2e-student-1")
    assert body["result"] == {"lis_result_sourcedid": "e2e-src-json", "score": EXPECTED_SCORE}
    assert body["context"]["gooru_content_id"] == str(sample_assessment.pk)
    assert body["context"]["type"] == "assessment"
    assert body["context"]["user_id"] == str(user.pk)
    assert body["context"]["class_id"] is None
    assert body["questions_count"] == 10
    assert body["time_spend_ms"] == sum(1000 + index for index in range(10))
    assert body["student"] is True
    attempt = Attempt.objects.get(pk=config["attemptId"])
    delivery = delivery_status_wait(attempt, flow_worker)
    assert received.delivery_id == str(delivery.uuid)
    assert GradebookEntry.objects.get(consumer=consumer, sourcedid="e2e-src-json").score == (
        pytest.approx(EXPECTED_SCORE)
    )


def test_flow_delivers_pox_then_reads_and_deletes(
    flow_server: str, flow_worker: Process, sample_assessment: Content
) -> None:
    sourcedid = '{"data":{"instanceid":"3","userid":"9","launchid":77},"hash":"e2e&<pox>"}'
    consumer = ConsumerFactory(
        key="e2e-pox",
        outcome_format=OutcomeFormat.LTI_POX,
        outcomes_url=f"{flow_server}/lti/test-consumer/outcomes/",
    )

    launch = lti_launch(
        flow_server, consumer, sample_assessment,
        user_id="e2e-student-2", resource_link_id="e2e-link-pox", sourcedid=sourcedid,
    )
    config = player_config(flow_server, launch)
    attempt_play(flow_server, config, sample_assessment)
    [replaced] = inspected_wait(lambda item: item.operation == "replaceResult", flow_worker)
    attempt = Attempt.objects.get(pk=config["attemptId"])
    delivery_status_wait(attempt, flow_worker)

    read_output = StringIO()
    call_command("read_outcome", "--attempt", str(attempt.pk), stdout=read_output)
    delete_output = StringIO()
    call_command("delete_outcome", "--attempt", str(attempt.pk), stdout=delete_output)

    assert replaced.verdict == Verdict.ACCEPTED, replaced.detail
    assert replaced.signature_valid
    assert replaced.body_hash_valid
    assert replaced.request_format == RequestFormat.LTI_POX
    assert replaced.sourcedid == sourcedid
    assert replaced.score == pytest.approx(EXPECTED_SCORE)
    assert "0.7" in read_output.getvalue()
    read = InspectedRequest.objects.get(operation="readResult")
    assert read.verdict == Verdict.ACCEPTED
    assert read.signature_valid
    assert read.score == pytest.approx(EXPECTED_SCORE)
    deleted = InspectedRequest.objects.get(operation="deleteResult")
    assert deleted.verdict == Verdict.ACCEPTED
    assert deleted.sourcedid == sourcedid
    assert not GradebookEntry.objects.filter(consumer=consumer).exists()


def test_flow_rejected_then_resent(
    flow_server: str, flow_worker: Process, sample_assessment: Content
) -> None:
    consumer = ConsumerFactory(
        key="e2e-resend",
        outcome_format=OutcomeFormat.LTI_POX,
        outcomes_url=f"{flow_server}/lti/test-consumer/outcomes/",
    )
    FailurePlan.schedule(1, FailureMode.REJECT)

    launch = lti_launch(
        flow_server, consumer, sample_assessment,
        user_id="e2e-student-3", resource_link_id="e2e-link-resend", sourcedid="e2e-src-resend",
    )
    config = player_config(flow_server, launch)
    attempt_play(flow_server, config, sample_assessment)
    attempt = Attempt.objects.get(pk=config["attemptId"])
    failed = delivery_status_wait(attempt, flow_worker, DeliveryStatus.FAILED)
    failed_tries, failed_error = failed.tries, failed.last_error
    output = StringIO()
    call_command("resend_outcomes", "--delivery", str(failed.pk), "--wait", stdout=output)
    received = list(InspectedRequest.objects.order_by("id"))
    failed.refresh_from_db()

    assert failed_tries == 1
    assert "planned failure" in failed_error
    assert [item.verdict for item in received] == [Verdict.FAILED_ON_PURPOSE, Verdict.ACCEPTED]
    assert all(item.signature_valid for item in received)
    assert received[1].score == pytest.approx(EXPECTED_SCORE)
    assert failed.status == DeliveryStatus.DELIVERED
    assert GradebookEntry.objects.get(consumer=consumer, sourcedid="e2e-src-resend").score == (
        pytest.approx(EXPECTED_SCORE)
    )
