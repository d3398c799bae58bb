"""The purchase-order table on moto: exact decimals, optimistic locking, events once."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from moto import mock_aws

from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import CerveEvent, apply_event, approve
from po_automation.stores.purchase_orders import ConcurrentUpdate
from tests.integration.lifecycle_support import (
    NOW,
    lifecycle_env,
    make_line,
    make_record,
    make_store,
)


@pytest.fixture
def store(monkeypatch):
    lifecycle_env(monkeypatch)
    with mock_aws():
        yield make_store()


def submitted(store, draft_id="d-001"):
    store.create_if_absent(make_record(draft_id))
    store.update(draft_id, lambda r: approve(r, "ana", "ok", NOW))
    return store.mark_submitted(draft_id, f"po_{draft_id}", "submitted", NOW)


def test_decimals_round_trip_exactly(store):
    lines = (make_line("SKU-1", "12.345", "0.0001"), make_line("SKU-2", "7", "1234567.89"))
    record = make_record(lines=lines)
    assert store.create_if_absent(record)
    loaded = store.require("d-001")
    assert loaded.draft.lines[0].quantity == Decimal("12.345")
    assert loaded.draft.lines[0].unit_price == Decimal("0.0001")
    assert sum(line.total for line in loaded.draft.lines) == Decimal("8641975.2312345")
    assert loaded.total == Decimal("8641975.23")  # invoiced to the penny
    assert all(isinstance(x.quantity, Decimal) for x in loaded.draft.lines)
    assert replace(loaded, version=0, updated_at=None) == replace(record, updated_at=None)


def test_create_if_absent_never_overwrites(store):
    assert store.create_if_absent(make_record())
    assert not store.create_if_absent(make_record(lines=(make_line("X"),)))
    assert store.require("d-001").draft.lines[0].sku == "SKU-1"


def test_a_stale_write_is_refused(store):
    store.create_if_absent(make_record())
    first = store.require("d-001")
    store.save(approve(first, "ana", "", NOW), first.version)
    with pytest.raises(ConcurrentUpdate):
        store.save(approve(first, "bob", "", NOW), first.version)
    assert store.require("d-001").decided_by == "ana"


def test_queries_by_status_cerve_id_and_reference(store):
    submitted(store, "d-1")
    store.create_if_absent(make_record("d-2"))
    assert [r.draft_id for r in store.list_by_status(PoStatus.PENDING_APPROVAL)] == ["d-2"]
    assert store.find_by_cerve_id("po_d-1").draft_id == "d-1"
    assert store.find_by_external_reference("FC-d-2").draft_id == "d-2"
    assert store.find_by_cerve_id("po_nope") is None
    assert store.get("EVENT#x") is None


def test_submission_helpers_give_the_keys_submission_needs(store):
    record = submitted(store)
    assert record.status is PoStatus.SUBMITTED
    assert record.external_reference == "FC-d-001"
    assert record.idempotency_key == "fc-po-d-001-r0"
    store.create_if_absent(make_record("d-9"))
    store.update("d-9", lambda r: approve(r, "ana", "", NOW))
    assert store.mark_needs_correction("d-9", "qty: not a multiple").correction_reason


def test_a_duplicate_event_is_applied_once_even_when_racing(store):
    submitted(store)
    event = CerveEvent("evt_1", "po.status", "po_d-001", None, "accepted", NOW)
    # The worst interleaving, made deterministic: eight deliveries all read the PO before any
    # of them writes. (Real threads would test moto's thread safety, which it lacks, not ours.)
    reads = [store.require("d-001") for _ in range(8)]
    results = []
    for record in reads:
        new, _change = apply_event(record, event, NOW)
        try:
            results.append(store.apply_event("evt_1", new, record.version))
        except ConcurrentUpdate:
            results.append("conflict")
    assert results.count(True) == 1
    history = store.require("d-001").history
    assert [h.event_id for h in history].count("evt_1") == 1


def test_out_of_order_event_is_kept_in_history(store):
    record = submitted(store)
    for event_id, status in (("e1", "delivered"), ("e2", "dispatched")):
        event = CerveEvent(event_id, "po.status", "po_d-001", None, status, NOW)
        new, _ = apply_event(record, event, NOW)
        assert store.apply_event(event_id, new, record.version)
        record = store.require("d-001")
    assert record.status is PoStatus.DELIVERED
    late = record.history[-1]
    assert (late.event_id, late.to_status, late.applied) == ("e2", PoStatus.DISPATCHED, False)
