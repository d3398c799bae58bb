"""The buying run: the inventory picture and fresh prices in, draft POs out.

Every draft is stored awaiting approval and gets one approval execution, named after the
draft id so a second start is refused by Step Functions rather than duplicated. Drafts
already in the store (awaiting approval or open) count as supply, so running generation
twice with nothing changed drafts nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from po_automation.domain.generation import PlanningInputs, PlanningResult, plan_purchase_orders
from po_automation.domain.inventory import ExistingPoLine, ExistingPurchaseOrder
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


def generate_drafts(
    inventory: InventoryStore,
    prices: PriceCacheStore,
    orders: PurchaseOrderStore,
    start_approval: Callable[[str], bool],
    now: datetime,
    rules: BuyingRules,
) -> GenerationReport:
    picture = inventory.load()
    offers = [o for sku_offers in prices.fresh_offers(now).values() for o in sku_offers]
    inputs = PlanningInputs(
        products=picture.products,
        stock=picture.stock,
        customer_orders=picture.order_lines,
        purchase_history=picture.purchase_history,
        last_prices=picture.last_prices,
        suppliers=picture.suppliers,
        offers=offers,
        existing_pos=existing_purchase_orders(orders.list_all()),
    )
    result = plan_purchase_orders(inputs, now, rules)
    report = GenerationReport(result)
    for draft in result.drafts:
        if orders.create_if_absent(new_record(draft, now)):
            report.created.append(draft.draft_id)
        else:
            report.already_stored.append(draft.draft_id)
        # Started even for a stored draft: a crash between store and start is repaired here.
        if start_approval(draft.draft_id):
            report.approvals_started.append(draft.draft_id)
    return report


def execution_name(draft_id: str) -> str:
    """Step Functions names allow 80 characters of [A-Za-z0-9-_]."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in draft_id)
    return safe[:80]


def approval_starter(sfn: Any, state_machine_arn: str) -> Callable[[str], bool]:
    """Start one approval execution per draft; False when it already exists."""

    def start(draft_id: str) -> bool:
        try:
            sfn.start_execution(
                stateMachineArn=state_machine_arn,
                name=execution_name(draft_id),
                input=json.dumps({"draft_id": draft_id}),
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            return False
        return True

    return start


def draft_value(report: GenerationReport) -> Decimal:
    return sum((d.total for d in report.result.drafts), Decimal("0"))
