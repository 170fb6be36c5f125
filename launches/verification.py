"""Verify the OAuth 1.0 signature, timestamp and nonce of an LTI 1.1 launch.

oauthlib's SignatureOnlyEndpoint computes and compares the signature. Its
RequestValidator defaults (oauthlib 4.0.1) reject much of what real LMSs send:
keys and nonces outside 20 to 30 characters, plain http behind a TLS proxy,
and a timestamp window of 600 s. LaunchValidator relaxes those defaults and
reads the consumer table. The checks before the endpoint repeat some of its
own, so that each failure gets a reason code that shows the administrator what
to fix. The endpoint still runs every check itself.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from django.conf import settings
from django.http import HttpRequest
from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint
from oauthlib.oauth1.rfc5849 import (
    SIGNATURE_HMAC_SHA1,
    SIGNATURE_HMAC_SHA256,
    signature,
    utils,
)

from launches.crypto import SecretDecryptionError
from launches.errors import LaunchRejected, RejectReason
from launches.models import Consumer, Nonce
from launches.public_url import forwarded_headers_ignored, public_url

Params = list[tuple[str, str]]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
ALLOWED_SIGNATURE_METHODS = (SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256)
# Both fit the columns they are stored in: Consumer.key and Nonce.value.
MAX_KEY_LENGTH = 255
MAX_NONCE_LENGTH = 255

# The HMAC of an unknown consumer is still computed, with this secret, so that
# the response takes about as long as for a known one.
_DUMMY_CLIENT_KEY = "gooru-lti-unknown-consumer"
_DUMMY_SECRET = "gooru-lti-unknown-consumer-secret"


class LaunchValidator(RequestValidator):  # type: ignore[misc]
    """oauthlib's request checks over the consumer table, relaxed to what LMSs send."""

    def __init__(self) -> None:
        super().__init__()
        self._consumers: dict[str, Consumer | None] = {}

    def consumer_for_key(self, client_key: str) -> Consumer | None:
        """Return the consumer with this key, active or not, looking it up once."""
        if client_key not in self._consumers:
            self._consumers[client_key] = Consumer.objects.filter(key=client_key).first()
        return self._consumers[client_key]

    @property
    def allowed_signature_methods(self) -> tuple[str, ...]:
        return ALLOWED_SIGNATURE_METHODS

    @property
    def enforce_ssl(self) -> bool:
        # The signed URL is rebuilt as public https before oauthlib receives it,
        # because the request itself may be plain http inside a TLS-terminating proxy.
        return False

    @property
    def timestamp_lifetime(self) -> int:
        return int(settings.LTI_TIMESTAMP_WINDOW)

    @property
    def dummy_client(self) -> str:
        return _DUMMY_CLIENT_KEY

    def check_client_key(self, client_key: str) -> bool:
        return 0 < len(client_key) <= MAX_KEY_LENGTH

    def check_nonce(self, nonce: str) -> bool:
        return 0 < len(nonce) <= MAX_NONCE_LENGTH

    def validate_client_key(self, client_key: str, request: Any) -> bool:
        consumer = self.consumer_for_key(client_key)
        return consumer is not None and consumer.active

    def get_client_secret(self, client_key: str, request: Any) -> str:
        consumer = self.consumer_for_key(client_key)
        if consumer is None or not consumer.active:
            return _DUMMY_SECRET
        return consumer.secret

    def get_access_token_secret(self, client_key: str, token: str, request: Any) -> str:
        # LTI 1.1 launches are two-legged: no token, so the token secret is empty.
        return ""

    def validate_timestamp_and_nonce(
        self,
        client_key: str,
        timestamp: str,
        nonce: str,
        request: Any,
        request_token: str | None = None,
        access_token: str | None = None,
    ) -> bool:
        """Return False when the nonce was already used by this consumer.

        This read rejects a plain replay early; the unique constraint on Nonce
        rejects the one of two concurrent copies that commits second.
        """
        consumer = self.consumer_for_key(client_key)
        if consumer is None:
            return False
        return not Nonce.objects.filter(consumer=consumer, value=nonce).exists()


@dataclass(frozen=True)
class VerifiedLaunch:
    """A launch whose signature, timestamp and nonce passed, with the pairs that were signed."""

    consumer: Consumer
    params: tuple[tuple[str, str], ...]
    nonce: str
    timestamp: int

    def get(self, name: str) -> str | None:
        """Return the first value of a parameter, or None when it was not sent."""
        for key, value in self.params:
            if key == name:
                return value
        return None


def _decode_query_string(request: HttpRequest) -> str:
    # WSGI and ASGI hand the raw query over as latin-1; recover its UTF-8 text.
    raw = str(request.META.get("QUERY_STRING", ""))
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeEncodeError:
        return raw


def read_parameters(request: HttpRequest) -> tuple[Params, Params]:
    """Decode the query string and the form body once each, keeping every pair as sent.

    Raises LaunchRejected when the body is not form encoded or not valid UTF-8.
    """
    if request.content_type != FORM_CONTENT_TYPE:
        raise LaunchRejected(
            RejectReason.NOT_FORM_ENCODED, f"The content type is {request.content_type!r}."
        )
    max_fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    try:
        query = parse_qsl(
            _decode_query_string(request),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=max_fields,
        )
        body = parse_qsl(
            request.body.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=max_fields,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise LaunchRejected(RejectReason.MALFORMED_PARAMETERS, str(error)) from None
    return query, body


def _oauth_parameters(params: Params) -> dict[str, str]:
    oauth: dict[str, str] = {}
    for name, value in params:
        if not name.startswith("oauth_"):
            continue
        if name in oauth:
            raise LaunchRejected(
                RejectReason.DUPLICATE_OAUTH_PARAMETER, f"{name} is sent more than once."
            )
        oauth[name] = value
    return oauth


def _check_oauth_parameters(oauth: dict[str, str]) -> None:
    """Check the OAuth parameters that need no database, one reason code per failure."""
    if not oauth.get("oauth_signature"):
        raise LaunchRejected(RejectReason.MISSING_SIGNATURE)
    for name in ("oauth_consumer_key", "oauth_signature_method", "oauth_nonce"):
        if not oauth.get(name):
            raise LaunchRejected(RejectReason.MISSING_OAUTH_PARAMETER, f"{name} is missing.")

    method = oauth["oauth_signature_method"]
    if method not in ALLOWED_SIGNATURE_METHODS:
        raise LaunchRejected(
            RejectReason.UNSUPPORTED_SIGNATURE_METHOD,
            f"oauth_signature_method is {method!r}; use HMAC-SHA1 or HMAC-SHA256.",
        )
    version = oauth.get("oauth_version")
    if version is not None and version != "1.0":
        raise LaunchRejected(
            RejectReason.UNSUPPORTED_OAUTH_VERSION, f"oauth_version is {version!r}."
        )

    raw_timestamp = oauth.get("oauth_timestamp", "")
    if not raw_timestamp:
        raise LaunchRejected(RejectReason.MISSING_TIMESTAMP)
    # oauthlib 4.0.1 also requires exactly 10 digits (the years 2001 to 2286).
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit() and len(raw_timestamp) == 10):
        raise LaunchRejected(
            RejectReason.INVALID_TIMESTAMP, f"oauth_timestamp is {raw_timestamp[:40]!r}."
        )
    # The same comparison as oauthlib's, so that both agree at the boundary.
    skew = int(raw_timestamp) - time.time()
    window = int(settings.LTI_TIMESTAMP_WINDOW)
    if abs(skew) > window:
        direction = "ahead of" if skew > 0 else "behind"
        raise LaunchRejected(
            RejectReason.TIMESTAMP_OUT_OF_WINDOW,
            f"oauth_timestamp is {abs(skew):.0f} s {direction} our clock; at most {window} s "
            "either way is accepted.",
        )

    key = oauth["oauth_consumer_key"]
    if len(key) > MAX_KEY_LENGTH:
        raise LaunchRejected(
            RejectReason.UNKNOWN_CONSUMER, f"oauth_consumer_key is longer than {MAX_KEY_LENGTH}."
        )
    if len(oauth["oauth_nonce"]) > MAX_NONCE_LENGTH:
        raise LaunchRejected(
            RejectReason.INVALID_NONCE, f"oauth_nonce is longer than {MAX_NONCE_LENGTH}."
        )


def signature_base_string(url: str, params: Sequence[tuple[str, str]]) -> str:
    """Return the OAuth 1.0 signature base string of a POST, for an administrator to compare."""
    unsigned = [(name, value) for name, value in params if name != "oauth_signature"]
    return str(
        signature.signature_base_string(
            "POST", signature.base_string_uri(url), signature.normalize_parameters(unsigned)
        )
    )


def _signature_matches(endpoint: SignatureOnlyEndpoint, url: str, params: Params) -> bool:
    # The pairs go to oauthlib re-encoded as one form body: a list of pairs
    # would pass through dict() there and lose repeated names. oauthlib also
    # unescapes oauth_ values once more after decoding the body, so they are
    # escaped once more here to reach it exactly as the LMS sent them.
    body = urlencode(
        [
            (name, utils.escape(value) if name.startswith("oauth_") else value)
            for name, value in params
        ],
        quote_via=quote,
    )
    valid, _ = endpoint.validate_request(
        url, http_method="POST", body=body, headers={"Content-Type": FORM_CONTENT_TYPE}
    )
    return bool(valid)


def without_canvas_copies(query: Params, body: Params) -> Params | None:
    """Return the pairs with the body's copies of the query's pairs removed.

    Canvas copies the launch URL's query parameters into the form body but
    signs them once. Returns None unless every query pair has a body copy with
    the same name and the same value, because only that case is Canvas's.
    """
    if not query:
        return None
    remaining = list(body)
    for pair in query:
        try:
            remaining.remove(pair)
        except ValueError:
            return None
    return query + remaining


def _signature_failure_detail(request: HttpRequest, url: str) -> str:
    detail = f"The signature was checked for the launch URL {url}."
    ignored = forwarded_headers_ignored(request)
    if ignored:
        detail += (
            f" The request carries {', '.join(ignored)}, but TRUST_PROXY_HEADERS is off, so "
            "those headers were not used. If a proxy in front of this service sets them on "
            "every request, the operator should set TRUST_PROXY_HEADERS=1."
        )
    return detail


def verify_launch(request: HttpRequest) -> VerifiedLaunch:
    """Verify a launch POST and return its consumer and parameters.

    Reads and writes nothing but the consumer and nonce tables, and writes
    neither: the nonce is stored later, in the transaction that records the
    launch. Raises LaunchRejected with the reason, the consumer key sent, the
    consumer when it is known, and the signature base string we computed.
    """
    query, body = read_parameters(request)
    params = query + body
    oauth = _oauth_parameters(params)
    consumer_key = oauth.get("oauth_consumer_key", "")
    validator = LaunchValidator()
    url = ""
    try:
        url = public_url(request)
        _check_oauth_parameters(oauth)

        consumer = validator.consumer_for_key(consumer_key)
        if consumer is None:
            raise LaunchRejected(
                RejectReason.UNKNOWN_CONSUMER, f"No consumer has the key {consumer_key!r}."
            )
        if not consumer.active:
            raise LaunchRejected(RejectReason.INACTIVE_CONSUMER)
        try:
            _ = consumer.secret
        except SecretDecryptionError as error:
            raise LaunchRejected(RejectReason.UNREADABLE_SECRET, str(error)) from None
        nonce = oauth["oauth_nonce"]
        if not validator.validate_timestamp_and_nonce(
            consumer_key, oauth["oauth_timestamp"], nonce, request=None
        ):
            raise LaunchRejected(
                RejectReason.REPLAYED_NONCE, f"The oauth_nonce {nonce!r} was used before."
            )

        endpoint = SignatureOnlyEndpoint(validator)
        if not _signature_matches(endpoint, url, params):
            canvas_params = without_canvas_copies(query, body)
            if canvas_params is None or not _signature_matches(endpoint, url, canvas_params):
                raise LaunchRejected(
                    RejectReason.INVALID_SIGNATURE, _signature_failure_detail(request, url)
                )
            params = canvas_params
    except LaunchRejected as error:
        error.consumer_key = consumer_key
        error.consumer = validator.consumer_for_key(consumer_key) if consumer_key else None
        if url:
            error.base_string = signature_base_string(url, params)
        raise

    return VerifiedLaunch(
        consumer=consumer,
        params=tuple(params),
        nonce=nonce,
        timestamp=int(oauth["oauth_timestamp"]),
    )
