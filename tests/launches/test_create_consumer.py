"""The create_consumer management command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from launches.models import Consumer
from tests.factories import ConsumerFactory

pytestmark = pytest.mark.django_db


def test_create_consumer_prints_key_and_secret() -> None:
    out = StringIO()

    call_command(
        "create_consumer",
        "--name", "Sakai",
        "--outcomes-url", "https://sakai.example.edu/outcomes",
        "--format", "lti_pox",
        "--key", "sakai-key",
        stdout=out,
    )

    consumer = Consumer.objects.get(key="sakai-key")
    assert consumer.outcome_format == "lti_pox"
    assert "Consumer key: sakai-key" in out.getvalue()
    assert f"Shared secret: {consumer.secret}" in out.getvalue()


def test_create_consumer_generates_key_and_secret() -> None:
    out = StringIO()

    call_command(
        "create_consumer", "--name", "Moodle", "--outcomes-url", "https://m.example.edu/o", stdout=out
    )

    consumer = Consumer.objects.get(name="Moodle")
    assert consumer.key.startswith("gooru-")
    assert consumer.secret in out.getvalue()


def test_create_consumer_duplicate_key_writes_nothing() -> None:
    ConsumerFactory(key="taken-key")

    with pytest.raises(CommandError, match="(?i)consumer key already exists"):
        call_command(
            "create_consumer",
            "--name", "Duplicate",
            "--outcomes-url", "https://lms.example.org/outcomes",
            "--key", "taken-key",
        )

    assert Consumer.objects.count() == 1


def test_create_consumer_bad_url_writes_nothing() -> None:
    with pytest.raises(CommandError, match="--outcomes-url"):
        call_command("create_consumer", "--name", "Bad", "--outcomes-url", "ftp://lms.example.org/x")

    assert Consumer.objects.count() == 0


def test_create_consumer_exits_non_zero_from_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    utility = ManagementUtility(
        ["manage.py", "create_consumer", "--name", "X", "--outcomes-url", "nope"]
    )

    with pytest.raises(SystemExit) as raised:
        utility.execute()

    assert raised.value.code == 1
    assert "--outcomes-url" in capsys.readouterr().err


def test_create_consumer_key_with_space_writes_nothing() -> None:
    with pytest.raises(CommandError, match="must not contain spaces"):
        call_command(
            "create_consumer",
            "--name", "Spaced",
            "--outcomes-url", "https://lms.example.org/outcomes",
            "--key", "my key",
        )

    assert Consumer.objects.count() == 0
