"""Price sync of 1,000 SKUs against the Cerve emulator, next to the rate limit's floor.

The product's own path: `CerveClient` (client-side limiter at the Cerve rate limit) and
`services.price_sync.sync_prices` writing a real `PriceCacheStore` on moto DynamoDB. The
emulator adds 20 ms to every call and answers 429 beyond 100 requests/s, so no schedule
can beat `calls / 100` seconds (the floor); the goal is to stay within 1.15x of it with no
failed SKU. A one-worker run with the same limiter shows what the concurrency buys.

`calls_saved_share` is measured on the sample data: the share of Cerve calls the price
sync saves by refreshing only reorderable SKUs (`domain.price_refresh`) rather than every
orderable one.

    python -m tools.bench_price_sync          # merges `price_sync` into build/bench.json
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
from moto import mock_aws

from po_automation.cerve.auth import static_credentials
from po_automation.cerve.client import CerveClient
from po_automation.domain import price_refresh
from po_automation.domain.calendar import london_date
from po_automation.services.price_sync import PriceSyncReport, sync_prices
from po_automation.settings import Settings
from po_automation.sources.snapshot import load_all
from po_automation.stores.price_cache import PriceCacheStore
from sandbox.cerve_emulator import CerveEmulator
from sandbox.cerve_emulator.server import CerveRequestHandler
from sandbox.local_tables import create_keyed_table

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 3, 6, 30, tzinfo=ZoneInfo("Europe/London"))
SEED = ROOT / "sandbox" / "cerve_seed.json"
CALLS_PER_SKU = 2  # pricing + availability
GOAL_RATIO = 1.15


def build_seed(n_products: int, n_suppliers: int = 7, seed: int = 3) -> dict[str, Any]:
    """A catalogue shaped like `sandbox/cerve_seed.json`: 2-3 supplier offers per product."""
    rng = random.Random(seed)
    suppliers = [{"id": f"sup_bench{k:02d}", "name": f"Bench Supplier {k}"} for k in range(7)]
    suppliers = suppliers[:n_suppliers]
    products, offers = [], []
    for i in range(n_products):
        product_id = f"prd_bench{i:05d}"
        price = Decimal(f"{rng.uniform(0.5, 20):.2f}")
        products.append(
            {
                "id": product_id,
                "sku": f"BENCH-{i:05d}",
                "name": f"Bench product {i}",
                "category": "fresh-produce",
                "unit": "kg",
                "price": str(price),
                "currency": "GBP",
                "active": True,
            }
        )
        for supplier in rng.sample(suppliers, rng.choice((2, 2, 3))):
            unit_price = (price * Decimal(f"{rng.uniform(0.9, 1.1):.3f}")).quantize(Decimal("0.01"))
            offers.append(
                {
                    "product_id": product_id,
                    "supplier_id": supplier["id"],
                    "unit_price": str(unit_price),
                    "pack_size": rng.choice(("1", "5", "10")),
                    "min_order_qty": "5",
                    "lead_time_days": rng.choice((1, 1, 2, 3)),
                    "order_cutoff": "14:00",
                    "price_breaks": [
                        {"min_qty": "50", "unit_price": str(unit_price * Decimal("0.95"))}
                    ],
                    "available_qty": str(rng.choice((100, 500, 2000))),
                }
            )
    return {"suppliers": suppliers, "products": products, "offers": offers}


@contextmanager
def _price_cache(ttl_minutes: int) -> Iterator[_TimedCache]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        # The price cache table as the stack defines it: pk = SKU, sk = supplier id.
        table = create_keyed_table(
            boto3.resource("dynamodb", region_name="eu-west-2"), "bench-price-cache"
        )
        yield _TimedCache(table, ttl_minutes)


class _TimedCache(PriceCacheStore):
    """The real store; remembers how long the final batch write took."""

    store_s = 0.0

    def put_offers(self, offers: Any, fetched_at: datetime) -> int:
        started = time.perf_counter()
        count = super().put_offers(offers, fetched_at)
        self.store_s = time.perf_counter() - started
        return count


@contextmanager
def _no_nagle() -> Iterator[None]:
    """TCP_NODELAY on the emulator's sockets for the bench.

    The emulator writes headers and body separately, so on loopback every response waits
    ~40 ms for the client's delayed ACK (Nagle): an artefact of http.server, not Cerve, that
    would triple the sequential baseline.
    """
    before = CerveRequestHandler.disable_nagle_algorithm
    CerveRequestHandler.disable_nagle_algorithm = True
    try:
        yield
    finally:
        CerveRequestHandler.disable_nagle_algorithm = before


def handler_max_workers(settings: Settings) -> int:
    """The worker count `lambdas/price_sync/handler.py` passes to `sync_prices`."""
    return max(1, int(settings.cerve_rate_limit_per_s))


def _one_sync(
    emu: CerveEmulator,
    settings: Settings,
    cache: _TimedCache,
    product_ids: dict[str, str],
    max_workers: int,
) -> tuple[float, dict[str, Any], PriceSyncReport]:
    # A new client per run: a cold container's token fetch and empty pool are part of it.
    client = CerveClient(
        emu.base_url,
        emu.auth_url,
        static_credentials(emu.client_id, emu.client_secret),
        timeout_s=settings.cerve_timeout_s,
        rate_limit_per_s=settings.cerve_rate_limit_per_s,
    )
    emu.counters.reset()
    started = time.perf_counter()
    report = sync_prices(list(product_ids), product_ids, client, cache, NOW, max_workers)
    wall = time.perf_counter() - started
    return wall, emu.counters.snapshot(), report


def calls_saved_share(sample_dir: Path = ROOT / "sample_data", seed_path: Path = SEED) -> dict:
    """Cerve calls per cycle on the sample data: reorderable SKUs only vs every orderable."""
    snap = load_all(sample_dir)
    seed = json.loads(seed_path.read_text())
    sku_of = {p["id"]: p["sku"] for p in seed["products"]}
    lead_times: dict[str, int] = {}
    for offer in seed["offers"]:
        sku = sku_of.get(offer["product_id"])
        if sku is not None:
            lead_times[sku] = max(lead_times.get(sku, 0), int(offer["lead_time_days"]))
    orderable = [p.sku for p in snap.products if p.orderable]
    wanted = price_refresh.reorderable_skus(
        snap.products,
        snap.stock,
        snap.order_lines,
        london_date(NOW),
        Settings().planning_horizon_days,
        lead_times,
    )
    # Only SKUs with a Cerve product cost calls; both sides count the same way.
    mapped = set(sku_of.values())
    all_calls = CALLS_PER_SKU * sum(1 for s in orderable if s in mapped)
    wanted_calls = CALLS_PER_SKU * sum(1 for s in wanted if s in mapped)
    return {
        "orderable_skus": len(orderable),
        "reorderable_skus": len(wanted),
        "calls_all_orderable": all_calls,
        "calls_reorderable": wanted_calls,
        "calls_saved_share": round(1 - wanted_calls / all_calls, 3) if all_calls else 0.0,
    }


def run(
    results: dict[str, Any],
    n_skus: int = 1000,
    latency_s: float = 0.02,
    rate_per_s: int = 100,
    repeats: int = 3,
    sequential: bool = True,
) -> dict[str, Any]:
    settings = Settings(cerve_rate_limit_per_s=Decimal(rate_per_s))
    workers = handler_max_workers(settings)
    seed = build_seed(n_skus)
    product_ids = {p["sku"]: p["id"] for p in seed["products"]}
    walls: list[float] = []
    calls: list[int] = []
    throttled: list[int] = []
    failed: dict[str, str] = {}
    offers = 0
    store_s: list[float] = []
    with (
        _no_nagle(),
        _price_cache(settings.price_cache_ttl_minutes) as cache,
        CerveEmulator.running(seed) as emu,
    ):
        emu.faults.latency("/v1/*", latency_s)
        emu.faults.rate_limit(rate_per_s)
        for i in range(repeats):
            wall, counters, report = _one_sync(emu, settings, cache, product_ids, workers)
            walls.append(wall)
            store_s.append(cache.store_s)
            calls.append(sum(counters["calls"].values()))
            throttled.append(counters["rate_limited"])
            failed.update(report.failed)
            offers = report.offers
            print(
                f"price_sync run {i + 1}/{repeats}: {n_skus} SKUs, {workers} workers, "
                f"{calls[-1]} calls in {wall:.2f} s ({calls[-1] / wall:.1f} calls/s; "
                f"{wall - cache.store_s:.2f} s fetching, {cache.store_s:.2f} s writing the cache), "
                f"{throttled[-1]} x 429, {len(report.failed)} failed"
            )
        sequential_s = None
        if sequential:
            sequential_s, counters, report = _one_sync(emu, settings, cache, product_ids, 1)
            failed.update(report.failed)
            print(
                f"price_sync sequential (1 worker, same limiter): {sequential_s:.2f} s "
                f"for {sum(counters['calls'].values())} calls"
            )
        assert len(cache.fresh_offers(NOW)) == n_skus - len(failed)

    wall_s = statistics.median(walls)
    n_calls = round(statistics.median(calls))
    floor_s = n_calls / rate_per_s
    saved = calls_saved_share()
    out = {
        "skus": n_skus,
        "latency_ms": round(latency_s * 1000),
        "rate_limit_per_s": rate_per_s,
        "max_workers": workers,
        "repeats": repeats,
        "wall_s": round(wall_s, 2),
        "wall_s_runs": [round(w, 2) for w in walls],
        "calls": n_calls,
        "http_429": max(throttled),
        "floor_s": round(floor_s, 2),
        "fetch_s": round(statistics.median(w - c for w, c in zip(walls, store_s, strict=True)), 2),
        "cache_write_s": round(statistics.median(store_s), 2),
        "fetch_ratio_to_floor": round(
            statistics.median(w - c for w, c in zip(walls, store_s, strict=True)) / floor_s, 3
        ),
        "ratio_to_floor": round(wall_s / floor_s, 3),
        "goal_ratio": GOAL_RATIO,
        "failed_skus": len(failed),
        "failed_examples": dict(list(failed.items())[:3]),
        "offers_cached": offers,
        "emulator_tcp_nodelay": True,
        "sequential_s": round(sequential_s, 2) if sequential_s is not None else None,
        "speedup_vs_sequential": round(sequential_s / wall_s, 2) if sequential_s else None,
        "calls_saved_share": saved["calls_saved_share"],
        "calls_saved_detail": saved,
    }
    results["price_sync"] = out
    verdict = "meets" if out["ratio_to_floor"] <= GOAL_RATIO and not failed else "MISSES"
    print(
        f"price_sync: median {wall_s:.2f} s vs floor {floor_s:.2f} s = "
        f"{out['ratio_to_floor']:.3f}x ({verdict} the {GOAL_RATIO}x goal), "
        f"{out['http_429']} x 429, {len(failed)} failed SKUs; sequential "
        f"{out['sequential_s']} s; reorderable-only saves {saved['calls_saved_share']:.0%} of "
        f"calls on the sample data ({saved['calls_reorderable']} vs "
        f"{saved['calls_all_orderable']})"
    )
    return results


if __name__ == "__main__":
    path = ROOT / "build" / "bench.json"
    merged = json.loads(path.read_text()) if path.exists() else {}
    run(merged)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"Wrote {path}")
