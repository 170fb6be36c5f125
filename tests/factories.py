"""Factories for the models of every app, shared by the whole suite."""

from __future__ import annotations

import uuid

import factory
from factory.django import DjangoModelFactory

from launches.models import Consumer, ContentType, Launch, LtiUser, OutcomeFormat
from player_api.models import Attempt, Content, Question, QuestionType


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


class ContentFactory(DjangoModelFactory[Content]):
    class Meta:
        model = Content

    content_type = ContentType.ASSESSMENT
    title = factory.Sequence(lambda n: f"Assessment {n}")


class QuestionFactory(DjangoModelFactory[Question]):
    """A single-choice question whose right answer is choice "b"."""

    class Meta:
        model = Question

    content = factory.SubFactory(ContentFactory)
    position = factory.Sequence(lambda n: n)
    question_type = QuestionType.SINGLE_CHOICE
    prompt = "What is 7 × 8?"
    choices = factory.LazyFunction(
        lambda: [{"id": "a", "text": "54"}, {"id": "b", "text": "56"}, {"id": "c", "text": "64"}]
    )
    correct_answer = "b"


class AttemptFactory(DjangoModelFactory[Attempt]):
    """An open attempt at a content item, through a launch that names it."""

    class Meta:
        model = Attempt

    content = factory.SubFactory(ContentFactory)
    launch = factory.SubFactory(
        LaunchFactory,
        content_id=factory.SelfAttribute("..content.pk"),
        content_type=factory.SelfAttribute("..content.content_type"),
    )
    user = factory.SelfAttribute("launch.user")
    resource_link_id = factory.SelfAttribute("launch.resource_link_id")
