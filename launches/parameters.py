"""Read the LTI 1.1 launch parameters that a verified launch must or may carry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from launches.errors import LaunchRejected, RejectReason
from launches.models import ContentType
from launches.roles import Roles, parse_roles
from launches.verification import VerifiedLaunch

MESSAGE_TYPE = "basic-lti-launch-request"
LTI_VERSION = "LTI-1p0"
# The length of the CharField columns these values are stored in.
MAX_ID_LENGTH = 255
MAX_TEXT_LENGTH = 255

CUSTOM_ID_PARAMETERS = {
    "class_id": "custom_class_id",
    "course_id": "custom_course_id",
    "unit_id": "custom_unit_id",
    "lesson_id": "custom_lesson_id",
}


@dataclass(frozen=True)
class LaunchParameters:
    """The values of a verified launch that the launch record and the user keep."""

    resource_link_id: str
    user_id: str
    roles_value: str
    roles: Roles
    content_type: str
    content_id: uuid.UUID
    ids: dict[str, uuid.UUID | None]
    context_id: str
    context_title: str
    tool_consumer_instance_guid: str
    name: str
    email: str
    lis_result_sourcedid: str
    lis_outcome_service_url: str
    launch_presentation_return_url: str
    ext_outcome_data_values_accepted: str


def _parse_uuid(name: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise LaunchRejected(
            RejectReason.INVALID_PARAMETER, f"{name} is {value[:80]!r}, which is not a UUID."
        ) from None


def _identifier(launch: VerifiedLaunch, name: str) -> str:
    """Return an id parameter; ids are never shortened, because that could merge two."""
    value = launch.get(name) or ""
    if len(value) > MAX_ID_LENGTH:
        raise LaunchRejected(
            RejectReason.INVALID_PARAMETER, f"{name} is longer than {MAX_ID_LENGTH} characters."
        )
    return value


def _person_name(launch: VerifiedLaunch) -> str:
    name = launch.get("lis_person_name_full") or ""
    if not name:
        parts = (launch.get("lis_person_name_given"), launch.get("lis_person_name_family"))
        name = " ".join(part for part in parts if part)
    return name[:MAX_TEXT_LENGTH]


def _content(
    launch: VerifiedLaunch, path_type: str | None, path_id: str | None
) -> tuple[str, uuid.UUID]:
    """Return the content type and id from the launch URL, or else from custom parameters."""
    if path_type is not None and path_id is not None:
        raw_type, raw_id = path_type, path_id
        type_name, id_name = (
            "the content type in the launch URL",
            "the content id in the launch URL",
        )
    else:
        raw_type = launch.get("custom_content_type") or ""
        raw_id = launch.get("custom_content_id") or ""
        type_name, id_name = "custom_content_type", "custom_content_id"
        if not raw_type.strip() and not raw_id.strip():
            raise LaunchRejected(
                RejectReason.MISSING_CONTENT,
                "The launch has neither custom_content_id nor custom_content_type.",
            )

    content_type = raw_type.strip().lower()
    if content_type not in ContentType.values:
        raise LaunchRejected(
            RejectReason.INVALID_PARAMETER,
            f"{type_name} is {raw_type[:40]!r}; use assessment or collection.",
        )
    return content_type, _parse_uuid(id_name, raw_id)


def parse_launch_parameters(
    launch: VerifiedLaunch, path_type: str | None = None, path_id: str | None = None
) -> LaunchParameters:
    """Check the required LTI parameters and read the optional ones.

    path_type and path_id come from /lti/launch/<content_type>/<content_id>/ and
    take precedence over custom_content_type and custom_content_id.
    Raises LaunchRejected naming the first parameter that is missing or invalid.
    """
    message_type = launch.get("lti_message_type")
    if message_type != MESSAGE_TYPE:
        raise LaunchRejected(
            RejectReason.WRONG_MESSAGE_TYPE, f"lti_message_type is {(message_type or '')[:80]!r}."
        )
    lti_version = launch.get("lti_version")
    if lti_version != LTI_VERSION:
        raise LaunchRejected(
            RejectReason.WRONG_LTI_VERSION, f"lti_version is {(lti_version or '')[:40]!r}."
        )
    resource_link_id = _identifier(launch, "resource_link_id")
    if not resource_link_id:
        raise LaunchRejected(RejectReason.MISSING_RESOURCE_LINK_ID)
    user_id = _identifier(launch, "user_id")
    if not user_id:
        raise LaunchRejected(RejectReason.MISSING_USER_ID)

    content_type, content_id = _content(launch, path_type, path_id)
    ids: dict[str, uuid.UUID | None] = {}
    for field, name in CUSTOM_ID_PARAMETERS.items():
        value = launch.get(name) or ""
        ids[field] = _parse_uuid(name, value) if value.strip() else None

    email = launch.get("lis_person_contact_email_primary") or ""
    accepted = launch.get("ext_outcome_data_values_accepted") or ""
    roles_value = launch.get("roles") or ""
    return LaunchParameters(
        resource_link_id=resource_link_id,
        user_id=user_id,
        roles_value=roles_value,
        roles=parse_roles(roles_value),
        content_type=content_type,
        content_id=content_id,
        ids=ids,
        context_id=_identifier(launch, "context_id"),
        context_title=(launch.get("context_title") or "")[:MAX_TEXT_LENGTH],
        tool_consumer_instance_guid=_identifier(launch, "tool_consumer_instance_guid"),
        name=_person_name(launch),
        # A shortened address would be wrong, so an overlong one is not kept at all.
        email=email if len(email) <= MAX_TEXT_LENGTH else "",
        lis_result_sourcedid=launch.get("lis_result_sourcedid") or "",
        lis_outcome_service_url=launch.get("lis_outcome_service_url") or "",
        launch_presentation_return_url=launch.get("launch_presentation_return_url") or "",
        ext_outcome_data_values_accepted=accepted if len(accepted) <= MAX_TEXT_LENGTH else "",
    )
