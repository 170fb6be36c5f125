"""The short-lived API token that the player page sends as ``Authorization: Bearer``.

The token is the attempt id and the user id signed with SECRET_KEY, so the API
works inside an LMS iframe even when the browser blocks third-party cookies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from player_api.models import Attempt

_SALT = "gooru-lti.player-token"


class InvalidPlayerToken(Exception):
    """The token is forged, malformed or older than PLAYER_TOKEN_MAX_AGE."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class PlayerTokenData:
    attempt_id: uuid.UUID
    user_id: uuid.UUID


def make_player_token(attempt: Attempt) -> str:
    """Sign the attempt id and its user id with SECRET_KEY and the current time."""
    data = {"attempt": str(attempt.pk), "user": str(attempt.user_id)}
    return signing.dumps(data, salt=_SALT, compress=False)


def read_player_token(token: str) -> PlayerTokenData:
    """Return the attempt id and user id a token carries.

    Raises InvalidPlayerToken when the signature is wrong, the payload is
    malformed, or the token is older than PLAYER_TOKEN_MAX_AGE seconds.
    """
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.PLAYER_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidPlayerToken("The player token has expired.", expired=True) from None
    except signing.BadSignature:
        raise InvalidPlayerToken("The player token is invalid.") from None

    try:
        return PlayerTokenData(
            attempt_id=uuid.UUID(data["attempt"]), user_id=uuid.UUID(data["user"])
        )
    except (TypeError, KeyError, ValueError):
        raise InvalidPlayerToken("The player token is invalid.") from None
