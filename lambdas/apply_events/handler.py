"""SQS → POs: applies each Cerve event once, forward only; answers partial batch failures.

A failing message (unknown PO, a throttled table) is reported by its message id so SQS
retries only it; after 5 receives it waits in the dead-letter queue.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from po_automation.observability import logger, metrics, tracer
from po_automation.services.events import EventApplier, build_applier, parse_event
from po_automation.settings import get_settings

# A batch where every event fails still answers with each message id, so SQS counts
# receives per message (and dead-letters after 5) instead of retrying an opaque error.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
_applier: EventApplier | None = None


def _get_applier() -> EventApplier:
    global _applier  # noqa: PLW0603 - one applier per container, built on first use
    if _applier is None:
        _applier = build_applier(get_settings())
    return _applier


@tracer.capture_method
def record_handler(record: SQSRecord) -> dict[str, Any]:
    event = parse_event(json.loads(record.body))
    logger.append_keys(event_id=event.event_id)
    try:
        outcome = _get_applier().apply(event)
    finally:
        logger.remove_keys(["event_id"])
    if not outcome.applied:
        metrics.add_metric(name="WebhookEventsDuplicate", unit=MetricUnit.Count, value=1)
    return {"event_id": outcome.event_id, "applied": outcome.applied}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
