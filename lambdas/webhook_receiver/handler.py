"""API Gateway → SQS: verifies Cerve's signature and queues the event, nothing more.

Answers 2xx only once SQS has accepted the event (Cerve retries anything else), 401 for a
bad signature, 400 with a reason for a body we could never apply. Works behind a REST API
(payload v1) and an HTTP API (payload v2), with bodies API Gateway base64-encoded.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from aws_lambda_powertools.event_handler import (
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from po_automation import aws
from po_automation.cerve.webhooks import MalformedWebhook, WebhookSignatureError, verify_webhook
from po_automation.observability import logger, metrics, tracer
from po_automation.services.events import MalformedEvent, parse_event
from po_automation.services.secrets import webhook_signing_secrets
from po_automation.settings import get_settings

ROUTE = "/webhooks/cerve"
# An HTTP API on a named stage puts the stage in rawPath ("/prod/webhooks/cerve").
_STAGE_PREFIX = re.compile(r"^/[^/]+(?=/webhooks/)")

rest_app = APIGatewayRestResolver()
http_app = APIGatewayHttpResolver(strip_prefixes=[_STAGE_PREFIX])


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(status, content_types.APPLICATION_JSON, json.dumps(body))


def _raw_body(app: ApiGatewayResolver) -> bytes:
    event = app.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(body, validate=True)
    return body.encode("utf-8")


def receive(app: ApiGatewayResolver) -> Response:
    headers = {k.lower(): v for k, v in (app.current_event.headers or {}).items()}
    try:
        raw = _raw_body(app)
    except (binascii.Error, ValueError):
        return _json(400, {"error": "body is not valid base64"})
    try:
        payload = verify_webhook(headers, raw, webhook_signing_secrets())
    except WebhookSignatureError as exc:
        metrics.add_metric(name="WebhookSignatureRejected", unit=MetricUnit.Count, value=1)
        logger.warning("webhook signature rejected", extra={"reason": str(exc)})
        return _json(401, {"error": "invalid signature"})
    except MalformedWebhook as exc:
        return _json(400, {"error": str(exc)})
    try:
        event = parse_event(payload)
    except MalformedEvent as exc:
        return _json(400, {"error": str(exc)})
    logger.append_keys(event_id=event.event_id)
    try:
        aws.client("sqs").send_message(
            QueueUrl=get_settings().webhook_queue_url,
            MessageBody=raw.decode("utf-8"),
            MessageAttributes={
                "event_id": {"DataType": "String", "StringValue": event.event_id},
                "event_type": {"DataType": "String", "StringValue": event.type or "unknown"},
            },
        )
    except (ClientError, BotoCoreError):
        logger.exception("could not queue the event; Cerve will retry")
        return _json(503, {"error": "event not queued, retry later"})
    logger.info("webhook queued", extra={"event_type": event.type})
    return _json(202, {"received": event.event_id})


@rest_app.post(ROUTE)
def _receive_rest() -> Response:
    return receive(rest_app)


@http_app.post(ROUTE)
def _receive_http() -> Response:
    return receive(http_app)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    app = http_app if event.get("version") == "2.0" else rest_app
    return app.resolve(event, context)
