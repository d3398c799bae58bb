"""Daily, before the earliest supplier cut-off: draft the POs and start their approvals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation import aws
from po_automation.observability import logger, metrics, tracer
from po_automation.services.approval_start import approval_starter
from po_automation.services.generation import draft_value, generate_drafts, rules_from
from po_automation.settings import get_settings
from po_automation.stores.inventory import InventoryStore
from po_automation.stores.price_cache import PriceCacheStore
from po_automation.stores.purchase_orders import PurchaseOrderStore


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    settings.require(
        "inventory_table_name",
        "price_cache_table_name",
        "po_table_name",
        "approval_state_machine_arn",
    )
    report = generate_drafts(
        InventoryStore(aws.table(settings.inventory_table_name)),
        PriceCacheStore(
            aws.table(settings.price_cache_table_name), settings.price_cache_ttl_minutes
        ),
        PurchaseOrderStore(aws.table(settings.po_table_name)),
        approval_starter(aws.client("stepfunctions"), settings.approval_state_machine_arn),
        datetime.now(UTC),
        rules_from(settings),
    )
    for decision in report.result.decisions:
        logger.info("reorder decision", extra={"sku": decision.sku, "reason": decision.reason})
    metrics.add_metric(name="DraftsCreated", unit=MetricUnit.Count, value=len(report.created))
    metrics.add_metric(name="DraftValue", unit=MetricUnit.Count, value=float(draft_value(report)))
    metrics.add_metric(
        name="SkusAtRiskOfStockout", unit=MetricUnit.Count, value=len(report.at_risk)
    )
    return report.as_dict()
