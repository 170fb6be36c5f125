"""The baseline views that the launch benchmark compares the real launch against."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from django.test import Client, override_settings

from benchmarks.lti import FORM_CONTENT_TYPE, LaunchTarget, sign_form, signed_launch

KEY = "bench-key"
SECRET = "bench-secret"
URL = "http://testserver/bench/verify-only/"
TARGET = LaunchTarget(
    consumer_key=KEY,
    consumer_secret=SECRET,
    content_id=uuid.UUID(int=1),
    content_type="assessment",
    outcome_service_url="http://127.0.0.1:9/outcomes",
)

pytestmark = pytest.mark.usefixtures("bench_urls")


@pytest.fixture
def bench_urls() -> Iterator[None]:
    with override_settings(
        ROOT_URLCONF="benchmarks.urls", BENCH_CONSUMER_KEY=KEY, BENCH_CONSUMER_SECRET=SECRET
    ):
        yield


def test_empty_view_returns_204() -> None:
    response = Client().post("/bench/empty/")

    assert response.status_code == 204
    assert response.content == b""


def test_verify_only_accepts_signed_launch() -> None:
    body = signed_launch(URL, TARGET, 1)

    response = Client().post("/bench/verify-only/", body, content_type=FORM_CONTENT_TYPE)

    assert response.status_code == 204


def test_verify_only_rejects_tampered_launch() -> None:
    body = signed_launch(URL, TARGET, 1).replace(b"bench-user-1", b"bench-user-2")

    response = Client().post("/bench/verify-only/", body, content_type=FORM_CONTENT_TYPE)

    assert response.status_code == 401


def test_verify_only_rejects_wrong_secret() -> None:
    body = sign_form(URL, KEY, "another-secret", {"user_id": "u-1"})

    response = Client().post("/bench/verify-only/", body, content_type=FORM_CONTENT_TYPE)

    assert response.status_code == 401


def test_verify_only_rejects_unknown_key() -> None:
    body = sign_form(URL, "other-key", SECRET, {"user_id": "u-1"})

    response = Client().post("/bench/verify-only/", body, content_type=FORM_CONTENT_TYPE)

    assert response.status_code == 401


def test_signed_launches_are_distinct() -> None:
    first = parse_qs(signed_launch(URL, TARGET, 1).decode())
    second = parse_qs(signed_launch(URL, TARGET, 2).decode())

    assert first["lis_result_sourcedid"] == ["bench-sd-1"]
    assert second["lis_result_sourcedid"] == ["bench-sd-2"]
    assert first["user_id"] != second["user_id"]
    assert first["oauth_nonce"] != second["oauth_nonce"]
