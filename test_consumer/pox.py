"""Read LTI 1.1 Basic Outcomes requests and write imsx_POXEnvelopeResponse documents.

The format is the IMS "LTI 1.1 Basic Outcomes Service" POX profile: an
imsx_POXEnvelopeRequest in the imsoms_v1p0 namespace whose body contains one of
replaceResultRequest, readResultRequest or deleteResultRequest.
"""

from __future__ import annotations

import math
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

NAMESPACE = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"
OPERATIONS = ("replaceResult", "readResult", "deleteResult")
# A plain decimal such as 0, 1, 1.0, 0.85 or .5: no sign, no exponent, no comma.
_SCORE_TEXT = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")


class PoxError(Exception):
    """The request is not a Basic Outcomes request the inspector can act on."""

    def __init__(self, message: str, message_id: str = "", operation: str = "") -> None:
        super().__init__(message)
        self.message_id = message_id
        self.operation = operation


@dataclass
class PoxRequest:
    message_id: str
    operation: str
    sourcedid: str
    score: float | None = None
    score_text: str = ""
    result_data: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    """Return the first child with this local name, in whatever namespace."""
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _path_text(element: ET.Element | None, *names: str) -> str | None:
    for name in names:
        element = _child(element, name)
    return None if element is None else (element.text or "")


def parse_score(text: str) -> float:
    """Parse a resultScore textString; raise ValueError unless it is a decimal in [0, 1]."""
    stripped = text.strip()
    if not _SCORE_TEXT.match(stripped):
        raise ValueError(f"The score {text!r} is not a plain decimal such as 0.85.")
    score = float(stripped)
    if not math.isfinite(score) or not 0.0 <= score <= 1.0:
        raise ValueError(f"The score {text!r} is outside the range 0.0 to 1.0.")
    return score


def parse_request(body: bytes) -> PoxRequest:
    """Parse an imsx_POXEnvelopeRequest; raise PoxError naming what is missing or wrong.

    Elements are matched on their local names, so a request in another namespace is
    read as well. The sourcedid is kept exactly as sent, whitespace included.
    """
    try:
        root = SafeET.fromstring(body)
    except (ET.ParseError, DefusedXmlException) as error:
        raise PoxError(f"The body is not well-formed XML: {error}.") from None
    if _local(root.tag) != "imsx_POXEnvelopeRequest":
        raise PoxError(f"The root element is {_local(root.tag)}, not imsx_POXEnvelopeRequest.")

    message_id = _path_text(
        root, "imsx_POXHeader", "imsx_POXRequestHeaderInfo", "imsx_messageIdentifier"
    )
    if not message_id:
        raise PoxError("imsx_messageIdentifier is missing.")
    pox_body = _child(root, "imsx_POXBody")
    operation_element = pox_body[0] if pox_body is not None and len(pox_body) else None
    if operation_element is None:
        raise PoxError("imsx_POXBody holds no operation.", message_id)
    operation = _local(operation_element.tag).removesuffix("Request")
    if operation not in OPERATIONS:
        raise PoxError(f"The operation {operation} is not supported.", message_id, operation)

    record = _child(operation_element, "resultRecord")
    sourcedid = _path_text(record, "sourcedGUID", "sourcedId")
    if not sourcedid:
        raise PoxError("resultRecord/sourcedGUID/sourcedId is missing.", message_id, operation)
    parsed = PoxRequest(message_id=message_id, operation=operation, sourcedid=sourcedid)
    if operation != "replaceResult":
        return parsed

    result = _child(record, "result")
    score_text = _path_text(result, "resultScore", "textString")
    if score_text is None:
        raise PoxError("result/resultScore/textString is missing.", message_id, operation)
    try:
        parsed.score = parse_score(score_text)
    except ValueError as error:
        raise PoxError(str(error), message_id, operation) from None
    parsed.score_text = score_text
    result_data = _child(result, "resultData")
    if result_data is not None:
        if len(result_data) != 1:
            raise PoxError(
                "resultData must hold exactly one of text or url.", message_id, operation
            )
        parsed.result_data = result_data[0].text or ""
    return parsed


def build_response(
    *,
    message_ref: str,
    operation: str,
    code_major: str,
    description: str,
    score_text: str | None = None,
) -> bytes:
    """Build an imsx_POXEnvelopeResponse for one operation.

    code_major is success, failure or unsupported. For a successful readResult,
    score_text is the stored score, or "" when the gradebook cell is empty.
    """
    ET.register_namespace("", NAMESPACE)

    def sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, f"{{{NAMESPACE}}}{name}")
        if text is not None:
            element.text = text
        return element

    root = ET.Element(f"{{{NAMESPACE}}}imsx_POXEnvelopeResponse")
    header_info = sub(sub(root, "imsx_POXHeader"), "imsx_POXResponseHeaderInfo")
    sub(header_info, "imsx_version", "V1.0")
    sub(header_info, "imsx_messageIdentifier", uuid.uuid4().hex)
    status = sub(header_info, "imsx_statusInfo")
    sub(status, "imsx_codeMajor", code_major)
    sub(status, "imsx_severity", "status" if code_major == "success" else "error")
    sub(status, "imsx_description", description)
    sub(status, "imsx_messageRefIdentifier", message_ref)
    if operation:
        sub(status, "imsx_operationRefIdentifier", operation)

    pox_body = sub(root, "imsx_POXBody")
    if operation in OPERATIONS and code_major == "success":
        response = sub(pox_body, f"{operation}Response")
        if operation == "readResult":
            result_score = sub(sub(response, "result"), "resultScore")
            sub(result_score, "language", "en")
            sub(result_score, "textString", score_text or "")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
