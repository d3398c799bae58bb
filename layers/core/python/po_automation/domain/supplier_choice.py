"""Which supplier gets a SKU's order, and why: cheapest landed unit cost that arrives in time.

For each offer: is the price still valid, does the supplier have stock, can it deliver by the
need date given its lead time and London cut-off, how much would we order from it (its own
pack size, minimum and shelf-life cap), and what does a unit cost at that merged quantity
after price breaks. The cheapest wins; equal costs go to the supplier that delivers on time
more often. When the winner lacks stock, the rest of the need goes to the next best.
Delivery fees and minimum order values apply per PO, so `generation` settles them once the
baskets are known (see `rebalance_small_baskets`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from po_automation.domain.calendar import earliest_delivery
from po_automation.domain.models import PurchaseHistoryLine, SupplierOffer
from po_automation.domain.packs import round_down_to_pack, round_up_to_pack
from po_automation.domain.policy import Requirement

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Candidate:
    offer: SupplierOffer
    delivery_date: date
    requirement: Requirement
    quantity: Decimal  # pack-rounded for this supplier
    unit_price: Decimal  # after price breaks at `quantity`
    reliability: float

    @property
    def cost(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a SKU's need placed with one supplier."""

    offer: SupplierOffer
    delivery_date: date
    quantity: Decimal
    unit_price: Decimal
    requirement: Requirement
    alternatives: tuple[Candidate, ...]  # next-best suppliers able to take the whole need
    replaced_supplier_id: str | None
    note: str


@dataclass(frozen=True, slots=True)
class Choice:
    allocations: tuple[Allocation, ...]
    rejected: tuple[str, ...]  # why each other supplier lost, plain English
    shortfall: Decimal  # need no supplier could cover


def on_time_rates(history: Iterable[PurchaseHistoryLine]) -> dict[str, float]:
    """Share of each supplier's delivered lines that came on or before the promised date,
    smoothed towards 50% so one delivery does not make a supplier perfect."""
    hits: dict[str, int] = {}
    total: dict[str, int] = {}
    for line in history:
        if line.delivered_date is None:
            continue
        total[line.supplier_id] = total.get(line.supplier_id, 0) + 1
        if line.delivered_date <= line.promised_date:
            hits[line.supplier_id] = hits.get(line.supplier_id, 0) + 1
    return {s: (hits.get(s, 0) + 1) / (n + 2) for s, n in total.items()}


def _money(value: Decimal) -> str:
    return f"£{value.quantize(Decimal('0.01'))}"


def _price(value: Decimal) -> str:
    exponent = value.normalize().as_tuple().exponent
    return (
        f"£{value.normalize():f}" if isinstance(exponent, int) and exponent < -2 else _money(value)
    )


def choose_suppliers(
    offers: Sequence[SupplierOffer],
    now: datetime,
    *,
    today: date,
    requirement_at: Callable[[int], Requirement],
    need_date: date | None,
    reliability: Mapping[str, float],
) -> Choice:
    """Allocate the SKU's need across its offers (see the module docstring)."""
    rejected: list[str] = []
    timed: list[tuple[SupplierOffer, date]] = []
    no_stock: list[SupplierOffer] = []
    for offer in offers:
        if offer.valid_until <= now:
            rejected.append(f"{offer.supplier_name}: price expired")
            continue
        if offer.available_qty <= ZERO:
            rejected.append(f"{offer.supplier_name}: no stock available")
            no_stock.append(offer)
            continue
        timed.append((offer, earliest_delivery(now, offer.lead_time_days, offer.order_cutoff)))
    if not timed:
        return Choice((), tuple(rejected), ZERO)
    first_possible = min(d for _, d in timed)
    deadline = first_possible if need_date is None else max(need_date, first_possible)
    priced: list[Candidate] = []
    for offer, delivery in timed:
        if delivery > deadline:
            rejected.append(
                f"{offer.supplier_name}: earliest delivery {delivery:%a %d %b} is after the "
                f"need date {deadline:%a %d %b}"
            )
            continue
        req = requirement_at((delivery - today).days)
        if req.need <= ZERO:
            continue
        qty = round_up_to_pack(req.need, offer.pack_size, offer.min_order_qty)
        # The cap cuts only a need that exceeds it; covering a real need may round up by
        # part of a pack (need 200 in twelves is 204), never down below it.
        if req.capped and qty > req.shelf_life_cap:
            qty = round_down_to_pack(req.shelf_life_cap, offer.pack_size, offer.min_order_qty)
            if qty <= ZERO:
                rejected.append(
                    f"{offer.supplier_name}: its pack of {offer.pack_size.normalize():f} / "
                    f"minimum {offer.min_order_qty.normalize():f} is more than can be sold "
                    "before it expires"
                )
                continue
        priced.append(
            Candidate(
                offer=offer,
                delivery_date=delivery,
                requirement=req,
                quantity=qty,
                unit_price=offer.unit_price_for(qty),
                reliability=reliability.get(offer.supplier_id, 0.5),
            )
        )
    priced.sort(key=lambda c: (c.unit_price, -c.reliability, c.delivery_date, c.offer.supplier_id))
    passed_over = None
    if priced:
        best = priced[0]
        dearer = [o for o in no_stock if o.unit_price_for(best.quantity) < best.unit_price]
        if dearer:
            passed_over = min(dearer, key=lambda o: o.unit_price_for(best.quantity)).supplier_id
    return _allocate(priced, rejected, passed_over)


def _allocate(priced: list[Candidate], rejected: list[str], passed_over: str | None) -> Choice:
    if not priced:
        return Choice((), tuple(rejected), ZERO)
    remaining = priced[0].requirement.need
    allocations: list[Allocation] = []
    for i, cand in enumerate(priced):
        if remaining <= ZERO:
            break
        offer = cand.offer
        want = round_up_to_pack(remaining, offer.pack_size, offer.min_order_qty)
        if cand.requirement.capped and want > cand.requirement.shelf_life_cap:
            limit = min(remaining, cand.requirement.shelf_life_cap)
            want = round_down_to_pack(limit, offer.pack_size, offer.min_order_qty)
            if want <= ZERO:
                continue
        if offer.available_qty >= want:
            qty = want
        else:
            qty = round_down_to_pack(offer.available_qty, offer.pack_size, offer.min_order_qty)
            if qty <= ZERO:
                rejected.append(
                    f"{offer.supplier_name}: only {offer.available_qty.normalize():f} available"
                )
                passed_over = passed_over or offer.supplier_id
                continue
        price = offer.unit_price_for(qty)
        others = [c for c in priced if c is not cand]
        if i == 0 or not allocations:
            note = _why_chosen(cand, price, others, passed_over)
        else:
            note = (
                f"{offer.supplier_name} supplies the remaining {qty.normalize():f} at "
                f"{_price(price)}/unit (next cheapest with stock)"
            )
        if qty < want:
            note += (
                f"; {offer.supplier_name} has only {offer.available_qty.normalize():f} "
                "available, the rest goes to the next supplier"
            )
        allocations.append(
            Allocation(
                offer=offer,
                delivery_date=cand.delivery_date,
                quantity=qty,
                unit_price=price,
                requirement=cand.requirement,
                alternatives=tuple(
                    c for c in priced[i + 1 :] if c.offer.available_qty >= c.quantity
                ),
                replaced_supplier_id=passed_over if not allocations else None,
                note=note,
            )
        )
        remaining -= qty
    for cand in priced:
        if all(a.offer is not cand.offer for a in allocations) and cand is not priced[0]:
            rejected.append(
                f"{cand.offer.supplier_name}: {_price(cand.unit_price)}/unit at "
                f"{cand.quantity.normalize():f}"
            )
    return Choice(tuple(allocations), tuple(rejected), max(remaining, ZERO))


def _why_chosen(
    cand: Candidate, price: Decimal, others: list[Candidate], passed_over: str | None
) -> str:
    name = cand.offer.supplier_name
    text = f"{name} at {_price(price)}/unit"
    if price < cand.offer.unit_price:
        text += f" (price break; list {_price(cand.offer.unit_price)})"
    text += f", delivering {cand.delivery_date:%a %d %b}"
    if not others:
        return text + ": the only supplier able to deliver in time"
    runner = others[0]
    if runner.unit_price == price:
        return (
            text + f": same price as {runner.offer.supplier_name}, chosen for on-time delivery "
            f"{cand.reliability:.0%} vs {runner.reliability:.0%}"
        )
    if passed_over:
        return text + ": cheapest supplier with stock"
    return (
        text + f": cheapest of {len(others) + 1} able to deliver in time "
        f"(next {runner.offer.supplier_name} at {_price(runner.unit_price)})"
    )
