"""Content, questions and resources, and the attempts students make at them."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from launches.models import ContentType, Launch, LtiUser


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    TRUE_FALSE = "true_false", "True or false"
    FILL_IN_THE_BLANK = "fill_in_the_blank", "Fill in the blank"
    ORDERING = "ordering", "Ordering"


class Content(models.Model):
    """An assessment or a collection, identified by its Gooru UUID."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "content"

    def __str__(self) -> str:
        return f"{self.title} ({self.content_type})"


class Question(models.Model):
    """One question of a content item; position orders it among questions and resources."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    question_type = models.CharField(max_length=30, choices=QuestionType.choices)
    prompt = models.TextField()
    choices = models.JSONField(default=list, blank=True)
    correct_answer = models.JSONField()
    hint = models.TextField(blank=True)
    retired = models.BooleanField(
        default=False,
        help_text="Left out of the content by a later import; kept for the responses it has.",
    )

    class Meta:
        ordering = ["content", "position"]

    def __str__(self) -> str:
        return self.prompt[:80]


class Resource(models.Model):
    """A reading or link placed between the questions of a collection."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="resources")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=2000, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["content", "position"]

    def __str__(self) -> str:
        return self.title


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class Attempt(models.Model):
    """One user's play of one content item, bound to the launch that opened it last."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(LtiUser, on_delete=models.PROTECT, related_name="attempts")
    launch = models.ForeignKey(Launch, on_delete=models.PROTECT, related_name="attempts")
    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="attempts")
    resource_link_id = models.CharField(max_length=255)
    status = models.CharField(
        max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    reaction = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    # The result, computed on submit.
    score = models.FloatField(null=True, blank=True)
    questions_count = models.PositiveIntegerField(null=True, blank=True)
    time_spend_ms = models.BigIntegerField(null=True, blank=True)
    completed_time = models.BigIntegerField(
        null=True, blank=True, help_text="Epoch milliseconds."
    )

    # What the outcome needs, copied from the launch on submit.
    lis_result_sourcedid = models.TextField(blank=True)
    class_id = models.UUIDField(null=True, blank=True)
    course_id = models.UUIDField(null=True, blank=True)
    unit_id = models.UUIDField(null=True, blank=True)
    lesson_id = models.UUIDField(null=True, blank=True)
    student = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "resource_link_id", "content"],
                condition=Q(status="in_progress"),
                name="one_open_attempt_per_link",
            ),
            models.CheckConstraint(
                condition=Q(reaction__gte=0, reaction__lte=5), name="attempt_reaction_0_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content.title} by {self.user}"

    @property
    def is_submitted(self) -> bool:
        return self.status == AttemptStatus.SUBMITTED


class Response(models.Model):
    """The current answer to one question of an attempt; replaced when the student changes it."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="responses")
    answer = models.JSONField()
    time_spent_ms = models.PositiveIntegerField(default=0)
    is_correct = models.BooleanField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_response_per_question")
        ]
