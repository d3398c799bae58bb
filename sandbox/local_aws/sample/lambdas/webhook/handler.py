"""API Gateway proxy handler: checks a header against the secret, queues the body."""

import json

import boto3

from po_automation.settings import get_settings


def handler(event, context):
    settings = get_settings()
    secret = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=settings.cerve_secret_name)[
            "SecretString"
        ]
    )
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if headers.get("webhook-signature") != secret["webhook_signing_secret"]:
        return {"statusCode": 401, "body": json.dumps({"error": "bad signature"})}
    boto3.client("sqs").send_message(QueueUrl=settings.webhook_queue_url, MessageBody=event["body"])
    return {
        "statusCode": 202,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"queued": True, "path": event["path"]}),
    }
