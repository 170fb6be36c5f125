"""The delivery admin: list, filters, search, tries, actions, and the consumer page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from launches.models import Consumer
from outcomes.admin import attempt_deliveries_summary
from outcomes.models import Delivery, DeliveryStatus, DeliveryTry
from outcomes.operations import delivery_resend
from outcomes.services import delivery_create_for_attempt, delivery_send
from tests.outcomes.conftest import AttemptMaker, FakeLms, Reply

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:outcomes_delivery_changelist"


def _failed_delivery(submitted_attempt: AttemptMaker, sourcedid: str, error: str) -> Delivery:
    delivery = delivery_create_for_attempt(submitted_attempt(0.5, lis_result_sourcedid=sourcedid))
    assert delivery is not None
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, tries=3, last_status_code=400, last_error=error
    )
    delivery.refresh_from_db()
    return delivery


def test_admin_lists_and_filters_by_status(
    admin_client: Client, consumer: Consumer, submitted_attempt: AttemptMaker
) -> None:
    _failed_delivery(submitted_attempt, "src-failed", "HTTP 400: bad request")
    pending = delivery_create_for_attempt(submitted_attempt(0.5, lis_result_sourcedid="src-pending"))
    assert pending is not None

    response = admin_client.get(reverse(CHANGELIST), {"status__exact": "failed"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "src-failed" in content
    assert "src-pending" not in content
    assert "HTTP 400: bad request" in content


def test_admin_searches_by_sourcedid_and_user(
    admin_client: Client, submitted_attempt: AttemptMaker
) -> None:
    wanted = _failed_delivery(submitted_attempt, "src-wanted", "x")
    _failed_delivery(submitted_attempt, "src-other", "y")

    by_sourcedid = admin_client.get(reverse(CHANGELIST), {"q": "src-wanted"}).content.decode()
    by_user = admin_client.get(reverse(CHANGELIST), {"q": "u-456"}).content.decode()

    assert "src-wanted" in by_sourcedid
    assert "src-other" not in by_sourcedid
    assert "src-wanted" in by_user
    assert "src-other" in by_user
    assert wanted.attempt.user.lms_user_id == "u-456"


def test_admin_detail_shows_every_try(
    admin_client: Client, submitted_attempt: AttemptMaker
) -> None:
    delivery = _failed_delivery(submitted_attempt, "src-1", "HTTP 400")
    for status_code, error in [(None, "sent no reply within 20 s."), (503, ""), (400, "")]:
        DeliveryTry.objects.create(
            delivery=delivery,
            started_at=delivery.created,
            duration_ms=12,
            status_code=status_code,
            error=error,
            response_excerpt="LMS said no" if status_code == 400 else "",
        )

    response = admin_client.get(reverse("admin:outcomes_delivery_change", args=[delivery.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "sent no reply within 20 s." in content
    assert "LMS said no" in content
    assert content.count('class="field-status_code"') == 3


def test_admin_tries_count_every_request(
    admin_client: Client, lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    delivery = delivery_create_for_attempt(submitted_attempt(0.5))
    assert delivery is not None
    fake_lms.script(Reply(503, b"busy"), Reply(503, b"busy"), Reply(200, b"{}"))
    delivery_send(delivery.pk)
    delivery.refresh_from_db()
    delivery_resend(delivery, enqueue=False)
    delivery_send(delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(next_try_at=timezone.now())
    delivery_send(delivery.pk)

    listed = admin_client.get(reverse(CHANGELIST)).content.decode()
    detail = admin_client.get(
        reverse("admin:outcomes_delivery_change", args=[delivery.pk])
    ).content.decode()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(fake_lms.requests) == 3
    assert delivery.try_set.count() == 3
    assert '<td class="field-http_tries">3</td>' in listed
    assert "HTTP tries" in listed
    assert "Tries since the last resend" in detail
    assert '<div class="readonly">3</div>' in detail
    assert '<div class="readonly">2</div>' in detail


def test_admin_send_again_now_makes_failed_due(
    admin_client: Client, submitted_attempt: AttemptMaker
) -> None:
    delivery = _failed_delivery(submitted_attempt, "src-1", "HTTP 400")

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "send_again_now", "_selected_action": [delivery.pk]},
        follow=True,
    )

    delivery.refresh_from_db()
    assert response.status_code == 200
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.tries == 0
    assert delivery.next_try_at is not None
    assert "1 delivery(ies) queued to send again." in response.content.decode()


def test_admin_send_again_skips_superseded_score(
    admin_client: Client, submitted_attempt: AttemptMaker
) -> None:
    older = _failed_delivery(submitted_attempt, "src-1", "HTTP 400")
    newer = delivery_create_for_attempt(submitted_attempt(0.9, lis_result_sourcedid="src-1"))
    assert newer is not None

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "send_again_now", "_selected_action": [older.pk]},
        follow=True,
    )

    older.refresh_from_db()
    assert older.status == DeliveryStatus.FAILED
    assert f"newer delivery {newer.pk} exists" in response.content.decode()


def test_admin_cancel_stops_pending_delivery(
    admin_client: Client, submitted_attempt: AttemptMaker
) -> None:
    delivery = delivery_create_for_attempt(submitted_attempt(0.5))
    assert delivery is not None

    admin_client.post(
        reverse(CHANGELIST), {"action": "cancel", "_selected_action": [delivery.pk]}, follow=True
    )

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert delivery.next_try_at is None


def test_admin_consumer_page_shows_last_error(
    admin_client: Client, consumer: Consumer, submitted_attempt: AttemptMaker
) -> None:
    delivery = _failed_delivery(submitted_attempt, "src-1", "imsx_codeMajor failure: No grades")

    response = admin_client.get(reverse("admin:launches_consumer_change", args=[consumer.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert f"Delivery {delivery.pk} at" in content
    assert "imsx_codeMajor failure: No grades" in content
    assert f"?consumer__id__exact={consumer.pk}" in content


def test_admin_consumer_page_without_errors(admin_client: Client, consumer: Consumer) -> None:
    response = admin_client.get(reverse("admin:launches_consumer_change", args=[consumer.pk]))

    assert "No delivery errors." in response.content.decode()


def test_admin_filters_by_attempt(admin_client: Client, submitted_attempt: AttemptMaker) -> None:
    delivery = _failed_delivery(submitted_attempt, "src-a", "x")
    _failed_delivery(submitted_attempt, "src-b", "y")

    response = admin_client.get(
        reverse(CHANGELIST), {"attempt__id__exact": str(delivery.attempt_id)}
    )

    content = response.content.decode()
    assert "src-a" in content
    assert "src-b" not in content


def test_attempt_summary_links_deliveries(submitted_attempt: AttemptMaker) -> None:
    attempt = submitted_attempt(0.5)
    delivery_create_for_attempt(attempt)

    summary = attempt_deliveries_summary(attempt)

    assert f"?attempt__id__exact={attempt.pk}" in summary
    assert "1 delivery(ies), newest pending" in summary


def test_attempt_summary_marks_preview_not_deliverable(submitted_attempt: AttemptMaker) -> None:
    attempt = submitted_attempt(0.5, lis_result_sourcedid="")
    delivery_create_for_attempt(attempt)

    summary = attempt_deliveries_summary(attempt)

    assert summary == "Not deliverable: a preview launch without lis_result_sourcedid."


def test_admin_attempt_page_links_deliveries(
    admin_client: Client, submitted_attempt: AttemptMaker
) -> None:
    attempt = submitted_attempt(0.5)
    delivery_create_for_attempt(attempt)

    response = admin_client.get(reverse("admin:player_api_attempt_change", args=[attempt.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert f"?attempt__id__exact={attempt.pk}" in content
    assert "1 delivery(ies), newest pending" in content
