"""Webhook registration, signing (Standard Webhooks) and delivery, as Cerve would send them.

Delivery is explicit: `sync` mode sends each event as it is emitted; `queue` mode holds
events until `drain()`. A delivery that fails (non-2xx or no answer) stays queued for the
next `drain()`, as Cerve retries; `drain(duplicate=True, shuffle=rng)` imitates at-least-once
delivery in any order.
"""

from __future__ import annotations

import json
import random
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from standardwebhooks import Webhook

# An in-process receiver (the local demo's API Gateway stand-in): (headers, body) -> status.
WebhookSink = Callable[[Mapping[str, str], bytes], int]
DeliveryMode = Literal["sync", "queue"]


@dataclass
class Delivery:
    event_id: str
    event_type: str
    target: str
    status: int | None  # None: no HTTP answer (connection refused, timeout)
    error: str | None
    attempt: int
    body: bytes = field(repr=False)


@dataclass
class _Pending:
    event: dict[str, Any]
    target: str
    attempts: int = 0


class WebhookDispatcher:
    def __init__(
        self,
        signing_secrets: list[str],
        clock: Callable[[], float],
        mode: DeliveryMode = "sync",
        timeout_s: float = 5.0,
    ) -> None:
        self._lock = threading.Lock()
        self._secrets = list(signing_secrets)
        self._clock = clock
        self.mode: DeliveryMode = mode
        self.timeout_s = timeout_s
        self._endpoints: dict[str, dict[str, Any]] = {}
        self._sinks: dict[str, WebhookSink] = {}
        self._outbox: list[_Pending] = []
        self.deliveries: list[Delivery] = []
        self.events: list[dict[str, Any]] = []

    @property
    def signing_secrets(self) -> list[str]:
        with self._lock:
            return list(self._secrets)

    def set_signing_secrets(self, secrets: list[str]) -> None:
        if not secrets:
            raise ValueError("at least one signing secret is needed")
        with self._lock:
            self._secrets = list(secrets)

    def register(self, url: str, events: list[str] | None = None) -> dict[str, Any]:
        with self._lock:
            endpoint_id = f"wh_{len(self._endpoints) + 1:06d}"
            endpoint = {"id": endpoint_id, "url": url, "events": events or ["*"]}
            self._endpoints[endpoint_id] = endpoint
        return dict(endpoint)

    def add_sink(self, name: str, sink: WebhookSink) -> None:
        with self._lock:
            self._sinks[name] = sink

    def emit(self, event: dict[str, Any]) -> list[Delivery]:
        with self._lock:
            self.events.append(event)
            targets = [
                e["url"]
                for e in self._endpoints.values()
                if "*" in e["events"] or event["type"] in e["events"]
            ] + [f"sink:{name}" for name in self._sinks]
            pending = [_Pending(event, target) for target in targets]
            self._outbox.extend(pending)
        return self.drain() if self.mode == "sync" else []

    def pending(self) -> int:
        with self._lock:
            return len(self._outbox)

    def drain(
        self, *, duplicate: bool = False, shuffle: random.Random | None = None
    ) -> list[Delivery]:
        """Deliver everything queued; failures stay queued for the next drain."""
        with self._lock:
            batch, self._outbox = self._outbox, []
        if duplicate:
            batch = [p for p in batch for _ in range(2)]
        if shuffle is not None:
            shuffle.shuffle(batch)
        done: list[Delivery] = []
        failed: dict[int, _Pending] = {}
        for item in batch:
            item.attempts += 1
            delivery = self._deliver(item)
            done.append(delivery)
            ok = delivery.status is not None and 200 <= delivery.status < 300
            if not ok:
                failed.setdefault(id(item), item)
            else:
                failed.pop(id(item), None)
        with self._lock:
            self.deliveries.extend(done)
            self._outbox.extend(failed.values())
        return done

    def sign(self, msg_id: str, timestamp: datetime, body: str) -> str:
        """Space-separated `v1,` signatures, one per active secret (several during rotation)."""
        return " ".join(Webhook(s).sign(msg_id, timestamp, body) for s in self.signing_secrets)

    def _deliver(self, item: _Pending) -> Delivery:
        event = item.event
        body = json.dumps(event, separators=(",", ":"))
        now = datetime.fromtimestamp(int(self._clock()), tz=UTC)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": event["id"],
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self.sign(event["id"], now, body),
        }
        raw = body.encode()
        status: int | None
        error: str | None = None
        if item.target.startswith("sink:"):
            with self._lock:
                sink = self._sinks.get(item.target[5:])
            try:
                status = sink(headers, raw) if sink else None
                error = None if sink else "sink removed"
            except Exception as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
        else:
            # Registration accepts only http(s) URLs, so no file: or custom scheme gets here.
            request = urllib.request.Request(  # noqa: S310
                item.target, data=raw, headers=headers, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, OSError) as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
        return Delivery(event["id"], event["type"], item.target, status, error, item.attempts, raw)
