"""Sending deliveries to a real HTTP server on 127.0.0.1: replies, retries, order, logs."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from launches.models import Consumer, OutcomeFormat
from outcomes.models import Delivery, DeliveryStatus, DeliveryTry
from outcomes.services import (
    DELIVERY_ID_HEADER,
    delivery_claim,
    delivery_create_for_attempt,
    delivery_http_try,
    delivery_send,
    judgement_store,
    try_judge,
)
from tests.outcomes.conftest import (
    POX_SUCCESS,
    AttemptMaker,
    FakeLms,
    Reply,
    oauth_request_valid,
    pox_reply,
)

pytestmark = pytest.mark.django_db


def _create(submitted_attempt: AttemptMaker, score: float = 0.75, **launch_fields: Any) -> Delivery:
    delivery = delivery_create_for_attempt(submitted_attempt(score, **launch_fields))
    assert delivery is not None
    return delivery


def _send_until_final(delivery: Delivery, max_tries: int = 10) -> Delivery:
    """Run the send task the way the sweeper would, until the delivery is final."""
    for _ in range(max_tries):
        delivery_send(delivery.pk)
        delivery.refresh_from_db()
        if delivery.status not in {DeliveryStatus.PENDING, DeliveryStatus.SENDING}:
            break
    return delivery


def _use_pox(consumer: Consumer) -> None:
    consumer.outcome_format = OutcomeFormat.LTI_POX
    consumer.save()


def test_send_json_signed_with_delivery_id(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    delivery = _create(submitted_attempt, 0.75)

    delivery_send(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.confirmed is True
    assert delivery.delivered_at is not None
    assert delivery.last_status_code == 200
    (request,) = fake_lms.requests
    assert request.path == "/outcomes"
    assert request.headers["content-type"] == "application/json"
    assert request.headers[DELIVERY_ID_HEADER.lower()] == str(delivery.uuid)
    assert request.body == delivery.payload.encode("utf-8")
    assert json.loads(request.body)["result"]["score"] == 0.75
    assert oauth_request_valid(request, fake_lms.origin, "test-secret")
    assert not oauth_request_valid(request, fake_lms.origin, "wrong-secret")
    assert 'oauth_consumer_key="test-key"' in request.headers["authorization"]


def test_send_records_one_try_row(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    delivery = _create(submitted_attempt)

    delivery_send(delivery.pk)

    (try_row,) = DeliveryTry.objects.filter(delivery=delivery)
    assert try_row.status_code == 200
    assert try_row.duration_ms is not None
    assert try_row.response_excerpt == '{"ok": true}'
    assert try_row.error == ""


def test_send_twice_posts_once(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    delivery = _create(submitted_attempt)

    first = delivery_send(delivery.pk)
    second = delivery_send(delivery.pk)

    assert first is not None
    assert second is None
    assert len(fake_lms.requests) == 1


def test_send_retries_503_until_success(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    fake_lms.script(Reply(503, b"down"), Reply(503, b"down"), Reply(200, POX_SUCCESS))
    delivery = _create(submitted_attempt, 0.85)

    delivery = _send_until_final(delivery)

    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.tries == 3
    assert delivery.confirmed is True
    assert delivery.last_error == ""
    assert [t.status_code for t in delivery.try_set.order_by("pk")] == [503, 503, 200]
    assert len(fake_lms.requests) == 3


def test_send_pox_fresh_nonce_and_message_id(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    fake_lms.script(Reply(500), Reply(200, POX_SUCCESS))
    delivery = _create(submitted_attempt, 0.85)

    _send_until_final(delivery)

    first, second = fake_lms.requests
    assert first.headers["content-type"] == "application/xml"
    assert b"<textString>0.85</textString>" in first.body
    assert first.body != second.body
    assert first.headers["authorization"] != second.headers["authorization"]
    nonces = {re.search(r'oauth_nonce="([^"]+)"', r.headers["authorization"]) for r in (first, second)}
    assert None not in nonces
    assert len({match.group(1) for match in nonces if match}) == 2
    message_ids = list(delivery.try_set.order_by("pk").values_list("message_id", flat=True))
    assert len(set(message_ids)) == 2
    assert message_ids[1].encode() in second.body
    assert oauth_request_valid(first, fake_lms.origin, "test-secret")
    assert oauth_request_valid(second, fake_lms.origin, "test-secret")


def test_send_pox_failure_is_permanent(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    fake_lms.default = Reply(200, pox_reply("failure", "Tool does not accept grades"))
    delivery = _create(submitted_attempt)

    delivery = _send_until_final(delivery)

    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.tries == 1
    assert "Tool does not accept grades" in delivery.last_error
    assert delivery.next_try_at is None
    assert len(fake_lms.requests) == 1


def test_send_pox_unsupported_is_permanent(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    fake_lms.default = Reply(200, pox_reply("unsupported", "No grades here"))
    delivery = _create(submitted_attempt)

    delivery = _send_until_final(delivery)

    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.tries == 1
    assert "unsupported" in delivery.last_error


@pytest.mark.parametrize("code_major", ["processing", "maybe"])
def test_send_pox_other_code_is_retried(
    code_major: str, lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    fake_lms.script(Reply(200, pox_reply(code_major, "Not yet")))
    fake_lms.default = Reply(200, POX_SUCCESS)
    delivery = _create(submitted_attempt)

    delivery_send(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error == f"imsx_codeMajor {code_major}: Not yet"
    assert _send_until_final(delivery).status == DeliveryStatus.DELIVERED


def test_send_empty_204_is_delivered_unconfirmed(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    fake_lms.default = Reply(204)
    delivery = _create(submitted_attempt)

    delivery = _send_until_final(delivery)

    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.confirmed is False
    assert delivery.last_status_code == 204


def test_send_redirect_is_retried_not_followed(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    fake_lms.script(Reply(302, b"", {"Location": f"{fake_lms.origin}/login?next=/outcomes"}))
    delivery = _create(submitted_attempt)

    delivery_send(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code == 302
    assert "redirect" in delivery.last_error
    assert "/login?next=/outcomes" in delivery.last_error
    assert [r.path for r in fake_lms.requests] == ["/outcomes"]


def test_send_silent_server_times_out_and_retries(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker, settings: Any
) -> None:
    settings.OUTCOMES_READ_TIMEOUT = 0.5
    fake_lms.script(Reply(hang=True))
    delivery = _create(submitted_attempt)

    delivery_send(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code is None
    assert "sent no reply within 0.5 s" in delivery.last_error
    (try_row,) = delivery.try_set.all()
    assert "sent no reply" in try_row.error

    delivery = _send_until_final(delivery)

    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.tries == 2


def test_send_other_namespace_success_is_delivered(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    fake_lms.default = Reply(
        200,
        b"<imsx_POXEnvelopeResponse xmlns='http://www.imsglobal.org/lis/oms1p0/pox'>"
        b"<imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_statusInfo>"
        b"<imsx_codeMajor>success</imsx_codeMajor></imsx_statusInfo>"
        b"</imsx_POXResponseHeaderInfo></imsx_POXHeader></imsx_POXEnvelopeResponse>",
        {"Content-Type": "text/plain"},
    )
    delivery = _create(submitted_attempt)

    delivery = _send_until_final(delivery)

    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.confirmed is True


def test_send_pox_non_xml_reply_is_retried(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    fake_lms.script(Reply(200, b"<html>Welcome</html"))
    delivery = _create(submitted_attempt)

    delivery_send(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert "not XML" in delivery.last_error


def test_send_client_error_is_permanent(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    fake_lms.default = Reply(401, b"bad signature")
    delivery = _create(submitted_attempt)

    delivery = _send_until_final(delivery)

    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.tries == 1
    assert delivery.last_error == "HTTP 401: bad signature"


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_send_retryable_status_is_retried(
    status: int, lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    fake_lms.script(Reply(status))
    delivery = _create(submitted_attempt)

    delivery = _send_until_final(delivery)

    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.tries == 2


def test_send_honours_retry_after(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker, settings: Any
) -> None:
    settings.OUTCOMES_RETRY_DELAYS = [1, 3600]
    fake_lms.script(Reply(429, b"slow down", {"Retry-After": "120"}))
    delivery = _create(submitted_attempt)
    before = timezone.now()

    delivery_send(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_try_at is not None
    assert delivery.next_try_at >= before + timedelta(seconds=120)
    assert delivery.next_try_at <= timezone.now() + timedelta(seconds=121)
    assert delivery_send(delivery.pk) is None


def test_send_fails_after_last_retry(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker, settings: Any
) -> None:
    settings.OUTCOMES_RETRY_DELAYS = [0, 0]
    fake_lms.default = Reply(503, b"still down")
    delivery = _create(submitted_attempt)

    delivery = _send_until_final(delivery)

    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.tries == 3
    assert delivery.last_error == "Gave up after 3 tries. Last error: HTTP 503: still down"
    assert delivery.try_set.count() == 3


def test_send_only_newer_score_reaches_lms_after_outage(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    fake_lms.default = Reply(503, b"down")
    older = _create(submitted_attempt, 0.4, lis_result_sourcedid="src-1")
    delivery_send(older.pk)
    newer = _create(submitted_attempt, 0.9, lis_result_sourcedid="src-1")
    delivery_send(newer.pk)

    fake_lms.default = Reply(200, b"{}")
    for delivery in (older, newer):
        _send_until_final(delivery)

    older.refresh_from_db()
    newer.refresh_from_db()
    accepted = [json.loads(r.body)["result"]["score"] for r in fake_lms.requests if r.reply_status == 200]
    assert older.status == DeliveryStatus.SUPERSEDED
    assert newer.status == DeliveryStatus.DELIVERED
    assert accepted == [0.9]


def test_send_waits_for_older_delivery_in_flight(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    older = _create(submitted_attempt, 0.4, lis_result_sourcedid="src-1")
    Delivery.objects.filter(pk=older.pk).update(
        status=DeliveryStatus.SENDING, sending_since=timezone.now()
    )
    newer = _create(submitted_attempt, 0.9, lis_result_sourcedid="src-1")

    assert delivery_send(newer.pk) is None

    Delivery.objects.filter(pk=older.pk).update(status=DeliveryStatus.DELIVERED)
    assert delivery_send(newer.pk) is not None
    assert len(fake_lms.requests) == 1


def test_send_skips_older_when_newer_exists(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    older = _create(submitted_attempt, 0.4, lis_result_sourcedid="src-1")
    newer = _create(submitted_attempt, 0.9, lis_result_sourcedid="src-1")
    # As if a worker took the older row just before the newer submission superseded it.
    Delivery.objects.filter(pk=older.pk).update(
        status=DeliveryStatus.PENDING, next_try_at=timezone.now()
    )

    delivery_send(older.pk)

    older.refresh_from_db()
    assert older.status == DeliveryStatus.SUPERSEDED
    assert older.tries == 0
    assert fake_lms.requests == []
    assert _send_until_final(newer).status == DeliveryStatus.DELIVERED


def test_send_older_retry_is_superseded_by_newer(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    older = _create(submitted_attempt, 0.4, lis_result_sourcedid="src-1")
    older = delivery_claim(older.pk)  # type: ignore[assignment]
    assert older is not None
    newer = _create(submitted_attempt, 0.9, lis_result_sourcedid="src-1")
    fake_lms.script(Reply(503, b"down"))

    result = delivery_http_try(older, older.payload, "")
    judgement_store(older, result, try_judge(older, result))

    older.refresh_from_db()
    assert older.status == DeliveryStatus.SUPERSEDED
    assert "HTTP 503" in older.last_error
    assert f"Superseded by delivery {newer.pk}" in older.last_error
    assert _send_until_final(newer).status == DeliveryStatus.DELIVERED


def test_send_reclaims_row_stuck_in_sending(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker, settings: Any
) -> None:
    settings.OUTCOMES_STUCK_AFTER = 60
    delivery = _create(submitted_attempt)
    long_ago = timezone.now() - timedelta(seconds=61)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, sending_since=long_ago, tries=1
    )
    DeliveryTry.objects.create(delivery=delivery, started_at=long_ago)

    delivery_send(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.tries == 2
    lost, sent = delivery.try_set.order_by("pk")
    assert "worker stopped" in lost.error
    assert sent.status_code == 200


def test_send_leaves_recent_sending_row_alone(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    delivery = _create(submitted_attempt)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, sending_since=timezone.now()
    )

    assert delivery_send(delivery.pk) is None
    assert fake_lms.requests == []


def test_send_logs_ids_and_no_secrets(
    lms_consumer: Consumer,
    fake_lms: FakeLms,
    submitted_attempt: AttemptMaker,
    caplog: pytest.LogCaptureFixture,
    settings: Any,
) -> None:
    settings.OUTCOMES_RETRY_DELAYS = [0]
    fake_lms.default = Reply(503, b"maintenance")
    delivery = _create(submitted_attempt)

    with caplog.at_level(logging.INFO, logger="outcomes"):
        _send_until_final(delivery)

    retry_line, failure_line = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for line in (retry_line, failure_line):
        assert f"Delivery {delivery.pk} " in line
        assert "consumer test-key" in line
        assert f"attempt {delivery.attempt_id}" in line
        assert "HTTP 503" in line
    assert "retry at" in retry_line
    assert "failed after 2 tries" in failure_line
    authorization = fake_lms.requests[0].headers["authorization"]
    oauth_signature = authorization.split('oauth_signature="')[1].split('"')[0]
    for record in caplog.records:
        text = record.getMessage()
        assert "test-secret" not in text
        assert "Authorization" not in text
        assert "oauth_signature" not in text
        assert oauth_signature not in text
