"""From launch to outcome: the delivery uses the sourcedid of the newest launch of its link."""

from __future__ import annotations

import pytest
from django.test import Client

from launches.models import Consumer
from outcomes.models import Delivery
from player_api.models import Attempt, Content
from player_api.services import attempt_submit
from tests.launches.signing import fresh_nonce, p0, post_launch, sign

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "consumer")]


def launch_and_open(client: Client, content: Content, **changes: str) -> Attempt:
    """Launch through the view, open the player page, and return the attempt it shows."""
    params = sign(
        p0(
            oauth_nonce=fresh_nonce(),
            custom_content_id=str(content.pk),
            custom_content_type=content.content_type,
            **changes,
        )
    )
    response = post_launch(client, params)
    assert response.status_code == 303
    player = client.get(response["Location"], secure=True, headers={"host": "tool.example.edu"})
    assert player.status_code == 200
    attempt = player.context["attempt"]
    assert isinstance(attempt, Attempt)
    return attempt


def test_relaunch_sends_new_sourcedid(
    client: Client, consumer: Consumer, assessment: Content
) -> None:
    launch_and_open(client, assessment, lis_result_sourcedid="src-789")
    attempt = launch_and_open(client, assessment, lis_result_sourcedid="src-789-v2")

    attempt_submit(attempt)

    delivery = Delivery.objects.get()
    assert delivery.sourcedid == "src-789-v2"
    assert delivery.consumer == consumer


def test_two_links_in_one_session_keep_sourcedids(client: Client, assessment: Content) -> None:
    quiz = launch_and_open(
        client, assessment, resource_link_id="rl-a", lis_result_sourcedid="src-a"
    )
    homework = launch_and_open(
        client, assessment, resource_link_id="rl-b", lis_result_sourcedid="src-b"
    )

    attempt_submit(homework)
    attempt_submit(quiz)

    assert quiz.pk != homework.pk
    assert Delivery.objects.get(attempt=quiz).sourcedid == "src-a"
    assert Delivery.objects.get(attempt=homework).sourcedid == "src-b"


def test_instructor_preview_sends_nothing(client: Client, assessment: Content) -> None:
    attempt = launch_and_open(client, assessment, roles="Instructor", lis_result_sourcedid="")

    attempt_submit(attempt)

    assert not Delivery.objects.exists()
