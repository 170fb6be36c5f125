"""The outcome inspector against a live server, with requests signed by requests-oauthlib."""

from __future__ import annotations

import json
import time
import uuid
from xml.etree import ElementTree as ET

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer
from requests_oauthlib import OAuth1

from launches.models import Consumer
from test_consumer.models import (
    FailureMode,
    FailurePlan,
    GradebookEntry,
    InspectedRequest,
    RequestFormat,
    Verdict,
)
from tests.test_consumer.signed_requests import POX_NAMESPACE, post_signed, pox_body

pytestmark = pytest.mark.django_db(transaction=True)

NS = {"x": POX_NAMESPACE}
SOURCEDID = '{"data":{"instanceid":"7","userid":"4"},"hash":"a&b<c>"}'


def gooru_json(sourcedid: str = "src-789", score: float = 0.75) -> str:
    return json.dumps(
        {
            "result": {"lis_result_sourcedid": sourcedid, "score": score},
            "context": {
                "gooru_content_id": str(uuid.uuid4()),
                "type": "assessment",
                "user_id": str(uuid.uuid4()),
                "class_id": None,
                "course_id": None,
                "unit_id": None,
                "lesson_id": None,
            },
            "time_spend_ms": 669438,
            "reaction": 0,
            "questions_count": 10,
            "completed_time": 1700000000000,
            "student": True,
        }
    )


def send_json(
    url: str, consumer: Consumer, body: str, secret: str | None = None
) -> requests.Response:
    return post_signed(
        url,
        body,
        content_type="application/json",
        key=consumer.key,
        secret=consumer.secret if secret is None else secret,
    )


def send_pox(url: str, consumer: Consumer, body: str) -> ET.Element:
    response = post_signed(
        url, body, content_type="application/xml", key=consumer.key, secret=consumer.secret
    )
    assert response.status_code == 200, response.text
    return ET.fromstring(response.content)


def code_major(envelope: ET.Element) -> str | None:
    return envelope.findtext(".//x:imsx_statusInfo/x:imsx_codeMajor", namespaces=NS)


def test_inspector_accepts_signed_gooru_json(inspector_url: str, consumer: Consumer) -> None:
    response = send_json(inspector_url, consumer, gooru_json(score=0.75))

    assert response.status_code == 200, response.text
    assert response.json()["score"] == 0.75
    record = InspectedRequest.objects.get()
    assert record.verdict == Verdict.ACCEPTED
    assert record.signature_valid
    assert record.body_hash_valid
    assert record.request_format == RequestFormat.GOORU_JSON
    assert record.consumer == consumer
    assert record.score == 0.75
    assert GradebookEntry.objects.get(consumer=consumer, sourcedid="src-789").score == 0.75


def test_inspector_rejects_wrong_secret(inspector_url: str, consumer: Consumer) -> None:
    response = send_json(inspector_url, consumer, gooru_json(), secret="not-the-secret")

    assert response.status_code == 401
    assert "signature" in response.json()["error"]
    record = InspectedRequest.objects.get()
    assert record.verdict == Verdict.BAD_SIGNATURE
    assert not record.signature_valid
    assert not GradebookEntry.objects.exists()


def test_inspector_rejects_changed_body(inspector_url: str, consumer: Consumer) -> None:
    signed = requests.Request(
        "POST",
        inspector_url,
        data=gooru_json(score=0.2),
        headers={"Content-Type": "application/json"},
        auth=OAuth1(consumer.key, client_secret=consumer.secret, force_include_body=True),
    ).prepare()
    signed.body = gooru_json(score=1.0).encode()
    signed.headers["Content-Length"] = str(len(signed.body))

    response = requests.Session().send(signed, timeout=10)

    assert response.status_code == 401
    record = InspectedRequest.objects.get()
    assert record.verdict == Verdict.BAD_BODY_HASH
    assert record.signature_valid
    assert not record.body_hash_valid
    assert not GradebookEntry.objects.exists()


def test_inspector_rejects_missing_body_hash(inspector_url: str, consumer: Consumer) -> None:
    # Without force_include_body, requests-oauthlib signs no oauth_body_hash.
    response = requests.post(
        inspector_url,
        data=gooru_json(),
        headers={"Content-Type": "application/json"},
        auth=OAuth1(consumer.key, client_secret=consumer.secret),
        timeout=10,
    )

    assert response.status_code == 401
    record = InspectedRequest.objects.get()
    assert record.verdict == Verdict.BAD_BODY_HASH
    assert record.detail == "oauth_body_hash is missing."
    assert record.signature_valid


def test_inspector_rejects_unknown_key(inspector_url: str) -> None:
    response = post_signed(
        inspector_url, gooru_json(), content_type="application/json", key="nobody", secret="x"
    )

    assert response.status_code == 401
    record = InspectedRequest.objects.get()
    assert record.verdict == Verdict.UNKNOWN_CONSUMER
    assert record.consumer_key == "nobody"


def test_inspector_rejects_unsigned_request(inspector_url: str) -> None:
    response = requests.post(
        inspector_url, data=gooru_json(), headers={"Content-Type": "application/json"}, timeout=10
    )

    assert response.status_code == 401
    assert InspectedRequest.objects.get().verdict == Verdict.UNSIGNED


def test_inspector_rejects_replayed_nonce(inspector_url: str, consumer: Consumer) -> None:
    body = gooru_json()
    first = post_signed(
        inspector_url, body, content_type="application/json", key=consumer.key,
        secret=consumer.secret, nonce="same-nonce-1", timestamp=str(int(time.time())),
    )
    second = post_signed(
        inspector_url, body, content_type="application/json", key=consumer.key,
        secret=consumer.secret, nonce="same-nonce-1", timestamp=str(int(time.time())),
    )

    assert first.status_code == 200
    assert second.status_code == 401
    assert InspectedRequest.objects.first().verdict == Verdict.REPLAYED_NONCE


def test_inspector_rejects_old_timestamp(inspector_url: str, consumer: Consumer) -> None:
    response = post_signed(
        inspector_url, gooru_json(), content_type="application/json", key=consumer.key,
        secret=consumer.secret, timestamp=str(int(time.time()) - 3600),
    )

    assert response.status_code == 401
    record = InspectedRequest.objects.get()
    assert record.verdict == Verdict.STALE_TIMESTAMP
    assert record.signature_valid


def test_inspector_signs_query_string(live_server: LiveServer, enabled: Settings, consumer: Consumer) -> None:
    url = f"{live_server.url}/lti/test-consumer/outcomes/?tool=7"

    response = send_json(url, consumer, gooru_json())

    assert response.status_code == 200, response.text


def test_inspector_names_missing_json_key(inspector_url: str, consumer: Consumer) -> None:
    data = json.loads(gooru_json())
    del data["context"]["lesson_id"]

    response = send_json(inspector_url, consumer, json.dumps(data))

    assert response.status_code == 400
    assert "lesson_id" in response.json()["error"]
    record = InspectedRequest.objects.get()
    assert record.verdict == Verdict.INVALID_BODY
    assert record.signature_valid


def test_pox_replace_read_delete(inspector_url: str, consumer: Consumer) -> None:
    replaced = send_pox(inspector_url, consumer, pox_body("replaceResult", SOURCEDID, "0.85", "m-7"))
    read = send_pox(inspector_url, consumer, pox_body("readResult", SOURCEDID))
    deleted = send_pox(inspector_url, consumer, pox_body("deleteResult", SOURCEDID))
    read_again = send_pox(inspector_url, consumer, pox_body("readResult", SOURCEDID))

    assert replaced.tag == f"{{{POX_NAMESPACE}}}imsx_POXEnvelopeResponse"
    assert code_major(replaced) == "success"
    assert replaced.findtext(".//x:imsx_messageRefIdentifier", namespaces=NS) == "m-7"
    assert replaced.findtext(".//x:imsx_operationRefIdentifier", namespaces=NS) == "replaceResult"
    assert replaced.find(".//x:imsx_POXBody/x:replaceResultResponse", NS) is not None
    assert code_major(read) == "success"
    assert read.findtext(".//x:readResultResponse//x:textString", namespaces=NS) == "0.85"
    assert code_major(deleted) == "success"
    assert deleted.find(".//x:deleteResultResponse", NS) is not None
    assert read_again.findtext(".//x:readResultResponse//x:textString", namespaces=NS) == ""
    assert not GradebookEntry.objects.exists()
    operations = list(InspectedRequest.objects.order_by("id").values_list("operation", "sourcedid"))
    assert operations == [
        ("replaceResult", SOURCEDID),
        ("readResult", SOURCEDID),
        ("deleteResult", SOURCEDID),
        ("readResult", SOURCEDID),
    ]


@pytest.mark.parametrize("score", ["1.2", "-0.1", "NaN", "1e-05", "0,5", ""])
def test_pox_replace_rejects_bad_score(inspector_url: str, consumer: Consumer, score: str) -> None:
    envelope = send_pox(inspector_url, consumer, pox_body("replaceResult", "src-1", score))

    assert code_major(envelope) == "failure"
    assert InspectedRequest.objects.get().verdict == Verdict.INVALID_BODY
    assert not GradebookEntry.objects.exists()


def test_pox_unknown_operation_is_unsupported(inspector_url: str, consumer: Consumer) -> None:
    envelope = send_pox(inspector_url, consumer, pox_body("readMembership", "src-1"))

    assert code_major(envelope) == "unsupported"


def test_pox_malformed_xml_fails(inspector_url: str, consumer: Consumer) -> None:
    envelope = send_pox(inspector_url, consumer, "<imsx_POXEnvelopeRequest><unclosed>")

    assert code_major(envelope) == "failure"
    assert "well-formed" in InspectedRequest.objects.get().detail


def test_gradebook_is_kept_per_consumer(
    inspector_url: str, consumer: Consumer, other_consumer: Consumer
) -> None:
    send_pox(inspector_url, consumer, pox_body("replaceResult", "shared-id", "0.5"))

    other_read = send_pox(inspector_url, other_consumer, pox_body("readResult", "shared-id"))
    send_pox(inspector_url, other_consumer, pox_body("deleteResult", "shared-id"))

    assert other_read.findtext(".//x:textString", namespaces=NS) == ""
    assert GradebookEntry.objects.get(sourcedid="shared-id").consumer == consumer


def test_planned_503_failures_are_used_up(inspector_url: str, consumer: Consumer) -> None:
    FailurePlan.schedule(2, FailureMode.HTTP_503)

    statuses = [send_json(inspector_url, consumer, gooru_json()).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert FailurePlan.current().remaining == 0
    verdicts = list(InspectedRequest.objects.order_by("id").values_list("verdict", flat=True))
    assert verdicts == [Verdict.FAILED_ON_PURPOSE, Verdict.FAILED_ON_PURPOSE, Verdict.ACCEPTED]
    assert InspectedRequest.objects.filter(signature_valid=True).count() == 3


def test_planned_rejection_is_pox_failure(inspector_url: str, consumer: Consumer) -> None:
    FailurePlan.schedule(1, FailureMode.REJECT)

    envelope = send_pox(inspector_url, consumer, pox_body("replaceResult", "src-1", "0.5"))
    json_reply = send_json(inspector_url, consumer, gooru_json())

    assert code_major(envelope) == "failure"
    assert json_reply.status_code == 200
    assert not GradebookEntry.objects.filter(sourcedid="src-1").exists()


def test_planned_rejection_of_json_is_400(inspector_url: str, consumer: Consumer) -> None:
    FailurePlan.schedule(1, FailureMode.REJECT)

    response = send_json(inspector_url, consumer, gooru_json())

    assert response.status_code == 400
    assert not GradebookEntry.objects.exists()


def test_inspector_is_404_when_disabled(client: Client, settings: Settings) -> None:
    settings.TEST_CONSUMER_ENABLED = False

    response = client.post(
        "/lti/test-consumer/outcomes/", data=gooru_json(), content_type="application/json"
    )

    assert response.status_code == 404
    assert not InspectedRequest.objects.exists()


def test_inspector_endpoint_rejects_get(client: Client, enabled: Settings) -> None:
    assert client.get("/lti/test-consumer/outcomes/").status_code == 405


def test_inspector_page_needs_staff(client: Client, enabled: Settings) -> None:
    User.objects.create_user("plain", password="pw-plain-user-1")
    client.login(username="plain", password="pw-plain-user-1")

    response = client.get("/lti/test-consumer/inspector/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_inspector_page_lists_requests(
    inspector_url: str, consumer: Consumer, admin_client: Client
) -> None:
    send_json(inspector_url, consumer, gooru_json(sourcedid="src-listed", score=0.7))
    send_json(inspector_url, consumer, gooru_json(), secret="wrong")

    page = admin_client.get("/lti/test-consumer/inspector/").content.decode()

    assert "src-listed" in page
    assert "0.7" in page
    assert "Invalid signature" in page
    assert "Accepted" in page


def test_failure_plan_form_schedules(admin_client: Client, enabled: Settings) -> None:
    response = admin_client.post(
        "/lti/test-consumer/inspector/failures/", {"count": "4", "mode": FailureMode.REJECT}
    )

    assert response.status_code == 302
    plan = FailurePlan.current()
    assert plan.remaining == 4
    assert plan.mode == FailureMode.REJECT


def test_inspector_page_links_admin_past_limit(admin_client: Client, enabled: Settings) -> None:
    InspectedRequest.objects.bulk_create(
        InspectedRequest(verdict=Verdict.UNSIGNED, status_code=401) for _ in range(101)
    )

    page = admin_client.get("/lti/test-consumer/inspector/").content.decode()

    assert "The newest 100 of 101 are shown" in page
    assert "/admin/test_consumer/inspectedrequest/" in page
    assert page.count('<tr class="request">') == 100
