"""Reading Basic Outcomes requests and writing imsx_POXEnvelopeResponse documents."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from test_consumer import pox
from tests.test_consumer.signed_requests import pox_body

NS = {"x": pox.NAMESPACE}


def test_parse_replace_keeps_sourcedid_exactly() -> None:
    sourcedid = ' {"data":{"userid":"4"},"hash":"a&b<c>"} '

    parsed = pox.parse_request(pox_body("replaceResult", sourcedid, "0.85", "msg-0001").encode())

    assert parsed.operation == "replaceResult"
    assert parsed.message_id == "msg-0001"
    assert parsed.sourcedid == sourcedid
    assert parsed.score == 0.85
    assert parsed.score_text == "0.85"


def test_parse_reads_other_namespace() -> None:
    body = pox_body("readResult", "src-1").replace(pox.NAMESPACE, "urn:example:other")

    parsed = pox.parse_request(body.encode())

    assert parsed.operation == "readResult"
    assert parsed.sourcedid == "src-1"
    assert parsed.score is None


def test_parse_reads_result_data() -> None:
    body = pox_body("replaceResult", "src-1", "1").replace(
        "</resultScore>", "</resultScore><resultData><text>Well done</text></resultData>"
    )

    parsed = pox.parse_request(body.encode())

    assert parsed.result_data == "Well done"
    assert parsed.score == 1.0


def test_parse_rejects_text_and_url_together() -> None:
    body = pox_body("replaceResult", "src-1", "1").replace(
        "</resultScore>",
        "</resultScore><resultData><text>a</text><url>https://x.example</url></resultData>",
    )

    with pytest.raises(pox.PoxError, match="exactly one of text or url"):
        pox.parse_request(body.encode())


def test_parse_names_missing_sourcedid() -> None:
    body = pox_body("deleteResult", "x").replace("<sourcedId>x</sourcedId>", "")

    with pytest.raises(pox.PoxError) as raised:
        pox.parse_request(body.encode())

    assert "sourcedId is missing" in str(raised.value)
    assert raised.value.message_id == "m-1"
    assert raised.value.operation == "deleteResult"


def test_parse_rejects_entity_expansion() -> None:
    body = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<imsx_POXEnvelopeRequest>&b;</imsx_POXEnvelopeRequest>"
    )

    with pytest.raises(pox.PoxError):
        pox.parse_request(body.encode())


@pytest.mark.parametrize(
    ("text", "score"), [("0", 0.0), ("1", 1.0), ("1.0", 1.0), (" 0.333333 ", 0.333333), (".5", 0.5)]
)
def test_parse_score_accepts_plain_decimals(text: str, score: float) -> None:
    assert pox.parse_score(text) == score


@pytest.mark.parametrize("text", ["1.2", "-0.1", "NaN", "inf", "1e-05", "0,5", "", "+0.5"])
def test_parse_score_rejects_others(text: str) -> None:
    with pytest.raises(ValueError):
        pox.parse_score(text)


def test_read_response_carries_score() -> None:
    body = pox.build_response(
        message_ref="m-9",
        operation="readResult",
        code_major="success",
        description="ok",
        score_text="0.7",
    )

    root = ET.fromstring(body)
    assert root.tag == f"{{{pox.NAMESPACE}}}imsx_POXEnvelopeResponse"
    assert root.findtext(".//x:imsx_version", namespaces=NS) == "V1.0"
    assert root.findtext(".//x:imsx_codeMajor", namespaces=NS) == "success"
    assert root.findtext(".//x:imsx_severity", namespaces=NS) == "status"
    assert root.findtext(".//x:imsx_messageRefIdentifier", namespaces=NS) == "m-9"
    assert root.findtext(".//x:readResultResponse/x:result/x:resultScore/x:language", namespaces=NS) == "en"
    assert root.findtext(".//x:readResultResponse//x:textString", namespaces=NS) == "0.7"


def test_failure_response_has_empty_body() -> None:
    body = pox.build_response(
        message_ref="m-9", operation="replaceResult", code_major="failure", description="No."
    )

    root = ET.fromstring(body)
    assert root.findtext(".//x:imsx_severity", namespaces=NS) == "error"
    assert root.findtext(".//x:imsx_description", namespaces=NS) == "No."
    assert list(root.find("x:imsx_POXBody", NS)) == []  # type: ignore[arg-type]
