"""Hourly: ask Cerve about open POs that have heard nothing for a while (a missed webhook)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation.cerve.client import CerveClient
from po_automation.observability import logger, metrics, tracer
from po_automation.services.events import build_applier, build_store
from po_automation.services.reconciliation import Reconciler
from po_automation.services.secrets import cerve_secret
from po_automation.settings import get_settings


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    cerve = CerveClient(
        settings.cerve_base_url,
        settings.resolved_cerve_auth_url,
        cerve_secret,
        timeout_s=settings.cerve_timeout_s,
        rate_limit_per_s=settings.cerve_rate_limit_per_s,
        remaining_time_ms=context.get_remaining_time_in_millis,
    )
    reconciler = Reconciler(
        build_store(settings),
        cerve,
        build_applier(settings),
        silent_after=timedelta(hours=settings.reconcile_after_hours),
    )
    report = reconciler.run()
    metrics.add_metric(name="PosReconciled", unit=MetricUnit.Count, value=len(report.changed))
    metrics.add_metric(name="PoReconcileFailures", unit=MetricUnit.Count, value=len(report.failed))
    return report.as_dict()
