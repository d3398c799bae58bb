"""`/_admin/*`: the emulator's control panel over HTTP, for the demo and other processes.

No auth: the emulator binds to loopback only. Every endpoint takes and returns JSON.
| method, path | body | does |
| --- | --- | --- |
| POST /_admin/advance | {"po_id"?, "to"?} | advance one PO (or every open PO) one step |
| POST /_admin/shipments/delay | {"po_id", "days"?} | delay the PO's shipment |
| POST /_admin/drain | {"duplicate"?, "shuffle_seed"?} | deliver queued webhooks |
| POST /_admin/faults | a Fault's fields ({"kind", "path", ...}) | add a fault |
| POST /_admin/rate-limit | {"per_s", "burst"?, "retry_after"?} | server-side 429 limit |
| DELETE /_admin/faults | | clear faults and the rate limit |
| GET /_admin/faults | | active faults |
| GET /_admin/counters | | calls per endpoint, statuses, 429s |
| POST /_admin/tokens/expire, /_admin/tokens/revoke | | every issued token stops working |
| POST /_admin/credentials/rotate | {"client_secret"?, "revoke_tokens"?} | new client secret |
| GET /_admin/deliveries | | webhook deliveries and their response status |
| GET /_admin/purchase-orders | | every PO as Cerve holds it |
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from .faults import Fault
from .store import Reply, error

if TYPE_CHECKING:
    from .emulator import CerveEmulator

_FAULT_FIELDS = {f.name for f in fields(Fault)}


class Admin:
    def __init__(self, emulator: CerveEmulator) -> None:
        self.emu = emulator

    def handle(self, method: str, path: str, raw: bytes) -> Reply:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return error(400, "invalid_json", "the request body is not JSON")
        if not isinstance(body, dict):
            return error(400, "bad_request", "the body must be a JSON object")
        handler = getattr(
            self,
            "_" + method.lower() + path[len("/_admin") :].replace("/", "_").replace("-", "_"),
            None,
        )
        if handler is None:
            return error(404, "not_found", f"no admin route {method} {path}")
        try:
            return handler(body)
        except (KeyError, ValueError, TypeError) as exc:
            return error(400, "bad_request", str(exc))

    def _post_advance(self, body: dict[str, Any]) -> Reply:
        po_id = body.get("po_id")
        events = self.emu.advance(po_id, to=body.get("to")) if po_id else self.emu.advance_all()
        return Reply(200, {"events": events})

    def _post_shipments_delay(self, body: dict[str, Any]) -> Reply:
        events = self.emu.delay_shipment(body["po_id"], int(body.get("days", 1)))
        return Reply(200, {"events": events})

    def _post_drain(self, body: dict[str, Any]) -> Reply:
        seed = body.get("shuffle_seed")
        done = self.emu.drain(
            duplicate=bool(body.get("duplicate")),
            shuffle=random.Random(seed) if seed is not None else None,
        )
        return Reply(200, {"deliveries": [_delivery(d) for d in done]})

    def _post_faults(self, body: dict[str, Any]) -> Reply:
        unknown = set(body) - _FAULT_FIELDS
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        fault = self.emu.faults.add(Fault(**body))
        return Reply(201, fault.to_dict())

    def _get_faults(self, body: dict[str, Any]) -> Reply:
        return Reply(200, {"faults": self.emu.faults.active()})

    def _delete_faults(self, body: dict[str, Any]) -> Reply:
        self.emu.faults.clear()
        return Reply(200, {"faults": []})

    def _post_rate_limit(self, body: dict[str, Any]) -> Reply:
        per_s = body.get("per_s")
        self.emu.faults.rate_limit(
            float(per_s) if per_s is not None else None,
            float(body["burst"]) if body.get("burst") is not None else None,
            body.get("retry_after"),
        )
        return Reply(200, {"per_s": per_s})

    def _get_counters(self, body: dict[str, Any]) -> Reply:
        return Reply(200, self.emu.counters.snapshot())

    def _post_tokens_expire(self, body: dict[str, Any]) -> Reply:
        self.emu.expire_tokens()
        return Reply(200, {"expired": True})

    def _post_tokens_revoke(self, body: dict[str, Any]) -> Reply:
        self.emu.revoke_tokens()
        return Reply(200, {"revoked": True})

    def _post_credentials_rotate(self, body: dict[str, Any]) -> Reply:
        self.emu.rotate_credentials(
            body.get("client_secret"), revoke_tokens=bool(body.get("revoke_tokens"))
        )
        # The new secret is not echoed: whoever rotates chose it or reads it in-process.
        return Reply(200, {"rotated": True, "client_id": self.emu.client_id})

    def _get_deliveries(self, body: dict[str, Any]) -> Reply:
        return Reply(200, {"deliveries": [_delivery(d) for d in self.emu.deliveries]})

    def _get_purchase_orders(self, body: dict[str, Any]) -> Reply:
        return Reply(200, {"data": self.emu.purchase_orders()})


def _delivery(d: Any) -> dict[str, Any]:
    out = asdict(d)
    out["body"] = d.body.decode()
    return out
