"""Every 15 minutes: fresh supplier prices and availability for the SKUs that may be
reordered within the planning horizon."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation import aws
from po_automation.observability import logger, metrics, tracer
from po_automation.services.cerve_access import build_client
from po_automation.services.price_sync import reorderable_skus, sync_prices
from po_automation.settings import get_settings
from po_automation.stores.inventory import InventoryStore
from po_automation.stores.price_cache import PriceCacheStore


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
    picture = InventoryStore(aws.table(settings.inventory_table_name)).load()
    # A shard of SKUs from the Distributed Map, or every reorderable SKU.
    skus = event.get("skus") or reorderable_skus(
        picture, cache, now, settings.planning_horizon_days
    )
    report = sync_prices(
        skus,
        {sku: m.product_id for sku, m in cache.mappings().items()},
        build_client(settings, context.get_remaining_time_in_millis),
        cache,
        now,
        max_workers=max(1, int(settings.cerve_rate_limit_per_s)),
    )
    metrics.add_metric(name="PricesRefreshed", unit=MetricUnit.Count, value=report.refreshed)
    metrics.add_metric(name="PriceSyncFailures", unit=MetricUnit.Count, value=len(report.failed))
    logger.info("prices synced", extra=report.as_dict())
    return report.as_dict()
