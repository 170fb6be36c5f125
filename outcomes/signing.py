"""OAuth 1.0a HMAC-SHA1 signatures for outcome requests, with oauth_body_hash."""

from __future__ import annotations

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, Client


def authorization_header(
    *,
    url: str,
    body: str,
    content_type: str,
    key: str,
    secret: str,
    nonce: str | None = None,
    timestamp: str | None = None,
) -> str:
    """Sign a POST of body to url and return the Authorization header value.

    oauthlib adds oauth_body_hash (base64 SHA-1 of the UTF-8 body) because the
    content type is not form-encoded, keeps the URL's query in the signature
    base string, and percent-encodes every value once. Leaving nonce and
    timestamp empty gives fresh ones, as every HTTP try needs; tests pass fixed
    values to compare with known signatures.
    """
    client = Client(
        key,
        client_secret=secret,
        signature_method=SIGNATURE_HMAC_SHA1,
        nonce=nonce,
        timestamp=timestamp,
    )
    _, headers, _ = client.sign(
        url, http_method="POST", body=body, headers={"Content-Type": content_type}
    )
    return headers["Authorization"]
