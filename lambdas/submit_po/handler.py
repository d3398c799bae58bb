"""Approval workflow step: send an approved draft to Cerve with its Idempotency-Key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation import aws
from po_automation.observability import logger, metrics, tracer
from po_automation.services.cerve_access import build_client
from po_automation.services.events import build_publisher
from po_automation.services.notifications import build_notifier
from po_automation.services.submission import SubmissionService
from po_automation.settings import get_settings
from po_automation.stores.purchase_orders import PurchaseOrderStore


def _metric(name: str, value: float) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


@logger.inject_lambda_context(correlation_id_path="draft_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    settings.require("po_table_name")
    service = SubmissionService(
        PurchaseOrderStore(aws.table(settings.po_table_name)),
        build_client(settings, context.get_remaining_time_in_millis),
        build_notifier(settings).publish,
        _metric,
        lambda: datetime.now(UTC),
        logger,
        build_publisher(settings).publish,
    )
    return service.submit(event["draft_id"]).as_dict()
