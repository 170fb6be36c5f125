"""Consumers: generated credentials, validation, encryption at rest and the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test import Client
from django.urls import reverse

from launches.models import Consumer
from tests.factories import ConsumerFactory

pytestmark = pytest.mark.django_db


def test_consumer_generates_key_and_secret() -> None:
    consumer = Consumer(name="Moodle", outcomes_url="https://moodle.example.edu/outcomes")
    consumer.save()

    assert consumer.key.startswith("gooru-")
    assert 22 <= len(consumer.secret) <= 64


def test_generated_secrets_differ() -> None:
    first = ConsumerFactory(secret="")
    second = ConsumerFactory(secret="")

    assert first.secret != second.secret


def test_consumer_strips_whitespace_from_key() -> None:
    consumer = ConsumerFactory(key="  canvas-key \n")

    consumer.refresh_from_db()
    assert consumer.key == "canvas-key"


def test_duplicate_key_is_rejected() -> None:
    ConsumerFactory(key="same-key")

    with pytest.raises(IntegrityError):
        ConsumerFactory(key="same-key")


@pytest.mark.parametrize("url", ["ftp://lms.example.org/x", "javascript:alert(1)", "not a url"])
def test_outcomes_url_must_be_http_or_https(url: str) -> None:
    consumer = Consumer(name="Bad", outcomes_url=url)

    with pytest.raises(ValidationError) as raised:
        consumer.full_clean(exclude=["secret_encrypted"])

    assert "outcomes_url" in raised.value.message_dict


def test_secret_is_encrypted_in_database_row() -> None:
    consumer = ConsumerFactory(secret="plain-shared-secret")

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM launches_consumer WHERE id = %s", [consumer.pk])
        (stored,) = cursor.fetchone()

    assert "plain-shared-secret" not in stored
    assert Consumer.objects.get(pk=consumer.pk).secret == "plain-shared-secret"


def test_rotate_secret_changes_it() -> None:
    consumer = ConsumerFactory(secret="old-secret")

    new_secret = consumer.rotate_secret()

    assert new_secret != "old-secret"
    assert Consumer.objects.get(pk=consumer.pk).secret == new_secret


@pytest.fixture
def admin_client(db: None) -> Client:
    user = User.objects.create_superuser("admin", "admin@example.org", "admin-password")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer_client(db: None) -> Client:
    user = User.objects.create_user("viewer", "viewer@example.org", "viewer-password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_consumer"))
    client = Client()
    client.force_login(user)
    return client


def test_secret_absent_from_admin_list_page(admin_client: Client) -> None:
    ConsumerFactory(name="Canvas", secret="list-page-secret-value")

    response = admin_client.get(reverse("admin:launches_consumer_changelist"), secure=True)

    assert response.status_code == 200
    assert b"Canvas" in response.content
    assert b"list-page-secret-value" not in response.content


def test_secret_shown_on_change_page_with_change_permission(admin_client: Client) -> None:
    consumer = ConsumerFactory(secret="change-page-secret")

    response = admin_client.get(
        reverse("admin:launches_consumer_change", args=[consumer.pk]), secure=True
    )

    assert response.status_code == 200
    assert b"change-page-secret" in response.content


def test_secret_hidden_from_view_only_staff(viewer_client: Client) -> None:
    consumer = ConsumerFactory(secret="view-only-secret")

    response = viewer_client.get(
        reverse("admin:launches_consumer_change", args=[consumer.pk]), secure=True
    )

    assert response.status_code == 200
    assert b"view-only-secret" not in response.content


def test_admin_rotate_secret_action(admin_client: Client) -> None:
    consumer = ConsumerFactory(secret="before-rotation")

    response = admin_client.post(
        reverse("admin:launches_consumer_changelist"),
        {"action": "rotate_secret", "_selected_action": [consumer.pk]},
        secure=True,
        follow=True,
    )

    assert response.status_code == 200
    assert b"Rotated the secret of 1 consumer" in response.content
    assert Consumer.objects.get(pk=consumer.pk).secret != "before-rotation"


def test_admin_add_strips_pasted_secret(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:launches_consumer_add"),
        {
            "name": "Blackboard",
            "key": "  bb-key  ",
            "secret": "  pasted-secret \t",
            "outcomes_url": "https://bb.example.edu/outcomes",
            "outcome_format": "lti_pox",
            "pox_target": "configured",
            "active": "on",
        },
        secure=True,
    )

    assert response.status_code == 302, response.content
    consumer = Consumer.objects.get(key="bb-key")
    assert consumer.secret == "pasted-secret"
