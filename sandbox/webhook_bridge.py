"""A loopback HTTP endpoint that plays API Gateway for the local AWS.

Cerve (or its emulator) POSTs signed webhooks over real HTTP; this server turns each
request into the REST API proxy event API Gateway would send and hands it to the
deployed webhook receiver through `LocalAws.api_invoke`, then answers with whatever the
function answered. Nothing is verified or queued here: that is the receiver's job.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sandbox.local_aws import LocalAws

WEBHOOK_PATH = "/webhooks/cerve"


def _handler_for(local: LocalAws) -> type[BaseHTTPRequestHandler]:
    class Bridge(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path != WEBHOOK_PATH:
                self._answer(404, {"message": "Missing Authentication Token"})
                return
            response = local.api_invoke(WEBHOOK_PATH, dict(self.headers.items()), body)
            self._answer(int(response["statusCode"]), response.get("body") or "")

        def _answer(self, status: int, body: Any) -> None:
            raw = body if isinstance(body, str) else json.dumps(body)
            data = raw.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the receiver's own structured logs say what happened."""

    return Bridge


@contextmanager
def webhook_bridge(local: LocalAws) -> Iterator[str]:
    """Serve on a free loopback port; yields the webhook URL to register with Cerve."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(local))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{WEBHOOK_PATH}"
    finally:
        server.shutdown()
        server.server_close()
