"""The ERP loop: the nightly CSV export, and reconciliation against a fake Cerve."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import boto3
import pytest
from moto import mock_aws

from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import Source, approve
from po_automation.services.erp import export_to_s3
from po_automation.services.events import EventApplier
from po_automation.services.reconciliation import Reconciler
from tests.integration.lifecycle_support import (
    NOW,
    FakePublisher,
    lifecycle_env,
    make_record,
    make_store,
)


@dataclass
class FakeShipment:
    id: str
    status: str
    eta: str | None = None


@dataclass
class FakeCervePo:
    id: str
    status: str
    shipments: list[FakeShipment] = field(default_factory=list)


class FakeCerve:
    """An in-memory stand-in for `CerveClient.get_purchase_order`."""

    def __init__(self, pos: dict[str, FakeCervePo]):
        self.pos = pos
        self.asked: list[str] = []

    def get_purchase_order(self, po_id: str) -> FakeCervePo:
        self.asked.append(po_id)
        return self.pos[po_id]


@pytest.fixture
def store(monkeypatch):
    lifecycle_env(monkeypatch)
    with mock_aws():
        yield make_store()


def submit(store, draft_id, at=NOW):
    store.create_if_absent(make_record(draft_id))
    store.update(draft_id, lambda r: approve(r, "ana", "", at))
    return store.mark_submitted(draft_id, f"po_{draft_id}", "submitted", at)


def test_the_nightly_csv_has_statuses_and_costs(store):
    submit(store, "d-1")
    store.create_if_absent(make_record("d-2"))
    s3 = boto3.client("s3", region_name="eu-west-2")
    s3.create_bucket(
        Bucket="exports", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    result = export_to_s3(store.list_all(), s3, "exports", date(2026, 12, 4))
    assert result == {
        "bucket": "exports",
        "key": "erp/po-status/2026/12/04/po-status-2026-12-04.csv",
        "rows": 2,
    }
    text = s3.get_object(Bucket="exports", Key=result["key"])["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {
        "draft_id": "d-1",
        "cerve_po_id": "po_d-1",
        "external_reference": "FC-d-1",
        "supplier_id": "sup_green",
        "supplier_name": "Green Fields Ltd",
        "status": "submitted",
        "delivery_date": "2026-12-05",
        "total": "31.99",
        "savings": "30.51",
        "currency": "GBP",
        "last_update": NOW.isoformat(),
    }
    assert rows[1]["status"] == "pending_approval" and rows[1]["cerve_po_id"] == ""


def test_reconciliation_applies_what_a_missed_webhook_said(store):
    submit(store, "d-1")
    submit(store, "d-2")
    submit(store, "d-3", at=NOW + timedelta(hours=7))  # heard from recently: not asked
    cerve = FakeCerve(
        {
            "po_d-1": FakeCervePo("po_d-1", "dispatched", [FakeShipment("shp_1", "dispatched")]),
            "po_d-2": FakeCervePo("po_d-2", "submitted"),
        }
    )
    publisher = FakePublisher()
    reconciler = Reconciler(
        store,
        cerve,
        EventApplier(store, publisher),
        silent_after=timedelta(hours=6),
        clock=lambda: NOW + timedelta(hours=8),
    )
    report = reconciler.run()
    assert sorted(cerve.asked) == ["po_d-1", "po_d-2"]
    assert (report.checked, report.changed, report.unchanged) == (2, ["d-1"], 1)
    d1 = store.require("d-1")
    assert d1.status is PoStatus.DISPATCHED
    assert d1.history[-1].source is Source.RECONCILIATION
    assert [s.shipment_id for s in d1.shipments] == ["shp_1"]
    assert publisher.details[-1]["to_status"] == "dispatched"
    assert store.require("d-2").last_heard_at == NOW + timedelta(hours=8)
    # Asking again changes nothing and applies nothing twice.
    again = Reconciler(
        store,
        cerve,
        EventApplier(store, publisher),
        silent_after=timedelta(hours=0),
        clock=lambda: NOW + timedelta(hours=9),
    )
    assert again.run().changed == []
    assert store.require("d-1").status is PoStatus.DISPATCHED


def test_one_failing_lookup_does_not_stop_the_others(store):
    submit(store, "d-1")
    submit(store, "d-2")
    cerve = FakeCerve({"po_d-2": FakeCervePo("po_d-2", "accepted")})
    report = Reconciler(
        store,
        cerve,
        EventApplier(store, FakePublisher()),
        silent_after=timedelta(hours=1),
        clock=lambda: NOW + timedelta(hours=2),
    ).run()
    assert report.changed == ["d-2"] and "d-1" in report.failed
