"""Why a launch was rejected: a reason code, an HTTP status and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from launches.models import Consumer


@dataclass(frozen=True)
class Reason:
    status: int
    title: str
    advice: str


class RejectReason(Enum):
    """Each way a launch can fail; the value is the reason code that the log line carries."""

    NOT_FORM_ENCODED = "not_form_encoded"
    MALFORMED_PARAMETERS = "malformed_parameters"
    MISSING_SIGNATURE = "missing_signature"
    MISSING_OAUTH_PARAMETER = "missing_oauth_parameter"
    DUPLICATE_OAUTH_PARAMETER = "duplicate_oauth_parameter"
    UNSUPPORTED_SIGNATURE_METHOD = "unsupported_signature_method"
    UNSUPPORTED_OAUTH_VERSION = "unsupported_oauth_version"
    MISSING_TIMESTAMP = "missing_timestamp"
    INVALID_TIMESTAMP = "invalid_timestamp"
    TIMESTAMP_OUT_OF_WINDOW = "timestamp_out_of_window"
    INVALID_NONCE = "invalid_nonce"
    UNKNOWN_CONSUMER = "unknown_consumer"
    INACTIVE_CONSUMER = "inactive_consumer"
    UNREADABLE_SECRET = "unreadable_secret"
    INVALID_SIGNATURE = "invalid_signature"
    REPLAYED_NONCE = "replayed_nonce"
    WRONG_MESSAGE_TYPE = "wrong_message_type"
    WRONG_LTI_VERSION = "wrong_lti_version"
    MISSING_RESOURCE_LINK_ID = "missing_resource_link_id"
    MISSING_USER_ID = "missing_user_id"
    INVALID_PARAMETER = "invalid_parameter"
    MISSING_CONTENT = "missing_content"
    CONTENT_NOT_FOUND = "content_not_found"

    @property
    def details(self) -> Reason:
        return REASONS[self]


_CHECK_KEY_AND_SECRET = (
    "Ask the LMS administrator to check that the consumer key and shared secret of this "
    "tool in the LMS match the ones the Gooru operator issued."
)
_LMS_SENDS_WRONG_LAUNCH = (
    "The LMS did not send a valid LTI 1.1 launch. Ask the LMS administrator to configure "
    "this tool as an LTI 1.1 (basic LTI) external tool."
)

REASONS: dict[RejectReason, Reason] = {
    RejectReason.NOT_FORM_ENCODED: Reason(
        400,
        "The launch is not a form POST",
        "An LTI launch is a POST with the content type application/x-www-form-urlencoded. "
        + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.MALFORMED_PARAMETERS: Reason(
        400,
        "The launch parameters cannot be decoded",
        "The form body or the query string is not valid UTF-8 form encoding. "
        + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.MISSING_SIGNATURE: Reason(
        400,
        "The launch is not signed",
        "The launch has no oauth_signature. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.MISSING_OAUTH_PARAMETER: Reason(
        400,
        "An OAuth parameter is missing",
        "The launch must carry oauth_consumer_key, oauth_signature_method, oauth_nonce and "
        "oauth_timestamp. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.DUPLICATE_OAUTH_PARAMETER: Reason(
        400,
        "An OAuth parameter is repeated",
        "Each oauth_ parameter may appear only once. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.UNSUPPORTED_SIGNATURE_METHOD: Reason(
        400,
        "The signature method is not supported",
        "Launches must be signed with HMAC-SHA1 or HMAC-SHA256. Ask the LMS administrator "
        "to change the signature method of this tool.",
    ),
    RejectReason.UNSUPPORTED_OAUTH_VERSION: Reason(
        400,
        "The OAuth version is not supported",
        "oauth_version must be 1.0 when it is sent. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.MISSING_TIMESTAMP: Reason(
        400,
        "The launch has no timestamp",
        "The launch has no oauth_timestamp. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.INVALID_TIMESTAMP: Reason(
        400,
        "The launch timestamp is invalid",
        "oauth_timestamp must be a whole number of seconds since 1970. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.TIMESTAMP_OUT_OF_WINDOW: Reason(
        403,
        "The launch is too old or from the future",
        "The LMS clock and ours differ by more than the allowed window, or the launch page "
        "was left open too long. Launch again from the course; if that fails too, ask the "
        "LMS administrator to check the LMS server's clock.",
    ),
    RejectReason.INVALID_NONCE: Reason(
        400,
        "The launch nonce is invalid",
        "oauth_nonce must be 1 to 255 characters long. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.UNKNOWN_CONSUMER: Reason(
        403,
        "The consumer key is not known",
        _CHECK_KEY_AND_SECRET,
    ),
    RejectReason.INACTIVE_CONSUMER: Reason(
        403,
        "This LMS is disabled",
        "The Gooru operator has disabled launches from this LMS. Ask the LMS administrator "
        "to contact the Gooru operator.",
    ),
    RejectReason.UNREADABLE_SECRET: Reason(
        403,
        "The shared secret cannot be read",
        "The Gooru service cannot decrypt the shared secret of this LMS. Ask the LMS "
        "administrator to contact the Gooru operator.",
    ),
    RejectReason.INVALID_SIGNATURE: Reason(
        403,
        "The launch signature is invalid",
        _CHECK_KEY_AND_SECRET
        + " Also check that the launch URL in the LMS is exactly the one the Gooru operator "
        "published, including http or https and the port.",
    ),
    RejectReason.REPLAYED_NONCE: Reason(
        403,
        "This launch link was already used",
        "Each launch works once. Go back to the course in the LMS and open the activity "
        "again to start a new launch.",
    ),
    RejectReason.WRONG_MESSAGE_TYPE: Reason(
        400,
        "The launch message type is not supported",
        "lti_message_type must be basic-lti-launch-request. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.WRONG_LTI_VERSION: Reason(
        400,
        "The LTI version is not supported",
        "lti_version must be LTI-1p0. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.MISSING_RESOURCE_LINK_ID: Reason(
        400,
        "The launch has no resource_link_id",
        "Every LTI launch must name its link with resource_link_id. " + _LMS_SENDS_WRONG_LAUNCH,
    ),
    RejectReason.MISSING_USER_ID: Reason(
        400,
        "The LMS did not say who you are",
        "The launch has no user_id, so Gooru cannot keep your work. Ask the LMS "
        "administrator to change the privacy setting of this tool so that the LMS sends "
        "the user id (in Canvas, privacy level Public or Anonymous; in Moodle, share the "
        "launcher's name and email).",
    ),
    RejectReason.INVALID_PARAMETER: Reason(
        400,
        "A launch parameter is invalid",
        "Ask the LMS administrator or the teacher to correct the link's settings.",
    ),
    RejectReason.MISSING_CONTENT: Reason(
        400,
        "The link does not say which Gooru content to open",
        "Ask the teacher to set custom_content_id and custom_content_type on this link, or "
        "to use a launch URL of the form /lti/launch/<content_type>/<content_id>/.",
    ),
    RejectReason.CONTENT_NOT_FOUND: Reason(
        404,
        "This Gooru content does not exist",
        "Ask the teacher to check the content id and type set on this link in the LMS.",
    ),
}


class LaunchRejected(Exception):
    """A launch that must not go on; detail names the value at fault for the administrator."""

    def __init__(
        self,
        reason: RejectReason,
        detail: str = "",
        consumer_key: str = "",
        base_string: str = "",
        consumer: Consumer | None = None,
    ) -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail
        self.consumer_key = consumer_key
        self.base_string = base_string
        self.consumer = consumer

    @property
    def status(self) -> int:
        return self.reason.details.status
