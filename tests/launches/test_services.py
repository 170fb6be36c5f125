"""Recording a verified launch: the nonce constraint is the last word on replays."""

from __future__ import annotations

import pytest

from launches.errors import LaunchRejected, RejectReason
from launches.models import Consumer, Launch, LtiUser, Nonce
from launches.parameters import parse_launch_parameters
from launches.services import launch_record
from launches.verification import VerifiedLaunch
from player_api.models import Content
from tests.launches.signing import CLOCK, p0

pytestmark = pytest.mark.django_db


def verified_launch(consumer: Consumer, content: Content) -> VerifiedLaunch:
    params = p0(custom_content_id=str(content.pk), custom_content_type=content.content_type)
    return VerifiedLaunch(
        consumer=consumer, params=tuple(params), nonce="n0nce-0001", timestamp=CLOCK
    )


def test_launch_record_rejects_stored_nonce(consumer: Consumer, assessment: Content) -> None:
    # Both copies passed verification, as two concurrent requests can.
    verified = verified_launch(consumer, assessment)
    parameters = parse_launch_parameters(verified)
    launch_record(verified, parameters)

    with pytest.raises(LaunchRejected) as raised:
        launch_record(verified, parameters)

    assert raised.value.reason is RejectReason.REPLAYED_NONCE
    assert Launch.objects.count() == 1
    assert LtiUser.objects.count() == 1
    assert Nonce.objects.count() == 1


def test_launch_record_rolls_back_user_on_replay(
    consumer: Consumer, other_consumer: Consumer, assessment: Content
) -> None:
    Nonce.objects.create(consumer=consumer, value="n0nce-0001", timestamp=CLOCK)
    verified = verified_launch(consumer, assessment)

    with pytest.raises(LaunchRejected):
        launch_record(verified, parse_launch_parameters(verified))

    assert not LtiUser.objects.exists()
    assert not Launch.objects.exists()
