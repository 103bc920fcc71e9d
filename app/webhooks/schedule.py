"""What an attempt's outcome means for the delivery (pure): done, retry when, or give up."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_RETRY_AFTER_SECONDS = 24 * 3600
EXCERPT_BYTES = 2048


@dataclass(frozen=True)
class Decision:
    status: str  # succeeded | pending (retry) | failed
    delay_seconds: float = 0.0
    disable_endpoint: bool = False


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def decide(
    attempt: int,
    status_code: int | None,
    retry_after: float | None,
    schedule: list[float],
    jitter: float,
    rng: random.Random | None = None,
) -> Decision:
    """`attempt` is 1-based; schedule[k] is the delay before attempt k + 1 (schedule[0] is the
    first attempt's delay after the event). Only 2xx succeeds; 410 gives up and disables."""
    if status_code is not None and 200 <= status_code < 300:
        return Decision("succeeded")
    if status_code == 410:
        return Decision("failed", disable_endpoint=True)
    if attempt >= len(schedule):
        return Decision("failed")
    delay = schedule[attempt]
    if jitter:
        delay *= 1 + (rng or random).uniform(-jitter, jitter)
    if status_code in (429, 503) and retry_after is not None:
        delay = max(delay, retry_after)
    return Decision("pending", delay_seconds=max(delay, 0.0))
