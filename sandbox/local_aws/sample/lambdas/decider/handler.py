"""Reads the stored task token and resumes the waiting execution with the decision."""

import json

import boto3

from po_automation.settings import get_settings


def handler(event, context):
    table = boto3.resource("dynamodb").Table(get_settings().po_table_name)
    draft = table.get_item(Key={"pk": event["draft_id"]})["Item"]
    decision = {
        "decision": event["decision"],
        "decided_by": event.get("decided_by", "buyer@example.com"),
        "reason": event.get("reason", ""),
    }
    boto3.client("stepfunctions").send_task_success(
        taskToken=draft["task_token"], output=json.dumps(decision)
    )
    return {"outcome": "approved" if event["decision"] == "approve" else "rejected"}
