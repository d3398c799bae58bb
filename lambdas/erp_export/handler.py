"""Nightly: every PO's status and cost as CSV in the export bucket, for SAP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation import aws
from po_automation.observability import logger, metrics, tracer
from po_automation.services.erp import export_to_s3
from po_automation.services.events import build_store
from po_automation.settings import get_settings


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    settings.require("po_table_name", "export_bucket_name")
    day = datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)).date()
    result = export_to_s3(
        build_store(settings).list_all(), aws.client("s3"), settings.export_bucket_name, day
    )
    logger.info("ERP export written", extra=result)
    return result
