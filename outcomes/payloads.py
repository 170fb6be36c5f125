"""Outcome bodies: the Gooru JSON document and LTI 1.1 Basic Outcomes (POX) messages.

POX requests are built with lxml, so a sourcedid full of quotes, braces and
ampersands (Moodle sends a JSON object) is escaped by the serializer and reaches
the LMS byte for byte. Replies from an LMS are parsed with defusedxml, because
they are untrusted input.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from defusedxml import ElementTree as SafeElementTree
from lxml import etree

POX_NAMESPACE = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"
POX_VERSION = "V1.0"
# lxml writes the declaration with single quotes and a newline after it. The
# request is expected with double quotes and no newline, so it is written here.
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


class InvalidScoreError(ValueError):
    """A score that is NaN, infinite or outside [0, 1], rejected before any network call."""


def score_validate(score: float | Decimal | int | None) -> float:
    """Return the score as a float, or raise InvalidScoreError when it cannot be sent."""
    if score is None or isinstance(score, bool):
        raise InvalidScoreError(f"The score {score!r} is not a number.")
    value = float(score)
    if not math.isfinite(value):
        raise InvalidScoreError(f"The score {score!r} is not a finite number.")
    if not 0.0 <= value <= 1.0:
        raise InvalidScoreError(f"The score {score!r} is outside the range 0 to 1.")
    return value


def score_text(score: float | Decimal | int | None) -> str:
    """Format a score as LTI 1.1 textString: a plain decimal with '.', no exponent.

    The digits are those of the shortest repr of the float, so 1/3 keeps 16
    significant digits and score x points still rounds right in the gradebook.
    Decimal formatting ignores the active locale, so German never gives '0,85'.
    Raises InvalidScoreError for NaN, infinity and values outside [0, 1].
    """
    value = score_validate(score)
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def json_payload_build(
    *,
    sourcedid: str,
    score: float,
    content_id: str,
    content_type: str,
    user_id: str,
    class_id: str | None,
    course_id: str | None,
    unit_id: str | None,
    lesson_id: str | None,
    time_spend_ms: int | None,
    reaction: int | None,
    questions_count: int | None,
    completed_time: int | None,
    student: bool | None,
) -> str:
    """Build the Gooru JSON outcome document; every key is present, absent ids are null.

    `time_spend_ms` keeps that spelling because consumers already parse it.
    Raises InvalidScoreError for a score that cannot be sent.
    """
    document: dict[str, Any] = {
        "result": {"lis_result_sourcedid": sourcedid, "score": score_validate(score)},
        "context": {
            "gooru_content_id": content_id,
            "type": content_type,
            "user_id": user_id,
            "class_id": class_id,
            "course_id": course_id,
            "unit_id": unit_id,
            "lesson_id": lesson_id,
        },
        "time_spend_ms": time_spend_ms,
        "reaction": reaction,
        "questions_count": questions_count,
        "completed_time": completed_time,
        "student": student,
    }
    return json.dumps(document, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True)
class ResultData:
    """The Canvas resultData extension of a replaceResult: a text or a URL, never both."""

    text: str = ""
    url: str = ""

    def __post_init__(self) -> None:
        if bool(self.text) == bool(self.url):
            raise ValueError("resultData carries exactly one of text or url.")


def pox_message_id_new() -> str:
    return uuid.uuid4().hex


def _pox_element(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{POX_NAMESPACE}}}{name}")
    if text is not None:
        element.text = text
    return element


def _pox_envelope(message_id: str) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{POX_NAMESPACE}}}imsx_POXEnvelopeRequest", nsmap={None: POX_NAMESPACE})
    header = _pox_element(_pox_element(root, "imsx_POXHeader"), "imsx_POXRequestHeaderInfo")
    _pox_element(header, "imsx_version", POX_VERSION)
    _pox_element(header, "imsx_messageIdentifier", message_id)
    body = _pox_element(root, "imsx_POXBody")
    return root, body


def _pox_serialize(root: etree._Element) -> str:
    return XML_DECLARATION + etree.tostring(root, encoding="unicode")


def _pox_result_record(request: etree._Element, sourcedid: str) -> etree._Element:
    record = _pox_element(request, "resultRecord")
    _pox_element(_pox_element(record, "sourcedGUID"), "sourcedId", sourcedid)
    return record


def pox_replace_build(
    sourcedid: str,
    score: float | Decimal | int | None,
    message_id: str,
    result_data: ResultData | None = None,
) -> str:
    """Build a replaceResultRequest envelope, with no trailing newline.

    Raises InvalidScoreError for a score that cannot be sent, and ValueError
    for a sourcedid with characters XML cannot carry (control characters).
    """
    root, body = _pox_envelope(message_id)
    record = _pox_result_record(_pox_element(body, "replaceResultRequest"), sourcedid)
    result = _pox_element(record, "result")
    result_score = _pox_element(result, "resultScore")
    _pox_element(result_score, "language", "en")
    _pox_element(result_score, "textString", score_text(score))
    if result_data is not None:
        data = _pox_element(result, "resultData")
        if result_data.text:
            _pox_element(data, "text", result_data.text)
        else:
            _pox_element(data, "url", result_data.url)
    return _pox_serialize(root)


def pox_read_build(sourcedid: str, message_id: str) -> str:
    """Build a readResultRequest envelope."""
    root, body = _pox_envelope(message_id)
    _pox_result_record(_pox_element(body, "readResultRequest"), sourcedid)
    return _pox_serialize(root)


def pox_delete_build(sourcedid: str, message_id: str) -> str:
    """Build a deleteResultRequest envelope."""
    root, body = _pox_envelope(message_id)
    _pox_result_record(_pox_element(body, "deleteResultRequest"), sourcedid)
    return _pox_serialize(root)


def pox_message_id_replace(payload: str, message_id: str) -> str:
    """Return a stored POX request with a new imsx_messageIdentifier, the rest unchanged.

    Every HTTP try carries its own identifier, so an LMS that logs them can tell
    a retry from the first request.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(payload.removeprefix(XML_DECLARATION).encode("utf-8"), parser)
    identifier = root.find(f".//{{{POX_NAMESPACE}}}imsx_messageIdentifier")
    if identifier is None:
        raise ValueError("The stored POX request has no imsx_messageIdentifier.")
    identifier.text = message_id
    return _pox_serialize(root)


@dataclass(frozen=True)
class PoxReply:
    """The status and score of an LMS's imsx_POXEnvelopeResponse."""

    code_major: str
    severity: str
    description: str
    score_text: str | None


class PoxReplyError(ValueError):
    """A reply body that is not XML or has no imsx_codeMajor."""


def _local_name(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def pox_reply_parse(body: bytes) -> PoxReply:
    """Parse an imsx_POXEnvelopeResponse whatever its XML namespace.

    Elements are matched by local name, so a reply in another namespace, or in
    none, still parses. Raises PoxReplyError for a body that is not XML or
    that has no imsx_codeMajor.
    """
    try:
        root = SafeElementTree.fromstring(body)
    except Exception as error:  # defusedxml raises ParseError and its own refusals
        raise PoxReplyError(f"The reply is not XML: {error}") from None

    found: dict[str, str] = {}
    for element in root.iter():
        name = _local_name(element.tag)
        if name in {"imsx_codeMajor", "imsx_severity", "imsx_description", "textString"}:
            found.setdefault(name, (element.text or "").strip())
    if "imsx_codeMajor" not in found:
        raise PoxReplyError("The reply has no imsx_codeMajor.")

    return PoxReply(
        code_major=found["imsx_codeMajor"].lower(),
        severity=found.get("imsx_severity", ""),
        description=found.get("imsx_description", ""),
        score_text=found.get("textString"),
    )
