"""Factories for the models of every app, shared by the whole suite."""

from __future__ import annotations

import uuid

import factory
from factory.django import DjangoModelFactory

from launches.models import Consumer, ContentType, Launch, LtiUser, OutcomeFormat


class ConsumerFactory(DjangoModelFactory[Consumer]):
    class Meta:
        model = Consumer

    name = factory.Sequence(lambda n: f"LMS {n}")
    key = factory.Sequence(lambda n: f"consumer-key-{n}")
    outcomes_url = "https://lms.example.org/outcomes"
    outcome_format = OutcomeFormat.GOORU_JSON
    secret = factory.Sequence(lambda n: f"consumer-secret-{n}")


class LtiUserFactory(DjangoModelFactory[LtiUser]):
    class Meta:
        model = LtiUser

    consumer = factory.SubFactory(ConsumerFactory)
    lms_user_id = factory.Sequence(lambda n: f"lms-user-{n}")
    name = factory.Faker("name")


class LaunchFactory(DjangoModelFactory[Launch]):
    class Meta:
        model = Launch

    consumer = factory.SelfAttribute("user.consumer")
    user = factory.SubFactory(LtiUserFactory)
    resource_link_id = factory.Sequence(lambda n: f"rl-{n}")
    context_id = "ctx-1"
    roles = "Learner"
    is_student = True
    content_type = ContentType.ASSESSMENT
    content_id = factory.LazyFunction(uuid.uuid4)
    lis_result_sourcedid = factory.Sequence(lambda n: f"sourcedid-{n}")
