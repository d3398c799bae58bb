"""Event shapes AWS services hand to Lambda, built exactly as the services build them."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One `Records[]` entry of an SQS event, from a `ReceiveMessage` result message."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            key: attributes[key]
            for key in (
                "ApproximateReceiveCount",
                "SentTimestamp",
                "SenderId",
                "ApproximateFirstReceiveTimestamp",
                "MessageGroupId",
                "MessageDeduplicationId",
                "SequenceNumber",
                "AWSTraceHeader",
            )
            if key in attributes
        },
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": (
                    base64.b64encode(value["BinaryValue"]).decode()
                    if "BinaryValue" in value
                    else None
                ),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def api_gateway_proxy_event(
    *,
    method: str,
    path: str,
    resource_path: str,
    headers: Mapping[str, str] | None,
    body: str | bytes | Mapping[str, Any] | None,
    query: Mapping[str, str] | None,
    stage: str,
    api_id: str,
    account_id: str,
    resource_id: str,
) -> dict[str, Any]:
    """An API Gateway REST API (v1) Lambda proxy integration event."""
    header_map = dict(headers or {})
    if isinstance(body, Mapping):
        body = json.dumps(body)
    is_base64 = isinstance(body, bytes)
    body_text = base64.b64encode(body).decode() if isinstance(body, bytes) else body
    now = time.time()
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": method,
        "headers": header_map or None,
        "multiValueHeaders": {k: [v] for k, v in header_map.items()} or None,
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": resource_id,
            "resourcePath": resource_path,
            "httpMethod": method,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{stage}{path}",
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": api_id,
            "requestTimeEpoch": int(now * 1000),
            "requestId": str(uuid.uuid4()),
            "identity": {
                "sourceIp": "127.0.0.1",
                "userAgent": header_map.get("User-Agent", header_map.get("user-agent")),
                "accountId": None,
                "caller": None,
                "user": None,
                "userArn": None,
            },
            "domainName": f"{api_id}.execute-api.amazonaws.com",
            "apiId": api_id,
        },
        "body": body_text,
        "isBase64Encoded": is_base64,
    }
