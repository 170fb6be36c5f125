"""Fixtures shared by the whole suite: named personas over the factories."""

from __future__ import annotations

import pytest

from launches.models import Consumer, LtiUser
from tests.factories import ConsumerFactory, LtiUserFactory


@pytest.fixture
def consumer(db: None) -> Consumer:
    """The LMS of the examples: key test-key, secret test-secret."""
    return ConsumerFactory(name="Example LMS", key="test-key", secret="test-secret")


@pytest.fixture
def other_consumer(db: None) -> Consumer:
    return ConsumerFactory(name="Other LMS", key="other-key", secret="other-secret")


@pytest.fixture
def learner(consumer: Consumer) -> LtiUser:
    return LtiUserFactory(consumer=consumer, lms_user_id="u-456", name="Alice Learner")


@pytest.fixture
def other_learner(other_consumer: Consumer) -> LtiUser:
    """A learner of another consumer, who must never see the first consumer's data."""
    return LtiUserFactory(consumer=other_consumer, lms_user_id="u-456", name="Bob Elsewhere")
