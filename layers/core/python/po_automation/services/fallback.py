"""Supplier unavailable at submission: re-check stock live, move lines, or hold (#3.4).

Before an approved draft is sent, the draft's supplier's stock is asked of Cerve afresh
(`GET /v1/products/{id}/availability`, never the cache: the cache can be 15 minutes old,
and the same answer lists every supplier's stock, so one call per product also checks the
fallback candidates). The decisions are `domain.fallback`'s; this module reads and writes.

Lines the supplier cannot fully serve go to the next-best supplier with live stock, on a
new draft `<original>-fb-<supplier>` awaiting approval through the same workflow (its
approval execution is started here, as generation starts a draft's). Order of writes,
chosen so that a crash anywhere is repaired by the retry and no SKU is ever ordered twice:
create the fallback drafts, start their approvals, then remove the lines from the original.
A retry first looks for fallback drafts it created before (by their deterministic ids,
for every supplier the cache lists for the draft's SKUs) and counts those lines as moved,
whatever the stock says now.

When some line has no supplier at all, procurement would rather wait a little than lose
the one PO they approved, so the whole draft is held: nothing is sent and nothing moves in
that attempt, a "held" entry goes in the history, procurement is told on the first hold,
and `NoSupplierAvailable` makes the approval workflow retry (its Retry, about every 15
minutes). The hold cannot outlive the cut-off: at the last chance (`max_holds` holds
recorded, or the next retry would land after the draft's `order_by`), what can be served
is sent, the lines nobody can serve are dropped from the draft with the reason, and
procurement is told; with nothing left the draft is cancelled.

Cerve refusing a PO for stock: the emulator (our reading of the contract) never does, and
a 422 `validation_failed` carries no code that says "stock", so a 422 stays "needs
correction" (see `services.submission`); the live check before sending is what catches a
supplier without stock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from po_automation.cerve.errors import CerveNotFound
from po_automation.domain.fallback import (
    FallbackLine,
    Unavailable,
    choose_fallback,
    fallback_draft_id,
    fallback_drafts,
    fallback_record,
    held,
    hold_count,
    remove_lines,
    unavailable_lines,
)
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.models import SupplierOffer
from po_automation.domain.purchase_order import PurchaseOrderRecord
from po_automation.stores.purchase_orders import PurchaseOrderStore

ZERO = Decimal("0")


class AvailabilitySource(Protocol):
    """`CerveClient.get_availability`: rows of `supplier_id` and `available_qty`."""

    def get_availability(self, product_id: str) -> Any: ...


class OfferSource(Protocol):
    """`PriceCacheStore.offers_for`: the SKU's fresh offers."""

    def offers_for(self, sku: str, now: datetime | None = None) -> list[SupplierOffer]: ...


class NoSupplierAvailable(RuntimeError):
    """No supplier can serve some lines of an approved draft now; the workflow retries.

    The class name is what the approval workflow's Retry matches.
    """

    def __init__(self, draft_id: str, unserved: Mapping[str, str], *, first_hold: bool) -> None:
        skus = ", ".join(sorted(unserved))
        why = "; ".join(f"{sku}: {reason}" for sku, reason in sorted(unserved.items()))
        super().__init__(
            f"draft {draft_id}: no supplier can serve {skus} now ({why}); "
            "nothing was sent, the submission will be retried"
        )
        self.draft_id = draft_id
        self.unserved = dict(unserved)
        self.first_hold = first_hold


@dataclass(frozen=True, slots=True)
class FallbackPlan:
    unavailable: tuple[Unavailable, ...]
    moves: tuple[FallbackLine, ...]
    already_moved: dict[str, str]  # SKU → fallback draft a previous attempt created
    unserved: dict[str, str]  # SKU → why no supplier can serve it


@dataclass(frozen=True, slots=True)
class Settled:
    """The original after the availability check, and what happened to its lines."""

    record: PurchaseOrderRecord
    fallback_drafts: tuple[str, ...] = ()
    # Fallback drafts whose lines this attempt took off the original: counted once, even
    # when a crash made a retry finish the move.
    created: tuple[str, ...] = ()
    moved: dict[str, str] = field(default_factory=dict)  # SKU → fallback draft id
    dropped: dict[str, str] = field(default_factory=dict)  # SKU → why nobody can serve it
    reasons: dict[str, str] = field(default_factory=dict)  # SKU → why it left the supplier


class SupplierFallback:
    def __init__(
        self,
        availability: AvailabilitySource,
        offers: OfferSource,
        start_approval: Callable[[str], bool],
        *,
        max_holds: int = 4,
        retry_interval: timedelta = timedelta(minutes=15),
    ) -> None:
        self._availability = availability
        self._offers = offers
        self._start_approval = start_approval
        self.max_holds = max_holds
        self.retry_interval = retry_interval

    def _stock(self, product_id: str) -> dict[str, Decimal]:
        try:
            answer = self._availability.get_availability(product_id)
        except CerveNotFound:
            return {}  # Cerve no longer lists the product: nobody has it
        return {row.supplier_id: row.available_qty for row in answer.data}

    def plan(
        self, store: PurchaseOrderStore, record: PurchaseOrderRecord, now: datetime
    ) -> FallbackPlan:
        draft = record.draft
        offers = {line.sku: self._offers.offers_for(line.sku, now) for line in draft.lines}
        suppliers = sorted(
            {o.supplier_id for sku_offers in offers.values() for o in sku_offers}
            - {draft.supplier_id}
        )
        earlier = {
            sid: found
            for sid in suppliers
            if (found := store.get(fallback_draft_id(draft.draft_id, sid))) is not None
        }
        already: dict[str, str] = {}
        for fallback in earlier.values():
            for line in fallback.draft.lines:
                if line.replaced_supplier_id == draft.supplier_id:
                    already[line.sku] = fallback.draft_id
        stock = {
            pid: self._stock(pid) for pid in dict.fromkeys(li.product_id for li in draft.lines)
        }
        own = {pid: rows.get(draft.supplier_id, ZERO) for pid, rows in stock.items()}
        missing = unavailable_lines(draft, own)
        moves: list[FallbackLine] = []
        unserved: dict[str, str] = {}
        for gap in missing:
            sku = gap.line.sku
            if sku in already:
                continue
            # A fallback draft already made for other lines is not reopened for this one.
            candidates = [o for o in offers[sku] if o.supplier_id not in earlier]
            choice, rejected = choose_fallback(
                draft, gap, candidates, stock[gap.line.product_id], now
            )
            if choice is None:
                others = "; ".join(rejected) or "no other supplier offers it"
                unserved[sku] = f"{gap.reason}; {others}"
            else:
                moves.append(choice)
        # A line moved by an earlier attempt stays moved, even if its stock came back.
        moved_before = tuple(
            Unavailable(line, ZERO, f"moved by an earlier attempt to {already[line.sku]}")
            for line in draft.lines
            if line.sku in already and all(g.line.sku != line.sku for g in missing)
        )
        return FallbackPlan((*missing, *moved_before), tuple(moves), already, unserved)

    def settle(
        self, store: PurchaseOrderStore, record: PurchaseOrderRecord, now: datetime
    ) -> Settled:
        """Check, move, hold or drop (module docstring); raises `NoSupplierAvailable`."""
        plan = self.plan(store, record, now)
        if not plan.unavailable:
            return Settled(record)
        holds = hold_count(record)
        last_chance = holds >= self.max_holds or now + self.retry_interval >= record.draft.order_by
        if plan.unserved and not last_chance:
            reason = "; ".join(f"{sku}: {why}" for sku, why in sorted(plan.unserved.items()))
            store.update(record.draft_id, lambda r: held(r, reason, now))
            raise NoSupplierAvailable(record.draft_id, plan.unserved, first_hold=holds == 0)

        for draft in fallback_drafts(record.draft, plan.moves, now):
            store.create_if_absent(fallback_record(draft, record.draft_id, now))
        moved = {**plan.already_moved}
        moved.update(
            {
                m.line.sku: fallback_draft_id(record.draft_id, m.offer.supplier_id)
                for m in plan.moves
            }
        )
        fallback_ids = tuple(dict.fromkeys(moved.values()))
        for draft_id in fallback_ids:
            # Started before the original loses the lines: a crash in between is repaired by
            # the retry, which finds these drafts and starts them again (refused if running).
            self._start_approval(draft_id)

        reasons = {g.line.sku: g.reason for g in plan.unavailable}
        removed = {sku: f"moved to {fid} ({reasons[sku]})" for sku, fid in moved.items()}
        dropped = plan.unserved if last_chance else {}
        removed.update(
            {sku: f"dropped, no supplier can serve it: {why}" for sku, why in dropped.items()}
        )
        before = {line.sku for line in record.draft.lines}
        updated = store.update(record.draft_id, lambda r: remove_lines(r, removed, now))
        after = {line.sku for line in updated.draft.lines}
        if updated.status is PoStatus.CANCELLED:
            after = set()
        created = tuple(dict.fromkeys(fid for sku, fid in moved.items() if sku in before - after))
        return Settled(updated, fallback_ids, created, moved, dict(dropped), reasons)
