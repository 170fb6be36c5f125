"""Answer shapes and scoring rules for each question type.

The shapes, for a question's ``choices`` of ``{"id", "text"}`` objects:

- ``single_choice``: one choice id, such as ``"b"``.
- ``multiple_choice``: a list of distinct choice ids; right only when it contains
  all and only the correct choices.
- ``true_false``: ``true`` or ``false``.
- ``fill_in_the_blank``: a list of strings, one per blank. The correct answer
  is a list, per blank, of accepted answers; answers are compared after
  trimming, collapsing whitespace and ignoring case.
- ``ordering``: every choice id exactly once, in the student's order; right
  only in the exact correct order.
"""

from __future__ import annotations

import re
from typing import Any

from player_api.errors import InvalidAnswer
from player_api.models import Question, QuestionType

# A blank in a fill-in-the-blank prompt: three or more underscores.
BLANK_PATTERN = re.compile(r"_{3,}")

_WHITESPACE = re.compile(r"\s+")

# The maximum length of the text a student types into one blank.
MAX_BLANK_LENGTH = 1000


def blank_count(prompt: str) -> int:
    """Return how many blanks a fill-in-the-blank prompt marks with ``___``."""
    return len(BLANK_PATTERN.findall(prompt))


def normalize_text(text: str) -> str:
    """Trim, collapse inner whitespace to one space and fold case."""
    return _WHITESPACE.sub(" ", text).strip().casefold()


def choice_ids(question: Question) -> list[str]:
    return [str(choice["id"]) for choice in question.choices]


def answer_validate(question: Question, answer: Any) -> Any:
    """Check that an answer has the shape its question type expects, and return it.

    Raises InvalidAnswer with a message that states the expected shape.
    """
    kind = question.question_type
    if kind == QuestionType.SINGLE_CHOICE:
        ids = choice_ids(question)
        if not isinstance(answer, str) or answer not in ids:
            raise InvalidAnswer(
                f"A single_choice answer must be one choice id: one of {', '.join(ids)}."
            )
        return answer

    if kind == QuestionType.MULTIPLE_CHOICE:
        ids = choice_ids(question)
        if (
            not isinstance(answer, list)
            or not all(isinstance(item, str) and item in ids for item in answer)
            or len(set(answer)) != len(answer)
        ):
            raise InvalidAnswer(
                "A multiple_choice answer must be a list of distinct choice ids "
                f"from {', '.join(ids)}."
            )
        return answer

    if kind == QuestionType.TRUE_FALSE:
        if not isinstance(answer, bool):
            raise InvalidAnswer("A true_false answer must be true or false.")
        return answer

    if kind == QuestionType.FILL_IN_THE_BLANK:
        blanks = len(question.correct_answer)
        if (
            not isinstance(answer, list)
            or len(answer) != blanks
            or not all(isinstance(item, str) for item in answer)
        ):
            raise InvalidAnswer(
                f"A fill_in_the_blank answer must be a list of {blanks} "
                f"string{'s' if blanks != 1 else ''}, one per blank."
            )
        if any(len(item) > MAX_BLANK_LENGTH for item in answer):
            raise InvalidAnswer(
                f"Each fill_in_the_blank answer must be at most {MAX_BLANK_LENGTH} characters."
            )
        return answer

    if kind == QuestionType.ORDERING:
        ids = choice_ids(question)
        if (
            not isinstance(answer, list)
            or not all(isinstance(item, str) for item in answer)
            or sorted(answer) != sorted(ids)
        ):
            raise InvalidAnswer(
                "An ordering answer must list every choice id exactly once: "
                f"{', '.join(ids)} in the chosen order."
            )
        return answer

    raise InvalidAnswer(f"Question {question.pk} has an unknown type {kind!r}.")


def answer_is_correct(question: Question, answer: Any) -> bool:
    """Return whether a validated answer is right for its question.

    An answer that does not fit the question's current shape (the question was
    changed by a later import) is wrong rather than an error.
    """
    try:
        answer_validate(question, answer)
    except InvalidAnswer:
        return False

    kind = question.question_type
    correct = question.correct_answer
    if kind == QuestionType.MULTIPLE_CHOICE:
        return set(answer) == set(correct)
    if kind == QuestionType.FILL_IN_THE_BLANK:
        return all(
            normalize_text(given) in {normalize_text(accepted) for accepted in accepted_list}
            for given, accepted_list in zip(answer, correct, strict=True)
        )
    # single_choice, true_false and ordering compare exactly.
    return bool(answer == correct)
