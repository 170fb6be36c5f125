"""Outcome bodies: the Gooru JSON shape, the POX documents and the score text."""

from __future__ import annotations

import base64
import hashlib
import json
import math

import pytest
from django.utils import translation
from lxml import etree

from outcomes.payloads import (
    POX_NAMESPACE,
    InvalidScoreError,
    ResultData,
    json_payload_build,
    pox_delete_build,
    pox_message_id_replace,
    pox_read_build,
    pox_replace_build,
    pox_reply_parse,
    score_text,
)
from outcomes.signing import authorization_header

EXPECTED_POX = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">'
    "<imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version>"
    "<imsx_messageIdentifier>msg-0001</imsx_messageIdentifier></imsx_POXRequestHeaderInfo>"
    "</imsx_POXHeader><imsx_POXBody><replaceResultRequest><resultRecord><sourcedGUID>"
    "<sourcedId>src-789</sourcedId></sourcedGUID><result><resultScore><language>en</language>"
    "<textString>0.85</textString></resultScore></result></resultRecord></replaceResultRequest>"
    "</imsx_POXBody></imsx_POXEnvelopeRequest>"
)
MOODLE_SOURCEDID = (
    '{"data":{"instanceid":"3","userid":"7","typeid":"1","launchid":123},'
    '"hash":"a&b<c>\'d\'"}'
)


def _find(document: str, name: str) -> list[etree._Element]:
    root = etree.fromstring(document.encode("utf-8"))
    return root.findall(f".//{{{POX_NAMESPACE}}}{name}")


def test_json_payload_matches_shape_field_by_field() -> None:
    body = json_payload_build(
        sourcedid="83873872987329873264783687634",
        score=0.75,
        content_id="0a1b2c3d-0000-4000-8000-000000000001",
        content_type="assessment",
        user_id="0a1b2c3d-0000-4000-8000-000000000002",
        class_id="0a1b2c3d-0000-4000-8000-000000000003",
        course_id=None,
        unit_id=None,
        lesson_id=None,
        time_spend_ms=669438,
        reaction=0,
        questions_count=10,
        completed_time=1700000000000,
        student=True,
    )

    document = json.loads(body)

    assert list(document) == [
        "result",
        "context",
        "time_spend_ms",
        "reaction",
        "questions_count",
        "completed_time",
        "student",
    ]
    assert document["result"] == {"lis_result_sourcedid": "83873872987329873264783687634", "score": 0.75}
    assert document["context"] == {
        "gooru_content_id": "0a1b2c3d-0000-4000-8000-000000000001",
        "type": "assessment",
        "user_id": "0a1b2c3d-0000-4000-8000-000000000002",
        "class_id": "0a1b2c3d-0000-4000-8000-000000000003",
        "course_id": None,
        "unit_id": None,
        "lesson_id": None,
    }
    assert document["time_spend_ms"] == 669438
    assert document["reaction"] == 0
    assert document["questions_count"] == 10
    assert document["completed_time"] == 1700000000000
    assert document["student"] is True


@pytest.mark.parametrize("score", [math.nan, math.inf, 1.2, -0.1, None])
def test_json_payload_rejects_unsendable_score(score: float | None) -> None:
    with pytest.raises(InvalidScoreError):
        json_payload_build(
            sourcedid="s",
            score=score,  # type: ignore[arg-type]
            content_id="c",
            content_type="assessment",
            user_id="u",
            class_id=None,
            course_id=None,
            unit_id=None,
            lesson_id=None,
            time_spend_ms=None,
            reaction=None,
            questions_count=None,
            completed_time=None,
            student=None,
        )


def test_pox_replace_is_the_known_document() -> None:
    body = pox_replace_build("src-789", 0.85, "msg-0001")
    raw = body.encode("utf-8")

    assert body == EXPECTED_POX
    assert len(raw) == 589
    assert not body.endswith("\n")
    assert base64.b64encode(hashlib.sha1(raw).digest()).decode() == "GbvPc5PEaL8kT07u2TBXlnz+E7A="


def test_pox_replace_signature_is_the_known_one() -> None:
    header = authorization_header(
        url="https://lms.example.org/outcomes?tool=7",
        body=pox_replace_build("src-789", 0.85, "msg-0001"),
        content_type="application/xml",
        key="test-key",
        secret="test-secret",
        nonce="n0nce-out-1",
        timestamp="1700000100",
    )

    assert 'oauth_signature="tRWfFigR3DoWJ2Hp6MpPvcKNFCU%3D"' in header
    assert 'oauth_body_hash="GbvPc5PEaL8kT07u2TBXlnz%2BE7A%3D"' in header
    assert 'oauth_consumer_key="test-key"' in header
    assert "test-secret" not in header


def test_pox_sourcedid_round_trips_byte_for_byte() -> None:
    body = pox_replace_build(MOODLE_SOURCEDID, 0.5, "m-1")

    (sourced_id,) = _find(body, "sourcedId")

    assert sourced_id.text == MOODLE_SOURCEDID
    assert "&amp;" in body
    assert "&lt;c&gt;" in body


def test_pox_read_and_delete_carry_the_sourcedid() -> None:
    for builder, request_name in [
        (pox_read_build, "readResultRequest"),
        (pox_delete_build, "deleteResultRequest"),
    ]:
        body = builder(MOODLE_SOURCEDID, "m-2")

        assert len(_find(body, request_name)) == 1
        assert _find(body, "sourcedId")[0].text == MOODLE_SOURCEDID
        assert _find(body, "imsx_version")[0].text == "V1.0"
        assert _find(body, "imsx_messageIdentifier")[0].text == "m-2"
        assert _find(body, "resultScore") == []


def test_pox_message_id_replace_changes_only_the_identifier() -> None:
    body = pox_replace_build("src-789", 0.85, "old-id")

    renewed = pox_message_id_replace(body, "msg-0001")

    assert renewed == EXPECTED_POX


def test_pox_result_data_is_text_or_url() -> None:
    with_text = pox_replace_build("s", 1, "m", ResultData(text="7 of 10 <right>"))
    with_url = pox_replace_build("s", 1, "m", ResultData(url="https://gooru.example/r/1"))
    without = pox_replace_build("s", 1, "m")

    assert _find(with_text, "text")[0].text == "7 of 10 <right>"
    assert _find(with_text, "url") == []
    assert _find(with_url, "url")[0].text == "https://gooru.example/r/1"
    assert _find(with_url, "text") == []
    assert _find(without, "resultData") == []
    with pytest.raises(ValueError):
        ResultData(text="t", url="https://gooru.example/r/1")
    with pytest.raises(ValueError):
        ResultData()


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0.85, "0.85"), (0, "0"), (0.0, "0"), (1, "1"), (1.0, "1"), (0.00001, "0.00001"), (0.5, "0.5")],
)
def test_score_text_is_plain_decimal(score: float, expected: str) -> None:
    assert score_text(score) == expected


def test_score_text_keeps_enough_digits_for_thirds() -> None:
    text = score_text(1 / 3)

    assert text.startswith("0.333333")
    assert "e" not in text.lower()
    assert round(float(text) * 300) == 100


def test_score_text_ignores_german_locale() -> None:
    with translation.override("de"):
        assert score_text(0.85) == "0.85"
        assert "0.85" in pox_replace_build("src-789", 0.85, "m")


@pytest.mark.parametrize("score", [math.nan, math.inf, -math.inf, 1.2, -0.1])
def test_score_text_rejects_unsendable_score(score: float) -> None:
    with pytest.raises(InvalidScoreError):
        score_text(score)


def test_pox_reply_parse_reads_code_and_description() -> None:
    reply = pox_reply_parse(
        b'<?xml version="1.0"?><imsx_POXEnvelopeResponse xmlns="' + POX_NAMESPACE.encode() + b'">'
        b"<imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_statusInfo>"
        b"<imsx_codeMajor>failure</imsx_codeMajor><imsx_severity>status</imsx_severity>"
        b"<imsx_description>Tool does not accept grades</imsx_description>"
        b"</imsx_statusInfo></imsx_POXResponseHeaderInfo></imsx_POXHeader>"
        b"<imsx_POXBody/></imsx_POXEnvelopeResponse>"
    )

    assert reply.code_major == "failure"
    assert reply.description == "Tool does not accept grades"
    assert reply.score_text is None


def test_pox_reply_parse_ignores_namespace() -> None:
    reply = pox_reply_parse(
        b"<r:imsx_POXEnvelopeResponse xmlns:r='http://www.imsglobal.org/lis/oms1p0/pox'>"
        b"<r:imsx_codeMajor>Success</r:imsx_codeMajor>"
        b"<r:readResultResponse><r:result><r:resultScore><r:textString>0.4</r:textString>"
        b"</r:resultScore></r:result></r:readResultResponse></r:imsx_POXEnvelopeResponse>"
    )

    assert reply.code_major == "success"
    assert reply.score_text == "0.4"
