"""Issue #3.4 on moto and the Cerve emulator: a supplier without stock at submission time.

Real client, emulator (full sandbox seed, its clock fixed at NOW), price cache and PO
store; the approval workflow's start is a recorder, its Retry is calling `submit` again.
Metro Fresh Wholesale's draft for Sat 5 Dec carries FC-FI-401 (in stock) and FC-FI-402,
which the seed gives Metro none of; North Sea Fish Co has 280 of FC-FI-402 and delivers in
a day, Coastline (FC-FI-404) needs three.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from po_automation.cerve.auth import static_credentials
from po_automation.cerve.client import CerveClient
from po_automation.cerve.errors import AmbiguousOutcome
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.models import DraftLine, DraftPurchaseOrder
from po_automation.domain.purchase_order import PurchaseOrderRecord, approve, new_record
from po_automation.services.fallback import NoSupplierAvailable, SupplierFallback
from po_automation.services.price_sync import sync_prices
from po_automation.services.submission import SubmissionService
from po_automation.stores.price_cache import PriceCacheStore
from po_automation.stores.purchase_orders import PurchaseOrderStore
from sandbox.cerve_emulator import CerveEmulator
from tests.fixtures.cerve_helpers import FAST_RETRIES
from tests.integration.lifecycle_support import create_po_table
from tests.integration.test_services_buying_cycle import _table

SEED = Path(__file__).resolve().parents[2] / "sandbox" / "cerve_seed.json"
NOW = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)
DELIVERY = date(2026, 12, 5)
PO_PATH = "/v1/purchase-orders"

METRO = ("sup_hnh45ipg5xfw4s", "Metro Fresh Wholesale")
NORTH_SEA = "sup_zpp3celhks6fi3"
PRODUCTS = {
    "FC-FI-401": "prd_s2vk25n7rtqhzf",
    "FC-FI-402": "prd_hu3573ul4bmhlr",
    "FC-FI-404": "prd_3ccemburxl7pxn",
}


def _line(sku: str, quantity: str, price: str, pack: str = "10", minimum: str = "20") -> DraftLine:
    return DraftLine(
        sku=sku,
        product_id=PRODUCTS[sku],
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        reason="cover 2 days of demand",
        last_price_paid=Decimal(price),
        pack_size=Decimal(pack),
        min_order_qty=Decimal(minimum),
    )


@dataclass
class Rig:
    emu: CerveEmulator
    orders: PurchaseOrderStore = field(init=False)
    prices: PriceCacheStore = field(init=False)
    client: CerveClient = field(init=False)
    started: list[str] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    metrics: list[tuple[str, float]] = field(default_factory=list)
    published: list[tuple[str, PoStatus]] = field(default_factory=list)
    now: datetime = NOW

    def __post_init__(self) -> None:
        self.orders = PurchaseOrderStore(create_po_table("orders"))
        self.prices = PriceCacheStore(_table("prices"), ttl_minutes=15)
        self.client = CerveClient(
            self.emu.base_url,
            self.emu.auth_url,
            static_credentials(self.emu.client_id, self.emu.client_secret),
            timeout_s=0.25,
            retry_policy=FAST_RETRIES,
        )
        sync_prices(list(PRODUCTS), PRODUCTS, self.client, self.prices, NOW)

    def start(self, draft_id: str) -> bool:
        if draft_id in self.started:
            return False  # Step Functions refuses a second execution of the same name
        self.started.append(draft_id)
        return True

    def service(self) -> SubmissionService:
        return SubmissionService(
            self.orders,
            self.client,
            lambda subject, message: self.notices.append((subject, message)),
            lambda name, value: self.metrics.append((name, value)),
            lambda: self.now,
            logging.getLogger("test-submission-fallback"),
            lambda record, change: self.published.append((record.draft_id, change.to_status)),
            fallback=SupplierFallback(self.client, self.prices, self.start),
        )

    def add_draft(self, *lines: DraftLine, order_by: datetime | None = None) -> PurchaseOrderRecord:
        draft = DraftPurchaseOrder(
            draft_id=f"FC-20261203-{METRO[0]}-20261205",
            supplier_id=METRO[0],
            supplier_name=METRO[1],
            delivery_date=DELIVERY,
            order_by=order_by or datetime(2026, 12, 3, 15, 0, tzinfo=UTC),
            lines=lines,
            created_at=NOW,
        )
        record = approve(new_record(draft, NOW), "Priya Shah", "ok", NOW)
        assert self.orders.create_if_absent(record)
        return self.orders.require(draft.draft_id)

    def set_stock(self, sku: str, supplier_id: str, quantity: str) -> None:
        key = (PRODUCTS[sku], supplier_id)
        offers = self.emu.store.catalog.offers
        offers[key] = offers[key].model_copy(update={"available_qty": Decimal(quantity)})

    def cerve_items(self) -> list[list[tuple[str, str]]]:
        return [
            [(i["product_id"], i["quantity"]) for i in po["items"]]
            for po in self.emu.purchase_orders()
        ]


@pytest.fixture
def rig() -> Iterator[Rig]:
    with mock_aws(), CerveEmulator.running(SEED, clock=NOW.timestamp) as emu:
        yield Rig(emu)


def test_lines_the_supplier_lacks_go_to_the_next_best_supplier_on_a_new_draft(rig: Rig) -> None:
    original = rig.add_draft(_line("FC-FI-401", "40", "7.08"), _line("FC-FI-402", "40", "17.06"))

    outcome = rig.service().submit(original.draft_id)

    fallback_id = f"{original.draft_id}-fb-{NORTH_SEA}"
    assert outcome.outcome == "submitted"
    assert outcome.fallback_drafts == (fallback_id,)
    # One PO at Cerve, for what Metro can deliver.
    assert rig.cerve_items() == [[(PRODUCTS["FC-FI-401"], "40")]]
    sent = rig.orders.require(original.draft_id)
    assert sent.status is PoStatus.SUBMITTED
    assert [line.sku for line in sent.draft.lines] == ["FC-FI-401"]
    assert sent.revision == original.revision + 1  # a new body, a new Idempotency-Key
    removal = next(c for c in sent.history if c.note.startswith("lines removed"))
    assert f"FC-FI-402: moved to {fallback_id}" in removal.note
    assert "Metro Fresh Wholesale has 0 of 40 available" in removal.note

    fallback = rig.orders.require(fallback_id)
    assert fallback.status is PoStatus.PENDING_APPROVAL
    assert fallback.draft.supplier_name == "North Sea Fish Co"
    assert fallback.draft.delivery_date == DELIVERY
    (line,) = fallback.draft.lines
    assert (line.sku, line.quantity, line.unit_price) == (
        "FC-FI-402",
        Decimal("40"),
        Decimal("17.72"),
    )
    assert line.replaced_supplier_id == METRO[0]
    assert line.reason.startswith(
        "fallback from Metro Fresh Wholesale: Metro Fresh Wholesale has 0 of 40 available"
    )
    assert rig.started == [fallback_id]  # its own approval execution, like any draft

    ((subject, message),) = rig.notices
    assert original.draft_id in subject and "FC-FI-402" in message and fallback_id in message
    assert ("FallbackDraftsCreated", 1) in rig.metrics


def test_nobody_can_serve_holds_the_whole_draft_and_the_workflow_retries(rig: Rig) -> None:
    # North Sea has 280 of FC-FI-402, Metro none: 300 kg has no supplier today.
    original = rig.add_draft(_line("FC-FI-401", "40", "7.08"), _line("FC-FI-402", "300", "17.06"))
    service = rig.service()

    with pytest.raises(NoSupplierAvailable, match=r"no supplier can serve FC-FI-402") as held:
        service.submit(original.draft_id)
    assert "North Sea Fish Co: has 280 of 300 available" in str(held.value)
    with pytest.raises(NoSupplierAvailable):
        service.submit(original.draft_id)

    assert rig.emu.purchase_orders() == []
    assert [r.draft_id for r in rig.orders.list_all()] == [original.draft_id]
    kept = rig.orders.require(original.draft_id)
    assert kept.status is PoStatus.APPROVED and kept.draft.lines == original.draft.lines
    assert len(rig.notices) == 1 and "waiting for stock" in rig.notices[0][0]  # told once

    # Stock arrives before the next retry: the whole draft goes, as approved.
    rig.set_stock("FC-FI-402", NORTH_SEA, "400")
    outcome = service.submit(original.draft_id)
    assert outcome.outcome == "submitted"
    assert rig.cerve_items() == [[(PRODUCTS["FC-FI-401"], "40")]]
    assert rig.orders.require(f"{original.draft_id}-fb-{NORTH_SEA}").draft.lines[0].quantity == 300


def test_at_the_last_chance_before_the_cut_off_what_can_be_served_is_sent(rig: Rig) -> None:
    cutoff = NOW + timedelta(minutes=10)  # the next retry would come after it
    original = rig.add_draft(
        _line("FC-FI-401", "40", "7.08"), _line("FC-FI-402", "300", "17.06"), order_by=cutoff
    )

    outcome = rig.service().submit(original.draft_id)

    assert outcome.outcome == "submitted" and outcome.fallback_drafts == ()
    assert rig.cerve_items() == [[(PRODUCTS["FC-FI-401"], "40")]]
    sent = rig.orders.require(original.draft_id)
    assert [line.sku for line in sent.draft.lines] == ["FC-FI-401"]
    assert any("FC-FI-402: dropped, no supplier can serve it" in c.note for c in sent.history)
    assert "FC-FI-402: not ordered" in rig.notices[0][1]


def test_a_draft_left_without_lines_is_cancelled_and_never_sent(rig: Rig) -> None:
    original = rig.add_draft(_line("FC-FI-402", "40", "17.06"))
    service = rig.service()

    outcome = service.submit(original.draft_id)

    assert outcome.outcome == "cancelled"
    assert rig.orders.require(original.draft_id).status is PoStatus.CANCELLED
    assert rig.emu.purchase_orders() == []
    assert rig.published == [(original.draft_id, PoStatus.CANCELLED)]  # SAP hears of it
    # The workflow's retry of the same step is a no-op, not a failure.
    assert service.submit(original.draft_id).outcome == "cancelled"
    assert rig.started == [f"{original.draft_id}-fb-{NORTH_SEA}"]


class CrashOnce(Exception):
    pass


def test_a_retry_after_a_crash_creates_no_second_fallback_even_if_stock_returns(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = rig.add_draft(_line("FC-FI-401", "40", "7.08"), _line("FC-FI-402", "40", "17.06"))
    real_update = rig.orders.update
    crashes = [1]

    def dying_update(draft_id: str, change: Any, attempts: int = 5) -> PurchaseOrderRecord:
        # Dies after the fallback draft is stored and started, before the original shrinks.
        if crashes and draft_id == original.draft_id:
            crashes.pop()
            raise CrashOnce("Lambda timed out")
        return real_update(draft_id, change, attempts)

    monkeypatch.setattr(rig.orders, "update", dying_update)
    service = rig.service()
    with pytest.raises(CrashOnce):
        service.submit(original.draft_id)
    assert rig.emu.purchase_orders() == []

    rig.set_stock("FC-FI-402", METRO[0], "500")  # Metro's stock is back meanwhile
    outcome = service.submit(original.draft_id)

    fallback_id = f"{original.draft_id}-fb-{NORTH_SEA}"
    assert outcome.fallback_drafts == (fallback_id,)
    assert [r.draft_id for r in rig.orders.list_all()] == sorted([original.draft_id, fallback_id])
    # FC-FI-402 is ordered once: on the fallback draft, not also from Metro.
    assert rig.cerve_items() == [[(PRODUCTS["FC-FI-401"], "40")]]
    assert rig.started == [fallback_id]
    assert [m for m in rig.metrics if m[0] == "FallbackDraftsCreated"] == [
        ("FallbackDraftsCreated", 1)
    ]

    # And a retry after success changes nothing.
    assert service.submit(original.draft_id).outcome == "already_submitted"
    assert len(list(rig.orders.list_all())) == 2


def test_after_an_ambiguous_send_no_fallback_is_made_only_the_same_key_again(rig: Rig) -> None:
    original = rig.add_draft(_line("FC-FI-401", "40", "7.08"), _line("FC-FI-404", "40", "11.04"))
    # Every attempt is applied or replayed by Cerve, and every answer is lost.
    rig.emu.faults.timeout_after(PO_PATH, 0.5, method="POST", times=FAST_RETRIES.max_retries + 1)
    service = rig.service()
    with pytest.raises(AmbiguousOutcome):
        service.submit(original.draft_id)
    rig.emu.faults.clear()

    # Metro now shows none of FC-FI-404 (perhaps our own PO took it): still no fallback.
    rig.set_stock("FC-FI-404", METRO[0], "0")
    outcome = service.submit(original.draft_id)

    assert outcome.outcome == "submitted" and outcome.replayed
    assert outcome.fallback_drafts == ()
    assert [r.draft_id for r in rig.orders.list_all()] == [original.draft_id]
    assert len(rig.emu.purchase_orders()) == 1
    saved = rig.orders.require(original.draft_id)
    assert saved.revision == original.revision and saved.draft.lines == original.draft.lines
    assert rig.started == [] and rig.notices == []
