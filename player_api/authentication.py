"""Authentication of the player API: the Bearer player token, or the session where cookies work."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from player_api.tokens import InvalidPlayerToken, read_player_token

logger = logging.getLogger(__name__)

# Session key with the LTI users this browser launched as. The player page sets it.
SESSION_USERS_KEY = "player_user_ids"

EXPIRED_MESSAGE = (
    "Your session in this activity has expired. "
    "Open the activity again from your LMS to continue where you left off."
)


@dataclass(frozen=True)
class PlayerPrincipal:
    """The LTI users a request may act for; DRF stores it as ``request.user``."""

    user_ids: frozenset[uuid.UUID]

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user_ids)


class PlayerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <player token>``, signed by the player page's view."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[PlayerPrincipal, str] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>'.", code="invalid_token"
            )

        try:
            data = read_player_token(header[1].decode("ascii", errors="replace"))
        except InvalidPlayerToken as error:
            logger.info("Player token rejected on %s: %s", request.path, error)
            if error.expired:
                raise exceptions.AuthenticationFailed(EXPIRED_MESSAGE, code="token_expired")
            raise exceptions.AuthenticationFailed(
                "The player token is invalid. Open the activity again from your LMS.",
                code="invalid_token",
            ) from None
        return PlayerPrincipal(frozenset({data.user_id})), header[1].decode("ascii")

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class PlayerSessionAuthentication(authentication.SessionAuthentication):
    """The LTI users this browser launched as, read from the session, with Django's CSRF check."""

    def authenticate(self, request: Request) -> tuple[PlayerPrincipal, None] | None:
        session = getattr(request._request, "session", None)
        raw_ids = session.get(SESSION_USERS_KEY, []) if session is not None else []
        user_ids = set()
        for raw in raw_ids:
            try:
                user_ids.add(uuid.UUID(str(raw)))
            except ValueError:
                continue
        if not user_ids:
            return None

        self.enforce_csrf(request)
        return PlayerPrincipal(frozenset(user_ids)), None


class PlayerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "player_api.authentication.PlayerTokenAuthentication"
    name = "playerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The short-lived player token from the player page's configuration.",
        }


class PlayerSessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "player_api.authentication.PlayerSessionAuthentication"
    name = "playerSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
