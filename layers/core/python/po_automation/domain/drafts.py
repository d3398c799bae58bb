"""Grouping planned lines into draft POs: one per supplier and delivery date."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from po_automation.domain.calendar import order_by
from po_automation.domain.models import DraftLine, DraftPurchaseOrder, Supplier

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class PlannedLine:
    supplier_id: str
    supplier_name: str
    delivery_date: date
    lead_time_days: int
    order_cutoff: object  # datetime.time; kept loose to avoid a second import path
    line: DraftLine


def draft_id_for(supplier_id: str, delivery_date: date, buying_date: date) -> str:
    """Stable identity: the same supplier, delivery and buying day give the same id, so a
    re-run on the same day can never produce a second PO for the same basket."""
    return f"FC-{buying_date:%Y%m%d}-{supplier_id}-{delivery_date:%Y%m%d}"


def _merge(lines: Iterable[DraftLine]) -> tuple[DraftLine, ...]:
    by_sku: dict[str, DraftLine] = {}
    for line in lines:
        seen = by_sku.get(line.sku)
        if seen is None:
            by_sku[line.sku] = line
        else:
            by_sku[line.sku] = replace(
                seen,
                quantity=seen.quantity + line.quantity,
                reason=f"{seen.reason} | {line.reason}",
                flags=tuple(dict.fromkeys(seen.flags + line.flags)),
            )
    return tuple(by_sku[sku] for sku in sorted(by_sku))


def build_drafts(
    planned: Iterable[PlannedLine],
    suppliers: Mapping[str, Supplier],
    *,
    fees: Mapping[tuple[str, date], Decimal],
    draft_flags: Mapping[tuple[str, date], tuple[str, ...]],
    buying_date: date,
    now: datetime,
    taken_ids: Iterable[str] = (),
) -> tuple[DraftPurchaseOrder, ...]:
    groups: dict[tuple[str, date], list[PlannedLine]] = {}
    for item in planned:
        groups.setdefault((item.supplier_id, item.delivery_date), []).append(item)
    taken = set(taken_ids)
    drafts: list[DraftPurchaseOrder] = []
    for key in sorted(groups):
        supplier_id, delivery = key
        items = groups[key]
        base = draft_id_for(supplier_id, delivery, buying_date)
        draft_id, revision = base, 1
        while draft_id in taken:
            revision += 1
            draft_id = f"{base}-r{revision}"
        taken.add(draft_id)
        # The PO must reach the supplier before the earliest cut-off among its lines.
        deadline = min(
            order_by(delivery, i.lead_time_days, i.order_cutoff)  # type: ignore[arg-type]
            for i in items
        )
        supplier = suppliers.get(supplier_id)
        fee = fees.get(key, ZERO)
        notes = f"Generated {buying_date:%d %b %Y} for delivery {delivery:%a %d %b %Y}"
        if fee:
            notes += f"; delivery fee £{fee:.2f} applies (below the minimum order value)"
        drafts.append(
            DraftPurchaseOrder(
                draft_id=draft_id,
                supplier_id=supplier_id,
                supplier_name=supplier.name if supplier else items[0].supplier_name,
                delivery_date=delivery,
                order_by=deadline,
                lines=_merge(i.line for i in items),
                delivery_fee=fee,
                notes=notes,
                created_at=now,
                flags=draft_flags.get(key, ()),
            )
        )
    return tuple(drafts)
