"""The meaning of an LMS reply, and the schedule of the next try.

Timeouts, connection errors, 408, 429, 5xx and redirects are retryable. A
redirect is never followed, because a POST redirected to a login page is not
a delivery. Any other 4xx, and a POX imsx_codeMajor of failure or unsupported,
is permanent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import Enum

from django.conf import settings

from launches.models import OutcomeFormat
from outcomes.payloads import PoxReplyError, pox_reply_parse
from outcomes.transport import HttpReply

# Each retry waits its scheduled delay times a random factor in this range,
# so deliveries that failed together do not all come back together.
JITTER = (0.9, 1.1)
RETRYABLE_STATUS_CODES = {408, 425, 429}


class Verdict(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class ReplyJudgement:
    verdict: Verdict
    error: str = ""
    confirmed: bool | None = None
    retry_after: float | None = None
    score_text: str | None = None
    code_major: str = ""


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def _excerpt(body: bytes, limit: int = 200) -> str:
    return body[:limit].decode("utf-8", errors="replace").strip()


def reply_judge(outcome_format: str, reply: HttpReply, now: datetime) -> ReplyJudgement:
    """Decide whether a reply is a delivery, a reason to retry or a permanent failure."""
    status = reply.status
    if 300 <= status < 400:
        location = reply.headers.get("location", "no Location header")
        return ReplyJudgement(
            Verdict.RETRY, f"HTTP {status} redirect to {location}, not followed."
        )
    if status in RETRYABLE_STATUS_CODES or status >= 500:
        return ReplyJudgement(
            Verdict.RETRY,
            f"HTTP {status}: {_excerpt(reply.body)}".rstrip(": "),
            retry_after=retry_after_seconds(reply.headers.get("retry-after"), now),
        )
    if not 200 <= status < 300:
        return ReplyJudgement(Verdict.FAILED, f"HTTP {status}: {_excerpt(reply.body)}".rstrip(": "))

    if not reply.body.strip():
        return ReplyJudgement(Verdict.DELIVERED, confirmed=False)
    if outcome_format != OutcomeFormat.LTI_POX:
        return ReplyJudgement(Verdict.DELIVERED, confirmed=True)

    try:
        pox = pox_reply_parse(reply.body)
    except PoxReplyError as error:
        return ReplyJudgement(Verdict.RETRY, f"HTTP {status} but {error}")
    if pox.code_major == "success":
        return ReplyJudgement(
            Verdict.DELIVERED, confirmed=True, score_text=pox.score_text, code_major="success"
        )
    description = pox.description or "no imsx_description"
    message = f"imsx_codeMajor {pox.code_major}: {description}"
    if pox.code_major in {"failure", "unsupported"}:
        return ReplyJudgement(Verdict.FAILED, message, code_major=pox.code_major)
    # Only success is a delivery. Processing, or a code outside the IMS list,
    # is asked again; replaceResult is idempotent, so a repeat is harmless.
    return ReplyJudgement(Verdict.RETRY, message, code_major=pox.code_major)


def retry_delay(tries: int) -> float | None:
    """Return seconds to wait after the given number of tries, or None when none are left.

    The schedule is OUTCOMES_RETRY_DELAYS, one delay per retry, with jitter.
    """
    delays: list[int] = settings.OUTCOMES_RETRY_DELAYS
    if tries < 1 or tries > len(delays):
        return None
    return delays[tries - 1] * random.uniform(*JITTER)


def next_try_at(tries: int, now: datetime, retry_after: float | None) -> datetime | None:
    """Return when to try again, honouring Retry-After, or None when the schedule is spent.

    A Retry-After longer than the longest scheduled delay is capped to it, so
    one LMS header cannot park a score for weeks.
    """
    delay = retry_delay(tries)
    if delay is None:
        return None
    if retry_after is not None:
        longest = max(settings.OUTCOMES_RETRY_DELAYS)
        delay = max(delay, min(retry_after, longest))
    return now + timedelta(seconds=delay)
