"""The buying side on moto and the Cerve emulator: sources → catalog → prices → drafts → Cerve.

Real adapters, stores, services, client and emulator; the approval workflow is replaced by
the domain's own `approve` (the state machines are exercised in the e2e tier).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from po_automation.cerve.auth import static_credentials
from po_automation.cerve.client import CerveClient
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import approve
from po_automation.services.catalog_sync import sync_catalog
from po_automation.services.generation import generate_drafts, rules_from
from po_automation.services.price_sync import reorderable_skus, sync_prices
from po_automation.services.source_sync import sync_bucket, sync_directory
from po_automation.services.submission import (
    NotApproved,
    SubmissionService,
    purchase_order_request,
)
from po_automation.settings import Settings
from po_automation.stores.inventory import InventoryStore
from po_automation.stores.price_cache import PriceCacheStore
from po_automation.stores.purchase_orders import PurchaseOrderStore
from sandbox.cerve_emulator import CerveEmulator
from sandbox.local_tables import create_keyed_table
from tests.fixtures.cerve_helpers import FAST_RETRIES
from tests.integration.lifecycle_support import create_po_table

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
SEED = ROOT / "sandbox" / "cerve_seed.json"
NOW = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)


def _table(name: str) -> Any:
    return create_keyed_table(boto3.resource("dynamodb", region_name="eu-west-2"), name)


class World:
    def __init__(self, emu: CerveEmulator) -> None:
        self.emu = emu
        self.inventory = InventoryStore(_table("inventory"))
        self.prices = PriceCacheStore(_table("prices"), ttl_minutes=15)
        self.orders = PurchaseOrderStore(create_po_table("orders"))
        self.client = self.make_client()
        self.started: list[str] = []
        self.notices: list[tuple[str, str]] = []
        self.metrics: list[tuple[str, float]] = []
        self.published: list[tuple[str, PoStatus]] = []

    def make_client(self) -> Any:
        return CerveClient(
            self.emu.base_url,
            self.emu.auth_url,
            static_credentials(self.emu.client_id, self.emu.client_secret),
            timeout_s=1.0,
            retry_policy=FAST_RETRIES,
        )

    def start(self, draft_id: str) -> bool:
        if draft_id in self.started:
            return False
        self.started.append(draft_id)
        return True

    def prepare(self) -> None:
        sync_directory(SAMPLE, self.inventory, NOW)
        picture = self.inventory.load()
        sync_catalog(picture.products, self.client, self.prices, NOW)
        skus = [p.sku for p in picture.products if p.orderable]
        mapping = {s: m.product_id for s, m in self.prices.mappings().items()}
        sync_prices(skus, mapping, self.client, self.prices, NOW)

    def generate(self) -> Any:
        return generate_drafts(
            self.inventory, self.prices, self.orders, self.start, NOW, rules_from(Settings())
        )

    def submission(self) -> SubmissionService:
        return SubmissionService(
            self.orders,
            self.client,
            lambda subject, message: self.notices.append((subject, message)),
            lambda name, value: self.metrics.append((name, value)),
            lambda: NOW,
            logging.getLogger("test-submission"),
            lambda record, change: self.published.append((record.draft_id, change.to_status)),
        )

    def approve_all(self, drafts: list[str]) -> None:
        for draft_id in drafts:
            self.orders.update(draft_id, lambda r: approve(r, "tester", "ok", NOW))


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws(), CerveEmulator.running(SEED) as emu:
        yield World(emu)


def test_sources_report_bad_rows_and_keep_the_rest(world: World) -> None:
    s3 = boto3.client("s3", region_name="eu-west-2")
    s3.create_bucket(
        Bucket="imports", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    for path in SAMPLE.rglob("*.csv"):
        key = path.relative_to(SAMPLE).as_posix()
        s3.upload_file(str(path), "imports", key)

    report = sync_bucket(s3, "imports", world.inventory, NOW)

    assert report.skus >= 40
    assert report.rows_read["salesforce/order_lines.csv"] > 5000
    reasons = " ".join(e.reason for e in report.rejected).lower()
    assert "unknown sku" in reasons and "negative" in reasons and "date" in reasons
    assert all(e.line > 1 for e in report.rejected)
    picture = world.inventory.load()
    assert len(picture.products) == report.skus
    assert all(isinstance(lot.quantity, Decimal) for lot in picture.stock)


def test_missing_export_is_a_clear_error(world: World) -> None:
    s3 = boto3.client("s3", region_name="eu-west-2")
    s3.create_bucket(Bucket="empty", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    with pytest.raises(FileNotFoundError, match=r"s3://empty/sap/vendor_master.csv"):
        sync_bucket(s3, "empty", world.inventory, NOW)


def test_catalog_maps_exact_skus_and_reports_the_rest(world: World) -> None:
    sync_directory(SAMPLE, world.inventory, NOW)
    notices: list[tuple[str, str]] = []
    report = sync_catalog(
        world.inventory.load().products,
        world.client,
        world.prices,
        NOW,
        notify=lambda s, m: notices.append((s, m)),
    )
    assert "FC-BK-308" in report.unmapped
    assert "FC-DA-207" in report.ambiguous
    assert world.prices.mappings()["FC-PR-101"].product_id  # exact match beats FC-PR-101-ORG
    assert notices and "FC-BK-308" in notices[0][1] and "FC-DA-207" in notices[0][1]


def test_price_sync_caches_offers_and_only_asks_about_reorderable_skus(world: World) -> None:
    world.prepare()
    picture = world.inventory.load()
    fresh = world.prices.fresh_offers(NOW)
    assert len(fresh) >= 40
    assert all(o.unit_price > 0 for offers in fresh.values() for o in offers)
    wanted = reorderable_skus(picture, world.prices, NOW, horizon_days=2)
    orderable = [p.sku for p in picture.products if p.orderable]
    assert 0 < len(wanted) < len(orderable)  # some SKUs are covered well past delivery
    # Stale offers are never trusted, whatever DynamoDB's TTL has or has not deleted yet.
    assert world.prices.fresh_offers(datetime(2026, 12, 5, tzinfo=UTC)) == {}


def test_generation_drafts_once_and_submission_creates_one_po_each(world: World) -> None:
    world.prepare()
    first = world.generate()
    drafts = first.created
    assert drafts, "the sample data has SKUs that need ordering today"
    assert sorted(world.started) == sorted(drafts)
    suppliers = {world.orders.require(d).draft.supplier_id for d in drafts}
    assert len(suppliers) >= 2  # the cheapest supplier differs per SKU

    second = world.generate()
    assert second.created == []  # drafts awaiting approval count as supply

    world.approve_all(drafts)
    service = world.submission()
    outcomes = [service.submit(d) for d in drafts]
    assert {o.outcome for o in outcomes} == {"submitted"}
    assert len(world.emu.purchase_orders()) == len(drafts)
    for draft_id, outcome in zip(drafts, outcomes, strict=True):
        record = world.orders.require(draft_id)
        assert record.status is PoStatus.SUBMITTED
        assert record.cerve_po_id == outcome.cerve_po_id
        at_cerve = world.emu.purchase_order(outcome.cerve_po_id or "")
        assert at_cerve["external_reference"] == record.external_reference
        assert Decimal(at_cerve["total"]) == record.draft.total - record.draft.delivery_fee

    # SAP hears of each submission once, on the event bus.
    assert sorted(world.published) == sorted((d, PoStatus.SUBMITTED) for d in drafts)

    # A retried workflow step changes nothing and creates nothing.
    again = [service.submit(d) for d in drafts]
    assert {o.outcome for o in again} == {"already_submitted"}
    assert len(world.emu.purchase_orders()) == len(drafts)
    assert [m for m in world.metrics if m[0] == "PurchaseOrdersCreated"] == [
        ("PurchaseOrdersCreated", 1)
    ] * len(drafts)


def test_an_unapproved_draft_is_never_sent(world: World) -> None:
    world.prepare()
    draft_id = world.generate().created[0]
    with pytest.raises(NotApproved, match="pending_approval"):
        world.submission().submit(draft_id)
    assert world.emu.purchase_orders() == []


def test_crash_after_cerve_answered_is_repaired_by_the_retry(world: World) -> None:
    world.prepare()
    draft_id = world.generate().created[0]
    world.approve_all([draft_id])
    record = world.orders.require(draft_id)
    # The function sent the PO, Cerve created it, then the function died before saving.
    world.client.create_purchase_order(purchase_order_request(record), record.idempotency_key)
    outcome = world.submission().submit(draft_id)
    assert outcome.outcome == "submitted" and outcome.replayed
    assert len(world.emu.purchase_orders()) == 1
    # The PO was created once; it is counted once, by the run that learnt its Cerve id.
    assert [m for m in world.metrics if m[0] == "PurchaseOrdersCreated"] == [
        ("PurchaseOrdersCreated", 1)
    ]
    world.submission().submit(draft_id)
    assert [m[0] for m in world.metrics].count("PurchaseOrdersCreated") == 1


def test_validation_refusal_marks_the_draft_and_tells_procurement(world: World) -> None:
    world.prepare()
    draft_id = world.generate().created[0]
    world.approve_all([draft_id])
    world.emu.faults.fail(
        "/v1/purchase-orders", status=422, code="validation_failed", method="POST"
    )
    outcome = world.submission().submit(draft_id)
    assert outcome.outcome == "needs_correction"
    assert world.orders.require(draft_id).status is PoStatus.NEEDS_CORRECTION
    subject, message = world.notices[0]
    assert draft_id in subject
    assert "nothing was ordered" in message and f"fc-po edit {draft_id}" in message
    assert ("CerveValidationFailed", 1) in world.metrics
    assert world.published == [(draft_id, PoStatus.NEEDS_CORRECTION)]
    assert world.emu.purchase_orders() == []
