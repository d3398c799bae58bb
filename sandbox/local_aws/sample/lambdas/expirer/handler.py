"""Submits a draft (stands in for submit_po); a draft id starting with "fail" raises."""

import boto3

from po_automation.settings import get_settings


class SubmitFailed(Exception):
    pass


def handler(event, context):
    if event["draft_id"].startswith("fail"):
        raise SubmitFailed(f"cannot submit {event['draft_id']}")
    table = boto3.resource("dynamodb").Table(get_settings().po_table_name)
    table.update_item(
        Key={"pk": event["draft_id"]},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "submitted"},
    )
    return {"draft_id": event["draft_id"], "status": "submitted"}
