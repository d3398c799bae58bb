"""`CerveEmulator`: the Cerve API on loopback, for tests, benchmarks and the local demo."""

from __future__ import annotations

import base64
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .admin import Admin
from .faults import Counters, Faults
from .seed import SeedData, load_seed
from .server import CerveRequestHandler
from .store import CerveStore
from .tokens import TokenIssuer
from .webhooks import Delivery, DeliveryMode, WebhookDispatcher, WebhookSink


def new_signing_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class CerveEmulator:
    """One emulated Cerve account: catalogue, credentials, POs, webhooks and faults.

    >>> with CerveEmulator.running(seed="tests/fixtures/cerve_seed_small.json") as emu:
    ...     emu.base_url, emu.auth_url, emu.credentials()
    """

    def __init__(
        self,
        seed: str | Path | Mapping[str, Any] | SeedData | None = None,
        *,
        client_id: str = "fc-sandbox",
        client_secret: str | None = None,
        webhook_secret: str | None = None,
        token_ttl_s: int = 300,
        webhook_mode: DeliveryMode = "sync",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seed = load_seed(seed)
        self.clock = clock
        self.store = CerveStore(self.seed, clock)
        self.tokens = TokenIssuer(
            client_id, client_secret or secrets.token_urlsafe(24), token_ttl_s, clock
        )
        self.dispatcher = WebhookDispatcher(
            [webhook_secret or new_signing_secret()], clock, webhook_mode
        )
        self.faults = Faults(time.monotonic)
        self.counters = Counters()
        self.admin = Admin(self)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._host = "127.0.0.1"

    # Running ---------------------------------------------------------------------------
    @classmethod
    @contextmanager
    def running(
        cls,
        seed: str | Path | Mapping[str, Any] | SeedData | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **kwargs: Any,
    ) -> Iterator[CerveEmulator]:
        emu = cls(seed, **kwargs)
        emu.start(host, port)
        try:
            yield emu
        finally:
            emu.stop()

    def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("BoundCerveHandler", (CerveRequestHandler,), {"emulator": self})
        server = ThreadingHTTPServer((host, port), handler)
        self._host = host
        server.daemon_threads = True  # a sleeping timeout fault must not hold up stop()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="cerve-emulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def serve_forever(self, host: str = "127.0.0.1", port: int = 8710) -> None:
        handler = type("BoundCerveHandler", (CerveRequestHandler,), {"emulator": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._server.serve_forever()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return f"http://{self._host}:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.base_url}/oauth/token"

    # Credentials -----------------------------------------------------------------------
    @property
    def client_id(self) -> str:
        return self.tokens.client_id

    @property
    def client_secret(self) -> str:
        return self.tokens.client_secret

    @property
    def webhook_secret(self) -> str:
        """The newest signing secret (`whsec_…`)."""
        return self.dispatcher.signing_secrets[-1]

    def credentials(self) -> dict[str, str]:
        """The secret's JSON as the architecture page defines it."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "webhook_signing_secret": self.webhook_secret,
        }

    def rotate_credentials(
        self, new_secret: str | None = None, *, revoke_tokens: bool = False
    ) -> str:
        return self.tokens.rotate(new_secret, revoke_tokens=revoke_tokens)

    def rotate_webhook_secret(self, new_secret: str | None = None, *, keep_old: bool = True) -> str:
        """Sign with a new secret; with `keep_old`, with both (two `v1,` signatures)."""
        secret = new_secret or new_signing_secret()
        old = self.dispatcher.signing_secrets if keep_old else []
        self.dispatcher.set_signing_secrets([*old, secret])
        return secret

    def expire_tokens(self) -> None:
        self.tokens.expire_all()

    def revoke_tokens(self) -> None:
        self.tokens.revoke_all()

    # Purchase orders and lifecycle -----------------------------------------------------
    def purchase_orders(self) -> list[dict[str, Any]]:
        with self.store._lock:
            return [dict(po) for po in self.store.purchase_orders.values()]

    def purchase_order(self, po_id: str) -> dict[str, Any]:
        reply = self.store.get_purchase_order(po_id)
        if reply.status != 200:
            raise KeyError(po_id)
        return dict(reply.body)

    def advance(self, po_id: str, to: str | None = None) -> list[dict[str, Any]]:
        """Move one PO a step along its lifecycle (or to `to`) and send its webhooks."""
        events = self.store.advance(po_id, to)
        for event in events:
            self.dispatcher.emit(event)
        return events

    def advance_all(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for po_id in self.store.open_purchase_orders():
            events.extend(self.advance(po_id))
        return events

    def delay_shipment(self, po_id: str, days: int = 1) -> list[dict[str, Any]]:
        events = self.store.delay_shipment(po_id, days)
        for event in events:
            self.dispatcher.emit(event)
        return events

    # Webhooks --------------------------------------------------------------------------
    def register_webhook(self, url: str, events: list[str] | None = None) -> dict[str, Any]:
        return self.dispatcher.register(url, events)

    def add_webhook_sink(self, name: str, sink: WebhookSink) -> None:
        """Deliver signed webhooks to a Python callable `(headers, body) -> status`."""
        self.dispatcher.add_sink(name, sink)

    def drain(
        self, *, duplicate: bool = False, shuffle: random.Random | None = None
    ) -> list[Delivery]:
        return self.dispatcher.drain(duplicate=duplicate, shuffle=shuffle)

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.dispatcher.deliveries)

    @property
    def events(self) -> list[dict[str, Any]]:
        return list(self.dispatcher.events)
