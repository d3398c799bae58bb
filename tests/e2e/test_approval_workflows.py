"""Issue #5: the approval and decision state machines, for real, in the local AWS.

The synthesized stack is deployed into moto once for this module; its Cerve URL points at
the emulator on loopback. Each test stores its own draft (real Cerve products, prices and
pack sizes from the seed), starts the approval execution as generation does (name = draft
id), and decides through the decision workflow as the console does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from po_automation.cli import execution_name as decision_execution_name
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.models import DraftLine, DraftPurchaseOrder
from po_automation.domain.purchase_order import PurchaseOrderRecord, Source, new_record
from po_automation.services.approval_start import execution_name as approval_execution_name
from po_automation.stores.purchase_orders import PurchaseOrderStore
from sandbox.cerve_emulator import CerveEmulator
from sandbox.local_aws import LocalAws
from sandbox.local_aws.local import ExecutionSnapshot
from sandbox.local_aws.product import product_context, product_stack

pytestmark = pytest.mark.slow  # deploys the real stack into moto

SEED = Path(__file__).resolve().parents[2] / "sandbox" / "cerve_seed.json"
STAGE = "dev"
APPROVER = "Priya Shah (procurement)"

# Thames Valley Dairies in the seed: no price breaks, so the seed price is the price.
SUPPLIER = ("sup_gcxihmjhmbjint", "Thames Valley Dairies")
MILK = ("FC-DA-201", "prd_3tprhce7dpozgr", "1.37", "6", "6")  # sku, product, price, pack, min
CHEESE = ("FC-DA-203", "prd_ntu6zmxio5wbkw", "78.80", "1", "1")
BUTTER = ("FC-DA-204", "prd_66bt53x4zmy6fh", "8.48", "5", "5")


@dataclass
class World:
    local: LocalAws
    cerve: CerveEmulator
    store: PurchaseOrderStore


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with CerveEmulator.running(SEED) as cerve:
        context = product_context(STAGE)
        stage = {**context["stages"][STAGE], "cerve_base_url": cerve.base_url}
        stage["cerve_auth_url"] = cerve.auth_url
        context["stages"] = {**context["stages"], STAGE: stage}
        with LocalAws(product_stack(), synth_context=context) as local:
            env = local.function_env("submit_po")
            local.client("secretsmanager").put_secret_value(
                SecretId=env["CERVE_SECRET_NAME"],
                SecretString=json.dumps(
                    {
                        "client_id": cerve.client_id,
                        "client_secret": cerve.client_secret,
                        "webhook_signing_secret": cerve.webhook_secret,
                    }
                ),
            )
            table = local.resource("dynamodb").Table(env["PO_TABLE_NAME"])
            yield World(local, cerve, PurchaseOrderStore(table))


# -- helpers ----------------------------------------------------------------------------


def line(item: tuple[str, str, str, str, str], quantity: str) -> DraftLine:
    sku, product_id, price, pack, minimum = item
    return DraftLine(
        sku=sku,
        product_id=product_id,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        reason="e2e: covers the next three days",
        last_price_paid=Decimal(price),
        usual_quantity=Decimal(quantity),
        pack_size=Decimal(pack),
        min_order_qty=Decimal(minimum),
    )


def store_draft(
    world: World, case: str, *lines: DraftLine, cutoff_in: timedelta = timedelta(hours=4)
) -> PurchaseOrderRecord:
    now = datetime.now(UTC)
    draft = DraftPurchaseOrder(
        draft_id=f"E2E-{case}-{uuid.uuid4().hex[:8]}",
        supplier_id=SUPPLIER[0],
        supplier_name=SUPPLIER[1],
        delivery_date=date.today() + timedelta(days=2),
        order_by=now + cutoff_in,
        lines=lines,
        created_at=now,
    )
    assert world.store.create_if_absent(new_record(draft, now))
    return world.store.require(draft.draft_id)


def large_draft(world: World, case: str) -> PurchaseOrderRecord:
    """£870.20: above dev's £500 auto-approval limit, so procurement decides."""
    record = store_draft(world, case, line(CHEESE, "10"), line(MILK, "60"))
    assert record.total == Decimal("870.20")
    return record


def start_approval(world: World, draft_id: str) -> str:
    """As generation starts it: one execution per draft, named by the draft id."""
    return world.local.start_execution(
        "approval", {"draft_id": draft_id}, name=approval_execution_name(draft_id)
    )


def waiting_approval(world: World, case: str) -> tuple[PurchaseOrderRecord, str]:
    record = large_draft(world, case)
    arn = start_approval(world, record.draft_id)
    world.local.wait_for_execution(arn, until_state="WaitForDecision")
    return world.store.require(record.draft_id), arn


def decide(world: World, draft_id: str, decision: str, **extra: Any) -> ExecutionSnapshot:
    payload = {"draft_id": draft_id, "decision": decision, "decided_by": APPROVER, **extra}
    # Named as `fc-po` names them (moto would name every unnamed execution "None").
    name = decision_execution_name(draft_id, decision)
    arn = world.local.start_execution("decision", payload, name=name)
    return world.local.wait_for_execution(arn)


def cerve_pos(world: World, draft_id: str) -> list[dict[str, Any]]:
    reference = f"FC-{draft_id}"
    return [po for po in world.cerve.purchase_orders() if po["external_reference"] == reference]


def quantities(po: dict[str, Any]) -> dict[str, Decimal]:
    return {item["product_id"]: Decimal(item["quantity"]) for item in po["items"]}


def failure(snapshot: ExecutionSnapshot) -> dict[str, str]:
    for event in reversed(snapshot.history):
        if event["type"] == "ExecutionFailed":
            return dict(event["executionFailedEventDetails"])
    raise AssertionError(f"execution did not fail: {snapshot.status}")


# -- tests ------------------------------------------------------------------------------


def test_approve_through_the_decision_workflow_submits_the_po(world):
    record, arn = waiting_approval(world, "approve")
    assert record.status is PoStatus.PENDING_APPROVAL
    assert record.task_token  # the waiting execution's token is on the draft

    decision = decide(world, record.draft_id, "approve", reason="menu plan checked")

    assert decision.status == "SUCCEEDED"
    assert decision.output["outcome"] == "approved"
    approval = world.local.wait_for_execution(arn)
    assert approval.status == "SUCCEEDED"
    assert approval.output["submission"]["outcome"] == "submitted"
    [po] = cerve_pos(world, record.draft_id)
    assert po["id"] == approval.output["submission"]["cerve_po_id"]
    assert Decimal(po["total"]) == Decimal("870.20")
    stored = world.store.require(record.draft_id)
    assert stored.status is PoStatus.SUBMITTED
    assert stored.cerve_po_id == po["id"]
    assert stored.decided_by == APPROVER
    assert stored.task_token is None


def test_reject_ends_the_workflow_without_a_po(world):
    record, arn = waiting_approval(world, "reject")

    decision = decide(world, record.draft_id, "reject", reason="supplier quality issue")

    assert decision.output["outcome"] == "rejected"
    approval = world.local.wait_for_execution(arn)
    assert approval.status == "SUCCEEDED"
    assert approval.output["decision"]["decision"] == "reject"
    assert "submission" not in approval.output
    assert cerve_pos(world, record.draft_id) == []
    stored = world.store.require(record.draft_id)
    assert stored.status is PoStatus.REJECTED
    assert stored.decision_reason == "supplier quality issue"
    assert stored.cerve_po_id is None


def test_an_edit_that_lowers_the_total_is_approved_and_submitted_as_edited(world):
    record, arn = waiting_approval(world, "edit-down")

    decision = decide(
        world,
        record.draft_id,
        "edit",
        reason="less cheese this week",
        lines=[{"sku": CHEESE[0], "quantity": "5"}],
    )

    assert decision.output["outcome"] == "edited"
    assert decision.output["total"] == "476.20"
    assert world.local.wait_for_execution(arn).status == "SUCCEEDED"
    [po] = cerve_pos(world, record.draft_id)
    assert quantities(po) == {CHEESE[1]: Decimal("5"), MILK[1]: Decimal("60")}
    assert Decimal(po["total"]) == Decimal("476.20")
    stored = world.store.require(record.draft_id)
    assert stored.status is PoStatus.SUBMITTED
    assert stored.revision == 1
    assert stored.approved_total == Decimal("476.20")


def test_an_edit_that_raises_the_total_waits_for_a_fresh_approval(world):
    record, arn = waiting_approval(world, "edit-up")

    edited = decide(
        world,
        record.draft_id,
        "edit",
        reason="extra milk for the weekend",
        lines=[{"sku": MILK[0], "quantity": "120"}],
    )

    assert edited.output["outcome"] == "awaiting_reapproval"
    assert edited.output["total"] == "952.40"
    pending = world.store.require(record.draft_id)
    assert pending.status is PoStatus.PENDING_APPROVAL
    assert pending.revision == 1
    still = world.local.execution_state(arn)
    assert still.status == "RUNNING"
    assert still.current_state == "WaitForDecision" and still.waiting_for_callback
    assert cerve_pos(world, record.draft_id) == []

    approved = decide(world, record.draft_id, "approve", reason="weekend confirmed")

    assert approved.output["outcome"] == "approved"
    assert world.local.wait_for_execution(arn).status == "SUCCEEDED"
    [po] = cerve_pos(world, record.draft_id)
    assert quantities(po) == {CHEESE[1]: Decimal("10"), MILK[1]: Decimal("120")}
    stored = world.store.require(record.draft_id)
    assert stored.status is PoStatus.SUBMITTED
    assert stored.approved_total == Decimal("952.40")


def test_an_override_off_the_pack_size_fails_clearly_and_changes_nothing(world):
    record, arn = waiting_approval(world, "edit-bad")

    decision = decide(
        world,
        record.draft_id,
        "edit",
        reason="round it",
        lines=[{"sku": MILK[0], "quantity": "61"}],
    )

    assert decision.status == "FAILED"
    details = failure(decision)
    assert details["error"] == "InvalidOverride"
    assert "FC-DA-201: quantity 61 is not a multiple of the pack size 6" in details["cause"]
    assert world.store.require(record.draft_id) == record
    still = world.local.execution_state(arn)
    assert still.current_state == "WaitForDecision" and still.waiting_for_callback
    assert cerve_pos(world, record.draft_id) == []


def test_a_second_decision_on_a_decided_draft_changes_nothing(world):
    record, arn = waiting_approval(world, "twice")
    assert decide(world, record.draft_id, "approve", reason="ok").output["outcome"] == "approved"
    assert world.local.wait_for_execution(arn).status == "SUCCEEDED"
    decided = world.store.require(record.draft_id)

    for second in (
        {"decision": "reject", "reason": "changed my mind"},
        {"decision": "approve", "reason": "again"},
        {"decision": "edit", "reason": "more", "lines": [{"sku": MILK[0], "quantity": "120"}]},
    ):
        again = decide(world, record.draft_id, **second)
        assert again.status == "SUCCEEDED"
        assert again.output["outcome"] == "already_decided"
        assert again.output["status"] == "submitted"
        assert "already decided" in again.output["message"]

    assert world.store.require(record.draft_id) == decided
    assert len(cerve_pos(world, record.draft_id)) == 1


def test_a_draft_not_decided_by_the_cut_off_expires(world):
    record = store_draft(
        world, "expiry", line(CHEESE, "10"), line(MILK, "60"), cutoff_in=timedelta(seconds=2)
    )
    arn = start_approval(world, record.draft_id)

    approval = world.local.wait_for_execution(arn, timeout_s=30)

    assert approval.status == "SUCCEEDED"
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in approval.history
        if e["type"].endswith("StateEntered")
    ]
    assert entered[-3:] == ["WaitForDecision", "ExpireDraft", "Expired"]
    assert approval.output["expiry"] == {
        "draft_id": record.draft_id,
        "status": "expired",
        "expired": True,
    }
    stored = world.store.require(record.draft_id)
    assert stored.status is PoStatus.EXPIRED
    assert stored.history[-1].source is Source.EXPIRY
    assert stored.task_token is None
    assert cerve_pos(world, record.draft_id) == []
    late = decide(world, record.draft_id, "approve", reason="too late")
    assert late.output["outcome"] == "already_decided"
    assert world.store.require(record.draft_id).status is PoStatus.EXPIRED


def test_a_small_unflagged_draft_is_approved_by_rule_and_submitted(world):
    record = store_draft(world, "auto", line(MILK, "60"), line(BUTTER, "10"))
    assert record.total == Decimal("167.00")

    approval = world.local.wait_for_execution(start_approval(world, record.draft_id))

    assert approval.status == "SUCCEEDED"
    entered = {
        e["stateEnteredEventDetails"]["name"]
        for e in approval.history
        if e["type"].endswith("StateEntered")
    }
    assert "WaitForDecision" not in entered
    assert approval.output["auto_approved"] is True
    [po] = cerve_pos(world, record.draft_id)
    stored = world.store.require(record.draft_id)
    assert stored.status is PoStatus.SUBMITTED
    assert stored.decided_by == "auto-approval"
    assert stored.cerve_po_id == po["id"]


def test_starting_the_same_approval_twice_is_harmless(world):
    record = store_draft(world, "restart", line(MILK, "60"), line(BUTTER, "10"))
    arn = start_approval(world, record.draft_id)
    assert world.local.wait_for_execution(arn).status == "SUCCEEDED"

    with pytest.raises(ClientError) as raised:
        start_approval(world, record.draft_id)
    assert raised.value.response["Error"]["Code"] == "ExecutionAlreadyExists"

    again = world.local.invoke("submit_po", {"draft_id": record.draft_id})
    assert again["outcome"] == "already_submitted"
    [po] = cerve_pos(world, record.draft_id)
    assert again["cerve_po_id"] == po["id"] == world.store.require(record.draft_id).cerve_po_id
