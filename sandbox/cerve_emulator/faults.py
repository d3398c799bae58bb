"""Fault injection and call counters, so tests and benchmarks can misbehave the emulator.

Each fault matches requests by a glob on the path (`/v1/products/*/pricing`) and optionally
the method, and fires for its next `times` matching calls (`None`: until cleared).
"""

from __future__ import annotations

import fnmatch
import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal[
    "status",  # answer `status` with the contract's error body (code from `code`)
    "latency",  # sleep `seconds`, then answer normally
    "timeout_before",  # sleep `seconds`, then drop the connection: nothing was applied
    "timeout_after",  # apply the request, then sleep `seconds` before answering (ambiguous)
    "malformed",  # answer 200 with `body` (not the contract's shape)
    "in_progress",  # 409 request_in_progress for `idempotency_key`
]
FAULT_KINDS: tuple[str, ...] = FaultKind.__args__  # type: ignore[attr-defined]

DEFAULT_CODES = {
    400: "bad_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    409: "request_in_progress",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


@dataclass
class Fault:
    kind: FaultKind
    path: str = "*"
    method: str | None = None
    times: int | None = 1
    status: int = 503
    code: str | None = None
    seconds: float = 0.0
    body: str = '{"unexpected": true}'
    retry_after: str | None = None
    idempotency_key: str | None = None

    def matches(self, method: str, path: str, idempotency_key: str | None) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method and self.method.upper() != method:
            return False
        if self.kind == "in_progress":
            return idempotency_key is not None and idempotency_key == self.idempotency_key
        return fnmatch.fnmatchcase(path, self.path)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class TokenBucket:
    """A server-side limit of `rate_per_s` requests per second with bursts up to `burst`."""

    def __init__(self, rate_per_s: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 when a request may proceed, else the seconds until it could."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate_per_s)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate_per_s


@dataclass
class Counters:
    """What the emulator saw: calls per endpoint (route template) and answers per status."""

    calls: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_call(self, endpoint: str) -> None:
        with self._lock:
            self.calls[endpoint] += 1

    def record_status(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1
            if status == 429:
                self.rate_limited += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": dict(self.calls),
                "statuses": {str(k): v for k, v in self.statuses.items()},
                "rate_limited": self.rate_limited,
            }

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.statuses.clear()
            self.rate_limited = 0


class Faults:
    """The active faults and the optional rate limit; thread-safe."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._bucket: TokenBucket | None = None
        self._retry_after_override: str | None = None

    def add(self, fault: Fault) -> Fault:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; one of {FAULT_KINDS}")
        with self._lock:
            self._faults.append(fault)
        return fault

    # Convenience constructors, the Python face of the admin endpoint.
    def fail(
        self,
        path: str,
        status: int = 503,
        times: int | None = 1,
        *,
        method: str | None = None,
        code: str | None = None,
        retry_after: str | None = None,
    ) -> Fault:
        return self.add(Fault("status", path, method, times, status, code, retry_after=retry_after))

    def latency(
        self, path: str, seconds: float, times: int | None = None, *, method: str | None = None
    ) -> Fault:
        return self.add(Fault("latency", path, method, times, seconds=seconds))

    def timeout_before(
        self, path: str, seconds: float, times: int | None = 1, *, method: str | None = None
    ) -> Fault:
        return self.add(Fault("timeout_before", path, method, times, seconds=seconds))

    def timeout_after(
        self, path: str, seconds: float, times: int | None = 1, *, method: str | None = None
    ) -> Fault:
        return self.add(Fault("timeout_after", path, method, times, seconds=seconds))

    def malformed(
        self, path: str, body: str = '{"unexpected": true}', times: int | None = 1
    ) -> Fault:
        return self.add(Fault("malformed", path, "GET", times, body=body))

    def in_progress(self, idempotency_key: str, times: int | None = 1) -> Fault:
        return self.add(
            Fault("in_progress", "*", "POST", times, 409, idempotency_key=idempotency_key)
        )

    def rate_limit(
        self, per_s: float | None, burst: float | None = None, retry_after: str | None = None
    ) -> None:
        """Answer 429 beyond `per_s` requests per second (None removes the limit).

        `Retry-After` is the whole seconds until a token is free, unless `retry_after`
        fixes it (tests use "0" to stay fast).
        """
        with self._lock:
            self._bucket = (
                None
                if per_s is None
                else TokenBucket(
                    per_s, burst if burst is not None else max(1.0, per_s), self._clock
                )
            )
            self._retry_after_override = retry_after

    def check_rate_limit(self) -> str | None:
        """None when allowed, else the Retry-After header value."""
        with self._lock:
            bucket, override = self._bucket, self._retry_after_override
        if bucket is None:
            return None
        wait = bucket.take()
        if wait == 0:
            return None
        return override if override is not None else str(max(1, math.ceil(wait)))

    def take(self, method: str, path: str, idempotency_key: str | None) -> dict[str, Fault]:
        """The matching faults for one request, each consuming one of its `times`."""
        taken: dict[str, Fault] = {}
        with self._lock:
            for fault in self._faults:
                if fault.kind in taken or not fault.matches(method, path, idempotency_key):
                    continue
                # One outcome per request (the first added wins); latency adds to any.
                if fault.kind != "latency" and any(k != "latency" for k in taken):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                taken[fault.kind] = fault
            self._faults = [f for f in self._faults if f.times is None or f.times > 0]
        return taken

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._bucket = None
            self._retry_after_override = None
