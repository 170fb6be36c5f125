"""The outcome inspector: receive an outcome request as an LMS would, reply and record it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import jsonschema
from django.http import HttpRequest

from test_consumer import pox
from test_consumer.models import (
    FailureMode,
    FailurePlan,
    GradebookEntry,
    InspectedRequest,
    RequestFormat,
    Verdict,
)
from test_consumer.oauth import OAuthCheck, verify_outcome_request

logger = logging.getLogger(__name__)

_UUID = {"type": "string", "pattern": "^[0-9a-fA-F-]{36}$"}
_OPTIONAL_UUID = {"anyOf": [_UUID, {"type": "null"}]}
# The Gooru JSON outcome: every key present, absent ids null, times in milliseconds.
GOORU_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "result",
        "context",
        "time_spend_ms",
        "reaction",
        "questions_count",
        "completed_time",
        "student",
    ],
    "properties": {
        "result": {
            "type": "object",
            "required": ["lis_result_sourcedid", "score"],
            "properties": {
                "lis_result_sourcedid": {"type": "string", "minLength": 1},
                "score": {"type": "number", "minimum": 0, "maximum": 1},
            },
        },
        "context": {
            "type": "object",
            "required": [
                "gooru_content_id",
                "type",
                "user_id",
                "class_id",
                "course_id",
                "unit_id",
                "lesson_id",
            ],
            "properties": {
                "gooru_content_id": _UUID,
                "type": {"enum": ["assessment", "collection"]},
                "user_id": _UUID,
                "class_id": _OPTIONAL_UUID,
                "course_id": _OPTIONAL_UUID,
                "unit_id": _OPTIONAL_UUID,
                "lesson_id": _OPTIONAL_UUID,
            },
        },
        "time_spend_ms": {"type": "integer", "minimum": 0},
        "reaction": {"type": "integer", "minimum": 0, "maximum": 5},
        "questions_count": {"type": "integer", "minimum": 0},
        "completed_time": {"type": "integer", "minimum": 0},
        "student": {"type": ["boolean", "null"]},
    },
}
# Headers that carry the sender's stable delivery id, in the order they are looked up.
DELIVERY_ID_HEADERS = ("X-Delivery-Id", "X-Gooru-Delivery-Id", "Idempotency-Key")
_STORED_BODY_LIMIT = 64 * 1024


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes


def _json_reply(status: int, data: dict[str, Any]) -> Reply:
    return Reply(status, "application/json", json.dumps(data).encode())


def _detect_format(request: HttpRequest) -> str:
    content_type = request.content_type or ""
    if "json" in content_type:
        return RequestFormat.GOORU_JSON
    if "xml" in content_type:
        return RequestFormat.LTI_POX
    start = request.body.lstrip()[:1]
    if start == b"{":
        return RequestFormat.GOORU_JSON
    if start == b"<":
        return RequestFormat.LTI_POX
    return RequestFormat.UNKNOWN


def _reject_reply(request_format: str, status: int, description: str) -> Reply:
    """Reply to a request the inspector does not act on, in the request's own format."""
    if request_format == RequestFormat.LTI_POX:
        body = pox.build_response(
            message_ref="", operation="", code_major="failure", description=description
        )
        return Reply(status, "application/xml", body)
    return _json_reply(status, {"error": description})


def outcome_request_handle(request: HttpRequest) -> Reply:
    """Verify, reply to and record one outcome request.

    Every request gets an InspectedRequest row, whatever its verdict. A planned
    failure is used up before the request is acted on, so the gradebook does
    not change for a request that was failed on purpose.
    """
    request_format = _detect_format(request)
    check = verify_outcome_request(request)
    record = InspectedRequest(
        consumer=check.consumer,
        consumer_key=check.consumer_key[:255],
        request_format=request_format,
        content_type=(request.content_type or "")[:255],
        delivery_id=next(
            (request.headers[name][:255] for name in DELIVERY_ID_HEADERS if name in request.headers),
            "",
        ),
        oauth_nonce=check.nonce[:255],
        signature_valid=check.signature_valid,
        body_hash_valid=check.body_hash_valid,
        body=request.body[:_STORED_BODY_LIMIT].decode("utf-8", errors="replace"),
    )

    failure_mode = FailurePlan.take()
    if failure_mode is not None:
        reply = _planned_failure_reply(request_format, failure_mode)
        record.verdict = Verdict.FAILED_ON_PURPOSE
        record.detail = f"A planned failure: {FailureMode(failure_mode).label}."
    elif check.verdict is not None:
        reply = _reject_reply(request_format, 401, check.detail)
        record.verdict = check.verdict
        record.detail = check.detail
    elif request_format == RequestFormat.GOORU_JSON:
        reply = _gooru_json_handle(request.body, check, record)
    elif request_format == RequestFormat.LTI_POX:
        reply = _pox_handle(request.body, check, record)
    else:
        reply = _reject_reply(
            request_format, 415, "The body is neither Gooru JSON nor LTI 1.1 POX XML."
        )
        record.verdict = Verdict.INVALID_BODY
        record.detail = f"Unsupported Content-Type {request.content_type!r}."

    record.status_code = reply.status
    record.response_body = reply.body.decode("utf-8", errors="replace")
    record.save()
    logger.info(
        "Outcome inspector: %s request from consumer %s, verdict %s, status %s",
        record.request_format,
        record.consumer_key or "-",
        record.verdict,
        record.status_code,
    )
    return reply


def _planned_failure_reply(request_format: str, failure_mode: str) -> Reply:
    if failure_mode == FailureMode.HTTP_503:
        return Reply(503, "text/plain", b"The gradebook is unavailable (a planned failure).")
    # An LMS rejects a POX request inside a 200 reply, but a JSON endpoint uses the status.
    status = 200 if request_format == RequestFormat.LTI_POX else 400
    return _reject_reply(
        request_format, status, "The gradebook rejected the score (a planned failure)."
    )


def _gooru_json_handle(body: bytes, check: OAuthCheck, record: InspectedRequest) -> Reply:
    record.operation = "replace"
    try:
        data = json.loads(body)
        jsonschema.validate(data, GOORU_JSON_SCHEMA)
    except ValueError as error:
        return _invalid_body(record, RequestFormat.GOORU_JSON, f"The body is not JSON: {error}.")
    except jsonschema.ValidationError as error:
        location = "/".join(str(part) for part in error.absolute_path) or "(root)"
        return _invalid_body(record, RequestFormat.GOORU_JSON, f"{location}: {error.message}.")

    sourcedid = data["result"]["lis_result_sourcedid"]
    score = float(data["result"]["score"])
    GradebookEntry.objects.update_or_create(
        consumer=check.consumer, sourcedid=sourcedid, defaults={"score": score, "result_data": ""}
    )
    record.sourcedid = sourcedid
    record.score = score
    record.verdict = Verdict.ACCEPTED
    return _json_reply(200, {"status": "success", "lis_result_sourcedid": sourcedid, "score": score})


def _pox_handle(body: bytes, check: OAuthCheck, record: InspectedRequest) -> Reply:
    try:
        parsed = pox.parse_request(body)
    except pox.PoxError as error:
        record.operation = error.operation
        unsupported = bool(error.operation) and error.operation not in pox.OPERATIONS
        reply_body = pox.build_response(
            message_ref=error.message_id,
            operation=error.operation,
            code_major="unsupported" if unsupported else "failure",
            description=str(error),
        )
        record.verdict = Verdict.INVALID_BODY
        record.detail = str(error)
        return Reply(200, "application/xml", reply_body)

    record.operation = parsed.operation
    record.sourcedid = parsed.sourcedid
    cell = GradebookEntry.objects.filter(consumer=check.consumer, sourcedid=parsed.sourcedid)
    score_text: str | None = None
    if parsed.operation == "replaceResult":
        assert parsed.score is not None
        GradebookEntry.objects.update_or_create(
            consumer=check.consumer,
            sourcedid=parsed.sourcedid,
            defaults={"score": parsed.score, "result_data": parsed.result_data},
        )
        record.score = parsed.score
        description = f"The score for {parsed.sourcedid} is now {parsed.score_text}."
    elif parsed.operation == "readResult":
        entry = cell.first()
        score_text = "" if entry is None else repr(entry.score)
        record.score = None if entry is None else entry.score
        description = f"The score for {parsed.sourcedid} is {score_text or 'empty'}."
    else:
        cell.delete()
        description = f"The score for {parsed.sourcedid} was deleted."

    record.verdict = Verdict.ACCEPTED
    reply_body = pox.build_response(
        message_ref=parsed.message_id,
        operation=parsed.operation,
        code_major="success",
        description=description,
        score_text=score_text,
    )
    return Reply(200, "application/xml", reply_body)


def _invalid_body(record: InspectedRequest, request_format: str, detail: str) -> Reply:
    record.verdict = Verdict.INVALID_BODY
    record.detail = detail
    return _reject_reply(request_format, 400, detail)
