"""Verify an OAuth 1.0a signed outcome request the way an LMS does.

The inspector checks what gooru-lti sends with oauthlib's signature primitives
rather than with the code that signs it, so a signing bug cannot hide itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature

from launches.models import Consumer
from test_consumer.models import InspectedRequest, Verdict

_SIGNERS = {
    "HMAC-SHA1": signature.sign_hmac_sha1_with_client,
    "HMAC-SHA256": signature.sign_hmac_sha256_with_client,
}


@dataclass
class OAuthCheck:
    """The result of checking one request, with verdict None when every check passed."""

    consumer: Consumer | None = None
    consumer_key: str = ""
    nonce: str = ""
    signature_valid: bool = False
    body_hash_valid: bool = False
    verdict: str | None = None
    detail: str = ""

    def reject(self, verdict: str, detail: str) -> OAuthCheck:
        self.verdict = verdict
        self.detail = detail
        return self


def body_hash(body: bytes) -> str:
    """Return oauth_body_hash for a body: base64 of its SHA-1 digest."""
    return base64.b64encode(hashlib.sha1(body).digest()).decode("ascii")


def verify_outcome_request(request: HttpRequest) -> OAuthCheck:
    """Check the Authorization header, signature, body hash, timestamp and nonce.

    The signed URL is this request's absolute URL (scheme and host as Django
    builds them, so behind a proxy TRUST_PROXY_HEADERS must be on). Query-string
    parameters count among the signed parameters; the body counts only through
    oauth_body_hash, because it is JSON or XML, never a form.
    """
    check = OAuthCheck()
    header = request.headers.get("Authorization", "")
    if header[:6].lower() != "oauth ":
        return check.reject(Verdict.UNSIGNED, "The request has no OAuth Authorization header.")
    try:
        # collect_parameters percent-decodes the oauth_* values of the header.
        oauth_params = dict(
            signature.collect_parameters(
                headers={"Authorization": header}, exclude_oauth_signature=False
            )
        )
    except ValueError:
        return check.reject(Verdict.UNSIGNED, "The OAuth Authorization header is malformed.")

    check.consumer_key = oauth_params.get("oauth_consumer_key", "")
    check.nonce = oauth_params.get("oauth_nonce", "")
    check.consumer = Consumer.objects.filter(key=check.consumer_key).first()
    if check.consumer is None:
        return check.reject(
            Verdict.UNKNOWN_CONSUMER, f"No consumer has the key {check.consumer_key!r}."
        )

    method = oauth_params.get("oauth_signature_method", "")
    signer = _SIGNERS.get(method)
    if signer is None:
        return check.reject(
            Verdict.BAD_SIGNATURE,
            f"The signature method {method!r} is not supported: use HMAC-SHA1.",
        )
    absolute_url = request.build_absolute_uri(request.path)
    params = signature.collect_parameters(
        uri_query=request.META.get("QUERY_STRING", ""), headers={"Authorization": header}
    )
    base_string = signature.signature_base_string(
        request.method or "POST",
        signature.base_string_uri(absolute_url),
        signature.normalize_parameters(params),
    )
    client = Client(check.consumer.key, client_secret=check.consumer.secret)
    expected = signer(base_string, client)
    check.signature_valid = hmac.compare_digest(
        expected.encode(), oauth_params.get("oauth_signature", "").encode()
    )
    check.body_hash_valid = hmac.compare_digest(
        body_hash(request.body).encode(), oauth_params.get("oauth_body_hash", "").encode()
    )
    if not check.signature_valid:
        return check.reject(
            Verdict.BAD_SIGNATURE,
            f"The signature does not match the secret of consumer {check.consumer.key!r} "
            f"for POST {absolute_url}.",
        )
    if not check.body_hash_valid:
        if "oauth_body_hash" not in oauth_params:
            return check.reject(Verdict.BAD_BODY_HASH, "oauth_body_hash is missing.")
        return check.reject(
            Verdict.BAD_BODY_HASH, "oauth_body_hash does not match the SHA-1 of the body."
        )

    try:
        timestamp = int(oauth_params.get("oauth_timestamp", ""))
    except ValueError:
        return check.reject(Verdict.STALE_TIMESTAMP, "oauth_timestamp is not a whole number.")
    skew = abs(time.time() - timestamp)
    if skew > settings.LTI_TIMESTAMP_WINDOW:
        return check.reject(
            Verdict.STALE_TIMESTAMP,
            f"oauth_timestamp is {skew:.0f} s away from our clock; "
            f"at most {settings.LTI_TIMESTAMP_WINDOW} s is allowed.",
        )

    seen = InspectedRequest.objects.filter(
        consumer=check.consumer, oauth_nonce=check.nonce, signature_valid=True
    )
    if not check.nonce or seen.exists():
        return check.reject(
            Verdict.REPLAYED_NONCE, f"The nonce {check.nonce!r} is missing or was used before."
        )
    return check
