"""Framing: LMSs may frame /lti/ and /play/, and cookies there work as a third party."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from launches.middleware import LmsFramingMiddleware, frame_ancestor_sources
from launches.models import Consumer
from player_api.models import Content
from tests.factories import ConsumerFactory
from tests.launches.signing import fresh_nonce, p0, post_launch, sign

HTTPS_HOST = {"host": "tool.example.edu"}


def run_middleware(
    path: str,
    view: Callable[[HttpRequest], HttpResponse],
    secure: bool = True,
) -> HttpResponse:
    request = RequestFactory().get(path, secure=secure, headers=HTTPS_HOST)
    return LmsFramingMiddleware(view)(request)


def session_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    response["X-Frame-Options"] = "DENY"
    response.set_cookie("sessionid", "abc", secure=True, httponly=True, samesite="Lax")
    return response


def test_middleware_allows_framing_of_launch_paths() -> None:
    for path in ("/lti/launch/", "/play/some-token/"):
        response = run_middleware(path, session_view)

        assert "X-Frame-Options" not in response
        assert response["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_middleware_leaves_other_paths() -> None:
    response = run_middleware("/admin/login/", session_view)

    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" not in response
    assert "Partitioned" not in response.cookies["sessionid"].OutputString()


@override_settings(LTI_FRAME_ANCESTORS=["https://moodle.example.edu", "https://*.instructure.com"])
def test_middleware_adds_setting_and_consumer_origin() -> None:
    consumer = Consumer(lms_origin="https://canvas.example.edu/")

    def view(request: HttpRequest) -> HttpResponse:
        request.lti_consumer = consumer  # type: ignore[attr-defined]
        return HttpResponse("ok")

    response = run_middleware("/lti/launch/", view)

    assert response["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://moodle.example.edu https://*.instructure.com "
        "https://canvas.example.edu"
    )


def test_middleware_drops_unsafe_origin() -> None:
    consumer = Consumer(lms_origin="https://lms.example.edu; script-src *")

    assert frame_ancestor_sources(consumer) == ["'self'"]


def test_middleware_replaces_existing_frame_ancestors() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("ok")
        response["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
        return response

    response = run_middleware("/play/token/", view)

    assert response["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'self'"


def test_middleware_partitions_cookies_over_https() -> None:
    response = run_middleware("/play/token/", session_view)

    cookie = response.cookies["sessionid"].OutputString()
    assert "SameSite=None" in cookie
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert cookie.endswith("; Partitioned")
    assert cookie.startswith("sessionid=abc")


def test_middleware_leaves_cookies_over_http() -> None:
    response = run_middleware("/play/token/", session_view, secure=False)

    cookie = response.cookies["sessionid"].OutputString()
    assert "Partitioned" not in cookie
    assert "SameSite=Lax" in cookie


@override_settings(TRUST_PROXY_HEADERS=True)
def test_middleware_partitions_cookies_behind_proxy() -> None:
    request = RequestFactory().get(
        "/play/token/", headers={"host": "tool.example.edu", "x-forwarded-proto": "https"}
    )

    response = LmsFramingMiddleware(session_view)(request)

    assert response.cookies["sessionid"].OutputString().endswith("; Partitioned")


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_launch_and_player_frame_for_consumer_origin(assessment: Content) -> None:
    ConsumerFactory(key="test-key", secret="test-secret", lms_origin="https://canvas.example.edu")
    client = Client()
    params = sign(
        p0(
            oauth_nonce=fresh_nonce(),
            custom_content_id=str(assessment.pk),
            custom_content_type="assessment",
        )
    )

    launch = post_launch(client, params)
    player = client.get(launch["Location"], secure=True, headers=HTTPS_HOST)

    for response in (launch, player):
        assert "X-Frame-Options" not in response
        assert response["Content-Security-Policy"] == (
            "frame-ancestors 'self' https://canvas.example.edu"
        )
    assert player.status_code == 200
    session_cookie = player.cookies["sessionid"].OutputString()
    assert "SameSite=None" in session_cookie
    assert "Secure" in session_cookie
    assert session_cookie.endswith("; Partitioned")
    # The header line that Django's WSGI handler sends for this cookie.
    assert player.cookies["sessionid"].output(header="").strip().endswith("; Partitioned")
