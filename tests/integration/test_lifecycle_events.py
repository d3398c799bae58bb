"""Applying Cerve's events: the SQS batch handler, duplicates, order, and a small burst."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import approve
from tests.integration.lifecycle_support import (
    NOW,
    FakeContext,
    lifecycle_env,
    load_handler,
    make_record,
    make_store,
)
from tools.bench_webhooks import run_burst


def cerve_event(event_id: str, status: str, po_id: str = "po_1", minute: int = 0) -> str:
    at = f"2026-12-03T10:{minute:02d}:00Z"
    return json.dumps(
        {
            "id": event_id,
            "type": "po.status",
            "created_at": at,
            "data": {
                "purchase_order_id": po_id,
                "external_reference": None,
                "status": status,
                "occurred_at": at,
                "shipment": None,
            },
        }
    )


def sqs_batch(*bodies: str) -> dict:
    return {
        "Records": [
            {
                "messageId": f"msg-{i}",
                "receiptHandle": f"rh-{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:webhooks",
                "awsRegion": "eu-west-2",
            }
            for i, body in enumerate(bodies)
        ]
    }


@pytest.fixture
def applier(monkeypatch):
    lifecycle_env(monkeypatch)
    with mock_aws():
        store = make_store()
        store.create_if_absent(make_record("d-1"))
        store.update("d-1", lambda r: approve(r, "ana", "", NOW))
        store.mark_submitted("d-1", "po_1", "submitted", NOW)
        module = load_handler("apply_events")
        yield store, lambda *bodies: module.handler(sqs_batch(*bodies), FakeContext())


def test_a_batch_answers_exactly_the_failing_message(applier):
    store, handle = applier
    answer = handle(
        cerve_event("e1", "accepted"),
        cerve_event("e2", "accepted", "po_unknown"),
        cerve_event("e3", "dispatched", minute=5),
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert store.require("d-1").status is PoStatus.DISPATCHED


def test_the_same_event_twice_is_applied_once(applier):
    store, handle = applier
    assert handle(cerve_event("e1", "accepted"), cerve_event("e1", "accepted")) == {
        "batchItemFailures": []
    }
    assert handle(cerve_event("e1", "accepted")) == {"batchItemFailures": []}
    history = store.require("d-1").history
    assert [h.event_id for h in history].count("e1") == 1


def test_delivered_before_dispatched_stays_delivered(applier):
    store, handle = applier
    handle(cerve_event("e1", "delivered", minute=30))
    handle(cerve_event("e2", "dispatched", minute=10))
    record = store.require("d-1")
    assert record.status is PoStatus.DELIVERED
    assert (record.history[-1].to_status, record.history[-1].applied) == (
        PoStatus.DISPATCHED,
        False,
    )


def test_an_event_for_an_unknown_po_is_retried_not_dropped(applier):
    _, handle = applier
    answer = handle(cerve_event("e9", "accepted", "po_unknown"))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}


def test_a_shuffled_burst_with_duplicates_loses_nothing_and_applies_nothing_twice():
    result = run_burst(n_events=120, n_pos=12, duplicate_ratio=0.1, workers=4, seed=3)
    assert result["events"] == 132
    assert result["duplicates_ignored"] == 12
    assert (result["lost"], result["applied_twice"], result["wrong_final_status"]) == (0, 0, 0)
