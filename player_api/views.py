"""The web player page, served at the URL the launch redirects to."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from launches.tokens import InvalidLaunchToken, read_launch_token
from player_api.authentication import SESSION_USERS_KEY
from player_api.errors import ContentNotFound
from player_api.services import attempt_start_or_resume
from player_api.tokens import make_player_token

logger = logging.getLogger(__name__)

# The API's path prefix below the script prefix, also handed to the page's script.
API_BASE_PATH = "api/v1/"


def _error_page(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    return render(
        request, "player/error.html", {"title": title, "message": message}, status=status
    )


def _safe_return_url(url: str) -> str:
    """Return the LMS return URL when it is http(s), so the page never links to javascript:."""
    return url if urlsplit(url).scheme in {"http", "https"} else ""


@never_cache
@require_GET
def play(request: HttpRequest, token: str) -> HttpResponse:
    """Render the player for the launch a token names, resuming or starting its attempt."""
    try:
        launch = read_launch_token(token)
    except InvalidLaunchToken as error:
        logger.info("Player page rejected a launch token: %s", error)
        if error.expired:
            return _error_page(
                request,
                "This link has expired",
                "Open the activity again from your LMS to continue where you left off.",
                status=403,
            )
        return _error_page(
            request,
            "This link is not valid",
            "Open the activity from your LMS to start it.",
            status=403,
        )
    # The launch middleware reads this to allow the consumer's LMS to frame the page.
    request.lti_consumer = launch.consumer  # type: ignore[attr-defined]

    try:
        attempt = attempt_start_or_resume(launch)
    except ContentNotFound as error:
        logger.warning("Launch %s names missing content: %s", launch.pk, error)
        return _error_page(
            request,
            "This activity is not available",
            f"{error} Ask your teacher to check the link in the LMS.",
            status=404,
        )

    # Where cookies work, the session lets the API accept this browser too;
    # the bearer token in the page covers an iframe that blocks them.
    user_ids = request.session.get(SESSION_USERS_KEY, [])
    if str(attempt.user_id) not in user_ids:
        request.session[SESSION_USERS_KEY] = [*user_ids, str(attempt.user_id)][-20:]

    config = {
        "attemptId": str(attempt.pk),
        "apiToken": make_player_token(attempt),
        "apiBaseUrl": f"{get_script_prefix()}{API_BASE_PATH}",
        "graded": launch.is_graded,
        "returnUrl": _safe_return_url(launch.launch_presentation_return_url),
    }
    return render(
        request,
        "player/play.html",
        {"config": config, "attempt": attempt, "content": attempt.content, "launch": launch},
    )
