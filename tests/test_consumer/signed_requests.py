"""Outcome requests signed by requests-oauthlib, independent of the code under test."""

from __future__ import annotations

from xml.sax.saxutils import escape

import requests
from requests_oauthlib import OAuth1

POX_NAMESPACE = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"


def post_signed(
    url: str,
    body: str,
    *,
    content_type: str,
    key: str,
    secret: str,
    **oauth: object,
) -> requests.Response:
    """POST body signed with OAuth 1.0a HMAC-SHA1 and oauth_body_hash by requests-oauthlib."""
    auth = OAuth1(key, client_secret=secret, force_include_body=True, **oauth)  # type: ignore[arg-type]
    return requests.post(
        url,
        data=body,
        headers={"Content-Type": content_type},
        auth=auth,
        timeout=10,
        allow_redirects=False,
    )


def pox_body(operation: str, sourcedid: str, score: str | None = None, message_id: str = "m-1") -> str:
    """Write a Basic Outcomes request as an LTI 1.1 tool sends it."""
    result = ""
    if score is not None:
        result = (
            "<result><resultScore><language>en</language>"
            f"<textString>{escape(score)}</textString></resultScore></result>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<imsx_POXEnvelopeRequest xmlns="{POX_NAMESPACE}">'
        "<imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version>"
        f"<imsx_messageIdentifier>{escape(message_id)}</imsx_messageIdentifier>"
        "</imsx_POXRequestHeaderInfo></imsx_POXHeader>"
        f"<imsx_POXBody><{operation}Request><resultRecord>"
        f"<sourcedGUID><sourcedId>{escape(sourcedid)}</sourcedId></sourcedGUID>{result}"
        f"</resultRecord></{operation}Request></imsx_POXBody>"
        "</imsx_POXEnvelopeRequest>"
    )
