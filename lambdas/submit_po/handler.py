"""Approval workflow step: send an approved draft to Cerve with its Idempotency-Key.

With the price cache and the approval state machine configured, the supplier's stock is
checked first and lines it lacks move to fallback drafts (`services.fallback`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation import aws
from po_automation.observability import logger, metrics, tracer
from po_automation.services.approval_start import approval_starter
from po_automation.services.cerve_access import build_client
from po_automation.services.events import build_publisher
from po_automation.services.fallback import SupplierFallback
from po_automation.services.notifications import build_notifier
from po_automation.services.submission import SubmissionService
from po_automation.settings import Settings, get_settings
from po_automation.stores.price_cache import PriceCacheStore
from po_automation.stores.purchase_orders import PurchaseOrderStore


def _metric(name: str, value: float) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def _fallback(settings: Settings, client: Any) -> SupplierFallback | None:
    """Off until the stack gives this function the price cache and the approval machine."""
    if not (settings.price_cache_table_name and settings.approval_state_machine_arn):
        return None
    return SupplierFallback(
        client,
        PriceCacheStore(
            aws.table(settings.price_cache_table_name), settings.price_cache_ttl_minutes
        ),
        approval_starter(aws.client("stepfunctions"), settings.approval_state_machine_arn),
    )


@logger.inject_lambda_context(correlation_id_path="draft_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    settings.require("po_table_name")
    client = build_client(settings, context.get_remaining_time_in_millis)
    service = SubmissionService(
        PurchaseOrderStore(aws.table(settings.po_table_name)),
        client,
        build_notifier(settings).publish,
        _metric,
        lambda: datetime.now(UTC),
        logger,
        build_publisher(settings).publish,
        fallback=_fallback(settings, client),
    )
    return service.submit(event["draft_id"]).as_dict()
