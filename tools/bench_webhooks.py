"""Burst benchmark: many Cerve events for many POs, duplicated and shuffled, applied once.

`run_burst` builds the PO table on moto DynamoDB, submits `n_pos` POs, generates
`n_events` distinct events (statuses per PO only ever reach forward, shipments besides),
duplicates `duplicate_ratio` of them, shuffles everything and applies it with `workers`
threads through the same `EventApplier` the `apply_events` function uses. It then checks
every PO's final status against the expected one (the furthest status its events reach,
whatever their order), that every event id is recorded (zero lost), and that no event id
appears twice in any history (zero applied twice).

    python -m tools.bench_webhooks --events 5000 --pos 500
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
from moto import mock_aws

from po_automation.domain.lifecycle import PoStatus, from_cerve
from po_automation.domain.models import DraftLine, DraftPurchaseOrder
from po_automation.domain.purchase_order import approve, new_record
from po_automation.services.events import EventApplier, parse_event
from po_automation.stores.purchase_orders import PurchaseOrderStore
from sandbox.local_tables import create_po_table

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
_RANK = {"submitted": 0, "accepted": 1, "partially_accepted": 1, "dispatched": 2, "delivered": 3}
_PATHS = (
    ("accepted",),
    ("partially_accepted", "dispatched"),
    ("accepted", "dispatched"),
    ("accepted", "dispatched", "delivered"),
)
_SHIPMENT_STEPS = ("created", "dispatched", "delayed", "delivered")


class _NullPublisher:
    """EventBridge is not what this measures; count what would have been published."""

    def __init__(self) -> None:
        self.count = 0

    def publish_detail(self, detail: Any) -> None:
        self.count += 1

    def publish(self, record: Any, change: Any) -> None:
        self.count += 1


@contextmanager
def _moto_dynamodb() -> Iterator[Any]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        ddb = boto3.resource("dynamodb", region_name="eu-west-2")
        _serialise_calls(ddb.meta.client)
        yield ddb


def _serialise_calls(client: Any) -> None:
    """moto's in-memory DynamoDB is not thread-safe: one API call at a time.

    Only single calls are serialised; reads and conditional writes from different
    threads still interleave, which is the race the store must survive.
    """
    lock = threading.Lock()
    call = client._make_api_call

    def locked(operation: str, params: Any) -> Any:
        with lock:
            return call(operation, params)

    client._make_api_call = locked


def _draft(i: int) -> DraftPurchaseOrder:
    line = DraftLine(
        sku=f"SKU-{i}",
        product_id=f"prd_{i}",
        quantity=Decimal("10"),
        unit_price=Decimal("1.25"),
        reason="bench",
    )
    return DraftPurchaseOrder(
        draft_id=f"bench-{i:05d}",
        supplier_id="sup_1",
        supplier_name="Bench Foods",
        delivery_date=date(2026, 12, 5),
        order_by=T0 + timedelta(hours=6),
        lines=(line,),
    )


def _events_for(i: int, count: int, rng: random.Random) -> tuple[list[dict[str, Any]], str]:
    """`count` distinct events for PO i and the status they lead to, in causal order."""
    path = rng.choice(_PATHS)
    po_id = f"po_{i:05d}"
    events: list[dict[str, Any]] = []
    n_status = min(len(path), count)
    for k, status in enumerate(path[:n_status]):
        events.append({"type": "po.status", "status": status, "minute": k * 10})
    shipment_events = count - n_status
    for k in range(shipment_events):
        step = _SHIPMENT_STEPS[k % len(_SHIPMENT_STEPS)]
        # A shipment event carries the PO status Cerve had then: the first status.
        events.append(
            {
                "type": f"shipment.{step}",
                "status": path[0],
                "minute": k + 1,
                "shipment": {
                    "id": f"shp_{i}_{k // len(_SHIPMENT_STEPS)}",
                    "status": step,
                    "eta": None,
                },
            }
        )
    bodies = []
    for n, e in enumerate(events):
        at = (T0 + timedelta(minutes=e["minute"])).isoformat()
        bodies.append(
            {
                "id": f"evt_{i:05d}_{n:03d}",
                "type": e["type"],
                "created_at": at,
                "data": {
                    "purchase_order_id": po_id,
                    "external_reference": f"FC-bench-{i:05d}",
                    "status": e["status"],
                    "occurred_at": at,
                    "shipment": e.get("shipment"),
                },
            }
        )
    final = max((e["status"] for e in events), key=_RANK.__getitem__)
    return bodies, final


def run_burst(
    n_events: int = 5000,
    n_pos: int = 500,
    duplicate_ratio: float = 0.1,
    workers: int = 8,
    seed: int = 7,
    pos_per_table: int = 1,
) -> dict[str, Any]:
    """Apply a shuffled, partly duplicated burst; returns what `make bench` records.

    moto copies a whole table on every transaction (for its rollback), so the POs are
    spread over tables of `pos_per_table`; events of one PO only ever touch its table,
    exactly as they touch only its item and markers in the one real table.
    """
    if n_pos <= 0 or n_events < n_pos:
        raise ValueError("need at least one event per PO")
    rng = random.Random(seed)
    per_po = [n_events // n_pos + (1 if i < n_events % n_pos else 0) for i in range(n_pos)]
    with _moto_dynamodb() as ddb:
        stores = [
            PurchaseOrderStore(create_po_table(ddb, f"bench-po-{t}"))
            for t in range(-(-n_pos // pos_per_table))
        ]
        expected: dict[str, PoStatus] = {}
        bodies: list[dict[str, Any]] = []
        for i in range(n_pos):
            store = stores[i // pos_per_table]
            draft = _draft(i)
            store.create_if_absent(approve(new_record(draft, T0), "bench", "", T0))
            store.mark_submitted(draft.draft_id, f"po_{i:05d}", "submitted", T0)
            events, final = _events_for(i, per_po[i], rng)
            bodies.extend(events)
            expected[draft.draft_id] = from_cerve(final)
        duplicates = rng.sample(bodies, round(len(bodies) * duplicate_ratio))
        deliveries = [json.dumps(b) for b in bodies + duplicates]
        rng.shuffle(deliveries)
        publisher = _NullPublisher()
        appliers = [EventApplier(s, publisher, attempts=50) for s in stores]  # type: ignore[arg-type]

        def deliver(raw: str) -> bool:
            event = parse_event(json.loads(raw))
            shard = int(str(event.purchase_order_id).removeprefix("po_")) // pos_per_table
            return appliers[shard].apply(event).applied

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(deliver, deliveries))
        elapsed = time.perf_counter() - started

        records = {r.draft_id: r for st in stores for r in st.list_all()}
        wrong = sorted(d for d, s in expected.items() if records[d].status is not s)
        seen = Counter(h.event_id for r in records.values() for h in r.history if h.event_id)
        unique_ids = {b["id"] for b in bodies}
        # Every delivered event is in its PO's history (applied or not): absent means lost.
        lost = sum(1 for e in unique_ids if seen[e] == 0)
        applied_twice = sum(1 for e in unique_ids if seen[e] > 1)
    return {
        "events": len(deliveries),
        "unique_events": len(unique_ids),
        "duplicates_sent": len(duplicates),
        "duplicates_ignored": results.count(False),
        "pos": n_pos,
        "workers": workers,
        "seconds": round(elapsed, 3),
        "events_per_s": round(len(deliveries) / elapsed, 1) if elapsed else None,
        "lost": lost,
        "applied_twice": applied_twice,
        "wrong_final_status": len(wrong),
        "wrong_examples": wrong[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--pos", type=int, default=500)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(run_burst(args.events, args.pos, args.duplicates, args.workers), indent=2))


if __name__ == "__main__":
    main()
