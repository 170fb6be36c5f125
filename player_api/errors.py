"""The player's error family and the API's single JSON error shape.

Every API error is ``{"code": "...", "message": "..."}`` with a precise status,
plus ``"fields"`` when the request body failed validation.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response


class PlayerError(Exception):
    """A rule of the player was broken; ``code`` and ``status`` go to the API client."""

    code = "player_error"
    status: int = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ContentNotFound(PlayerError):
    code = "content_not_found"
    status: int = status.HTTP_404_NOT_FOUND


class QuestionNotFound(PlayerError):
    code = "question_not_found"
    status: int = status.HTTP_404_NOT_FOUND


class InvalidAnswer(PlayerError):
    """An answer whose shape does not fit its question type; the message names the shape."""

    code = "invalid_answer"
    status: int = status.HTTP_400_BAD_REQUEST


class AttemptSubmitted(PlayerError):
    code = "attempt_submitted"
    status: int = status.HTTP_409_CONFLICT


def _error_body(code: str, message: str, fields: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return body


def _first_message(detail: Any) -> str:
    """Return the first message of a DRF error detail (a string, list or dict)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            return message if key == "non_field_errors" else f"{key}: {message}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every API error as ``{"code", "message"}`` with its HTTP status.

    Returns None for exceptions that are not API errors, so DRF re-raises them
    and Django reports a 500.
    """
    if isinstance(exc, PlayerError):
        return Response(_error_body(exc.code, exc.message), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = str(int(wait))

    if isinstance(exc, exceptions.ValidationError):
        body = _error_body("invalid", _first_message(exc.detail), fields=exc.detail)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        body = _error_body(code, _first_message(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)
