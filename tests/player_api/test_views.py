"""The player page at /play/<token>/."""

from __future__ import annotations

import json
import time

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from launches.models import Launch
from launches.tokens import make_launch_token
from player_api.models import Attempt, AttemptStatus, Content
from player_api.tokens import read_player_token
from tests.factories import LaunchFactory

pytestmark = pytest.mark.django_db


def _play_url(launch: Launch) -> str:
    return reverse("player_api:play", args=[make_launch_token(launch)])


def _config(html: str) -> dict[str, object]:
    start = html.index('<script id="player-config" type="application/json">')
    start = html.index(">", start) + 1
    end = html.index("</script>", start)
    return json.loads(html[start:end])


@pytest.fixture
def quiz(db: None) -> Content:
    return Content.objects.create(content_type="assessment", title="Fractions check")


def test_play_starts_attempt_and_renders_config(client: Client, quiz: Content) -> None:
    launch = LaunchFactory(content_id=quiz.pk)

    response = client.get(_play_url(launch))

    assert response.status_code == 200
    attempt = Attempt.objects.get()
    assert attempt.launch == launch
    assert attempt.content == quiz
    config = _config(response.content.decode())
    assert config["attemptId"] == str(attempt.pk)
    assert config["apiBaseUrl"] == "/api/v1/"
    assert config["graded"] is True
    token = read_player_token(str(config["apiToken"]))
    assert token.attempt_id == attempt.pk
    assert token.user_id == launch.user_id
    assert "no-store" in response["Cache-Control"]


def test_play_sets_consumer_on_request(client: Client, quiz: Content) -> None:
    launch = LaunchFactory(content_id=quiz.pk)

    response = client.get(_play_url(launch))

    assert response.wsgi_request.lti_consumer == launch.consumer  # type: ignore[attr-defined]


def test_play_ungraded_launch_config(client: Client, quiz: Content) -> None:
    launch = LaunchFactory(content_id=quiz.pk, lis_result_sourcedid="")

    response = client.get(_play_url(launch))

    assert _config(response.content.decode())["graded"] is False


def test_play_resumes_open_attempt_on_newer_launch(client: Client, quiz: Content) -> None:
    first = LaunchFactory(content_id=quiz.pk)
    second = LaunchFactory(
        content_id=quiz.pk, user=first.user, resource_link_id=first.resource_link_id
    )
    client.get(_play_url(first))

    response = client.get(_play_url(second))

    attempt = Attempt.objects.get()
    assert _config(response.content.decode())["attemptId"] == str(attempt.pk)
    assert attempt.launch == second


def test_play_expired_token_asks_for_new_launch(client: Client, quiz: Content) -> None:
    launch = LaunchFactory(content_id=quiz.pk)
    url = _play_url(launch)

    later = time.time() + settings.PLAYER_TOKEN_MAX_AGE + 60
    with time_machine.travel(later, tick=False):
        response = client.get(url)

    assert response.status_code == 403
    assert b"Open the activity again from your LMS" in response.content
    assert not Attempt.objects.exists()


def test_play_forged_token_is_rejected(client: Client, quiz: Content) -> None:
    response = client.get(reverse("player_api:play", args=["not-a-token"]))

    assert response.status_code == 403
    assert b"This link is not valid" in response.content


def test_play_missing_content_is_404(client: Client) -> None:
    launch = LaunchFactory()

    response = client.get(_play_url(launch))

    assert response.status_code == 404
    assert str(launch.content_id).encode() in response.content
    assert not Attempt.objects.exists()


def test_play_after_submit_shows_same_attempt(client: Client, quiz: Content) -> None:
    launch = LaunchFactory(content_id=quiz.pk)
    client.get(_play_url(launch))
    Attempt.objects.update(status=AttemptStatus.SUBMITTED)

    response = client.get(_play_url(launch))

    attempt = Attempt.objects.get()
    assert _config(response.content.decode())["attemptId"] == str(attempt.pk)
