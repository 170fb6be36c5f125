"""python manage.py import_content and the content file format."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from player_api.models import (
    Attempt,
    AttemptStatus,
    Content,
    Question,
    QuestionType,
    Resource,
)
from player_api.models import Response as ResponseModel
from tests.factories import (
    AttemptFactory,
    ContentFactory,
    LaunchFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db

SAMPLE_DIR = Path(settings.BASE_DIR) / "player_api" / "sample_content"
SAMPLE_FILES = sorted(SAMPLE_DIR.glob("*.json"))
FRACTIONS_ID = "882eb153-6d72-4068-ba58-18f22add3e2d"

QUIZ: dict[str, Any] = {
    "content": [
        {
            "id": "5b0c1e55-7a43-4c1b-9d5e-0c7f2a4e8b10",
            "type": "assessment",
            "title": "Angles quiz",
            "items": [
                {
                    "id": "5b0c1e55-7a43-4c1b-9d5e-0c7f2a4e8b11",
                    "type": "single_choice",
                    "prompt": "An angle of 90 degrees is called",
                    "choices": [{"id": "a", "text": "acute"}, {"id": "b", "text": "right"}],
                    "answer": "b",
                },
                {
                    "id": "5b0c1e55-7a43-4c1b-9d5e-0c7f2a4e8b12",
                    "type": "true_false",
                    "prompt": "The angles of a triangle add up to 180 degrees.",
                    "answer": True,
                },
                {
                    "id": "5b0c1e55-7a43-4c1b-9d5e-0c7f2a4e8b13",
                    "type": "fill_in_the_blank",
                    "prompt": "A straight angle measures ___ degrees.",
                    "answer": [["180"]],
                },
                {
                    "id": "5b0c1e55-7a43-4c1b-9d5e-0c7f2a4e8b14",
                    "type": "ordering",
                    "prompt": "Order from smallest to largest.",
                    "choices": [
                        {"id": "a", "text": "obtuse"},
                        {"id": "b", "text": "acute"},
                        {"id": "c", "text": "reflex"},
                    ],
                    "answer": ["b", "a", "c"],
                },
            ],
        }
    ]
}


def _write(tmp_path: Path, data: Any, name: str = "content.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _import(*paths: Path, dry_run: bool = False) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    args = [str(path) for path in paths] + (["--dry-run"] if dry_run else [])
    call_command("import_content", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def _import_failing(*paths: Path) -> str:
    stderr = StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", *map(str, paths), stdout=StringIO(), stderr=stderr)
    return stderr.getvalue()


def _quiz() -> dict[str, Any]:
    return copy.deepcopy(QUIZ)


def test_import_samples_load() -> None:
    out, err = _import(*SAMPLE_FILES)

    assert len(SAMPLE_FILES) >= 3
    assert err == ""
    assert out.count("1 created") == len(SAMPLE_FILES)
    assert Content.objects.filter(content_type="assessment").count() >= 2
    assert Content.objects.filter(content_type="collection").count() >= 1
    assert Resource.objects.exists()


def test_import_sample_assessment_uses_every_type() -> None:
    _import(*SAMPLE_FILES)

    fractions = Content.objects.get(pk=FRACTIONS_ID)
    assert fractions.questions.count() == 10
    used = set(fractions.questions.values_list("question_type", flat=True))
    assert used == set(QuestionType.values)


def test_import_stores_items_in_order(tmp_path: Path) -> None:
    _import(_write(tmp_path, _quiz()))

    content = Content.objects.get()
    assert content.title == "Angles quiz"
    questions = list(content.questions.order_by("position"))
    assert [q.question_type for q in questions] == [
        "single_choice",
        "true_false",
        "fill_in_the_blank",
        "ordering",
    ]
    assert questions[0].choices == [{"id": "a", "text": "acute"}, {"id": "b", "text": "right"}]
    assert questions[0].correct_answer == "b"
    assert questions[2].correct_answer == [["180"]]


def test_import_collection_interleaves_resources() -> None:
    _import(SAMPLE_DIR / "forces_and_motion_collection.json")

    collection = Content.objects.get(content_type="collection")
    positions = sorted(
        [(r.position, "resource") for r in collection.resources.all()]
        + [(q.position, "question") for q in collection.questions.all()]
    )
    assert [kind for _, kind in positions] == [
        "resource",
        "question",
        "resource",
        "question",
        "question",
    ]


def test_import_dry_run_imports_nothing() -> None:
    out, _ = _import(*SAMPLE_FILES, dry_run=True)

    assert out.count("valid") == len(SAMPLE_FILES)
    assert not Content.objects.exists()


def test_import_bad_item_imports_nothing(tmp_path: Path) -> None:
    data = _quiz()
    data["content"][0]["items"][3]["answer"] = ["b", "a"]

    err = _import_failing(_write(tmp_path, data))

    assert "1 error(s), nothing imported" in err
    assert "/content/0/items/3/answer: must list every choice id exactly once" in err
    assert "content 1 'Angles quiz', item 4" in err
    assert not Content.objects.exists()
    assert not Question.objects.exists()


def test_import_reports_every_error(tmp_path: Path) -> None:
    data = _quiz()
    items = data["content"][0]["items"]
    items[0]["answer"] = "c"
    items[1]["answer"] = "yes"
    items[2]["answer"] = [["180"], ["90"]]
    items.append({"id": items[0]["id"], "type": "true_false", "prompt": "Again?", "answer": False})

    err = _import_failing(_write(tmp_path, data))

    assert "4 error(s)" in err
    assert "/content/0/items/0/answer: 'c' is not one of the choice ids a, b" in err
    assert "/content/0/items/1/answer: 'yes' is not of type 'boolean'" in err
    assert "/content/0/items/2/answer: the prompt marks 1 blank(s) with ___ but the answer lists 2" in err
    assert f"/content/0/items/4/id: id {items[0]['id']} is used already at /content/0/items/0" in err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"id": "not-a-uuid"}, "/content/0/items/0/id: 'not-a-uuid' is not a UUID"),
        ({"type": "essay"}, "/content/0/items/0/type: 'essay' is not one of"),
        ({"prompt": "   "}, "/content/0/items/0/prompt: must contain text, not only whitespace"),
        ({"choices": [{"id": "a", "text": "acute"}]}, "/content/0/items/0/choices: "),
        ({"url": "https://example.org"}, "/content/0/items/0: field 'url' is not allowed"),
        (
            {"choices": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}], "answer": "a"},
            "/content/0/items/0/choices: choice ids must be unique within the question",
        ),
        ({"type": "resource", "title": "Reading"}, "a resource is allowed only in a collection"),
    ],
)
def test_import_item_errors_located(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    data = _quiz()
    data["content"][0]["items"][0].update(change)

    err = _import_failing(_write(tmp_path, data))

    assert expected in err
    assert not Content.objects.exists()


def test_import_assessment_needs_questions(tmp_path: Path) -> None:
    data = _quiz()
    data["content"][0]["items"] = []

    err = _import_failing(_write(tmp_path, data))

    assert "/content/0/items: an assessment needs at least one question" in err


def test_import_collection_without_questions(tmp_path: Path) -> None:
    data = _quiz()
    data["content"][0].update(type="collection", items=[])

    _import(_write(tmp_path, data))

    assert Content.objects.get().content_type == "collection"


def test_import_resource_needs_url_or_text(tmp_path: Path) -> None:
    data = _quiz()
    data["content"][0]["type"] = "collection"
    data["content"][0]["items"].append(
        {"id": "5b0c1e55-7a43-4c1b-9d5e-0c7f2a4e8b15", "type": "resource", "title": "Reading"}
    )

    err = _import_failing(_write(tmp_path, data))

    assert "/content/0/items/4: a resource needs a 'url', a 'text' or both" in err


def test_import_invalid_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"content": [\n  {"id": }\n]}', encoding="utf-8")

    err = _import_failing(path)

    assert "invalid JSON at line 2, column 10" in err


def test_import_missing_file_is_reported(tmp_path: Path) -> None:
    err = _import_failing(tmp_path / "missing.json")

    assert "failed to read the file" in err


def test_import_good_file_survives_bad_one(tmp_path: Path) -> None:
    bad = _quiz()
    bad["content"][0]["items"][0]["answer"] = "z"
    bad["content"][0]["id"] = "5b0c1e55-7a43-4c1b-9d5e-0c7f2a4e8b20"
    for index, item in enumerate(bad["content"][0]["items"]):
        item["id"] = f"5b0c1e55-7a43-4c1b-9d5e-0c7f2a4e8b2{index + 1}"
    stdout, stderr = StringIO(), StringIO()

    with pytest.raises(CommandError) as raised:
        call_command(
            "import_content",
            str(_write(tmp_path, bad, "bad.json")),
            str(_write(tmp_path, _quiz(), "good.json")),
            stdout=stdout,
            stderr=stderr,
        )

    assert "1 of 2 file(s) had errors" in str(raised.value)
    assert "bad.json" in str(raised.value)
    assert list(Content.objects.values_list("title", flat=True)) == ["Angles quiz"]
    assert Content.objects.get().pk.hex == "5b0c1e557a434c1b9d5e0c7f2a4e8b10"


def test_import_question_id_of_other_content(tmp_path: Path) -> None:
    other = QuestionFactory(content=ContentFactory(title="Someone else's quiz"))
    data = _quiz()
    data["content"][0]["items"][0]["id"] = str(other.pk)

    err = _import_failing(_write(tmp_path, data))

    assert f"id {other.pk} belongs to another content item, {other.content_id}" in err
    other.refresh_from_db()
    assert other.prompt == "What is 7 × 8?"


def test_import_again_updates_content(tmp_path: Path) -> None:
    _import(_write(tmp_path, _quiz()))
    data = _quiz()
    data["content"][0]["title"] = "Angles quiz, second edition"
    data["content"][0]["items"][0]["prompt"] = "A 90 degree angle is called"

    out, _ = _import(_write(tmp_path, data))

    assert "0 created, 1 updated" in out
    content = Content.objects.get()
    assert content.title == "Angles quiz, second edition"
    assert content.questions.get(position=0).prompt == "A 90 degree angle is called"
    assert content.questions.count() == 4


def test_import_again_keeps_submitted_results(tmp_path: Path) -> None:
    _import(_write(tmp_path, _quiz()))
    content = Content.objects.get()
    first, second = content.questions.order_by("position")[:2]
    attempt = AttemptFactory(
        content=content,
        launch=LaunchFactory(content_id=content.pk),
        status=AttemptStatus.SUBMITTED,
        score=0.25,
        questions_count=4,
    )
    ResponseModel.objects.create(attempt=attempt, question=first, answer="b", is_correct=True)
    data = _quiz()
    del data["content"][0]["items"][0:2]  # the answered question and an unanswered one

    out, _ = _import(_write(tmp_path, data))

    assert "1 answered question(s) left out and retired" in out
    attempt = Attempt.objects.get()
    assert attempt.score == 0.25
    assert attempt.questions_count == 4
    assert ResponseModel.objects.get().question == first
    first.refresh_from_db()
    assert first.retired is True
    assert not Question.objects.filter(pk=second.pk).exists()
    assert content.questions.filter(retired=False).count() == 2


def test_import_again_restores_retired_question(tmp_path: Path) -> None:
    _import(_write(tmp_path, _quiz()))
    Question.objects.update(retired=True)

    _import(_write(tmp_path, _quiz()))

    assert not Question.objects.filter(retired=True).exists()


def test_content_schema_is_valid_json_schema() -> None:
    schema = json.loads((Path(settings.BASE_DIR) / "docs" / "content.schema.json").read_text())

    jsonschema.Draft202012Validator.check_schema(schema)
