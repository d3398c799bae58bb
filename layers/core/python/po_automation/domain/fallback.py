"""Supplier unavailable at submission: which lines move to which supplier, and the record.

Pure (issue #3.4): the service (`services.fallback`) asks Cerve for live availability and
the price cache for offers, then these functions decide.

- A line the draft's supplier cannot *fully* serve is unavailable as a whole: splitting one
  SKU across two suppliers doubles deliveries for a few kilos.
- Its fallback is the supplier, other than the draft's (and other than one the line already
  replaced), whose price is valid, who can deliver by the draft's delivery date given its
  lead time and London cut-off, and who has live stock for the quantity re-rounded to its
  own pack and minimum. The cheapest *landed* unit price wins: what we pay divided by what
  we need, so a minimum of 80 kg for a need of 35 kg is not "cheap" at its list price.
  Ties keep the offers' order (the cache's, by supplier id), so the choice is repeatable.
- The fallback draft id is `<original>-fb-<supplier>`: a retry of the same submission finds
  the draft it created before instead of creating a second one.
- Removing lines lowers the original's total, so it stays approved (no re-approval), at a
  new revision (the body changed, so the Idempotency-Key must too). With no line left it
  ends `cancelled`, and is never sent.
- A send is recorded on the record *before* the POST (`mark_sending`): from then on the
  draft may be at Cerve, so its lines are never re-checked nor moved (#3.3); only the same
  key is sent again, which replays or creates the one PO.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from po_automation.domain.calendar import can_deliver_by, earliest_delivery, order_by
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.models import DraftLine, DraftPurchaseOrder, SupplierOffer
from po_automation.domain.packs import round_up_to_pack
from po_automation.domain.purchase_order import PurchaseOrderRecord, Source, StatusChange

ZERO = Decimal("0")
FALLBACK_INFIX = "-fb-"
HELD_PREFIX = "held: "


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A draft line its supplier cannot fully serve right now."""

    line: DraftLine
    available: Decimal
    reason: str  # "Metro Fresh Wholesale has 0 of 35 available"


@dataclass(frozen=True, slots=True)
class FallbackLine:
    """An unavailable line placed with another supplier."""

    offer: SupplierOffer
    line: DraftLine  # re-rounded and re-priced for `offer`
    landed_unit_price: Decimal
    replaced: Unavailable


def unavailable_lines(
    draft: DraftPurchaseOrder, available: Mapping[str, Decimal]
) -> tuple[Unavailable, ...]:
    """The lines whose quantity exceeds the supplier's stock (`available` by product id)."""
    short = []
    for line in draft.lines:
        has = available.get(line.product_id, ZERO)
        if has < line.quantity:
            reason = f"{draft.supplier_name} has {_qty(has)} of {_qty(line.quantity)} available"
            short.append(Unavailable(line, has, reason))
    return tuple(short)


def choose_fallback(
    draft: DraftPurchaseOrder,
    missing: Unavailable,
    offers: Sequence[SupplierOffer],
    available: Mapping[str, Decimal],
    now: datetime,
) -> tuple[FallbackLine | None, tuple[str, ...]]:
    """The next-best supplier for `missing` (see the module docstring) and why others lost.

    `available` is live stock by supplier id for the line's product.
    """
    line = missing.line
    excluded = {draft.supplier_id, line.replaced_supplier_id}
    rejected: list[str] = []
    best: FallbackLine | None = None
    for offer in offers:
        if offer.supplier_id in excluded or offer.sku != line.sku:
            continue
        name = offer.supplier_name or offer.supplier_id
        if offer.currency != draft.currency:
            rejected.append(f"{name}: sells in {offer.currency}")
            continue
        if offer.valid_until <= now:
            rejected.append(f"{name}: price expired")
            continue
        if not can_deliver_by(now, offer.lead_time_days, offer.order_cutoff, draft.delivery_date):
            first = earliest_delivery(now, offer.lead_time_days, offer.order_cutoff)
            rejected.append(
                f"{name}: earliest delivery {first:%a %d %b} is after "
                f"{draft.delivery_date:%a %d %b}"
            )
            continue
        quantity = round_up_to_pack(line.quantity, offer.pack_size, offer.min_order_qty)
        stock = available.get(offer.supplier_id, ZERO)
        if stock < quantity:
            rejected.append(f"{name}: has {_qty(stock)} of {_qty(quantity)} available")
            continue
        price = offer.unit_price_for(quantity)
        landed = quantity * price / line.quantity
        if best is None or landed < best.landed_unit_price:
            best = FallbackLine(
                offer, _moved_line(draft, missing, offer, quantity, price), landed, missing
            )
    return best, tuple(rejected)


def _moved_line(
    draft: DraftPurchaseOrder,
    missing: Unavailable,
    offer: SupplierOffer,
    quantity: Decimal,
    price: Decimal,
) -> DraftLine:
    line = missing.line
    reason = (
        f"fallback from {draft.supplier_name}: {missing.reason}; "
        f"{offer.supplier_name} at £{price.normalize():f}/unit for {_qty(quantity)} "
        f"(next best with stock by {draft.delivery_date:%a %d %b})"
    )
    return replace(
        line,
        product_id=offer.product_id,
        quantity=quantity,
        unit_price=price,
        reason=reason,
        pack_size=offer.pack_size,
        min_order_qty=offer.min_order_qty,
        replaced_supplier_id=draft.supplier_id,
    )


def fallback_draft_id(original_id: str, supplier_id: str) -> str:
    return f"{original_id}{FALLBACK_INFIX}{supplier_id}"


def fallback_drafts(
    original: DraftPurchaseOrder, moves: Sequence[FallbackLine], now: datetime
) -> tuple[DraftPurchaseOrder, ...]:
    """One new draft per fallback supplier, for the original's delivery date."""
    by_supplier: dict[str, list[FallbackLine]] = {}
    for move in moves:
        by_supplier.setdefault(move.offer.supplier_id, []).append(move)
    drafts = []
    for supplier_id, group in by_supplier.items():
        offer = group[0].offer
        deadline = min(
            order_by(original.delivery_date, m.offer.lead_time_days, m.offer.order_cutoff)
            for m in group
        )
        why = "; ".join(m.replaced.reason for m in group)
        drafts.append(
            DraftPurchaseOrder(
                draft_id=fallback_draft_id(original.draft_id, supplier_id),
                supplier_id=supplier_id,
                supplier_name=offer.supplier_name,
                delivery_date=original.delivery_date,
                order_by=deadline,
                lines=tuple(sorted((m.line for m in group), key=lambda line: line.sku)),
                currency=original.currency,
                notes=f"Fallback for {original.draft_id} ({original.supplier_name}): {why}",
                created_at=now,
            )
        )
    return tuple(drafts)


def fallback_record(
    draft: DraftPurchaseOrder, original_id: str, at: datetime
) -> PurchaseOrderRecord:
    """A fallback draft awaiting approval like any other, its history saying where from."""
    note = f"fallback from {original_id}: {draft.notes}"
    change = StatusChange(None, PoStatus.PENDING_APPROVAL, at, Source.SUBMISSION, note=note)
    return PurchaseOrderRecord(draft=draft, history=(change,), created_at=at, updated_at=at)


def remove_lines(
    record: PurchaseOrderRecord, removed: Mapping[str, str], at: datetime
) -> PurchaseOrderRecord:
    """The record without the lines of `removed` (SKU → why), at a new revision.

    A lower total needs no re-approval. With no line left the draft is cancelled, lines
    kept for the audit, and is never sent.
    """
    present = {line.sku for line in record.draft.lines}
    removed = {sku: why for sku, why in removed.items() if sku in present}
    if not removed:
        return record
    note = "; ".join(f"{sku}: {why}" for sku, why in removed.items())
    kept = tuple(line for line in record.draft.lines if line.sku not in removed)
    if not kept:
        change = StatusChange(
            record.status, PoStatus.CANCELLED, at, Source.SUBMISSION, note=f"no line left: {note}"
        )
        return replace(
            record, status=PoStatus.CANCELLED, history=(*record.history, change), updated_at=at
        )
    change = StatusChange(
        record.status, record.status, at, Source.SUBMISSION, note=f"lines removed: {note}"
    )
    return replace(
        record,
        draft=replace(record.draft, lines=kept),
        revision=record.revision + 1,
        history=(*record.history, change),
        updated_at=at,
    )


def held(record: PurchaseOrderRecord, reason: str, at: datetime) -> PurchaseOrderRecord:
    """Nothing sent this attempt: no supplier can serve some lines yet."""
    change = StatusChange(
        record.status,
        record.status,
        at,
        Source.SUBMISSION,
        applied=False,
        note=HELD_PREFIX + reason,
    )
    return replace(record, history=(*record.history, change), updated_at=at)


def hold_count(record: PurchaseOrderRecord) -> int:
    return sum(
        1
        for c in record.history
        if c.source is Source.SUBMISSION and not c.applied and c.note.startswith(HELD_PREFIX)
    )


def _sending_note(record: PurchaseOrderRecord) -> str:
    return f"sending to Cerve with Idempotency-Key {record.idempotency_key}; outcome unknown"


def may_have_reached_cerve(record: PurchaseOrderRecord) -> bool:
    """True once a send under the record's current key was started (whatever came of it)."""
    if record.cerve_po_id:
        return True
    note = _sending_note(record)
    return any(
        c.source is Source.SUBMISSION and not c.applied and c.note == note for c in record.history
    )


def mark_sending(record: PurchaseOrderRecord, at: datetime) -> PurchaseOrderRecord:
    """Recorded before the POST, so a crash or an ambiguous answer still leaves the mark."""
    if may_have_reached_cerve(record):
        return record
    change = StatusChange(
        record.status,
        PoStatus.SUBMITTED,
        at,
        Source.SUBMISSION,
        applied=False,
        note=_sending_note(record),
    )
    return replace(record, history=(*record.history, change), updated_at=at)
