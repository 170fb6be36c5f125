"""resend_outcomes, read_outcome and delete_outcome against a local LMS."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from launches.models import Consumer, OutcomeFormat
from outcomes.models import Delivery, DeliveryStatus, Operation
from outcomes.services import delivery_create_for_attempt
from tests.outcomes.conftest import AttemptMaker, FakeLms, Reply, pox_reply

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _delivery(
    submitted_attempt: AttemptMaker, sourcedid: str, status: str = DeliveryStatus.FAILED
) -> Delivery:
    delivery = delivery_create_for_attempt(submitted_attempt(0.5, lis_result_sourcedid=sourcedid))
    assert delivery is not None
    Delivery.objects.filter(pk=delivery.pk).update(status=status, tries=9, last_error="HTTP 503")
    delivery.refresh_from_db()
    return delivery


def _use_pox(consumer: Consumer) -> None:
    consumer.outcome_format = OutcomeFormat.LTI_POX
    consumer.save()


def test_resend_dry_run_lists_failed_only(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    failed = _delivery(submitted_attempt, "src-failed")
    _delivery(submitted_attempt, "src-done", DeliveryStatus.DELIVERED)

    output = _run("resend_outcomes", "--dry-run")

    assert f"Would send delivery {failed.pk}: failed" in output
    assert "src-failed" in output
    assert "src-done" not in output
    assert "1 deliveries would be sent (dry run)." in output
    assert fake_lms.requests == []
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


def test_resend_wait_sends_and_summarises(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    first = _delivery(submitted_attempt, "src-1")
    second = _delivery(submitted_attempt, "src-2")
    fake_lms.script(Reply(200, b"{}"), Reply(400, b"unknown sourcedid"))

    output = _run("resend_outcomes", "--wait")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == DeliveryStatus.DELIVERED
    assert first.tries == 1
    assert second.status == DeliveryStatus.FAILED
    assert second.last_error == "HTTP 400: unknown sourcedid"
    assert "Summary: 1 delivered, 1 failed, 0 skipped." in output
    assert len(fake_lms.requests) == 2


def test_resend_wait_reports_skipped_with_reason(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    older = _delivery(submitted_attempt, "src-1")
    newer = delivery_create_for_attempt(submitted_attempt(0.9, lis_result_sourcedid="src-1"))
    assert newer is not None

    output = _run("resend_outcomes", "--delivery", str(older.pk), "--wait")

    assert "1 skipped" in output
    assert f"Skipped delivery {older.pk}: newer delivery {newer.pk} exists" in output
    assert fake_lms.requests == []


def test_resend_wait_counts_scheduled_retry(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _delivery(submitted_attempt, "src-1")
    fake_lms.script(Reply(503, b"busy"))

    output = _run("resend_outcomes", "--wait")

    assert "Summary: 1 pending, 0 skipped." in output
    assert "1 not delivered yet: a retry is scheduled" in output


def test_resend_selects_by_filters(
    lms_consumer: Consumer, other_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    old = _delivery(submitted_attempt, "src-old")
    Delivery.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=10))
    recent = _delivery(submitted_attempt, "src-recent")
    delivered = _delivery(submitted_attempt, "src-delivered", DeliveryStatus.DELIVERED)
    since = (timezone.now() - timedelta(days=1)).date().isoformat()

    by_since = _run("resend_outcomes", "--dry-run", "--since", since)
    by_until = _run("resend_outcomes", "--dry-run", "--until", since)
    by_attempt = _run("resend_outcomes", "--dry-run", "--attempt", str(recent.attempt_id))
    by_content = _run("resend_outcomes", "--dry-run", "--content", str(old.attempt.content_id))
    by_consumer = _run("resend_outcomes", "--dry-run", "--consumer", "test-key")
    by_other = _run("resend_outcomes", "--dry-run", "--consumer", "other-key")
    by_status = _run("resend_outcomes", "--dry-run", "--status", "delivered")
    by_id = _run("resend_outcomes", "--dry-run", "--delivery", str(delivered.pk))

    assert "src-recent" in by_since
    assert "src-old" not in by_since
    assert "src-old" in by_until
    assert "src-recent" not in by_until
    assert "src-recent" in by_attempt
    assert "src-old" not in by_attempt
    assert "src-old" in by_content
    assert "src-recent" not in by_content
    assert "src-old" in by_consumer
    assert "src-recent" in by_consumer
    assert by_other == "No deliveries match.\n"
    assert "src-delivered" in by_status
    assert "src-old" not in by_status
    assert "src-delivered" in by_id


def test_resend_without_wait_queues(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    failed = _delivery(submitted_attempt, "src-1")

    output = _run("resend_outcomes")

    failed.refresh_from_db()
    assert "Summary: 1 queued, 0 skipped." in output
    assert failed.status == DeliveryStatus.PENDING
    assert failed.tries == 0


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_resend_rejects_invalid_date(option: str, db: None) -> None:
    with pytest.raises(CommandError, match="is not a date"):
        _run("resend_outcomes", option, "yesterday")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--consumer", "nosuch"], "--consumer 'nosuch': no consumer has this key"),
        (["--delivery", "9999"], "--delivery: delivery not found: 9999."),
        (["--delivery", "{pk}", "9999", "8888"], "--delivery: delivery not found: 9999, 8888."),
        (["--attempt", "nope", "{attempt}", "x"], "--attempt: invalid attempt UUID 'nope', 'x'."),
        (["--attempt", "8c1d6c5e-0b7e-4f4e-9f57-0a4f1b1a2b3c"], "--attempt: attempt not found: 8c1d6c5e-"),
        (["--content", "8c1d6c5e-0b7e-4f4e-9f57-0a4f1b1a2b3c"], "--content: content not found: 8c1d6c5e-"),
        (["--content", "12"], "--content: invalid content UUID '12'."),
        (["--since", "2026-12-02", "--until", "2026-12-01"], "--since 2026-12-02 is after --until"),
        (["--status", "lost"], "invalid choice: 'lost'"),
    ],
)
def test_resend_rejects_unknown_values(
    args: list[str],
    message: str,
    lms_consumer: Consumer,
    fake_lms: FakeLms,
    submitted_attempt: AttemptMaker,
) -> None:
    failed = _delivery(submitted_attempt, "src-1")
    values = [value.format(pk=failed.pk, attempt=failed.attempt_id) for value in args]

    with pytest.raises(CommandError, match=re.escape(message)):
        _run("resend_outcomes", "--wait", *values)

    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED
    assert fake_lms.requests == []


def test_resend_rejects_read_delivery(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    attempt = submitted_attempt(0.5)
    fake_lms.script(Reply(503, b"down"))
    with pytest.raises(CommandError):
        _run("read_outcome", "--attempt", str(attempt.pk))
    read = Delivery.objects.get(operation=Operation.READ)

    with pytest.raises(CommandError, match=f"--delivery {read.pk}: readResult or deleteResult"):
        _run("resend_outcomes", "--delivery", str(read.pk))

    assert len(fake_lms.requests) == 1


class _Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_resend_wait_draws_one_progress_bar(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _delivery(submitted_attempt, "src-1")
    _delivery(submitted_attempt, "src-2")
    terminal = _Terminal()

    call_command("resend_outcomes", "--wait", stdout=StringIO(), stderr=terminal)

    bar = terminal.getvalue()
    assert "2/2" in bar
    assert bar.count("\n") == 1
    assert bar.endswith("\n")


def test_resend_wait_no_bar_off_terminal(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _delivery(submitted_attempt, "src-1")
    errors = StringIO()

    call_command("resend_outcomes", "--wait", stdout=StringIO(), stderr=errors)

    assert errors.getvalue() == ""


def test_read_outcome_names_address_guard(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker, settings: Any
) -> None:
    _use_pox(lms_consumer)
    settings.OUTCOMES_ALLOW_PRIVATE_NETWORKS = False
    attempt = submitted_attempt(0.5)

    with pytest.raises(CommandError) as error:
        _run("read_outcome", "--attempt", str(attempt.pk))

    message = str(error.value)
    assert "Not sending to 127.0.0.1: the address guard rejected it" in message
    assert "127.0.0.1 is a loopback" in message
    assert "OUTCOMES_ALLOW_PRIVATE_NETWORKS=1 allows loopback, private and shared addresses" in message
    assert fake_lms.requests == []
    read = Delivery.objects.get(operation=Operation.READ)
    assert read.status == DeliveryStatus.FAILED


def test_read_outcome_prints_lms_score(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    attempt = submitted_attempt(0.5, lis_result_sourcedid="src-read")
    fake_lms.script(
        Reply(
            200,
            pox_reply(
                "success",
                "Result read",
                "<readResultResponse><result><resultScore><language>en</language>"
                "<textString>0.85</textString></resultScore></result></readResultResponse>",
            ),
        )
    )

    output = _run("read_outcome", "--attempt", str(attempt.pk))

    assert output == f"Score for attempt {attempt.pk} (sourcedid src-read): 0.85\n"
    (request,) = fake_lms.requests
    assert b"<readResultRequest>" in request.body
    assert b"<sourcedId>src-read</sourcedId>" in request.body
    read = Delivery.objects.get(operation=Operation.READ)
    assert read.status == DeliveryStatus.DELIVERED
    assert read.try_set.count() == 1


def test_delete_outcome_clears_score(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    attempt = submitted_attempt(0.5, lis_result_sourcedid="src-del")
    fake_lms.script(Reply(200, pox_reply("success", "Deleted", "<deleteResultResponse/>")))

    output = _run("delete_outcome", "--attempt", str(attempt.pk))

    assert output == f"Deleted the score for attempt {attempt.pk} (sourcedid src-del).\n"
    assert b"<deleteResultRequest>" in fake_lms.requests[0].body


def test_delete_outcome_unsupported_is_reported_once(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    attempt = submitted_attempt(0.5, lis_result_sourcedid="src-del")
    fake_lms.default = Reply(200, pox_reply("unsupported", "deleteResult is not supported"))

    with pytest.raises(CommandError) as error:
        _run("delete_outcome", "--attempt", str(attempt.pk))

    assert "does not support deleteResult" in str(error.value)
    assert "not retried" in str(error.value)
    assert len(fake_lms.requests) == 1
    delete = Delivery.objects.get(operation=Operation.DELETE)
    assert delete.status == DeliveryStatus.FAILED
    assert delete.next_try_at is None


@pytest.mark.parametrize("command", ["read_outcome", "delete_outcome"])
def test_outcome_commands_refuse_json_consumer(
    command: str, lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    attempt = submitted_attempt(0.5)

    with pytest.raises(CommandError, match="receives Gooru JSON, which offers no"):
        _run(command, "--attempt", str(attempt.pk))

    assert fake_lms.requests == []


def test_read_outcome_reports_lms_failure(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    attempt = submitted_attempt(0.5)
    fake_lms.script(Reply(503, b"down"))

    with pytest.raises(CommandError, match="readResult for attempt .* failed .*HTTP 503: down"):
        _run("read_outcome", "--attempt", str(attempt.pk))


@pytest.mark.parametrize(
    ("value", "message"),
    [("not-a-uuid", "is not an attempt UUID"), ("8c1d6c5e-0b7e-4f4e-9f57-0a4f1b1a2b3c", "not found")],
)
@pytest.mark.parametrize("command", ["read_outcome", "delete_outcome"])
def test_outcome_commands_reject_unknown_attempt(
    command: str, value: str, message: str, db: None
) -> None:
    with pytest.raises(CommandError, match=message):
        _run(command, "--attempt", value)


def test_read_outcome_reports_empty_reply(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    attempt = submitted_attempt(0.5)
    fake_lms.script(Reply(204))

    with pytest.raises(CommandError, match="got no result from the LMS"):
        _run("read_outcome", "--attempt", str(attempt.pk))


def test_read_outcome_without_score_says_none(
    lms_consumer: Consumer, fake_lms: FakeLms, submitted_attempt: AttemptMaker
) -> None:
    _use_pox(lms_consumer)
    attempt = submitted_attempt(0.5, lis_result_sourcedid="src-empty")
    fake_lms.script(Reply(200, pox_reply("success", "No result", "<readResultResponse/>")))

    output = _run("read_outcome", "--attempt", str(attempt.pk))

    assert output == f"No score for attempt {attempt.pk} (sourcedid src-empty): the LMS holds none.\n"
