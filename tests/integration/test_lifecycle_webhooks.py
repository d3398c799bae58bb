"""The webhook receiver end to end: real Standard Webhooks signatures, moto SQS."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws
from standardwebhooks.webhooks import Webhook

from po_automation.settings import get_settings
from tests.integration.lifecycle_support import (
    WEBHOOK_SECRET,
    FakeContext,
    lifecycle_env,
    load_handler,
)

OTHER_SECRET = "whsec_" + base64.b64encode(b"another-secret-key-32-bytes-long").decode()


def body(event_id: str | None = "evt_1", status: str = "accepted") -> str:
    event = {
        "type": "po.status",
        "created_at": "2026-12-03T10:15:00Z",
        "data": {
            "purchase_order_id": "po_1",
            "external_reference": "FC-d-1",
            "status": status,
            "occurred_at": "2026-12-03T10:14:58Z",
            "shipment": None,
        },
    }
    if event_id:
        event["id"] = event_id
    return json.dumps(event)


def signed_headers(payload: str, *, age=timedelta(0), secret=WEBHOOK_SECRET, msg_id="msg_1"):
    at = datetime.now(UTC) - age
    signature = Webhook(secret).sign(msg_id, at, payload)
    return {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(int(at.timestamp())),
        "Webhook-Signature": signature,
        "Content-Type": "application/json",
    }


def rest_event(payload: str, headers: dict, b64: bool = False) -> dict:
    return {
        "resource": "/webhooks/cerve",
        "path": "/webhooks/cerve",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": {"requestId": "r1", "stage": "prod", "path": "/prod/webhooks/cerve"},
        "body": base64.b64encode(payload.encode()).decode() if b64 else payload,
        "isBase64Encoded": b64,
    }


def http_event(payload: str, headers: dict, b64: bool = False) -> dict:
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/cerve",
        "rawPath": "/webhooks/cerve",
        "rawQueryString": "",
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {
            "http": {"method": "POST", "path": "/webhooks/cerve", "sourceIp": "1.2.3.4"},
            "requestId": "r1",
            "stage": "$default",
        },
        "body": base64.b64encode(payload.encode()).decode() if b64 else payload,
        "isBase64Encoded": b64,
    }


@pytest.fixture
def receiver(monkeypatch):
    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-2")
        url = sqs.create_queue(QueueName="webhooks")["QueueUrl"]
        lifecycle_env(monkeypatch, WEBHOOK_QUEUE_URL=url)
        module = load_handler("webhook_receiver")

        def call(event):
            response = module.handler(event, FakeContext())
            return response["statusCode"], json.loads(response["body"] or "{}")

        def queued():
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
            return [json.loads(m["Body"])["id"] for m in got.get("Messages", [])]

        yield call, queued


def test_a_valid_event_is_queued_then_answered_202(receiver):
    call, queued = receiver
    payload = body()
    assert call(rest_event(payload, signed_headers(payload))) == (202, {"received": "evt_1"})
    assert queued() == ["evt_1"]


def test_one_byte_changed_is_401_and_nothing_queued(receiver):
    call, queued = receiver
    payload = body()
    headers = signed_headers(payload)
    status, answer = call(rest_event(payload.replace("accepted", "accepteD"), headers))
    assert (status, answer) == (401, {"error": "invalid signature"})
    assert queued() == []


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_a_timestamp_six_minutes_off_either_way_is_401(receiver, age):
    call, queued = receiver
    payload = body()
    assert call(rest_event(payload, signed_headers(payload, age=age)))[0] == 401
    assert queued() == []


def test_two_signatures_during_rotation_one_valid_is_accepted(receiver):
    call, _ = receiver
    payload = body()
    headers = signed_headers(payload)
    stale = signed_headers(payload, secret=OTHER_SECRET)["Webhook-Signature"]
    headers["Webhook-Signature"] = f"{stale} {headers['Webhook-Signature']}"
    assert call(rest_event(payload, headers))[0] == 202


@pytest.mark.parametrize("bad", ["garbage", "v1,not*base64", "", "v2,abc v1"])
def test_a_malformed_signature_header_is_401_never_500(receiver, bad):
    call, _ = receiver
    payload = body()
    headers = signed_headers(payload)
    headers["Webhook-Signature"] = bad
    assert call(rest_event(payload, headers))[0] == 401


def test_a_base64_body_is_verified_on_its_decoded_bytes(receiver):
    call, queued = receiver
    payload = body()
    assert call(rest_event(payload, signed_headers(payload), b64=True))[0] == 202
    assert queued() == ["evt_1"]


def test_http_api_v2_with_lowercase_headers_and_base64(receiver):
    call, queued = receiver
    payload = body("evt_v2")
    assert call(http_event(payload, signed_headers(payload), b64=True)) == (
        202,
        {"received": "evt_v2"},
    )
    assert queued() == ["evt_v2"]


def test_malformed_json_is_400_with_a_reason(receiver):
    call, _ = receiver
    payload = "{not json"
    status, answer = call(rest_event(payload, signed_headers(payload)))
    assert status == 400 and "not JSON" in answer["error"]


def test_a_missing_event_id_is_400_with_a_reason(receiver):
    call, queued = receiver
    payload = body(event_id=None)
    status, answer = call(rest_event(payload, signed_headers(payload)))
    assert status == 400 and "id" in answer["error"]
    assert queued() == []


def test_when_sqs_refuses_the_answer_is_not_2xx(receiver, monkeypatch):
    call, _ = receiver
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", "https://sqs.eu-west-2.amazonaws.com/123456789012/nope")
    get_settings.cache_clear()
    payload = body()
    status, answer = call(rest_event(payload, signed_headers(payload)))
    assert status == 503 and "retry" in answer["error"]
