"""The PO record's rules: decisions once, edits within pack sizes, events forward only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.models import DraftLine, DraftPurchaseOrder
from po_automation.domain.purchase_order import (
    AlreadyDecided,
    CerveEvent,
    InvalidOverride,
    Shipment,
    Source,
    apply_event,
    approve,
    draft_id_from_reference,
    edit,
    expire,
    mark_needs_correction,
    mark_submitted,
    new_record,
    reject,
)

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def line(sku: str, qty: str, price: str, pack: str = "5", moq: str = "10") -> DraftLine:
    return DraftLine(
        sku=sku,
        product_id=f"prd_{sku}",
        quantity=Decimal(qty),
        unit_price=Decimal(price),
        reason="",
        pack_size=Decimal(pack),
        min_order_qty=Decimal(moq),
        last_price_paid=Decimal("1.20"),
    )


def record():
    draft = DraftPurchaseOrder(
        draft_id="d-1",
        supplier_id="sup_1",
        supplier_name="Green Fields",
        delivery_date=date(2026, 12, 5),
        order_by=NOW + timedelta(hours=4),
        lines=(line("A", "20", "1.10"), line("B", "10", "2.00")),
    )
    return new_record(draft, NOW)


def event(status: str, event_id: str = "evt_1", minutes: int = 0) -> CerveEvent:
    return CerveEvent(
        event_id, "po.status", "po_1", "FC-d-1", status, NOW + timedelta(minutes=minutes)
    )


def test_keys_derive_from_the_draft_and_the_key_changes_with_an_edit():
    r = record()
    assert r.external_reference == "FC-d-1"
    assert draft_id_from_reference(r.external_reference) == "d-1"
    edited = edit(r, {"A": Decimal("10")}, "ana", "less", NOW).record
    assert edited.idempotency_key != r.idempotency_key
    assert edited.external_reference == r.external_reference
    assert record().idempotency_key == r.idempotency_key  # deterministic


def test_approve_records_who_why_and_the_approved_total():
    r = approve(record(), "ana", "looks right", NOW)
    assert r.status is PoStatus.APPROVED
    assert (r.decided_by, r.decision_reason, r.decided_at) == ("ana", "looks right", NOW)
    assert r.approved_total == Decimal("42.00")
    assert r.history[-1].from_status is PoStatus.PENDING_APPROVAL


def test_a_second_decision_is_refused():
    r = approve(record(), "ana", "", NOW)
    with pytest.raises(AlreadyDecided, match="already decided"):
        reject(r, "bob", "too dear", NOW)
    with pytest.raises(AlreadyDecided):
        approve(r, "bob", "", NOW)


def test_reject_needs_a_reason_and_a_name():
    with pytest.raises(ValueError, match="reason"):
        reject(record(), "ana", " ", NOW)
    with pytest.raises(ValueError, match="who decided"):
        approve(record(), "", "ok", NOW)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"A": Decimal("12")}, "not a multiple of the pack size 5"),
        ({"A": Decimal("5")}, "below the minimum order 10"),
        ({"A": Decimal("0")}, "must be positive"),
        ({"Z": Decimal("10")}, "Z: no such line"),
    ],
)
def test_edit_overrides_are_checked_against_pack_size_and_minimum(overrides, message):
    with pytest.raises(InvalidOverride, match=message):
        edit(record(), overrides, "ana", "", NOW)


def test_edit_that_lowers_the_total_is_an_approval():
    result = edit(record(), {"A": Decimal("10")}, "ana", "less waste", NOW)
    assert not result.needs_reapproval
    assert result.record.status is PoStatus.APPROVED
    assert result.record.total == Decimal("31.00")
    assert result.record.approved_total == Decimal("31.00")
    assert result.record.revision == 1


def test_edit_that_raises_the_total_needs_approval_again():
    result = edit(record(), {"A": Decimal("50")}, "ana", "event on Friday", NOW)
    assert result.needs_reapproval
    assert result.record.status is PoStatus.PENDING_APPROVAL
    assert result.record.total == Decimal("75.00")
    assert "needs approval again" in result.record.history[-1].note
    approved = approve(result.record, "bob", "ok", NOW)
    assert approved.approved_total == Decimal("75.00")


def test_after_a_correction_an_edit_above_the_approved_total_needs_approval():
    corrected = mark_needs_correction(approve(record(), "ana", "", NOW), "bad qty", NOW)
    assert corrected.status is PoStatus.NEEDS_CORRECTION
    assert edit(corrected, {"B": Decimal("15")}, "ana", "", NOW).needs_reapproval
    within = edit(corrected, {"B": Decimal("10"), "A": Decimal("15")}, "ana", "", NOW)
    assert within.record.status is PoStatus.APPROVED


def test_expire_ends_an_undecided_draft_only():
    expired = expire(record(), NOW)
    assert expired.status is PoStatus.EXPIRED
    assert expired.history[-1].source is Source.EXPIRY
    with pytest.raises(AlreadyDecided):
        expire(approve(record(), "ana", "", NOW), NOW)


def submitted():
    return mark_submitted(approve(record(), "ana", "", NOW), "po_1", "submitted", NOW)


def test_mark_submitted_is_idempotent():
    once = submitted()
    assert once.status is PoStatus.SUBMITTED and once.cerve_po_id == "po_1"
    assert mark_submitted(once, "po_1", "submitted", NOW) == once


def test_events_move_forward_and_late_ones_are_kept_unapplied():
    r, change = apply_event(submitted(), event("delivered", "e1"), NOW)
    assert r.status is PoStatus.DELIVERED and change is not None
    late, change = apply_event(r, event("dispatched", "e2", minutes=-5), NOW)
    assert change is None
    assert late.status is PoStatus.DELIVERED
    assert late.history[-1].applied is False
    assert late.history[-1].to_status is PoStatus.DISPATCHED
    assert replace(late, history=r.history) == r


def test_a_shipment_dispatch_moves_the_po_to_dispatched():
    accepted, _ = apply_event(submitted(), event("accepted"), NOW)
    shipped = CerveEvent(
        "e3",
        "shipment.dispatched",
        "po_1",
        None,
        None,
        NOW,
        Shipment("shp_1", "dispatched", "2026-12-05T08:00:00Z", NOW),
    )
    r, change = apply_event(accepted, shipped, NOW)
    assert r.status is PoStatus.DISPATCHED and change is not None
    assert r.shipments[0].status == "dispatched"
