"""Writes one item to the table named by the shared settings (PO_TABLE_NAME)."""

import os

import boto3

from po_automation.settings import get_settings


def handler(event, context):
    settings = get_settings()
    settings.require("po_table_name")
    table = boto3.resource("dynamodb").Table(settings.po_table_name)
    item = {
        "pk": event["id"],
        "status": event.get("status", "pending_approval"),
        "updated_at": "2026-01-01T00:00:00Z",
        "written_by": context.function_name,
    }
    table.put_item(Item=item)
    return {
        "table": settings.po_table_name,
        "stage": settings.stage,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "only_mine": os.environ.get("ONLY_IN_WRITER"),
    }
