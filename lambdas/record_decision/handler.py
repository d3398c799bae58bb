"""The decision workflow: applies procurement's decision, then wakes the waiting execution.

Invalid input or a decision past the cut-off fails the execution with a `DecisionError`
whose message says what to fix; the console and `fc-po` show it as the cause.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation.observability import logger, metrics, tracer
from po_automation.services.decisions import build_decision_service, parse_decision
from po_automation.settings import get_settings


@logger.inject_lambda_context(correlation_id_path="draft_id")
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    decision = parse_decision(event)
    result = build_decision_service(get_settings()).record(decision)
    logger.info("decision outcome", extra={"outcome": result["outcome"]})
    return result
