"""Let LMSs frame the launch and the player, and keep their cookies working in an iframe."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from http.cookies import Morsel
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

from launches.public_url import public_origin

FRAMED_PATH_PREFIXES = ("/lti/", "/play/")

# A CSP source expression is one token; these characters would end it or the directive.
_UNSAFE_SOURCE = re.compile(r"[\s;,'\"]")


class PartitionedMorsel(Morsel[str]):
    """A cookie with the Partitioned attribute (CHIPS), which http.cookies lacks before 3.14."""

    def OutputString(self, attrs: Any = None) -> str:
        return super().OutputString(attrs) + "; Partitioned"


def _source(value: str) -> str:
    """Return a CSP source for an origin or source expression, or "" when it is unusable."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme and parts.netloc:
        value = f"{parts.scheme}://{parts.netloc}"
    if not value or _UNSAFE_SOURCE.search(value):
        return ""
    return value


def frame_ancestor_sources(consumer: Any) -> list[str]:
    """Return 'self', the LTI_FRAME_ANCESTORS origins and the consumer's LMS origin."""
    candidates: Iterable[str] = [
        *settings.LTI_FRAME_ANCESTORS,
        getattr(consumer, "lms_origin", "") or "",
    ]
    sources = ["'self'"]
    for candidate in candidates:
        source = _source(candidate)
        if source and source not in sources:
            sources.append(source)
    return sources


def _with_frame_ancestors(policy: str, sources: list[str]) -> str:
    """Replace any frame-ancestors directive of a Content-Security-Policy value with ours."""
    directives = [
        directive.strip()
        for directive in policy.split(";")
        if directive.strip() and directive.split()[0].lower() != "frame-ancestors"
    ]
    directives.append("frame-ancestors " + " ".join(sources))
    return "; ".join(directives)


def _is_https(request: HttpRequest) -> bool:
    try:
        return public_origin(request).scheme == "https"
    except DisallowedHost:
        return request.is_secure()


def _partition_cookies(response: HttpResponse) -> None:
    """Mark every cookie SameSite=None; Secure; Partitioned, so it works in an LMS iframe."""
    for name, morsel in list(response.cookies.items()):
        partitioned = PartitionedMorsel()
        partitioned.update(morsel)
        partitioned.set(morsel.key, morsel.value, morsel.coded_value)
        partitioned["samesite"] = "None"
        partitioned["secure"] = True
        response.cookies[name] = partitioned


class LmsFramingMiddleware:
    """Allow LMS framing of responses under /lti/ and /play/.

    Removes X-Frame-Options, which XFrameOptionsMiddleware sets to DENY, and
    sets Content-Security-Policy frame-ancestors to 'self', LTI_FRAME_ANCESTORS
    and the LMS origin of request.lti_consumer (set by the launch view and the
    player page). Over https, it also marks the response's cookies
    SameSite=None; Secure; Partitioned, because an LMS frames us as a third
    party. Place it before SessionMiddleware and XFrameOptionsMiddleware so that
    it receives their cookies and headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path_info.startswith(FRAMED_PATH_PREFIXES):
            return response

        if "X-Frame-Options" in response:
            del response["X-Frame-Options"]
        sources = frame_ancestor_sources(getattr(request, "lti_consumer", None))
        response["Content-Security-Policy"] = _with_frame_ancestors(
            response.get("Content-Security-Policy", ""), sources
        )

        if response.cookies and _is_https(request):
            _partition_cookies(response)
        return response
