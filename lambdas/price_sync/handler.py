"""Every 15 minutes: fresh supplier prices and availability for the SKUs that may be
reordered within the planning horizon.

Three kinds of call (docs/architecture.md, "State machines", price sync):
- `{"action": "plan", "rate_limit_per_s", "concurrency", "time_budget_s"}` from the state
  machine's `PlanShards`: the reorderable SKUs cut into shards, `{"shards": [{"skus"}]}`;
- `{"skus": [...], "rate_limit_per_s"}` from its Distributed Map: one shard, refreshed at
  that share of Cerve's limit;
- anything else (a manual or demo invocation): every reorderable SKU at the full limit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from po_automation import aws
from po_automation.observability import logger, metrics, tracer
from po_automation.services.cerve_access import build_client
from po_automation.services.price_sync import plan_shards, reorderable_skus, sync_prices
from po_automation.settings import Settings, get_settings
from po_automation.stores.inventory import InventoryStore
from po_automation.stores.price_cache import PriceCacheStore


class PlanRequest(BaseModel):
    rate_limit_per_s: Decimal = Field(gt=0)
    concurrency: int = Field(ge=1)
    time_budget_s: int = Field(ge=1)


class ShardRequest(BaseModel):
    skus: list[str] = Field(min_length=1)
    rate_limit_per_s: Decimal | None = Field(default=None, gt=0)


def _reorderable(settings: Settings, cache: PriceCacheStore, now: datetime) -> list[str]:
    picture = InventoryStore(aws.table(settings.inventory_table_name)).load()
    return reorderable_skus(picture, cache, now, settings.planning_horizon_days)


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    settings.require("inventory_table_name", "price_cache_table_name")
    now = datetime.now(UTC)
    cache = PriceCacheStore(
        aws.table(settings.price_cache_table_name), settings.price_cache_ttl_minutes
    )

    if event.get("action") == "plan":
        plan = PlanRequest.model_validate(event)
        shards = plan_shards(
            _reorderable(settings, cache, now),
            min(plan.rate_limit_per_s, settings.cerve_rate_limit_per_s),
            plan.concurrency,
            plan.time_budget_s,
        )
        logger.info(
            "price sync planned",
            extra={"shards": len(shards), "skus": sum(len(s) for s in shards)},
        )
        return {"shards": [{"skus": shard} for shard in shards]}

    rate = settings.cerve_rate_limit_per_s
    if event.get("skus"):
        shard = ShardRequest.model_validate(event)
        skus = shard.skus
        # Never above the configured limit, whatever the caller asked for.
        rate = min(rate, shard.rate_limit_per_s or rate)
    else:
        skus = _reorderable(settings, cache, now)
    # Clients are cached per container by their settings, so a share gets its own limiter.
    client_settings = settings.model_copy(update={"cerve_rate_limit_per_s": rate})
    report = sync_prices(
        skus,
        {sku: m.product_id for sku, m in cache.mappings().items()},
        build_client(client_settings, context.get_remaining_time_in_millis),
        cache,
        now,
        max_workers=max(1, int(rate)),
    )
    metrics.add_metric(name="PricesRefreshed", unit=MetricUnit.Count, value=report.refreshed)
    metrics.add_metric(name="PriceSyncFailures", unit=MetricUnit.Count, value=len(report.failed))
    log = logger.warning if report.failed else logger.info  # the alarm says why to look
    log("prices synced", extra={**report.as_dict(), "rate_limit_per_s": str(rate)})
    return report.as_dict()
