"""Weekly: map every orderable SKU to its Cerve product; report the ones that do not map."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation import aws
from po_automation.observability import logger, metrics, tracer
from po_automation.services.catalog_sync import sync_catalog
from po_automation.services.cerve_access import build_client
from po_automation.services.notifications import build_notifier
from po_automation.settings import get_settings
from po_automation.stores.inventory import InventoryStore
from po_automation.stores.price_cache import PriceCacheStore


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    settings.require("inventory_table_name", "price_cache_table_name")
    products = InventoryStore(aws.table(settings.inventory_table_name)).load().products
    report = sync_catalog(
        products,
        build_client(settings, context.get_remaining_time_in_millis),
        PriceCacheStore(aws.table(settings.price_cache_table_name)),
        datetime.now(UTC),
        max_workers=max(1, int(settings.cerve_rate_limit_per_s)),
        notify=build_notifier(settings).publish,
    )
    metrics.add_metric(
        name="SkusUnmapped",
        unit=MetricUnit.Count,
        value=len(report.unmapped) + len(report.ambiguous),
    )
    metrics.add_metric(
        name="CatalogLookupFailures", unit=MetricUnit.Count, value=len(report.failed)
    )
    log = logger.warning if report.needs_attention else logger.info
    log("catalog synced", extra=report.as_dict())
    return report.as_dict()
