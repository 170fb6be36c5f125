"""Sign launches the way an LMS does, for the launch tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest
from django.test import Client
from django.test.client import RequestFactory
from oauthlib.oauth1.rfc5849 import signature

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

LAUNCH_URL = "https://tool.example.edu/lti/launch/"
FORM = "application/x-www-form-urlencoded"
CLOCK = 1700000000

Params = list[tuple[str, str]]

_nonces = itertools.count(1)


def p0(**changes: str | None) -> Params:
    """Return the example launch fields, with some changed, added or (given None) removed."""
    fields: dict[str, str | None] = {
        "oauth_consumer_key": "test-key",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(CLOCK),
        "oauth_nonce": "n0nce-0001",
        "oauth_version": "1.0",
        "lti_message_type": "basic-lti-launch-request",
        "lti_version": "LTI-1p0",
        "resource_link_id": "rl-123",
        "user_id": "u-456",
        "roles": "Learner",
        "lis_outcome_service_url": "https://lms.example.org/outcomes",
        "lis_result_sourcedid": "src-789",
        "context_id": "ctx-1",
    }
    fields.update(changes)
    return [(name, value) for name, value in fields.items() if value is not None]


def fresh_nonce() -> str:
    return f"test-nonce-{next(_nonces):06d}"


def sign(
    params: Sequence[tuple[str, str]], url: str = LAUNCH_URL, secret: str = "test-secret"
) -> Params:
    """Append oauth_signature computed by oauthlib over the URL, its query and params."""
    query = urlsplit(url).query
    signed = list(params) + signature.collect_parameters(uri_query=query)
    base = signature.signature_base_string(
        "POST", signature.base_string_uri(url), signature.normalize_parameters(signed)
    )
    method = dict(params).get("oauth_signature_method", "HMAC-SHA1")
    digest = hashlib.sha256 if method == "HMAC-SHA256" else hashlib.sha1
    key = f"{signature.utils.escape(secret)}&".encode()
    value = base64.b64encode(hmac.new(key, base.encode(), digest).digest()).decode()
    return [*params, ("oauth_signature", value)]


def _request_arguments(
    url: str, headers: dict[str, str] | None
) -> tuple[str, bool, dict[str, str]]:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path, parts.scheme == "https", {"host": parts.netloc, **(headers or {})}


def post_launch(
    client: Client,
    params: Sequence[tuple[str, str]],
    url: str = LAUNCH_URL,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """POST params, form encoded, to url as the browser relays it from the LMS."""
    path, secure, all_headers = _request_arguments(url, headers)
    return client.post(
        path, data=urlencode(list(params)), content_type=FORM, secure=secure, headers=all_headers
    )


def launch_request(
    params: Sequence[tuple[str, str]],
    url: str = LAUNCH_URL,
    headers: dict[str, str] | None = None,
) -> HttpRequest:
    """Build, without sending it, the request post_launch would send."""
    path, secure, all_headers = _request_arguments(url, headers)
    return RequestFactory().post(
        path, data=urlencode(list(params)), content_type=FORM, secure=secure, headers=all_headers
    )
