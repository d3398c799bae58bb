"""How the client retries: tenacity, bounded by attempts and by the Lambda's remaining time.

Transient failures (5xx, 429, 409 request_in_progress, timeouts, connection errors) raise
`TransientFailure` inside an attempt; tenacity waits ~1 s, 2 s, 4 s with jitter, or what
`Retry-After` says (capped), and gives up early when the wait plus a request would not fit
in the time the Lambda has left.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState


class TransientFailure(Exception):
    """One attempt failed in a way worth retrying.

    `may_have_applied`: the request may have reached Cerve and been applied (a read timeout,
    a dropped connection, a 500/502/504), which makes an exhausted POST ambiguous.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        may_have_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.may_have_applied = may_have_applied


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_base_s: float = 1.0  # waits base, 2*base, 4*base, each plus up to base/2 jitter
    max_backoff_s: float = 10.0
    max_retry_after_s: float = 30.0  # a larger Retry-After is capped to this
    deadline_margin_s: float = 1.0  # time kept back from the Lambda's remaining time


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds (decimals tolerated) or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


class Backoff:
    """tenacity `wait`: Retry-After when Cerve gave one, else jittered exponential backoff."""

    def __init__(self, policy: RetryPolicy, rng: random.Random | None = None) -> None:
        self.policy = policy
        self._rng = rng or random.Random()

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientFailure) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.max_retry_after_s)
        base = self.policy.backoff_base_s
        delay = base * 2 ** (state.attempt_number - 1) + self._rng.uniform(0, base / 2)
        return min(delay, self.policy.max_backoff_s)


class StopRetrying:
    """tenacity `stop`: after `max_retries` retries, or when the next wait would not fit."""

    def __init__(
        self,
        policy: RetryPolicy,
        remaining_s: Callable[[], float | None],
        min_request_s: float,
    ) -> None:
        self.policy = policy
        self._remaining_s = remaining_s
        self._min_request_s = min_request_s

    def __call__(self, state: RetryCallState) -> bool:
        if state.attempt_number > self.policy.max_retries:
            return True
        remaining = self._remaining_s()
        if remaining is None:
            return False
        needed = (state.upcoming_sleep or 0.0) + self.policy.deadline_margin_s + self._min_request_s
        return needed > remaining
