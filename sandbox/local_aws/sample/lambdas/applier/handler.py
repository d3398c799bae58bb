"""SQS batch handler reporting partial failures: a body containing "poison" fails."""

import json

import boto3

from po_automation.settings import get_settings


def handler(event, context):
    table = boto3.resource("dynamodb").Table(get_settings().po_table_name)
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        if "poison" in body.get("draft_id", ""):
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        table.put_item(
            Item={
                "pk": body["draft_id"],
                "status": body["status"],
                "updated_at": "2026-01-01T00:00:00Z",
                "receive_count": record["attributes"]["ApproximateReceiveCount"],
            }
        )
    return {"batchItemFailures": failures}
