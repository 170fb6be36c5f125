"""Distinct, correctly signed LTI 1.1 launches, built the way an LMS builds them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_BODY, Client

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class LaunchTarget:
    """The consumer, content and outcome URL that every launch of a run shares."""

    consumer_key: str
    consumer_secret: str
    content_id: UUID
    content_type: str
    outcome_service_url: str


def sourcedid(number: int) -> str:
    """Return the gradebook cell id of launch `number`; benchmarks.sink finds it in a payload."""
    return f"bench-sd-{number}"


def launch_parameters(target: LaunchTarget, number: int) -> dict[str, str]:
    """Return the unsigned parameters of launch `number`: its own learner, link and cell."""
    return {
        "lti_message_type": "basic-lti-launch-request",
        "lti_version": "LTI-1p0",
        "resource_link_id": f"bench-link-{number}",
        "resource_link_title": "Benchmark assessment",
        "user_id": f"bench-user-{number}",
        "lis_person_name_full": f"Bench Learner {number}",
        "roles": "Learner",
        "context_id": "bench-course",
        "context_title": "Benchmark course",
        "tool_consumer_instance_guid": "bench.lms.example.org",
        "launch_presentation_document_target": "iframe",
        "launch_presentation_return_url": "http://127.0.0.1/return",
        "lis_outcome_service_url": target.outcome_service_url,
        "lis_result_sourcedid": sourcedid(number),
        "custom_content_id": str(target.content_id),
        "custom_content_type": target.content_type,
    }


def sign_form(url: str, key: str, secret: str, params: Mapping[str, str]) -> bytes:
    """Sign params as an OAuth 1.0a HMAC-SHA1 form body for a POST to url.

    oauthlib adds a fresh oauth_nonce and the current oauth_timestamp, so a
    body must be sent within the service's LTI_TIMESTAMP_WINDOW.
    """
    client = Client(
        key,
        client_secret=secret,
        signature_method=SIGNATURE_HMAC_SHA1,
        signature_type=SIGNATURE_TYPE_BODY,
    )
    _, _, body = client.sign(
        url, http_method="POST", body=dict(params), headers={"Content-Type": FORM_CONTENT_TYPE}
    )
    return (body or "").encode("utf-8")


def signed_launch(url: str, target: LaunchTarget, number: int) -> bytes:
    """Return the signed form body of launch `number` to url."""
    return sign_form(
        url, target.consumer_key, target.consumer_secret, launch_parameters(target, number)
    )
