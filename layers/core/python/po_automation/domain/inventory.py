"""Inventory position: what we can sell plus what is coming, less what is already promised.

- Stock counts only while it can still be sold: a lot past its expiry counts for nothing,
  and, given a forecast, a lot counts only for what can be sold before it expires (first
  expiry, first out).
- Supply counts from POs that are approved or with the supplier (`OPEN_SUPPLY`) and from
  drafts still awaiting a decision (`AWAITING_DECISION`), so generating twice in a row orders
  nothing more; rejected, expired, cancelled and delivered POs count for nothing, so they
  never double the next order.
- Committed demand is open customer order lines due within the planning window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from po_automation.domain.lifecycle import AWAITING_DECISION, OPEN_SUPPLY, PoStatus
from po_automation.domain.models import CustomerOrderLine, CustomerOrderStatus, StockLot

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class ExistingPoLine:
    sku: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class ExistingPurchaseOrder:
    """The little generation needs to know about a PO already in the store."""

    draft_id: str
    supplier_id: str
    status: PoStatus
    delivery_date: date
    lines: tuple[ExistingPoLine, ...]


@dataclass(frozen=True, slots=True)
class InventoryPosition:
    sku: str
    on_hand: Decimal  # every lot in the snapshot
    sellable: Decimal  # what can still be sold before it expires
    on_order: Decimal  # approved or with the supplier
    awaiting_approval: Decimal  # drafts waiting for procurement
    committed: Decimal  # open customer orders due in the window

    @property
    def position(self) -> Decimal:
        return self.sellable + self.on_order + self.awaiting_approval - self.committed

    def describe(self, step: Decimal | None = None) -> str:
        """Plain English; quantities shown to `step` (e.g. the pack precision) when given."""
        parts = [f"sellable stock {_q(self.sellable, step)}"]
        if self.sellable != self.on_hand:
            parts[0] += f" of {_q(self.on_hand, step)} on hand"
        parts.append(f"on order {_q(self.on_order, step)}")
        if self.awaiting_approval:
            parts.append(f"awaiting approval {_q(self.awaiting_approval, step)}")
        parts.append(f"committed to customers {_q(self.committed, step)}")
        return ", ".join(parts)


def _q(value: Decimal, step: Decimal | None = None) -> str:
    if step is not None:
        value = value.quantize(step, rounding=ROUND_HALF_UP)
    shown = value.normalize()
    return f"{shown if shown else Decimal(0):f}"


def sellable_quantity(
    lots: Sequence[StockLot], today: date, cumulative_demand: Sequence[float] | None = None
) -> Decimal:
    """Stock that will still be sold before it expires.

    Without a demand outlook: every lot not yet past its expiry. With one
    (`cumulative_demand[n]` is the demand from today through day n), lots are used
    first-expiry-first and each counts only up to the demand left before its expiry date.
    """
    live = [lot for lot in lots if lot.expiry_date is None or lot.expiry_date >= today]
    if cumulative_demand is None:
        return sum((lot.quantity for lot in live), ZERO)
    if all(lot.expiry_date is None for lot in live):
        return sum((lot.quantity for lot in live), ZERO)
    cumulative = [Decimal(f"{max(v, 0.0):.3f}") for v in cumulative_demand]
    total = ZERO
    for lot in sorted(live, key=lambda lot: (lot.expiry_date is None, lot.expiry_date)):
        if lot.expiry_date is None:
            total += lot.quantity
            continue
        days = (lot.expiry_date - today).days
        sold_by_expiry = cumulative[min(days, len(cumulative) - 1)] if cumulative else ZERO
        room = max(sold_by_expiry - total, ZERO)
        total += min(lot.quantity, room)
    return total


def open_supply(
    pos: Iterable[ExistingPurchaseOrder],
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Quantities coming per SKU: (on order, awaiting approval)."""
    on_order: dict[str, Decimal] = {}
    awaiting: dict[str, Decimal] = {}
    for po in pos:
        if po.status in OPEN_SUPPLY:
            target = on_order
        elif po.status in AWAITING_DECISION:
            target = awaiting
        else:
            continue
        for line in po.lines:
            target[line.sku] = target.get(line.sku, ZERO) + line.quantity
    return on_order, awaiting


def supply_by_day(
    pos: Iterable[ExistingPurchaseOrder], today: date
) -> dict[str, dict[int, Decimal]]:
    """Open supply (on order or awaiting a decision) per SKU by days from today until it
    arrives; an overdue delivery counts as arriving today."""
    by_sku: dict[str, dict[int, Decimal]] = {}
    for po in pos:
        if po.status not in OPEN_SUPPLY and po.status not in AWAITING_DECISION:
            continue
        days = max((po.delivery_date - today).days, 0)
        for line in po.lines:
            by_day = by_sku.setdefault(line.sku, {})
            by_day[days] = by_day.get(days, ZERO) + line.quantity
    return by_sku


def committed_demand(
    lines: Iterable[CustomerOrderLine], today: date, window_end: date
) -> dict[str, dict[int, Decimal]]:
    """Open order lines due by `window_end`, per SKU and days from today; overdue lines
    are still owed and count as due today."""
    committed: dict[str, dict[int, Decimal]] = {}
    for line in lines:
        if line.status is CustomerOrderStatus.OPEN and line.delivery_date <= window_end:
            days = max((line.delivery_date - today).days, 0)
            by_day = committed.setdefault(line.sku, {})
            by_day[days] = by_day.get(days, ZERO) + line.quantity
    return committed
