"""Supplier price sync: Cerve pricing and availability into the price cache.

Only SKUs that may be reordered within the planning horizon are refreshed (see
`domain.price_refresh`); each needs two calls (pricing, availability), made concurrently
(`CerveClient.fetch_offers`) while the client's rate limiter keeps the pace under Cerve's
limit. One
SKU's failure is reported and retried next cycle, never fatal to the rest.

A catalog too large for one invocation is cut into shards (`plan_shards`) that the
price-sync state machine's Distributed Map refreshes side by side, each worker at its share
of the rate limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Protocol

from po_automation.domain import price_refresh
from po_automation.domain.calendar import london_date
from po_automation.domain.models import SupplierOffer
from po_automation.stores.inventory import InventoryPicture
from po_automation.stores.price_cache import PriceCacheStore

# Pricing and availability: the Cerve calls one SKU costs per refresh.
CALLS_PER_SKU = 2


WRITE_CHUNK = 100  # SKUs per cache write: small enough to overlap the calls, big enough to batch


class OffersSource(Protocol):
    def fetch_offers(self, product_ids: Iterable[str], max_workers: int = 8) -> Any: ...


@dataclass(slots=True)
class PriceSyncReport:
    requested: int = 0
    refreshed: int = 0
    offers: int = 0
    skipped_not_reorderable: int = 0
    unmapped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "refreshed": self.refreshed,
            "offers": self.offers,
            "skipped_not_reorderable": self.skipped_not_reorderable,
            "unmapped": list(self.unmapped),
            "failed": dict(self.failed),
        }


def sync_prices(
    skus: Iterable[str],
    product_ids: Mapping[str, str],
    client: OffersSource,
    cache: PriceCacheStore,
    now: datetime,
    max_workers: int = 8,
) -> PriceSyncReport:
    """Refresh the offers of `skus` (those with a Cerve mapping) into `cache`."""
    report = PriceSyncReport()
    wanted = []
    for sku in skus:
        report.requested += 1
        if sku in product_ids:
            wanted.append(sku)
        else:
            report.unmapped.append(sku)

    # Fetch in chunks and write each chunk while the next is fetched, so the cache write
    # overlaps the Cerve calls instead of adding its time at the end.
    sku_of = {product_ids[sku]: sku for sku in wanted}
    ids = list(sku_of)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="price-cache") as writer:
        writes: list[Future[int]] = []
        for start in range(0, len(ids), WRITE_CHUNK):
            result = client.fetch_offers(ids[start : start + WRITE_CHUNK], max_workers=max_workers)
            fresh: list[SupplierOffer] = []
            for product_id, offers in result.offers.items():
                report.refreshed += 1
                fresh.extend(offers.to_domain(sku_of[product_id]))
            for product_id, error in result.errors.items():
                report.failed[sku_of[product_id]] = f"{type(error).__name__}: {error}"
            writes.append(writer.submit(cache.put_offers, fresh, now))
        report.offers = sum(w.result() for w in writes)
    return report


def reorderable_skus(
    picture: InventoryPicture, cache: PriceCacheStore, now: datetime, horizon_days: int
) -> list[str]:
    """The SKUs worth a Cerve call this cycle (see `domain.price_refresh`)."""
    lead_times: dict[str, int] = {}
    for sku, offers in cache.fresh_offers(now).items():
        lead_times[sku] = max(o.lead_time_days for o in offers)
    return price_refresh.reorderable_skus(
        picture.products,
        picture.stock,
        picture.order_lines,
        london_date(now),
        horizon_days,
        lead_times,
    )


def max_shard_size(
    rate_limit_per_s: Decimal, concurrency: int, time_budget_s: Decimal | int
) -> int:
    """The most SKUs one worker refreshes within `time_budget_s` at its share of the limit."""
    if rate_limit_per_s <= 0:
        raise ValueError(f"rate_limit_per_s must be positive, got {rate_limit_per_s}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    share = Decimal(rate_limit_per_s) / concurrency
    size = int((share * Decimal(time_budget_s) / CALLS_PER_SKU).to_integral_value(ROUND_FLOOR))
    if size < 1:
        raise ValueError(
            f"a time budget of {time_budget_s} s at {share} requests/s cannot refresh even one "
            f"SKU ({CALLS_PER_SKU} calls each)"
        )
    return size


def plan_shards(
    skus: Iterable[str],
    rate_limit_per_s: Decimal,
    concurrency: int,
    time_budget_s: Decimal | int,
) -> list[list[str]]:
    """Every SKU once, in as few shards as keep each within the time budget.

    A worker gets `rate_limit_per_s / concurrency` requests a second, so a shard of N SKUs
    takes `CALLS_PER_SKU * N / share` seconds. Shards are evened out (sizes differ by at most
    one) so that workers running side by side finish together; a catalog that fits one
    worker's budget is one shard, and no SKUs means no shards.
    """
    limit = max_shard_size(rate_limit_per_s, concurrency, time_budget_s)
    unique = list(dict.fromkeys(skus))
    if not unique:
        return []
    count = -(-len(unique) // limit)
    base, extra = divmod(len(unique), count)
    shards, start = [], 0
    for i in range(count):
        end = start + base + (1 if i < extra else 0)
        shards.append(unique[start:end])
        start = end
    return shards
