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
from dataclasses import dataclass, replace
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


def _fit(want: Decimal, offer: SupplierOffer, req: Requirement) -> Decimal:
    """Whole packs for `want`, held to what sells before the lot expires.

    Covering a real shortfall may round up past the cap by part of a pack (need 200 in
    twelves is 204); a buffer top-up may not, since the extra pack would mostly expire.
    When even one pack exceeds the cap, it is still bought if the shelf would otherwise
    empty: one pack that partly expires beats an emergency order."""
    qty = round_up_to_pack(want, offer.pack_size, offer.min_order_qty)
    cap = req.shelf_life_cap
    if qty <= cap or (req.runs_short and not req.capped):
        return qty
    down = round_down_to_pack(min(want, cap), offer.pack_size, offer.min_order_qty)
    if down > ZERO:
        return down
    return qty if req.runs_short else ZERO


def _price_candidate(
    offer: SupplierOffer,
    delivery: date,
    req: Requirement,
    need: Decimal,
    reliability: Mapping[str, float],
) -> Candidate | None:
    """The candidate for `need` from this offer: pack-rounded, held to the shelf-life cap."""
    qty = _fit(need, offer, req)
    if qty <= ZERO:
        return None
    return Candidate(
        offer=offer,
        delivery_date=delivery,
        requirement=req,
        quantity=qty,
        unit_price=offer.unit_price_for(qty),
        reliability=reliability.get(offer.supplier_id, 0.5),
    )


def _landed(cand: Candidate) -> Decimal:
    """Unit cost of what will sell: a pack or minimum beyond what sells before expiry is
    paid for and thrown away."""
    usable = min(cand.quantity, max(cand.requirement.shelf_life_cap, Decimal("0.001")))
    return cand.cost / usable


def _rank(cand: Candidate) -> tuple[Decimal, float, date, str]:
    return (_landed(cand), -cand.reliability, cand.delivery_date, cand.offer.supplier_id)


def choose_suppliers(
    offers: Sequence[SupplierOffer],
    now: datetime,
    *,
    today: date,
    requirement_at: Callable[[int], Requirement],
    need_date: date | None = None,
    reliability: Mapping[str, float],
    gap_need: Callable[[int], Decimal] | None = None,
) -> Choice:
    """Allocate the SKU's need across its offers (see the module docstring).

    Dual sourcing: the cheapest supplier takes the need from its delivery on; when stock
    will not last until then (`gap_need` of its delivery day is positive), the cheapest
    faster supplier takes only that gap, and so on down to the fastest. Without
    `gap_need`, `need_date` decides which suppliers arrive in time, as a single source.
    """
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
        if round_down_to_pack(offer.available_qty, offer.pack_size, offer.min_order_qty) <= 0:
            # Less than one pack or its minimum: it can take no part, so it must not shape
            # the split either (its backup would be sized to its need, not their own).
            rejected.append(
                f"{offer.supplier_name}: only {offer.available_qty.normalize():f} available"
            )
            no_stock.append(offer)
            continue
        timed.append((offer, earliest_delivery(now, offer.lead_time_days, offer.order_cutoff)))
    if not timed:
        return Choice((), tuple(rejected), ZERO)
    first_possible = min(d for _, d in timed)
    if gap_need is None:
        deadline = first_possible if need_date is None else max(need_date, first_possible)
        kept = []
        for offer, delivery in timed:
            if delivery > deadline:
                rejected.append(
                    f"{offer.supplier_name}: earliest delivery {delivery:%a %d %b} is after "
                    f"the need date {deadline:%a %d %b}"
                )
            else:
                kept.append((offer, delivery))
        timed = kept
    priced: list[Candidate] = []
    for offer, delivery in timed:
        req = requirement_at((delivery - today).days)
        if req.need <= ZERO:
            continue
        cand = _price_candidate(offer, delivery, req, req.need, reliability)
        if cand is None:
            rejected.append(
                f"{offer.supplier_name}: its pack of {offer.pack_size.normalize():f} / "
                f"minimum {offer.min_order_qty.normalize():f} is more than can be sold "
                "before it expires"
            )
            continue
        priced.append(cand)
    if not priced and gap_need is not None:
        # Supply on order can make the position look ample while it lands too late: what
        # must arrive by the first possible delivery still goes to the fastest. That gap is
        # the need here, held to what sells before expiry like any other need.
        first_days = (first_possible - today).days
        req = requirement_at(first_days)
        gap = ZERO if req.capped else gap_need(first_days + 1)
        bridge = replace(req, need=min(gap, req.shelf_life_cap), capped=gap > req.shelf_life_cap)
        for offer, delivery in timed:
            if delivery == first_possible and bridge.need > ZERO:
                cand = _price_candidate(offer, delivery, bridge, bridge.need, reliability)
                if cand is not None:
                    priced.append(cand)
    if not priced:
        return Choice((), tuple(rejected), ZERO)
    priced.sort(key=_rank)
    passed_over = None
    best = priced[0]
    dearer = [o for o in no_stock if o.unit_price_for(best.quantity) < best.unit_price]
    if dearer:
        passed_over = min(dearer, key=lambda o: o.unit_price_for(best.quantity)).supplier_id
    layers = _layers(priced, timed, today, requirement_at, gap_need, reliability)
    parts = _place_split(layers, passed_over) if len(layers) > 1 else []
    if len(layers) > 1 and not _split_pays(layers, parts):
        fastest = layers[-1][0][0]
        layers = [(layers[-1][0], fastest.requirement.need)]
    if len(layers) == 1:
        pool, need = layers[0]
        return _allocate(pool, need, rejected, passed_over)
    allocations: list[Allocation] = []
    shortfall = ZERO
    later: Allocation | None = None
    for part in parts:
        placed = list(part.allocations)
        if placed and later is not None:
            first = placed[0]
            placed[0] = replace(
                first,
                note=(
                    f"{first.offer.supplier_name} at {_price(first.unit_price)}/unit, delivering "
                    f"{first.delivery_date:%a %d %b}: covers only what sells before "
                    f"{later.offer.supplier_name}'s cheaper delivery on "
                    f"{later.delivery_date:%a %d %b}"
                ),
            )
        if placed:
            later = placed[0]
        allocations.extend(placed)
        shortfall += part.shortfall
    used = {a.offer.supplier_id for a in allocations}
    for cand in priced:
        if cand.offer.supplier_id not in used:
            rejected.append(
                f"{cand.offer.supplier_name}: {_price(cand.unit_price)}/unit at "
                f"{cand.quantity.normalize():f}"
            )
    return Choice(tuple(allocations), tuple(rejected), shortfall)


def _layers(
    priced: list[Candidate],
    timed: list[tuple[SupplierOffer, date]],
    today: date,
    requirement_at: Callable[[int], Requirement],
    gap_need: Callable[[int], Decimal] | None,
    reliability: Mapping[str, float],
) -> list[tuple[list[Candidate], Decimal]]:
    """Each layer: the candidates that may take it (cheapest first) and its part of the
    need, slowest first. The first layer is the need from the cheapest supplier's delivery
    on; each further layer is what must arrive before the previous layer's delivery, so
    the parts sum to the cheapest supplier's need."""
    best = priced[0]
    single = [(priced, best.requirement.need)]
    if gap_need is None:
        return single
    total = best.requirement.need
    layers: list[tuple[list[Candidate], Decimal]] = []
    current = best
    while True:
        days = (current.delivery_date - today).days
        gap = gap_need(days)
        faster = [(o, d) for o, d in timed if d < current.delivery_date]
        if gap <= ZERO or not faster:
            layers.append(([current, *(c for c in priced if c is not current)], total))
            break
        pool = []
        for offer, delivery in faster:
            req = requirement_at((delivery - today).days)
            cand = _price_candidate(offer, delivery, req, min(gap, req.need), reliability)
            if cand is not None and req.need > ZERO:
                pool.append(cand)
        if not pool:
            layers.append(([current, *(c for c in priced if c is not current)], total))
            break
        pool.sort(key=_rank)
        backup = [
            c for c in priced if c is not current and c.delivery_date <= current.delivery_date
        ]
        layers.append(([current, *backup], max(total - gap, ZERO)))
        current, total = pool[0], min(gap, pool[0].requirement.need)
        priced = pool
    layers = [(pool, need) for pool, need in layers if need > ZERO]
    return layers or single


def _ordered(choice: Choice) -> Decimal:
    return sum((a.quantity for a in choice.allocations), ZERO)


def _place_split(
    layers: list[tuple[list[Candidate], Decimal]], passed_over: str | None
) -> list[Choice]:
    """Place each layer's part, fastest first, so that what one supplier's packs add beyond
    its part comes off the next one's: the parts sum to the need, so the whole order
    exceeds it by at most the rounding of the last part placed.

    A part so small that the next supplier's minimum would more than double a pack of it
    goes to the faster supplier instead, when that one can still sell it before expiry. So
    does any of a part that only a supplier arriving no later than the faster one can
    supply (the slower one lacking stock): it is one order with the faster one's, held to
    what sells before that lot expires, not a second order on top of it."""
    placed: list[Choice] = [Choice((), (), ZERO)] * len(layers)
    target = ZERO  # the parts placed so far
    covered = ZERO  # what was ordered for them, or could not be had in time
    previous: int | None = None
    for i in reversed(range(len(layers))):
        pool, part = layers[i]
        target += part
        want = target - covered
        if want <= ZERO:
            continue
        part_choice = _allocate(pool, want, [], passed_over if i == 0 else None)
        if previous is not None and placed[previous].allocations:
            earlier = placed[previous]
            before = covered - _ordered(earlier) - earlier.shortfall
            prev_date = earlier.allocations[0].delivery_date
            late = tuple(a for a in part_choice.allocations if a.delivery_date > prev_date)
            late_qty = sum((a.quantity for a in late), ZERO)
            head = pool[0]
            tiny = _fit(want, head.offer, head.requirement) - want >= head.offer.pack_size
            if late_qty < _ordered(part_choice) or (tiny and not late):
                grown = _allocate(layers[previous][0], target - before - late_qty, [], None)
                enough = not grown.shortfall and _ordered(grown) >= target - before - late_qty
                if enough or late_qty < _ordered(part_choice):
                    placed[previous] = grown
                    covered = before + _ordered(grown) + grown.shortfall + late_qty
                    if late:
                        placed[i] = Choice(late, part_choice.rejected, ZERO)
                        previous = i
                    continue
        placed[i] = part_choice
        covered += _ordered(part_choice) + part_choice.shortfall
        previous = i
    return placed


def _split_pays(layers: list[tuple[list[Candidate], Decimal]], parts: list[Choice]) -> bool:
    """Keep a split only when two or more suppliers take part and it costs less per unit
    sold than buying everything from the cheapest supplier in time for the first gap (a
    small gap rounded up to a dear supplier's minimum may not)."""
    if sum(1 for part in parts if part.allocations) < 2:
        return False
    cost = ZERO
    usable = ZERO
    for part in parts:
        for alloc in part.allocations:
            cost += alloc.quantity * alloc.unit_price
            cap = max(alloc.requirement.shelf_life_cap, Decimal("0.001"))
            usable += min(alloc.quantity, cap)
    fastest = layers[-1][0][0]
    whole = _price_candidate(
        fastest.offer,
        fastest.delivery_date,
        fastest.requirement,
        fastest.requirement.need,
        {fastest.offer.supplier_id: fastest.reliability},
    )
    return whole is None or cost / max(usable, Decimal("0.001")) < _landed(whole)


def _allocate(
    priced: list[Candidate], need: Decimal, rejected: list[str], passed_over: str | None
) -> Choice:
    if not priced:
        return Choice((), tuple(rejected), ZERO)
    remaining = need
    allocations: list[Allocation] = []
    for i, cand in enumerate(priced):
        if remaining <= ZERO:
            break
        offer = cand.offer
        req = cand.requirement
        want = _fit(remaining, offer, req)
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
                requirement=req,
                alternatives=tuple(
                    c for c in priced[i + 1 :] if c.offer.available_qty >= c.quantity
                ),
                replaced_supplier_id=passed_over if not allocations else None,
                note=note,
            )
        )
        # A supplier that delivered all it was asked for has covered the need, even when
        # its packs and the shelf-life cap left `want` a little under `remaining`: only
        # stock it lacks passes to the next supplier.
        remaining = remaining - qty if qty < want else ZERO
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
    if runner.unit_price < price:
        # Ranked on cost per unit that will sell: the runner's list price is lower, but its
        # packs or minimum would make us buy more than sells before it expires.
        return (
            text + f": lowest cost per unit that will sell, of {len(others) + 1} able to "
            f"deliver in time ({runner.offer.supplier_name} lists {_price(runner.unit_price)} "
            f"but would mean buying {runner.quantity.normalize():f} in packs of "
            f"{runner.offer.pack_size.normalize():f})"
        )
    return (
        text + f": cheapest of {len(others) + 1} able to deliver in time "
        f"(next {runner.offer.supplier_name} at {_price(runner.unit_price)})"
    )
