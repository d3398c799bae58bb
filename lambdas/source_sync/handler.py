"""Hourly: read FreshConnect's exports from the import bucket into the inventory picture."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation import aws
from po_automation.observability import logger, metrics, tracer
from po_automation.services.source_sync import sync_bucket
from po_automation.settings import get_settings
from po_automation.stores.inventory import InventoryStore


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    settings.require("import_bucket_name", "inventory_table_name")
    store = InventoryStore(aws.table(settings.inventory_table_name))
    report = sync_bucket(aws.client("s3"), settings.import_bucket_name, store, datetime.now(UTC))
    for error in report.rejected:
        logger.warning(
            "row rejected", extra={"file": error.file, "line": error.line, "reason": error.reason}
        )
    metrics.add_metric(name="SourceRowsRejected", unit=MetricUnit.Count, value=len(report.rejected))
    logger.info("sources synced", extra={"rows_read": report.rows_read, "skus": report.skus})
    return report.as_dict()
