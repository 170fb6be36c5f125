"""Validate and import content files in the format of docs/content.schema.json.

A file is checked as a whole first: against the JSON Schema, then for the
rules a schema cannot state (answers that name existing choices, one answer
list per blank, ids unique in the file and not owned by other content). Only
a file without any error is imported, in one transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings
from django.db import transaction

from player_api.models import Content, Question, QuestionType, Resource
from player_api.models import Response as ResponseModel
from player_api.scoring import blank_count

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "content.schema.json"

RESOURCE = "resource"


@dataclass(frozen=True)
class ContentError:
    """One problem in a content file, located by a JSON pointer such as /content/0/items/3."""

    pointer: str
    message: str
    context: str = ""

    def __str__(self) -> str:
        where = self.pointer or "/"
        return f"{where}: {self.message}" + (f" ({self.context})" if self.context else "")


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired_questions: int = 0


@cache
def content_schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as schema_file:
        schema: dict[str, Any] = json.load(schema_file)
    return schema


def _pointer(parts: Any) -> str:
    return "".join(f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in parts)


def _context(data: Any, parts: list[Any]) -> str:
    """Name the content and item a location falls in, for a teacher who reads the file."""
    if len(parts) < 2 or parts[0] != "content" or not isinstance(parts[1], int):
        return ""
    try:
        content = data["content"][parts[1]]
    except (IndexError, KeyError, TypeError):
        return ""
    title = content.get("title") if isinstance(content, dict) else None
    label = f"content {parts[1] + 1}" + (f" {title!r}" if isinstance(title, str) else "")
    if len(parts) >= 4 and parts[2] == "items" and isinstance(parts[3], int):
        label += f", item {parts[3] + 1}"
    return label


def _schema_message(error: jsonschema.ValidationError) -> str:
    """Reword the schema errors whose default message would puzzle a teacher."""
    if "propertyNames" in error.relative_schema_path:
        return f"field {error.instance!r} is not allowed for this item type"
    if error.validator == "not":
        return "a resource is allowed only in a collection"
    if error.validator == "anyOf" and isinstance(error.instance, dict):
        return "a resource needs a 'url', a 'text' or both"
    if error.validator == "minItems" and error.path and error.path[-1] == "items":
        return "an assessment needs at least one question"
    if error.validator == "pattern":
        pattern = str(error.validator_value)
        if pattern == "\\S":
            return "must contain text, not only whitespace"
        if pattern.startswith("^[0-9a-fA-F]{8}"):
            return f"{error.instance!r} is not a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e"
        if pattern.startswith("^https?://"):
            return f"{error.instance!r} is not an http or https URL"
        return f"{error.instance!r} must be 1 to 50 letters, digits, '_' or '-'"
    return error.message


def _schema_errors(data: Any) -> list[ContentError]:
    validator = jsonschema.Draft202012Validator(content_schema())
    errors = []
    for error in validator.iter_errors(data):
        parts = list(error.absolute_path)
        errors.append(ContentError(_pointer(parts), _schema_message(error), _context(data, parts)))
    return sorted(errors, key=lambda error: error.pointer)


def _question_errors(item: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield (field, message) for a schema-valid question whose parts do not agree."""
    kind = item["type"]
    answer = item["answer"]
    ids = [choice["id"] for choice in item.get("choices", [])]
    if len(set(ids)) != len(ids):
        yield "choices", "choice ids must be unique within the question"
    known = ", ".join(ids)

    if kind == QuestionType.SINGLE_CHOICE and answer not in ids:
        yield "answer", f"{answer!r} is not one of the choice ids {known}"
    if kind == QuestionType.MULTIPLE_CHOICE:
        unknown = [choice_id for choice_id in answer if choice_id not in ids]
        if unknown:
            yield "answer", f"{', '.join(map(repr, unknown))} not among the choice ids {known}"
    if kind == QuestionType.ORDERING and sorted(answer) != sorted(ids):
        yield "answer", f"must list every choice id exactly once, in the correct order: {known}"
    if kind == QuestionType.FILL_IN_THE_BLANK:
        blanks = blank_count(item["prompt"])
        if blanks != len(answer):
            message = (
                f"the prompt marks {blanks} blank(s) with ___ but the answer lists "
                f"{len(answer)}: give one list of accepted answers per blank"
            )
            yield "answer", message


def question_item_errors(item: dict[str, Any]) -> list[ContentError]:
    """Return the errors of one question written as a file item, for forms that edit one.

    Pointers are relative to the item, such as /answer.
    """
    schema = content_schema()
    item_schema = {"$defs": schema["$defs"], "$ref": "#/$defs/item"}
    validator = jsonschema.Draft202012Validator(item_schema)
    errors = [
        ContentError(_pointer(error.absolute_path), _schema_message(error))
        for error in validator.iter_errors(item)
    ]
    if errors or item.get("type") == RESOURCE:
        return errors
    return [ContentError(f"/{name}", message) for name, message in _question_errors(item)]


def _is_within(pointer: str, pointers: set[str]) -> bool:
    """Return whether any of pointers is pointer itself or lies inside it."""
    return any(other == pointer or other.startswith(f"{pointer}/") for other in pointers)


def _content_is_broken(content_pointer: str, invalid_pointers: set[str]) -> bool:
    """Return whether a content entry has a schema error outside its individual items."""
    items_prefix = f"{content_pointer}/items/"
    return any(
        _is_within(content_pointer, {pointer}) and not pointer.startswith(items_prefix)
        for pointer in invalid_pointers
    )


def _rule_errors(data: dict[str, Any], invalid_pointers: set[str]) -> list[ContentError]:
    """Check the rules a JSON Schema cannot state, on items that passed the schema."""
    errors: list[ContentError] = []
    first_seen: dict[str, str] = {}

    def add(parts: list[Any], message: str) -> None:
        errors.append(ContentError(_pointer(parts), message, _context(data, parts)))

    for content_index, content in enumerate(data["content"]):
        content_parts: list[Any] = ["content", content_index]
        if _content_is_broken(_pointer(content_parts), invalid_pointers):
            continue
        content_id = content["id"].lower()
        if content_id in first_seen:
            add([*content_parts, "id"], f"id {content_id} is used already at {first_seen[content_id]}")
        first_seen.setdefault(content_id, _pointer(content_parts))

        for item_index, item in enumerate(content["items"]):
            item_parts = [*content_parts, "items", item_index]
            item_pointer = _pointer(item_parts)
            if _is_within(item_pointer, invalid_pointers):
                continue

            item_id = item["id"].lower()
            if item_id in first_seen:
                add([*item_parts, "id"], f"id {item_id} is used already at {first_seen[item_id]}")
            first_seen.setdefault(item_id, item_pointer)

            model = Resource if item["type"] == RESOURCE else Question
            owner = (
                model.objects.filter(pk=item_id).exclude(content_id=content_id)
                .values_list("content_id", flat=True).first()
            )
            if owner is not None:
                add(
                    [*item_parts, "id"],
                    f"id {item_id} belongs to another content item, {owner}; give this item a new id",
                )
            if item["type"] != RESOURCE:
                for field_name, message in _question_errors(item):
                    add([*item_parts, field_name], message)
    return errors


def content_validate(data: Any) -> list[ContentError]:
    """Return every error in a parsed content file, or an empty list when it can be imported."""
    errors = _schema_errors(data)
    invalid_pointers = {error.pointer for error in errors}
    if invalid_pointers & {"", "/content"}:
        return errors
    return errors + _rule_errors(data, invalid_pointers)


def content_file_read(path: Path) -> tuple[Any, list[ContentError]]:
    """Parse a content file and return its data with the errors that stop its import."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return None, [ContentError("", f"failed to read the file: {error.strerror}")]
    except UnicodeDecodeError:
        return None, [ContentError("", "the file is not UTF-8 text")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, [
            ContentError("", f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}")
        ]
    return data, content_validate(data)


def content_import(data: dict[str, Any]) -> ImportSummary:
    """Create or update every content item of a validated file, in one transaction.

    Questions left out of a content item are deleted, unless a student has
    answered them: those are retired, so submitted attempts keep their
    responses. Results already stored on attempts never change.
    """
    summary = ImportSummary()
    with transaction.atomic():
        for entry in data["content"]:
            content, created = Content.objects.update_or_create(
                pk=uuid.UUID(entry["id"]),
                defaults={
                    "content_type": entry["type"],
                    "title": entry["title"].strip(),
                    "description": entry.get("description", "").strip(),
                },
            )
            (summary.created if created else summary.updated).append(str(content.pk))
            summary.retired_questions += _items_import(content, entry["items"])
    return summary


def _items_import(content: Content, items: list[dict[str, Any]]) -> int:
    """Store a content item's questions and resources in order; return how many were retired."""
    question_ids: list[uuid.UUID] = []
    resource_ids: list[uuid.UUID] = []
    for position, item in enumerate(items):
        item_id = uuid.UUID(item["id"])
        if item["type"] == RESOURCE:
            Resource.objects.update_or_create(
                pk=item_id,
                defaults={
                    "content": content,
                    "position": position,
                    "title": item["title"].strip(),
                    "url": item.get("url", ""),
                    "text": item.get("text", "").strip(),
                },
            )
            resource_ids.append(item_id)
            continue
        Question.objects.update_or_create(
            pk=item_id,
            defaults={
                "content": content,
                "position": position,
                "question_type": item["type"],
                "prompt": item["prompt"].strip(),
                "choices": item.get("choices", []),
                "correct_answer": item["answer"],
                "hint": item.get("hint", "").strip(),
                "retired": False,
            },
        )
        question_ids.append(item_id)

    content.resources.exclude(pk__in=resource_ids).delete()
    left_out = content.questions.exclude(pk__in=question_ids)
    answered = ResponseModel.objects.filter(question__in=left_out).values("question_id")
    retired = left_out.filter(pk__in=answered, retired=False).update(retired=True)
    left_out.exclude(pk__in=answered).delete()
    return retired
