"""demo_setup: consumers pointed at the inspector, sample content and an admin, re-runnable."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from launches.models import Consumer, OutcomeFormat
from player_api.models import Content
from test_consumer.management.commands.demo_setup import SAMPLE_CONTENT_DIR

pytestmark = pytest.mark.django_db

BASE_URL = "http://127.0.0.1:8123"


def run_demo_setup(*args: str) -> str:
    output = StringIO()
    call_command("demo_setup", "--base-url", BASE_URL, *args, stdout=output, stderr=output)
    return output.getvalue()


def test_demo_setup_creates_consumers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-password-42")

    output = run_demo_setup("--skip-content")

    consumers = {consumer.key: consumer for consumer in Consumer.objects.all()}
    assert set(consumers) == {"demo-json", "demo-pox"}
    assert consumers["demo-json"].outcome_format == OutcomeFormat.GOORU_JSON
    assert consumers["demo-pox"].outcome_format == OutcomeFormat.LTI_POX
    for consumer in consumers.values():
        assert consumer.outcomes_url == f"{BASE_URL}/lti/test-consumer/outcomes/"
        assert consumer.active
        assert consumer.secret
    assert f"open {BASE_URL}/lti/test-consumer/" in output


def test_demo_setup_uses_password_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-password-42")

    output = run_demo_setup("--skip-content")

    assert authenticate(username="admin", password="demo-password-42") is not None
    assert "demo-password-42" not in output
    assert User.objects.get(username="admin").is_staff


def test_demo_setup_prints_generated_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)

    output = run_demo_setup("--skip-content")

    printed = re.search(r"created with password: (\S+)", output)
    assert printed is not None
    assert authenticate(username="admin", password=printed.group(1)) is not None


def test_demo_setup_runs_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    first_output = run_demo_setup("--skip-content")
    password = re.search(r"created with password: (\S+)", first_output).group(1)  # type: ignore[union-attr]
    secrets_before = {consumer.key: consumer.secret for consumer in Consumer.objects.all()}

    second_output = run_demo_setup("--skip-content")

    assert Consumer.objects.count() == 2
    assert User.objects.count() == 1
    assert {consumer.key: consumer.secret for consumer in Consumer.objects.all()} == secrets_before
    assert "password is unchanged" in second_output
    assert authenticate(username="admin", password=password) is not None


def test_demo_setup_moves_outcomes_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-password-42")
    run_demo_setup("--skip-content")

    call_command(
        "demo_setup", "--base-url", "http://localhost:9000/", "--skip-content", stdout=StringIO()
    )

    urls = set(Consumer.objects.values_list("outcomes_url", flat=True))
    assert urls == {"http://localhost:9000/lti/test-consumer/outcomes/"}


def test_demo_setup_dry_run_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-password-42")

    output = run_demo_setup("--dry-run")

    assert "Would create consumer demo-json" in output
    assert not Consumer.objects.exists()
    assert not User.objects.exists()
    assert not Content.objects.exists()


def test_demo_setup_dry_run_keeps_existing_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    User.objects.create_superuser("admin", "admin@example.org", "kept-password")

    output = run_demo_setup("--dry-run", "--skip-content")

    assert "Would keep the admin user admin and its password." in output
    assert authenticate(username="admin", password="kept-password") is not None


def test_demo_setup_rejects_bad_base_url() -> None:
    with pytest.raises(CommandError, match="--base-url"):
        call_command("demo_setup", "--base-url", "127.0.0.1:8000", stdout=StringIO())


@pytest.mark.skipif(
    not list(SAMPLE_CONTENT_DIR.glob("*.json")), reason="no sample content files to import"
)
def test_demo_setup_imports_sample_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-password-42")

    run_demo_setup()
    count = Content.objects.count()
    run_demo_setup()

    assert count >= 3
    assert Content.objects.count() == count
    assert Content.objects.filter(content_type="assessment", questions__isnull=False).exists()
