"""The buying run: the inventory picture and fresh prices in, draft POs out.

Every draft is stored awaiting approval and gets one approval execution, named after the
draft id so a second start is refused by Step Functions rather than duplicated. Open POs
and drafts awaiting approval count as supply.

Buying is a daily cycle, so a second run on the same London day leaves alone every SKU a
draft of that day already covers, whatever became of the draft: running generation twice
with nothing changed drafts nothing more, and a draft procurement rejected this morning
is not proposed again this afternoon (tomorrow's run starts afresh). A PO Cerve reports
delivered after the WMS snapshot was taken still counts as supply: its goods are on the
shelf but not yet in the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from po_automation.domain.calendar import london_date
from po_automation.domain.generation import PlanningInputs, PlanningResult, plan_purchase_orders
from po_automation.domain.inventory import ExistingPoLine, ExistingPurchaseOrder
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import PurchaseOrderRecord, new_record
from po_automation.domain.rules import ApprovalRule, BuyingRules
from po_automation.settings import Settings
from po_automation.stores.inventory import InventoryStore
from po_automation.stores.price_cache import PriceCacheStore
from po_automation.stores.purchase_orders import PurchaseOrderStore


@dataclass(slots=True)
class GenerationReport:
    result: PlanningResult
    created: list[str] = field(default_factory=list)
    already_stored: list[str] = field(default_factory=list)
    approvals_started: list[str] = field(default_factory=list)
    already_drafted_today: dict[str, str] = field(default_factory=dict)  # SKU → draft id

    @property
    def at_risk(self) -> list[str]:
        """SKUs that need stock but no supplier can bring it in time."""
        return [d.sku for d in self.result.decisions if d.need > 0 and not d.ordered]

    def as_dict(self) -> dict[str, Any]:
        return {
            "buying_date": self.result.buying_date.isoformat(),
            "skus": len(self.result.decisions),
            "skus_ordered": sum(1 for d in self.result.decisions if d.ordered),
            "skus_at_risk": self.at_risk,
            "drafts_created": list(self.created),
            "drafts_already_stored": list(self.already_stored),
            "approvals_started": list(self.approvals_started),
            "skus_already_drafted_today": len(self.already_drafted_today),
        }


def rules_from(settings: Settings) -> BuyingRules:
    return BuyingRules(
        review_period_days=settings.review_period_days,
        approval=ApprovalRule(
            max_total=settings.auto_approve_max_total,
            price_flag_ratio=settings.price_flag_ratio,
            quantity_flag_ratio=settings.quantity_flag_ratio,
        ),
    )


def existing_purchase_orders(
    records: Iterable[PurchaseOrderRecord],
) -> list[ExistingPurchaseOrder]:
    return [
        ExistingPurchaseOrder(
            draft_id=r.draft_id,
            supplier_id=r.draft.supplier_id,
            status=r.status,
            delivery_date=r.draft.delivery_date,
            lines=tuple(ExistingPoLine(line.sku, line.quantity) for line in r.draft.lines),
        )
        for r in records
    ]


def _delivered_at(record: PurchaseOrderRecord) -> datetime | None:
    for change in reversed(record.history):
        if change.to_status is PoStatus.DELIVERED and change.applied:
            return change.at
    return None


def supply_records(
    records: Iterable[PurchaseOrderRecord], stock_as_of: datetime | None
) -> list[ExistingPurchaseOrder]:
    """The POs generation must count as supply: open ones, drafts awaiting a decision, and
    deliveries the stock snapshot cannot have seen yet (counted as arriving on the day they
    arrived)."""
    supply = []
    for record in records:
        delivered = _delivered_at(record)
        if delivered is None:
            supply.append(record)
        elif stock_as_of is not None and delivered > stock_as_of:
            arrived = min(record.draft.delivery_date, london_date(delivered))
            in_transit = replace(record.draft, delivery_date=arrived)
            supply.append(replace(record, status=PoStatus.DISPATCHED, draft=in_transit))
    return existing_purchase_orders(supply)


def drafted_on(records: Iterable[PurchaseOrderRecord], day: date) -> dict[str, str]:
    """SKU → draft id, for every draft created on `day` (London)."""
    drafted: dict[str, str] = {}
    for record in records:
        if record.created_at is not None and london_date(record.created_at) == day:
            for line in record.draft.lines:
                drafted.setdefault(line.sku, record.draft_id)
    return drafted


def generate_drafts(
    inventory: InventoryStore,
    prices: PriceCacheStore,
    orders: PurchaseOrderStore,
    start_approval: Callable[[str], bool],
    now: datetime,
    rules: BuyingRules,
) -> GenerationReport:
    picture = inventory.load()
    records = list(orders.list_all())
    already = drafted_on(records, london_date(now))
    offers = [
        o
        for sku, sku_offers in prices.fresh_offers(now).items()
        if sku not in already
        for o in sku_offers
    ]
    inputs = PlanningInputs(
        products=[p for p in picture.products if p.sku not in already],
        stock=picture.stock,
        customer_orders=picture.order_lines,
        purchase_history=picture.purchase_history,
        last_prices=picture.last_prices,
        suppliers=picture.suppliers,
        offers=offers,
        existing_pos=supply_records(records, inventory.stock_as_of()),
    )
    result = plan_purchase_orders(inputs, now, rules)
    report = GenerationReport(result, already_drafted_today=already)
    for draft in result.drafts:
        if orders.create_if_absent(new_record(draft, now)):
            report.created.append(draft.draft_id)
        else:
            report.already_stored.append(draft.draft_id)
        # Started even for a stored draft: a crash between store and start is repaired here.
        if start_approval(draft.draft_id):
            report.approvals_started.append(draft.draft_id)
    return report


def draft_value(report: GenerationReport) -> Decimal:
    return sum((d.total for d in report.result.drafts), Decimal("0"))
