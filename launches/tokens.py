"""Short-lived signed tokens that carry a launch to the player without cookies.

The launch view redirects to the player with a launch token in the URL, so the
player works inside an LMS iframe when the browser blocks third-party cookies.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from launches.models import Launch

_SALT = "gooru-lti.launch-token"


class InvalidLaunchToken(Exception):
    """The token is forged, malformed or older than PLAYER_TOKEN_MAX_AGE."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def make_launch_token(launch: Launch) -> str:
    """Sign the launch id with SECRET_KEY and the current time."""
    return signing.dumps({"launch": str(launch.pk)}, salt=_SALT, compress=False)


def read_launch_token(token: str) -> Launch:
    """Return the launch a token names.

    Raises InvalidLaunchToken when the signature is wrong, the token is older
    than PLAYER_TOKEN_MAX_AGE seconds, or the launch no longer exists.
    """
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.PLAYER_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidLaunchToken("The launch has expired.", expired=True) from None
    except signing.BadSignature:
        raise InvalidLaunchToken("The launch token is invalid.") from None

    launch = Launch.objects.select_related("consumer", "user").filter(pk=data.get("launch")).first()
    if launch is None:
        raise InvalidLaunchToken("The launch no longer exists.")
    return launch
