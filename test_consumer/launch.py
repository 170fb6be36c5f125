"""Build and sign a basic-lti-launch-request the way an LMS does."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl
from uuid import UUID

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_BODY, Client

from launches.models import Consumer
from player_api.models import Content

PRODUCT_FAMILY_CODE = "gooru-lti-test-consumer"


@dataclass
class LaunchChoice:
    """What the staff member picked on the test consumer page."""

    consumer: Consumer
    content: Content
    role: str
    user_id: str
    user_name: str
    context_id: str
    context_title: str
    resource_link_id: str
    class_id: UUID | None = None
    course_id: UUID | None = None
    unit_id: UUID | None = None
    lesson_id: UUID | None = None


def learner_sourcedid(choice: LaunchChoice) -> str:
    """Make a gradebook cell id shaped like Moodle's: a JSON object with quotes and braces.

    Quotes and braces in the sourcedid check that every layer keeps it byte for byte.
    """
    data = {"context": choice.context_id, "link": choice.resource_link_id, "user": choice.user_id}
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    return json.dumps({"data": data, "hash": digest}, sort_keys=True)


def launch_parameters(
    choice: LaunchChoice,
    *,
    outcome_service_url: str,
    return_url: str,
    document_target: str,
    instance_guid: str,
) -> dict[str, str]:
    """Return the unsigned launch parameters; only a learner gets a gradebook cell."""
    params = {
        "lti_message_type": "basic-lti-launch-request",
        "lti_version": "LTI-1p0",
        "resource_link_id": choice.resource_link_id,
        "resource_link_title": choice.content.title,
        "user_id": choice.user_id,
        "roles": choice.role,
        "context_id": choice.context_id,
        "context_title": choice.context_title,
        "tool_consumer_instance_guid": instance_guid,
        "tool_consumer_info_product_family_code": PRODUCT_FAMILY_CODE,
        "launch_presentation_document_target": document_target,
        "launch_presentation_return_url": return_url,
        "custom_content_id": str(choice.content.pk),
        "custom_content_type": choice.content.content_type,
    }
    if choice.user_name:
        params["lis_person_name_full"] = choice.user_name
    if choice.role == "Learner":
        params["lis_outcome_service_url"] = outcome_service_url
        params["lis_result_sourcedid"] = learner_sourcedid(choice)
    for name in ("class_id", "course_id", "unit_id", "lesson_id"):
        value = getattr(choice, name)
        if value is not None:
            params[f"custom_{name}"] = str(value)
    return params


def sign_launch(consumer: Consumer, launch_url: str, params: dict[str, str]) -> list[tuple[str, str]]:
    """Sign params for a form POST to launch_url with the consumer's key and secret.

    Returns every form field, oauth_* included, in the order oauthlib wrote them.
    """
    client = Client(
        consumer.key,
        client_secret=consumer.secret,
        signature_method=SIGNATURE_HMAC_SHA1,
        signature_type=SIGNATURE_TYPE_BODY,
    )
    _, _, body = client.sign(
        launch_url,
        http_method="POST",
        body=params,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return parse_qsl(body or "", keep_blank_values=True)
