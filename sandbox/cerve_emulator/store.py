"""The emulator's state and behaviour, free of HTTP: catalogue queries, POs, lifecycle."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .seed import SeedData
from .validation import Catalog, validate_purchase_order

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
TERMINAL = frozenset({"delivered", "rejected", "cancelled"})
# The normal path a PO takes when advanced one step at a time.
NEXT_STATUS = {
    "draft": "submitted",
    "submitted": "accepted",
    "accepted": "dispatched",
    "partially_accepted": "dispatched",
    "dispatched": "delivered",
}
CANCELLABLE = frozenset({"draft", "submitted", "accepted", "partially_accepted"})


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, code: str, message: str, **extra: Any) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message, **extra}})


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class _IdempotencyRecord:
    fingerprint: str
    reply: Reply | None = None  # None while the first request is still being processed


def _fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class CerveStore:
    def __init__(self, seed: SeedData, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self.catalog = Catalog(
            suppliers={s.id: s.name for s in seed.suppliers},
            products={p.id: p for p in seed.products},
            offers={(o.product_id, o.supplier_id): o for o in seed.offers},
        )
        self._product_order = [p.id for p in seed.products]
        self.purchase_orders: dict[str, dict[str, Any]] = {}
        self._by_reference: dict[tuple[str, str], str] = {}
        self._idempotency: dict[tuple[str, str], _IdempotencyRecord] = {}
        self._ids: dict[str, int] = {}

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), tz=UTC)

    def next_id(self, prefix: str) -> str:
        with self._lock:
            self._ids[prefix] = self._ids.get(prefix, 0) + 1
            return f"{prefix}_{self._ids[prefix]:06d}"

    # Catalogue -------------------------------------------------------------------------
    def list_products(
        self, sku: str | None, category: str | None, page_size: str | None, cursor: str | None
    ) -> Reply:
        size = DEFAULT_PAGE_SIZE
        if page_size is not None:
            if not page_size.isdigit() or not 1 <= int(page_size) <= MAX_PAGE_SIZE:
                return error(
                    422,
                    "validation_failed",
                    "invalid query",
                    details=[{"field": "page_size", "message": "must be 1..100"}],
                )
            size = int(page_size)
        start = 0
        if cursor:
            try:
                start = int(base64.urlsafe_b64decode(cursor.encode()).decode())
            except ValueError:
                return error(
                    422,
                    "validation_failed",
                    "invalid query",
                    details=[{"field": "cursor", "message": "unknown cursor"}],
                )
        products = [self.catalog.products[pid] for pid in self._product_order]
        if sku is not None:
            # Cerve's lookup is a prefix search, so a SKU can match several products.
            wanted = sku.strip().lower()
            products = [p for p in products if p.sku.lower().startswith(wanted)]
        if category is not None:
            products = [p for p in products if p.category == category]
        page = products[start : start + size]
        more = start + size < len(products)
        next_cursor = (
            base64.urlsafe_b64encode(str(start + size).encode()).decode() if more else None
        )
        return Reply(
            200, {"data": [self._product_json(p.id) for p in page], "next_cursor": next_cursor}
        )

    def _product_json(self, product_id: str) -> dict[str, Any]:
        p = self.catalog.products[product_id]
        return {
            "id": p.id,
            "sku": p.sku,
            "name": p.name,
            "category": p.category,
            "unit": p.unit,
            "price": str(p.price),
            "currency": p.currency,
            "active": p.active,
        }

    def pricing(self, product_id: str) -> Reply:
        if product_id not in self.catalog.products:
            return error(404, "not_found", f"product {product_id} not found")
        now = self.now()
        valid_until = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        data = [
            {
                "supplier_id": o.supplier_id,
                "supplier_name": self.catalog.suppliers.get(o.supplier_id, o.supplier_id),
                "currency": o.currency,
                "unit_price": str(o.unit_price),
                "pack_size": str(o.pack_size),
                "min_order_qty": str(o.min_order_qty),
                "lead_time_days": o.lead_time_days,
                "order_cutoff": o.order_cutoff,
                "valid_until": iso(valid_until),
                "price_breaks": [
                    {"min_qty": str(b.min_qty), "unit_price": str(b.unit_price)}
                    for b in o.price_breaks
                ],
            }
            for (pid, _), o in self.catalog.offers.items()
            if pid == product_id
        ]
        return Reply(200, {"product_id": product_id, "data": data})

    def availability(self, product_id: str) -> Reply:
        if product_id not in self.catalog.products:
            return error(404, "not_found", f"product {product_id} not found")
        as_of = iso(self.now())
        # A supplier with nothing to sell is left out, as the contract says.
        data = [
            {"supplier_id": o.supplier_id, "available_qty": str(o.available_qty), "as_of": as_of}
            for (pid, _), o in self.catalog.offers.items()
            if pid == product_id and o.available_qty > 0
        ]
        return Reply(200, {"product_id": product_id, "data": data})

    # Purchase orders -------------------------------------------------------------------
    def claim_key(self, client_id: str, key: str, body: Any) -> Reply | None:
        """Reserve an Idempotency-Key; a Reply when the request must not proceed."""
        fingerprint = _fingerprint(body)
        with self._lock:
            record = self._idempotency.get((client_id, key))
            if record is None:
                self._idempotency[(client_id, key)] = _IdempotencyRecord(fingerprint)
                return None
            if record.fingerprint != fingerprint:
                return error(
                    422,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different request body",
                )
            if record.reply is None:
                return error(
                    409, "request_in_progress", "a request with this Idempotency-Key is in progress"
                )
            replay = copy.deepcopy(record.reply)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay

    def create_purchase_order(self, client_id: str, key: str, body: Any) -> Reply:
        """Validate and create under a claimed key; only a 201 is kept for replay."""
        with self._lock:
            fields, details = validate_purchase_order(body, self.catalog)
            if fields is None:
                reply = error(
                    422, "validation_failed", "the purchase order is invalid", details=details
                )
                self._release(client_id, key)
                return reply
            reference = fields["external_reference"]
            existing = self._by_reference.get((client_id, reference)) if reference else None
            if existing is not None:
                self._release(client_id, key)
                return error(
                    409,
                    "duplicate_reference",
                    f"a purchase order with external_reference {reference} exists",
                    existing_id=existing,
                )
            po = self._new_po(fields)
            self.purchase_orders[po["id"]] = po
            if reference:
                self._by_reference[(client_id, reference)] = po["id"]
            reply = Reply(201, copy.deepcopy(po), {"Location": f"/v1/purchase-orders/{po['id']}"})
            self._idempotency[(client_id, key)].reply = copy.deepcopy(reply)
            return reply

    def _release(self, client_id: str, key: str) -> None:
        self._idempotency.pop((client_id, key), None)

    def _new_po(self, fields: dict[str, Any]) -> dict[str, Any]:
        total = sum(
            (Decimal(i["quantity"]) * Decimal(i["unit_price"]) for i in fields["items"]),
            Decimal("0"),
        ).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        now = iso(self.now())
        return {
            "id": self.next_id("po"),
            "status": fields["status"],
            "supplier_id": fields["supplier_id"],
            "currency": fields["currency"],
            "external_reference": fields["external_reference"],
            "requested_delivery_date": fields["requested_delivery_date"],
            "notes": fields["notes"],
            "items": fields["items"],
            "total": str(total),
            "created_at": now,
            "updated_at": now,
            "shipments": [],
        }

    def get_purchase_order(self, po_id: str) -> Reply:
        with self._lock:
            po = self.purchase_orders.get(po_id)
            if po is None:
                return error(404, "not_found", f"purchase order {po_id} not found")
            return Reply(200, copy.deepcopy(po))

    # Lifecycle -------------------------------------------------------------------------
    def advance(self, po_id: str, to: str | None = None) -> list[dict[str, Any]]:
        """Move a PO one step (or to `to`); the events Cerve would send, in order."""
        with self._lock:
            po = self.purchase_orders.get(po_id)
            if po is None:
                raise KeyError(f"purchase order {po_id} not found")
            current = po["status"]
            target = to or NEXT_STATUS.get(current)
            if target is None or current in TERMINAL:
                return []
            self._check_transition(current, target)
            events: list[dict[str, Any]] = []
            if target == "dispatched":
                shipment = {"id": self.next_id("shp"), "status": "created", "eta": self._eta(po)}
                po["shipments"].append(shipment)
                events.append(self._event("shipment.created", po, shipment))
                shipment["status"] = "dispatched"
                po["status"] = "dispatched"
                events.append(self._event("shipment.dispatched", po, shipment))
            elif target == "delivered":
                po["status"] = "delivered"
                for shipment in po["shipments"]:
                    shipment["status"] = "delivered"
                    events.append(self._event("shipment.delivered", po, shipment))
            else:
                po["status"] = target
            po["updated_at"] = iso(self.now())
            shipment_now = po["shipments"][-1] if po["shipments"] else None
            events.append(self._event("po.status", po, shipment_now))
            return events

    def delay_shipment(self, po_id: str, days: int = 1) -> list[dict[str, Any]]:
        with self._lock:
            po = self.purchase_orders[po_id]
            if po["status"] != "dispatched" or not po["shipments"]:
                raise ValueError(f"purchase order {po_id} has no shipment on its way")
            shipment = po["shipments"][-1]
            eta = datetime.fromisoformat(shipment["eta"].replace("Z", "+00:00"))
            shipment["status"] = "delayed"
            shipment["eta"] = iso(eta + timedelta(days=days))
            return [self._event("shipment.delayed", po, shipment)]

    def open_purchase_orders(self) -> list[str]:
        with self._lock:
            return [pid for pid, po in self.purchase_orders.items() if po["status"] not in TERMINAL]

    @staticmethod
    def _check_transition(current: str, target: str) -> None:
        allowed = {NEXT_STATUS.get(current)}
        if current == "submitted":
            allowed |= {"partially_accepted", "rejected"}
        if current in CANCELLABLE:
            allowed.add("cancelled")
        if target not in allowed:
            raise ValueError(f"cannot move a PO from {current} to {target}")

    def _eta(self, po: dict[str, Any]) -> str:
        if po.get("requested_delivery_date"):
            day = date.fromisoformat(po["requested_delivery_date"])
            return iso(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8))
        return iso(self.now() + timedelta(days=1))

    def _event(
        self, event_type: str, po: dict[str, Any], shipment: dict[str, Any] | None
    ) -> dict[str, Any]:
        now = iso(self.now())
        return {
            "id": self.next_id("evt"),
            "type": event_type,
            "created_at": now,
            "data": {
                "purchase_order_id": po["id"],
                "external_reference": po["external_reference"],
                "status": po["status"],
                "occurred_at": now,
                "shipment": dict(shipment) if shipment else None,
            },
        }
