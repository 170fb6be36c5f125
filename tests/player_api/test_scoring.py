"""Answer shapes and scoring for every question type."""

from __future__ import annotations

from typing import Any

import pytest

from player_api.errors import InvalidAnswer
from player_api.models import Question, QuestionType
from player_api.scoring import (
    answer_is_correct,
    answer_validate,
    blank_count,
    normalize_text,
)

CHOICES = [
    {"id": "a", "text": "Mercury"},
    {"id": "b", "text": "Venus"},
    {"id": "c", "text": "Earth"},
    {"id": "d", "text": "Mars"},
]


def _question(kind: str, correct: Any, choices: list[dict[str, str]] | None = None) -> Question:
    """An unsaved question: scoring needs no database."""
    return Question(
        question_type=kind,
        prompt="Question",
        choices=CHOICES if choices is None else choices,
        correct_answer=correct,
    )


SINGLE = _question(QuestionType.SINGLE_CHOICE, "c")
MULTIPLE = _question(QuestionType.MULTIPLE_CHOICE, ["a", "b"])
TRUE_FALSE = _question(QuestionType.TRUE_FALSE, False, choices=[])
FILL_IN = _question(QuestionType.FILL_IN_THE_BLANK, [["photosynthesis"], ["carbon dioxide", "CO2"]], [])
ORDERING = _question(QuestionType.ORDERING, ["a", "b", "c", "d"])


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (SINGLE, "c", True),
        (SINGLE, "a", False),
        (MULTIPLE, ["a", "b"], True),
        (MULTIPLE, ["b", "a"], True),
        (MULTIPLE, ["a"], False),
        (MULTIPLE, ["a", "b", "c"], False),
        (MULTIPLE, [], False),
        (TRUE_FALSE, False, True),
        (TRUE_FALSE, True, False),
        (FILL_IN, ["photosynthesis", "carbon dioxide"], True),
        (FILL_IN, ["  Photosynthesis ", "co2"], True),
        (FILL_IN, ["PHOTOSYNTHESIS", "carbon \t\n  dioxide"], True),
        (FILL_IN, ["photosynthesis", "carbondioxide"], False),
        (FILL_IN, ["photosynthesis", "oxygen"], False),
        (FILL_IN, ["", ""], False),
        (FILL_IN, ["   ", "co2"], False),
        (ORDERING, ["a", "b", "c", "d"], True),
        (ORDERING, ["a", "b", "d", "c"], False),
        (ORDERING, ["d", "c", "b", "a"], False),
    ],
)
def test_answer_is_correct_cases(question: Question, answer: Any, expected: bool) -> None:
    assert answer_is_correct(question, answer) is expected


def test_multiple_choice_partly_right_is_wrong() -> None:
    question = _question(QuestionType.MULTIPLE_CHOICE, ["a", "c", "d"])

    assert answer_is_correct(question, ["a", "c"]) is False
    assert answer_is_correct(question, ["a", "c", "d"]) is True


@pytest.mark.parametrize(
    ("question", "answer", "expected_message"),
    [
        (SINGLE, "z", "one choice id: one of a, b, c, d"),
        (SINGLE, ["c"], "one choice id"),
        (SINGLE, "", "one choice id"),
        (SINGLE, None, "one choice id"),
        (MULTIPLE, "a", "list of distinct choice ids from a, b, c, d"),
        (MULTIPLE, ["a", "a"], "distinct"),
        (MULTIPLE, ["a", "x"], "choice ids"),
        (TRUE_FALSE, "false", "true or false"),
        (TRUE_FALSE, 0, "true or false"),
        (FILL_IN, "photosynthesis", "list of 2 strings, one per blank"),
        (FILL_IN, ["photosynthesis"], "list of 2 strings"),
        (FILL_IN, ["photosynthesis", 2], "list of 2 strings"),
        (FILL_IN, ["photosynthesis", "x" * 1001], "at most 1000 characters"),
        (ORDERING, ["a", "b", "c"], "every choice id exactly once"),
        (ORDERING, ["a", "b", "c", "c"], "every choice id exactly once"),
        (ORDERING, {"a": 1}, "every choice id exactly once"),
    ],
)
def test_answer_validate_wrong_shape(question: Question, answer: Any, expected_message: str) -> None:
    with pytest.raises(InvalidAnswer) as raised:
        answer_validate(question, answer)

    assert expected_message in raised.value.message


def test_answer_validate_returns_answer() -> None:
    assert answer_validate(ORDERING, ["d", "a", "c", "b"]) == ["d", "a", "c", "b"]


def test_answer_of_outdated_shape_is_wrong() -> None:
    # The question lost a choice in a later import; the stored answer is still scored.
    assert answer_is_correct(SINGLE, "z") is False


def test_normalize_text_trims_collapses_and_folds() -> None:
    assert normalize_text("  Carbon \n\t DIOXIDE  ") == "carbon dioxide"


def test_blank_count_marks() -> None:
    assert blank_count("A ___ has ______ sides and _ corners.") == 2
