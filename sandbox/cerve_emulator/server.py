"""The HTTP face of the emulator: routing, auth, faults, then the store."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from .faults import DEFAULT_CODES, Fault
from .store import Reply, error

if TYPE_CHECKING:
    from .emulator import CerveEmulator

_ID = r"(?P<id>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/oauth/token$"), "POST /oauth/token"),
    ("GET", re.compile(r"^/v1/products$"), "GET /v1/products"),
    ("GET", re.compile(rf"^/v1/products/{_ID}/pricing$"), "GET /v1/products/{id}/pricing"),
    (
        "GET",
        re.compile(rf"^/v1/products/{_ID}/availability$"),
        "GET /v1/products/{id}/availability",
    ),
    ("POST", re.compile(r"^/v1/purchase-orders$"), "POST /v1/purchase-orders"),
    ("GET", re.compile(rf"^/v1/purchase-orders/{_ID}$"), "GET /v1/purchase-orders/{id}"),
    ("POST", re.compile(r"^/webhooks$"), "POST /webhooks"),
]
MAX_BODY = 1_000_000


class _Dropped(Exception):
    """The connection is closed without an answer (a timeout before the request applied)."""


class CerveRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CerveEmulator/1.0"
    # Headers and body go out in separate writes; without TCP_NODELAY the client's delayed
    # ACK stalls every response by ~40 ms, which would swamp injected latencies.
    disable_nagle_algorithm = True
    emulator: CerveEmulator  # set on the per-emulator subclass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        # Silent: the request line is harmless, but test output stays readable.
        return

    # ---------------------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query)
        raw = self._read_body()
        try:
            if path.startswith("/_admin/"):
                reply = self.emulator.admin.handle(method, path, raw)
            else:
                reply = self._api(method, path, query, raw)
        except _Dropped:
            self.close_connection = True
            return
        self._send(reply)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY)) if length else b""

    def _api(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> Reply:
        emu = self.emulator
        route = next(
            ((name, m) for verb, rx, name in ROUTES if verb == method and (m := rx.match(path))),
            None,
        )
        emu.counters.record_call(route[0] if route else f"{method} (unknown)")
        if route is None:
            return error(404, "not_found", f"no route {method} {path}")
        name, match = route

        retry_after = emu.faults.check_rate_limit()
        if retry_after is not None:
            reply = error(429, "rate_limited", "too many requests")
            reply.headers["Retry-After"] = retry_after
            return reply
        key = self.headers.get("Idempotency-Key")
        faults = emu.faults.take(method, path, key)
        if "latency" in faults and name != "POST /v1/purchase-orders":
            time.sleep(faults["latency"].seconds)
        if "timeout_before" in faults:
            time.sleep(faults["timeout_before"].seconds)
            raise _Dropped
        if "status" in faults:
            return _fault_reply(faults["status"], name)
        if "malformed" in faults:
            return Reply(200, faults["malformed"].body.encode())

        reply = self._dispatch(
            name=name, match=match, method=method, query=query, raw=raw, key=key, faults=faults
        )
        if "timeout_after" in faults:
            time.sleep(faults["timeout_after"].seconds)
        return reply

    def _dispatch(
        self,
        *,
        name: str,
        match: re.Match[str],
        method: str,
        query: dict[str, list[str]],
        raw: bytes,
        key: str | None,
        faults: dict[str, Fault],
    ) -> Reply:
        emu = self.emulator
        if name == "POST /oauth/token":
            return self._token(raw)
        client_id = self._authorised_client()
        if client_id is None:
            return error(401, "invalid_token", "the access token is missing, expired or revoked")

        params = {k: v[0] for k, v in query.items()}
        if name == "GET /v1/products":
            return emu.store.list_products(
                params.get("sku"),
                params.get("category"),
                params.get("page_size"),
                params.get("cursor"),
            )
        if name == "GET /v1/products/{id}/pricing":
            return emu.store.pricing(match["id"])
        if name == "GET /v1/products/{id}/availability":
            return emu.store.availability(match["id"])
        if name == "GET /v1/purchase-orders/{id}":
            return emu.store.get_purchase_order(match["id"])
        if name == "POST /webhooks":
            return self._register_webhook(raw)
        return self._create_po(client_id, key, raw, faults)

    def _token(self, raw: bytes) -> Reply:
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode(errors="replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        issued = self.emulator.tokens.issue(
            form.get("client_id", ""), form.get("client_secret", "")
        )
        if issued is None:
            return Reply(401, {"error": "invalid_client"})
        return Reply(200, issued, {"Cache-Control": "no-store"})

    def _authorised_client(self) -> str | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.emulator.tokens.client_for(token.strip())

    def _register_webhook(self, raw: bytes) -> Reply:
        body = _json(raw)
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return error(
                422,
                "validation_failed",
                "invalid webhook registration",
                details=[{"field": "url", "message": "must be an http(s) URL"}],
            )
        events = body.get("events")
        return Reply(
            201,
            self.emulator.dispatcher.register(url, events if isinstance(events, list) else None),
        )

    def _create_po(
        self, client_id: str, key: str | None, raw: bytes, faults: dict[str, Fault]
    ) -> Reply:
        emu = self.emulator
        if not key:
            return error(400, "idempotency_key_required", "the Idempotency-Key header is required")
        body = _json(raw)
        if body is _INVALID:
            return error(400, "invalid_json", "the request body is not JSON")
        if "in_progress" in faults:
            return error(
                409, "request_in_progress", "a request with this Idempotency-Key is in progress"
            )
        early = emu.store.claim_key(client_id, key, body)
        if early is not None:
            return early
        # Latency on this endpoint is spent with the key in flight, so a concurrent request
        # with the same key meets 409 request_in_progress, as it would on Cerve.
        if "latency" in faults:
            time.sleep(faults["latency"].seconds)
        return emu.store.create_purchase_order(client_id, key, body)

    def _send(self, reply: Reply) -> None:
        body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        self.emulator.counters.record_status(reply.status)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout fault): the request applied all the same.
            self.close_connection = True


_INVALID: Any = object()


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        return _INVALID


def _fault_reply(fault: Fault, endpoint: str) -> Reply:
    if fault.status == 401 and endpoint == "POST /oauth/token":
        return Reply(401, {"error": "invalid_client"})
    code = fault.code or DEFAULT_CODES.get(fault.status, "error")
    reply = error(fault.status, code, f"injected fault: {code}")
    if fault.status == 429:
        reply.headers["Retry-After"] = fault.retry_after or "1"
    elif fault.retry_after is not None:
        reply.headers["Retry-After"] = fault.retry_after
    return reply
