"""Launch verification: the exact signature vectors, proxies, clocks and bad requests."""

from __future__ import annotations

import pytest
from django.core.exceptions import DisallowedHost
from django.test import override_settings

from launches.errors import LaunchRejected, RejectReason
from launches.models import Consumer, Nonce
from launches.verification import VerifiedLaunch, signature_base_string, verify_launch
from tests.factories import ConsumerFactory
from tests.launches.signing import (
    CLOCK,
    FORM,
    LAUNCH_URL,
    Params,
    fresh_nonce,
    launch_request,
    p0,
    sign,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "consumer")]

P0_SIGNATURE = "e04YUhrFlHbCipJ9yTiFimlNwp4="


def verify(
    params: Params, url: str = LAUNCH_URL, headers: dict[str, str] | None = None
) -> VerifiedLaunch:
    return verify_launch(launch_request(params, url, headers))


def rejection(
    params: Params, url: str = LAUNCH_URL, headers: dict[str, str] | None = None
) -> LaunchRejected:
    with pytest.raises(LaunchRejected) as raised:
        verify(params, url, headers)
    return raised.value


def with_signature(params: Params, value: str) -> Params:
    return [*params, ("oauth_signature", value)]


@pytest.mark.parametrize(
    ("url", "extra", "signature"),
    [
        ("https://tool.example.edu/lti/launch/", [], "e04YUhrFlHbCipJ9yTiFimlNwp4="),
        ("https://tool.example.edu/lti/launch/?quiz=42", [], "1cpZh9sRQV9qgu8hVWIX0YGmBao="),
        (
            "https://tool.example.edu/lti/launch/",
            [
                ("lis_person_name_full", "Ünïcödé Ñame-O'Test"),
                ("context_title", "Maths + Stats 101 (Y)"),
            ],
            "XZJtd1KFKbdlSE6LUWZQW5Mzbus=",
        ),
        ("https://tool.example.edu:8443/lti/launch/", [], "8EYUCZg1UzCx9gvXNwz/cfpMen4="),
        ("https://tool.example.edu:443/lti/launch/", [], "e04YUhrFlHbCipJ9yTiFimlNwp4="),
        (
            "https://tool.example.edu/lti/launch/",
            [("custom_tag", "alpha"), ("custom_tag", "beta")],
            "YauVGgUYhOpvPcAcldYJczRiXiY=",
        ),
        (
            "https://tool.example.edu/lti/launch/",
            [("oauth_callback", "about:blank")],
            "Fj74E7cTyYCVWo6Gzaxw6XCMivQ=",
        ),
    ],
    ids=["p0", "query", "unicode", "port-8443", "port-443", "repeated-name", "oauth-callback"],
)
def test_verify_launch_accepts_vector(url: str, extra: Params, signature: str) -> None:
    verified = verify(with_signature(p0() + extra, signature), url)

    assert verified.consumer.key == "test-key"
    assert verified.nonce == "n0nce-0001"
    assert verified.timestamp == CLOCK


def test_verify_launch_keeps_values_exactly() -> None:
    extra = [
        ("lis_person_name_full", "Ünïcödé Ñame-O'Test"),
        ("context_title", "Maths + Stats 101 (Y)"),
    ]
    verified = verify(with_signature(p0() + extra, "XZJtd1KFKbdlSE6LUWZQW5Mzbus="))

    assert verified.get("lis_person_name_full") == "Ünïcödé Ñame-O'Test"
    assert verified.get("context_title") == "Maths + Stats 101 (Y)"


def test_verify_launch_keeps_repeated_names() -> None:
    extra = [("custom_tag", "alpha"), ("custom_tag", "beta")]
    verified = verify(with_signature(p0() + extra, "YauVGgUYhOpvPcAcldYJczRiXiY="))

    assert [value for name, value in verified.params if name == "custom_tag"] == ["alpha", "beta"]


def test_verify_launch_counts_query_parameters() -> None:
    verified = verify(
        with_signature(p0(), "1cpZh9sRQV9qgu8hVWIX0YGmBao="),
        "https://tool.example.edu/lti/launch/?quiz=42",
    )

    assert verified.get("quiz") == "42"


def test_verify_launch_rejects_query_parameter_left_out() -> None:
    error = rejection(
        with_signature(p0(), P0_SIGNATURE), "https://tool.example.edu/lti/launch/?quiz=42"
    )

    assert error.reason is RejectReason.INVALID_SIGNATURE


def test_verify_launch_accepts_canvas_copy_of_query() -> None:
    params = with_signature(p0() + [("quiz", "42")], "1cpZh9sRQV9qgu8hVWIX0YGmBao=")

    verified = verify(params, "https://tool.example.edu/lti/launch/?quiz=42")

    assert [value for name, value in verified.params if name == "quiz"] == ["42"]


def test_verify_launch_rejects_different_body_copy() -> None:
    params = with_signature(p0() + [("quiz", "43")], "1cpZh9sRQV9qgu8hVWIX0YGmBao=")

    error = rejection(params, "https://tool.example.edu/lti/launch/?quiz=42")

    assert error.reason is RejectReason.INVALID_SIGNATURE


def test_verify_launch_rejects_partial_canvas_copy() -> None:
    url = "https://tool.example.edu/lti/launch/?quiz=42&page=1"
    params = sign(p0(oauth_nonce=fresh_nonce()), url)
    params.append(("quiz", "42"))

    error = rejection(params, url)

    assert error.reason is RejectReason.INVALID_SIGNATURE


def test_verify_launch_accepts_forwarded_https_when_trusted() -> None:
    params = with_signature(p0(), P0_SIGNATURE)

    with override_settings(TRUST_PROXY_HEADERS=True):
        verified = verify(
            params, "http://tool.example.edu/lti/launch/", {"x-forwarded-proto": "https"}
        )

    assert verified.consumer.key == "test-key"


def test_verify_launch_rejects_forwarded_https_when_untrusted() -> None:
    params = with_signature(p0(), P0_SIGNATURE)

    error = rejection(params, "http://tool.example.edu/lti/launch/", {"x-forwarded-proto": "https"})

    assert error.reason is RejectReason.INVALID_SIGNATURE
    assert "TRUST_PROXY_HEADERS" in error.detail
    assert "X-Forwarded-Proto: https" in error.detail
    assert "http://tool.example.edu/lti/launch/" in error.detail


@override_settings(TRUST_PROXY_HEADERS=True)
def test_verify_launch_uses_first_forwarded_values() -> None:
    params = with_signature(p0(), "8EYUCZg1UzCx9gvXNwz/cfpMen4=")
    headers = {
        "x-forwarded-proto": "https, http",
        "x-forwarded-host": "tool.example.edu, internal.example.edu",
        "x-forwarded-port": "8443, 80",
    }

    verified = verify(params, "http://internal:8000/lti/launch/", headers)

    assert verified.consumer.key == "test-key"


@override_settings(LTI_PUBLIC_BASE_URL="https://tool.example.edu")
def test_verify_launch_uses_public_base_url() -> None:
    params = with_signature(p0(), P0_SIGNATURE)

    verified = verify(params, "http://localhost:8000/lti/launch/")

    assert verified.consumer.key == "test-key"


def test_verify_launch_accepts_plain_http() -> None:
    url = "http://tool.example.edu/lti/launch/"

    verified = verify(sign(p0(oauth_nonce=fresh_nonce()), url), url)

    assert verified.consumer.key == "test-key"


def test_verify_launch_accepts_hmac_sha256() -> None:
    params = sign(p0(oauth_nonce=fresh_nonce(), oauth_signature_method="HMAC-SHA256"))

    assert verify(params).consumer.key == "test-key"


@pytest.mark.parametrize(
    ("key", "nonce"),
    [("k", "n"), ("short-key", "12345"), ("k" * 200, "n" * 200)],
    ids=["one-character", "short", "long"],
)
def test_verify_launch_accepts_any_key_and_nonce_length(key: str, nonce: str) -> None:
    ConsumerFactory(key=key, secret="length-secret")
    params = sign(p0(oauth_consumer_key=key, oauth_nonce=nonce), secret="length-secret")

    assert verify(params).nonce == nonce


def test_verify_launch_decodes_values_once() -> None:
    nonce = "n%2Fonce+with%20escapes"
    params = sign(p0(oauth_nonce=nonce, custom_note="50%25 done"))

    verified = verify(params)

    assert verified.nonce == nonce
    assert verified.get("custom_note") == "50%25 done"


@pytest.mark.parametrize("age", [8, 70, -8])
def test_verify_launch_accepts_timestamp_within_window(age: int) -> None:
    params = sign(p0(oauth_nonce=fresh_nonce(), oauth_timestamp=str(CLOCK - age)))

    assert verify(params).timestamp == CLOCK - age


@pytest.mark.parametrize("age", [600, -600, 301])
def test_verify_launch_rejects_timestamp_outside_window(age: int) -> None:
    params = sign(p0(oauth_nonce=fresh_nonce(), oauth_timestamp=str(CLOCK - age)))

    error = rejection(params)

    assert error.reason is RejectReason.TIMESTAMP_OUT_OF_WINDOW
    assert "300 s" in error.detail


@override_settings(LTI_TIMESTAMP_WINDOW=900)
def test_verify_launch_reads_window_setting() -> None:
    params = sign(p0(oauth_nonce=fresh_nonce(), oauth_timestamp=str(CLOCK - 600)))

    assert verify(params).timestamp == CLOCK - 600


def test_verify_launch_rejects_used_nonce(consumer: Consumer) -> None:
    Nonce.objects.create(consumer=consumer, value="n0nce-0001", timestamp=CLOCK)

    error = rejection(with_signature(p0(), P0_SIGNATURE))

    assert error.reason is RejectReason.REPLAYED_NONCE


def test_verify_launch_accepts_nonce_used_elsewhere(other_consumer: Consumer) -> None:
    Nonce.objects.create(consumer=other_consumer, value="n0nce-0001", timestamp=CLOCK)

    assert verify(with_signature(p0(), P0_SIGNATURE)).nonce == "n0nce-0001"


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        (p0(), RejectReason.MISSING_SIGNATURE),
        (with_signature(p0(), "AAAA"), RejectReason.INVALID_SIGNATURE),
        (sign(p0(oauth_consumer_key="nobody")), RejectReason.UNKNOWN_CONSUMER),
        (
            sign(p0(oauth_consumer_key="retired-key"), secret="retired-secret"),
            RejectReason.INACTIVE_CONSUMER,
        ),
        (sign(p0(oauth_signature_method="PLAINTEXT")), RejectReason.UNSUPPORTED_SIGNATURE_METHOD),
        (
            p0(oauth_signature_method="PLAINTEXT") + [("oauth_signature", "test-secret&")],
            RejectReason.UNSUPPORTED_SIGNATURE_METHOD,
        ),
        (sign(p0(oauth_timestamp=None)), RejectReason.MISSING_TIMESTAMP),
        (sign(p0(oauth_timestamp="17e8")), RejectReason.INVALID_TIMESTAMP),
        (sign(p0(oauth_nonce=None)), RejectReason.MISSING_OAUTH_PARAMETER),
        (sign(p0(oauth_consumer_key=None)), RejectReason.MISSING_OAUTH_PARAMETER),
        (sign(p0(oauth_version="2.0")), RejectReason.UNSUPPORTED_OAUTH_VERSION),
        (sign(p0(), secret="other-secret"), RejectReason.INVALID_SIGNATURE),
        (sign(p0()) + [("oauth_nonce", "second")], RejectReason.DUPLICATE_OAUTH_PARAMETER),
    ],
    ids=[
        "no-signature",
        "signature-aaaa",
        "unknown-key",
        "inactive-consumer",
        "plaintext-method",
        "plaintext-signature",
        "no-timestamp",
        "non-numeric-timestamp",
        "no-nonce",
        "no-key",
        "oauth-version",
        "other-consumers-secret",
        "repeated-nonce",
    ],
)
@pytest.mark.usefixtures("inactive_consumer", "other_consumer")
def test_verify_launch_rejects_bad_request(params: Params, reason: RejectReason) -> None:
    error = rejection(params)

    assert error.reason is reason
    assert 400 <= error.status < 500


def test_verify_launch_rejects_json_body(consumer: Consumer) -> None:
    from django.test.client import RequestFactory

    request = RequestFactory().post(
        "/lti/launch/",
        data={"oauth_consumer_key": "test-key"},
        content_type="application/json",
        secure=True,
        headers={"host": "tool.example.edu"},
    )

    with pytest.raises(LaunchRejected) as raised:
        verify_launch(request)

    assert raised.value.reason is RejectReason.NOT_FORM_ENCODED


def test_verify_launch_rejects_invalid_utf8() -> None:
    from django.test.client import RequestFactory

    request = RequestFactory().post(
        "/lti/launch/",
        data=b"user_id=%FF%FE&oauth_consumer_key=test-key",
        content_type=FORM,
        secure=True,
        headers={"host": "tool.example.edu"},
    )

    with pytest.raises(LaunchRejected) as raised:
        verify_launch(request)

    assert raised.value.reason is RejectReason.MALFORMED_PARAMETERS


def test_verify_launch_rejection_carries_base_string() -> None:
    error = rejection(with_signature(p0(), "AAAA"))

    assert error.consumer_key == "test-key"
    assert error.consumer is not None
    assert error.base_string == signature_base_string(LAUNCH_URL, p0())
    assert error.base_string.startswith("POST&https%3A%2F%2Ftool.example.edu%2Flti%2Flaunch%2F&")
    assert "AAAA" not in error.base_string


def test_verify_launch_writes_nothing(consumer: Consumer) -> None:
    verify(with_signature(p0(), P0_SIGNATURE))

    assert not Nonce.objects.exists()


def test_verify_launch_accepts_charset_parameter() -> None:
    request = launch_request(with_signature(p0(), P0_SIGNATURE))
    request.META["CONTENT_TYPE"] = f"{FORM}; charset=UTF-8"

    assert verify_launch(request).consumer.key == "test-key"


@override_settings(TRUST_PROXY_HEADERS=True)
def test_verify_launch_rejects_forwarded_host_not_allowed() -> None:
    params = with_signature(p0(), P0_SIGNATURE)

    with pytest.raises(DisallowedHost):
        verify(params, LAUNCH_URL, {"x-forwarded-host": "evil.example.net"})
