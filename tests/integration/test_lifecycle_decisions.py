"""Approval and decisions on moto DynamoDB: prepare, await, approve, reject, edit, expire."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import boto3
import pytest
from moto import mock_aws

from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import DecisionError
from po_automation.services.approval import ApprovalService
from po_automation.services.decisions import DecisionService, parse_decision
from po_automation.services.events import StatusPublisher
from po_automation.services.notifications import Notifier
from tests.integration.lifecycle_support import (
    NOW,
    FakeNotifier,
    FakePublisher,
    FakeTasks,
    lifecycle_env,
    make_line,
    make_record,
    make_store,
)


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def world(monkeypatch):
    lifecycle_env(monkeypatch)
    with mock_aws():
        store = make_store()
        tasks, publisher, notifier, clock = FakeTasks(), FakePublisher(), FakeNotifier(), Clock()
        approval = ApprovalService(
            store,
            notifier=notifier,
            publisher=publisher,
            tasks=tasks,
            auto_approve_max_total=Decimal("500"),
            clock=clock,
        )
        decisions = DecisionService(
            store,
            tasks=tasks,
            publisher=publisher,
            notifier=notifier,
            approval_state_machine_arn="arn:approval",
            clock=clock,
        )
        yield store, approval, decisions, tasks, publisher, notifier, clock


def waiting(world, draft_id="d-001", **kw):
    store, approval, *_ = world
    store.create_if_absent(make_record(draft_id, **kw))
    prepared = approval.prepare(draft_id)
    assert prepared == {
        "draft_id": draft_id,
        "auto_approved": False,
        "seconds_until_cutoff": 5 * 3600,
    }
    approval.await_decision(draft_id, "token-1")


def decide(decisions, **payload):
    return decisions.record(
        parse_decision({"draft_id": "d-001", "decided_by": "ana", "reason": "checked", **payload})
    )


def test_a_small_unflagged_draft_is_auto_approved(world):
    store, approval, _, _tasks, publisher, *_ = world
    store.create_if_absent(make_record(lines=(make_line("SKU-1"),)))
    assert approval.prepare("d-001")["auto_approved"] is True
    record = store.require("d-001")
    assert (record.status, record.decided_by) == (PoStatus.APPROVED, "auto-approval")
    assert publisher.details[-1]["to_status"] == "approved"
    assert approval.prepare("d-001")["auto_approved"] is True  # a re-run changes nothing
    assert len(store.require("d-001").history) == 2


def test_a_flagged_draft_waits_with_its_token_and_procurement_is_told(world):
    waiting(world)
    store, *_, notifier, _ = world
    assert store.require("d-001").task_token == "token-1"
    assert notifier.sent == [("awaiting", "d-001")]


def test_approve_wakes_the_execution_and_records_who(world):
    waiting(world)
    store, _, decisions, tasks, publisher, *_ = world
    answer = decide(decisions, decision="approve")
    assert answer["outcome"] == "approved"
    assert tasks.successes == [
        ("token-1", {"decision": "approve", "decided_by": "ana", "reason": "checked"})
    ]
    record = store.require("d-001")
    assert (record.status, record.decided_by, record.task_token) == (PoStatus.APPROVED, "ana", None)
    assert publisher.details[-1]["to_status"] == "approved"


def test_reject_sends_reject(world):
    waiting(world)
    _, _, decisions, tasks, *_ = world
    assert decide(decisions, decision="reject")["outcome"] == "rejected"
    assert tasks.successes[0][1]["decision"] == "reject"


def test_a_second_decision_answers_already_decided_and_changes_nothing(world):
    waiting(world)
    store, _, decisions, tasks, *_ = world
    decide(decisions, decision="approve")
    before = store.require("d-001")
    answer = decisions.record(
        parse_decision(
            {"draft_id": "d-001", "decision": "reject", "decided_by": "bob", "reason": "no"}
        )
    )
    assert answer["outcome"] == "already_decided"
    assert "already decided: approved by ana" in answer["message"]
    assert store.require("d-001") == before
    assert len(tasks.successes) == 1


def test_edit_within_the_total_approves_with_new_quantities(world):
    waiting(world)
    store, _, decisions, tasks, *_ = world
    answer = decide(decisions, decision="edit", lines=[{"sku": "SKU-1", "quantity": "10"}])
    assert answer["outcome"] == "edited"
    record = store.require("d-001")
    assert record.draft.lines[0].quantity == Decimal("10")
    assert record.revision == 1 and record.status is PoStatus.APPROVED
    assert tasks.successes[0][1]["decision"] == "approve"


def test_edit_raising_the_total_awaits_reapproval_then_approve_goes_through(world):
    waiting(world)
    store, _, decisions, tasks, _, notifier, _ = world
    answer = decide(decisions, decision="edit", lines=[{"sku": "SKU-1", "quantity": "100"}])
    assert answer["outcome"] == "awaiting_reapproval"
    assert store.require("d-001").status is PoStatus.PENDING_APPROVAL
    assert tasks.successes == []
    assert notifier.sent[-1] == ("reapproval", "d-001")
    assert decide(decisions, decision="approve")["outcome"] == "approved"
    assert tasks.successes[0][0] == "token-1"


def test_invalid_edit_is_a_clear_error_and_changes_nothing(world):
    waiting(world)
    store, _, decisions, *_ = world
    before = store.require("d-001")
    with pytest.raises(DecisionError, match="not a multiple of the pack size 5"):
        decide(decisions, decision="edit", lines=[{"sku": "SKU-1", "quantity": "12"}])
    with pytest.raises(DecisionError, match="decision must be approve, reject or edit"):
        decide(decisions, decision="maybe")
    assert store.require("d-001") == before


def test_expiry_at_the_cutoff_ends_the_draft_and_tells_procurement(world):
    waiting(world)
    store, approval, decisions, _, publisher, notifier, clock = world
    clock.now = NOW + timedelta(hours=5)
    with pytest.raises(DecisionError, match="past its supplier's cut-off"):
        decide(decisions, decision="approve")
    assert approval.expire("d-001")["expired"] is True
    assert store.require("d-001").status is PoStatus.EXPIRED
    assert notifier.sent[-1] == ("expired", "d-001")
    assert publisher.details[-1]["to_status"] == "expired"


def test_expiry_after_a_decision_changes_nothing(world):
    waiting(world)
    _store, approval, decisions, *_ = world
    decide(decisions, decision="approve")
    assert approval.expire("d-001") == {"draft_id": "d-001", "status": "approved", "expired": False}


def test_a_decision_before_the_token_is_delivered_when_the_token_arrives(world):
    store, approval, decisions, tasks, *_ = world
    store.create_if_absent(make_record())
    approval.prepare("d-001")
    decide(decisions, decision="approve")
    assert tasks.successes == []
    approval.await_decision("d-001", "token-late")
    assert tasks.successes[0][0] == "token-late"


def test_correcting_a_refused_po_starts_a_new_execution_by_revision(world):
    store, _approval, decisions, tasks, *_ = world
    waiting(world)
    decide(decisions, decision="approve")
    store.mark_needs_correction("d-001", "SKU-1: quantity refused")
    answer = decide(decisions, decision="edit", lines=[{"sku": "SKU-1", "quantity": "10"}])
    assert answer["outcome"] == "edited"
    assert tasks.started[0]["name"] == "d-001-r1"


def test_the_summary_sent_to_procurement_is_readable(monkeypatch):
    lifecycle_env(monkeypatch)
    with mock_aws():
        sent = []

        class Sns:
            def publish(self, **kw):
                sent.append(kw)

        record = make_record()
        Notifier(Sns(), "arn:topic").draft_awaiting(record)
        message = sent[0]["Message"]
        assert sent[0]["Subject"].startswith("d-001: draft PO awaits you, Green Fields")
        assert "SKU-2: 30 x £0.33 = £9.99" in message and "FLAGGED: price" in message
        assert "Total: £31.99" in message and "Savings against last prices paid: £" in message
        assert "fc-po approve d-001 --by" in message and '"decision": "approve"' in message
        assert len(sent[0]["Subject"]) <= 100


def test_status_changes_reach_eventbridge_with_decimal_strings(monkeypatch):
    lifecycle_env(monkeypatch)
    with mock_aws():
        events = boto3.client("events", region_name="eu-west-2")
        events.create_event_bus(Name="po-bus")
        record = make_record()
        StatusPublisher(events, "po-bus").publish(record, record.history[-1])  # no error
