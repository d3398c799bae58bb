"""The approval workflow's steps: prepare, await a decision (task token), expire."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation.observability import logger, metrics, tracer
from po_automation.services.approval import build_approval_service
from po_automation.settings import get_settings


@logger.inject_lambda_context(correlation_id_path="draft_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action, draft_id = event.get("action"), event.get("draft_id")
    if not draft_id:
        raise ValueError("draft_id is required")
    service = build_approval_service(get_settings())
    if action == "prepare":
        result = service.prepare(draft_id)
        if result["auto_approved"]:
            metrics.add_metric(name="DraftsAutoApproved", unit=MetricUnit.Count, value=1)
        return result
    if action == "await_decision":
        token = event.get("task_token")
        if not token:
            raise ValueError("await_decision needs task_token")
        result = service.await_decision(draft_id, token)
        if result["notified"]:
            metrics.add_metric(name="DraftsAwaitingApproval", unit=MetricUnit.Count, value=1)
        return result
    if action == "expire":
        result = service.expire(draft_id)
        if result["expired"]:
            metrics.add_metric(name="DraftsExpired", unit=MetricUnit.Count, value=1)
        return result
    raise ValueError(f"unknown action {action!r}: expected prepare, await_decision or expire")
