"""Approval steps: prepare, store the task token while waiting, or expire the draft."""

import boto3

from po_automation.settings import get_settings


def _table():
    return boto3.resource("dynamodb").Table(get_settings().po_table_name)


def handler(event, context):
    action = event["action"]
    draft_id = event["draft_id"]
    if action == "prepare":
        return {
            "draft_id": draft_id,
            "auto_approved": bool(event.get("auto_approved", False)),
            "seconds_until_cutoff": int(event.get("seconds_until_cutoff", 3600)),
        }
    if action == "await_decision":
        _table().update_item(
            Key={"pk": draft_id},
            UpdateExpression="SET task_token = :t, #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":t": event["task_token"], ":s": "pending_approval"},
        )
        return {"stored": True}
    if action == "expire":
        _table().update_item(
            Key={"pk": draft_id},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": "expired"},
        )
        return {"draft_id": draft_id, "status": "expired"}
    raise ValueError(f"unknown action {action!r}")
