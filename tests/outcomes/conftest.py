"""Fixtures for outcome tests: submitted attempts and a scripted LMS on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature

from gooru_lti.celery import app as celery_app
from launches.models import Consumer, LtiUser
from player_api.models import Attempt, AttemptStatus
from tests.factories import AttemptFactory, ContentFactory, LaunchFactory

CLASS_ID = uuid.UUID("11111111-1111-4111-8111-111111111111")
COURSE_ID = uuid.UUID("22222222-2222-4222-8222-222222222222")


def attempt_submit_stored(attempt: Attempt, score: float | None = 0.75) -> Attempt:
    """Store a result and the outcome snapshot on an attempt, as the player's submit does."""
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = timezone.now()
    attempt.score = score
    attempt.questions_count = 10
    attempt.time_spend_ms = 669438
    attempt.completed_time = 1700000000000
    attempt.reaction = 0
    attempt.lis_result_sourcedid = attempt.launch.lis_result_sourcedid
    attempt.class_id = attempt.launch.class_id
    attempt.course_id = attempt.launch.course_id
    attempt.unit_id = attempt.launch.unit_id
    attempt.lesson_id = attempt.launch.lesson_id
    attempt.student = attempt.launch.is_student
    attempt.save()
    return attempt


AttemptMaker = Callable[..., Attempt]


@pytest.fixture
def submitted_attempt(learner: LtiUser) -> AttemptMaker:
    """Make a submitted attempt of the learner; keywords set the score and launch fields."""

    def make(score: float | None = 0.75, **launch_fields: Any) -> Attempt:
        content = ContentFactory()
        launch_fields.setdefault("lis_result_sourcedid", "83873872987329873264783687634")
        launch_fields.setdefault("class_id", CLASS_ID)
        launch_fields.setdefault("course_id", COURSE_ID)
        launch = LaunchFactory(
            user=learner,
            content_id=content.pk,
            content_type=content.content_type,
            **launch_fields,
        )
        attempt = AttemptFactory(
            content=content, launch=launch, user=learner, resource_link_id=launch.resource_link_id
        )
        return attempt_submit_stored(attempt, score)

    return make


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    reply_status: int | None = None


@dataclass
class Reply:
    """One scripted reply; with hang set, the server reads the request and never replies."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


@dataclass
class FakeLms:
    """An HTTP server on 127.0.0.1 that records requests and plays scripted replies.

    Replies are taken in order; when none are left, `default` is played.
    """

    origin: str
    url: str
    requests: list[ReceivedRequest]
    replies: list[Reply]
    default: Reply
    release: threading.Event

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)


class _Handler(BaseHTTPRequestHandler):
    lms: FakeLms

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        received = ReceivedRequest(
            "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        self.lms.requests.append(received)
        reply = self.lms.replies.pop(0) if self.lms.replies else self.lms.default
        if reply.hang:
            self.lms.release.wait(30)
            return
        received.reply_status = reply.status
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def fake_lms() -> Iterator[FakeLms]:
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    origin = f"http://127.0.0.1:{server.server_port}"
    lms = FakeLms(
        origin=origin,
        url=f"{origin}/outcomes",
        requests=[],
        replies=[],
        default=Reply(200, b'{"ok": true}', {"Content-Type": "application/json"}),
        release=threading.Event(),
    )
    handler.lms = lms  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield lms
    lms.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def lms_consumer(consumer: Consumer, fake_lms: FakeLms, settings: Any) -> Consumer:
    """The example consumer, sending to the fake LMS, with private networks allowed."""
    settings.OUTCOMES_ALLOW_PRIVATE_NETWORKS = True
    settings.OUTCOMES_RETRY_DELAYS = [0, 0, 0, 0]
    consumer.outcomes_url = fake_lms.url
    consumer.save()
    return consumer


def oauth_request_valid(request: ReceivedRequest, base_url: str, secret: str) -> bool:
    """Verify a received request's HMAC-SHA1 signature and body hash as an LMS would."""
    url = base_url + request.path
    headers = {"Authorization": request.headers["authorization"]}
    query = urlsplit(url).query
    oauth_params = dict(
        signature.collect_parameters(uri_query=query, headers=headers, exclude_oauth_signature=False)
    )
    body_hash = base64.b64encode(hashlib.sha1(request.body).digest()).decode()
    if oauth_params.get("oauth_body_hash") != body_hash:
        return False

    oauth_request = OAuthRequest(url, "POST", None, headers)
    oauth_request.params = signature.collect_parameters(uri_query=query, headers=headers)
    oauth_request.signature = oauth_params["oauth_signature"]
    return bool(signature.verify_hmac_sha1(oauth_request, secret))


POX_SUCCESS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">'
    b"<imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_version>V1.0</imsx_version>"
    b"<imsx_messageIdentifier>r-1</imsx_messageIdentifier><imsx_statusInfo>"
    b"<imsx_codeMajor>success</imsx_codeMajor><imsx_severity>status</imsx_severity>"
    b"<imsx_description>Score updated</imsx_description></imsx_statusInfo>"
    b"</imsx_POXResponseHeaderInfo></imsx_POXHeader><imsx_POXBody><replaceResultResponse/>"
    b"</imsx_POXBody></imsx_POXEnvelopeResponse>"
)


def pox_reply(code_major: str, description: str = "", body: str = "") -> bytes:
    """Build an imsx_POXEnvelopeResponse with the given status and body element."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">'
        "<imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_version>V1.0</imsx_version>"
        "<imsx_messageIdentifier>r-2</imsx_messageIdentifier><imsx_statusInfo>"
        f"<imsx_codeMajor>{code_major}</imsx_codeMajor><imsx_severity>status</imsx_severity>"
        f"<imsx_description>{description}</imsx_description></imsx_statusInfo>"
        f"</imsx_POXResponseHeaderInfo></imsx_POXHeader><imsx_POXBody>{body}</imsx_POXBody>"
        "</imsx_POXEnvelopeResponse>"
    ).encode("utf-8")


def celery_publish_to(broker_url: str | None, queue: str) -> tuple[str | None, str]:
    """Point this process's task publishing at a broker and queue; return the previous ones.

    Celery reads broker_url from the CELERY_BROKER_URL environment variable
    before its configuration, so the write URL, which it checks first, is set.
    A broker_url of None publishes to the configured broker again.
    """
    previous = (celery_app.conf.get("broker_write_url"), celery_app.conf.task_default_queue)
    celery_app.conf.broker_write_url = broker_url  # type: ignore[misc, assignment]
    celery_app.conf.task_default_queue = queue
    # The app keeps the producer pool it made on first use, bound to the old URL.
    # Dropping the references is enough, because kombu keeps one pool per URL.
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]
    return previous
