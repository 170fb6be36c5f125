"""Input and output shapes of the player API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from player_api.models import Attempt, Question, QuestionType, Resource
from player_api.services import MAX_TIME_SPENT_MS


class ContentOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    type = serializers.CharField(source="content_type")
    title = serializers.CharField()
    description = serializers.CharField()


class ChoiceOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    text = serializers.CharField()


class QuestionOutput(serializers.Serializer[Question]):
    """A question as the student sees it: never its correct answer."""

    id = serializers.UUIDField()
    position = serializers.IntegerField()
    type = serializers.CharField(source="question_type")
    prompt = serializers.CharField()
    choices = ChoiceOutput(many=True)
    blanks = serializers.SerializerMethodField(
        help_text="How many blanks a fill_in_the_blank question has; 0 for other types."
    )
    hint = serializers.CharField()

    def get_blanks(self, question: Question) -> int:
        if question.question_type != QuestionType.FILL_IN_THE_BLANK:
            return 0
        return len(question.correct_answer)


class ResourceOutput(serializers.Serializer[Resource]):
    id = serializers.UUIDField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    text = serializers.CharField()


class ResponseOutput(serializers.Serializer[Any]):
    question_id = serializers.UUIDField()
    answer = serializers.JSONField()
    time_spent_ms = serializers.IntegerField()
    is_correct = serializers.BooleanField(
        allow_null=True, help_text="Null until the attempt is submitted."
    )


class ResultOutput(serializers.Serializer[Attempt]):
    score = serializers.FloatField(help_text="Correct answers over questions, from 0 to 1.")
    questions_count = serializers.IntegerField()
    time_spend_ms = serializers.IntegerField()
    completed_time = serializers.IntegerField(help_text="Epoch milliseconds.")


class AttemptOutput(serializers.Serializer[dict[str, Any]]):
    """An attempt as selectors.attempt_detail builds it."""

    id = serializers.UUIDField()
    status = serializers.CharField()
    graded = serializers.BooleanField(
        help_text="False for a preview launch, whose score goes to no gradebook."
    )
    reaction = serializers.IntegerField()
    content = ContentOutput()
    questions = QuestionOutput(many=True)
    resources = ResourceOutput(many=True)
    responses = ResponseOutput(many=True)
    result = ResultOutput(allow_null=True)


class ResponseInput(serializers.Serializer[Any]):
    answer = serializers.JSONField(
        help_text=(
            "single_choice: a choice id; multiple_choice: a list of choice ids; "
            "true_false: true or false; fill_in_the_blank: a list of strings, one per "
            "blank; ordering: every choice id in the chosen order."
        )
    )
    time_spent_ms = serializers.IntegerField(
        min_value=0,
        max_value=MAX_TIME_SPENT_MS,
        default=0,
        help_text="Total milliseconds spent on this question so far.",
    )


class ReactionInput(serializers.Serializer[Any]):
    reaction = serializers.IntegerField(
        min_value=0, max_value=5, help_text="0 for none, 1 to 5 otherwise."
    )
