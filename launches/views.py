"""The LTI 1.1 launch endpoint and the configuration XML that LMS administrators paste."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from launches.errors import LaunchRejected, RejectReason
from launches.models import ContentType
from launches.parameters import CUSTOM_ID_PARAMETERS, parse_launch_parameters
from launches.public_url import public_origin, public_url_for_path
from launches.selectors import content_exists
from launches.services import launch_record
from launches.tokens import make_launch_token
from launches.verification import verify_launch

logger = logging.getLogger(__name__)


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def _show_base_string(error: LaunchRejected) -> bool:
    return bool(error.base_string) and (
        settings.DEBUG or (error.consumer is not None and error.consumer.debug_launches)
    )


def _error_page(request: HttpRequest, error: LaunchRejected) -> HttpResponse:
    details = error.reason.details
    context = {
        "title": details.title,
        "advice": details.advice,
        "detail": error.detail,
        "reason_code": error.reason.value,
        "consumer_key": error.consumer_key,
        "base_string": error.base_string if _show_base_string(error) else "",
    }
    return render(request, "launches/launch_error.html", context, status=details.status)


def _return_url_with_error(return_url: str, error: LaunchRejected) -> str | None:
    """Return the LMS return URL with lti_errormsg and lti_errorlog, or None if unusable."""
    parts = urlsplit(return_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    details = error.reason.details
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.append(("lti_errormsg", f"{details.title}. {details.advice}"))
    log_message = f"{error.reason.value}: {error.detail}" if error.detail else error.reason.value
    query.append(("lti_errorlog", log_message))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _reject(
    request: HttpRequest, error: LaunchRejected, verified_return_url: str = ""
) -> HttpResponse:
    """Log one line for a rejected launch and return the response for it.

    The browser goes back to the LMS with lti_errormsg only when the return URL
    came from a launch whose signature verified, because redirecting to an
    unverified one would be an open redirect. A replay always gets the page
    that tells the student to launch again.
    """
    logger.warning(
        "Launch rejected: reason=%s consumer_key=%r detail=%s",
        error.reason.value,
        error.consumer_key[:100],
        error.detail,
    )
    if verified_return_url and error.reason is not RejectReason.REPLAYED_NONCE:
        location = _return_url_with_error(verified_return_url, error)
        if location is not None:
            return HttpResponseSeeOther(location)

    # The LMS of the key sent may frame the page even when the signature failed,
    # so its administrator can read why. The page offers no action to hijack.
    if error.consumer is not None:
        request.lti_consumer = error.consumer  # type: ignore[attr-defined]
    return _error_page(request, error)


@csrf_exempt
@never_cache
def launch(
    request: HttpRequest, content_type: str | None = None, content_id: str | None = None
) -> HttpResponse:
    """Verify a basic-lti-launch-request, record it and send the browser to the player."""
    if request.method != "POST":
        response = render(request, "launches/launch_endpoint.html", status=405)
        response["Allow"] = "POST"
        return response

    try:
        verified = verify_launch(request)
    except LaunchRejected as error:
        return _reject(request, error)
    # The framing middleware lets this consumer's LMS frame the response.
    request.lti_consumer = verified.consumer  # type: ignore[attr-defined]
    consumer_key = verified.consumer.key
    return_url = verified.get("launch_presentation_return_url") or ""

    try:
        parameters = parse_launch_parameters(verified, content_type, content_id)
        if not content_exists(parameters.content_type, parameters.content_id):
            raise LaunchRejected(
                RejectReason.CONTENT_NOT_FOUND,
                f"No {parameters.content_type} has the id {parameters.content_id}.",
            )
        launch = launch_record(verified, parameters)
    except LaunchRejected as error:
        error.consumer_key = consumer_key
        error.consumer = verified.consumer
        return _reject(request, error, verified_return_url=return_url)

    logger.info(
        "Launch %s accepted: consumer_key=%r resource_link_id=%r user=%s graded=%s",
        launch.pk,
        consumer_key,
        launch.resource_link_id,
        launch.user.pk,
        launch.is_graded,
    )
    return HttpResponseSeeOther(
        reverse("player_api:play", kwargs={"token": make_launch_token(launch)})
    )


def _config_custom_parameters(request: HttpRequest) -> dict[str, str] | HttpResponse:
    """Read the custom parameters to pre-fill from the query string of config.xml."""
    custom: dict[str, str] = {}
    content_type = request.GET.get("content_type", "").strip().lower()
    if content_type:
        if content_type not in ContentType.values:
            return HttpResponseBadRequest(
                "content_type must be assessment or collection.", content_type="text/plain"
            )
        custom["content_type"] = content_type
    names = ["content_id", *CUSTOM_ID_PARAMETERS]
    for name in names:
        value = request.GET.get(name, "").strip()
        if not value:
            continue
        try:
            custom[name] = str(uuid.UUID(value))
        except ValueError:
            return HttpResponseBadRequest(f"{name} must be a UUID.", content_type="text/plain")

    # A link that names content must name content that a launch would open.
    if "content_id" in custom or "content_type" in custom:
        if "content_id" not in custom or "content_type" not in custom:
            return HttpResponseBadRequest(
                "Give both content_type and content_id, or neither.", content_type="text/plain"
            )
        if not content_exists(custom["content_type"], uuid.UUID(custom["content_id"])):
            return HttpResponseNotFound(
                f"No {custom['content_type']} has the id {custom['content_id']}: "
                "check the id and type, or import the content first.",
                content_type="text/plain",
            )
    return custom


@require_GET
def config_xml(request: HttpRequest) -> HttpResponse:
    """Return an IMS Common Cartridge basic LTI link for this service.

    The query parameters content_type, content_id, class_id, course_id,
    unit_id and lesson_id, when given, become the link's custom parameters.
    """
    custom = _config_custom_parameters(request)
    if isinstance(custom, HttpResponse):
        return custom

    launch_url = public_url_for_path(request, reverse("launches:launch"))
    origin = public_origin(request)
    context = {
        "launch_url": launch_url,
        "secure_launch_url": launch_url if launch_url.startswith("https://") else "",
        "domain": origin.netloc,
        "custom": sorted(custom.items()),
    }
    return render(
        request, "launches/config.xml", context, content_type="application/xml; charset=utf-8"
    )
