"""Selectors other apps use: the newest launch of a link."""

from __future__ import annotations

import pytest
import time_machine

from launches.models import Consumer, LtiUser
from launches.selectors import content_exists, launch_newest_for_link
from tests.factories import ContentFactory, LaunchFactory

pytestmark = pytest.mark.django_db


def test_launch_newest_for_link_picks_latest(consumer: Consumer, learner: LtiUser) -> None:
    with time_machine.travel(1700000000, tick=False) as traveller:
        LaunchFactory(user=learner, resource_link_id="rl-123", lis_result_sourcedid="src-789")
        traveller.shift(5)
        newest = LaunchFactory(
            user=learner, resource_link_id="rl-123", lis_result_sourcedid="src-789-v2"
        )
        traveller.shift(5)
        LaunchFactory(user=learner, resource_link_id="rl-other")

    assert launch_newest_for_link(consumer, "rl-123", learner) == newest


def test_launch_newest_for_link_is_per_consumer(
    consumer: Consumer, learner: LtiUser, other_learner: LtiUser
) -> None:
    LaunchFactory(user=other_learner, resource_link_id="rl-123")

    assert launch_newest_for_link(consumer, "rl-123", learner) is None
    assert launch_newest_for_link(consumer, "rl-123", other_learner) is None


def test_content_exists_checks_type() -> None:
    content = ContentFactory(content_type="assessment")

    assert content_exists("assessment", content.pk)
    assert not content_exists("collection", content.pk)
