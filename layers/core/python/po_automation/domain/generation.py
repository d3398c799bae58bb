"""One buying run: forecast, position, order-up-to, supplier choice, draft POs.

`plan_purchase_orders` is pure: everything it knows comes in `PlanningInputs`, and the same
inputs at the same London day give the same drafts with the same ids.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from po_automation.domain import forecasting
from po_automation.domain.approval_rules import BELOW_MINIMUM_FLAG, line_flags
from po_automation.domain.calendar import earliest_delivery, london_date
from po_automation.domain.drafts import PlannedLine, build_drafts
from po_automation.domain.inventory import (
    ExistingPurchaseOrder,
    InventoryPosition,
    committed_demand,
    open_supply,
    sellable_quantity,
    supply_by_day,
)
from po_automation.domain.models import (
    CustomerOrderLine,
    CustomerOrderStatus,
    DraftLine,
    DraftPurchaseOrder,
    LastPricePaid,
    Product,
    PurchaseHistoryLine,
    StockLot,
    Supplier,
    SupplierOffer,
)
from po_automation.domain.packs import pack_count, round_up_to_pack
from po_automation.domain.policy import Requirement, SkuPolicy, to_decimal
from po_automation.domain.rules import BuyingRules
from po_automation.domain.supplier_choice import (
    Allocation,
    Candidate,
    choose_suppliers,
    on_time_rates,
)

ZERO = Decimal("0")
_MAX_CAP_DAYS = 56  # beyond eight weeks the forecast says nothing useful about expiry


@dataclass(frozen=True, slots=True)
class PlanningInputs:
    products: Sequence[Product]
    stock: Sequence[StockLot] = ()
    customer_orders: Sequence[CustomerOrderLine] = ()  # history and open lines
    purchase_history: Sequence[PurchaseHistoryLine] = ()
    last_prices: Sequence[LastPricePaid] = ()
    suppliers: Sequence[Supplier] = ()
    offers: Sequence[SupplierOffer] = ()  # one per SKU per supplier
    existing_pos: Sequence[ExistingPurchaseOrder] = ()


@dataclass(frozen=True, slots=True)
class SupplierAllocation:
    supplier_id: str
    supplier_name: str
    quantity: Decimal
    unit_price: Decimal
    delivery_date: date


@dataclass(frozen=True, slots=True)
class SkuDecision:
    sku: str
    model: str  # the forecasting model chosen for the SKU
    forecast_per_day: Decimal  # mean forecast over the cover period
    demand_over_cover: Decimal
    safety_stock: Decimal
    order_up_to: Decimal
    position: InventoryPosition | None
    need: Decimal  # before pack rounding
    order_quantity: Decimal  # after pack rounding, all suppliers
    need_date: date | None
    allocations: tuple[SupplierAllocation, ...]
    reason: str

    @property
    def ordered(self) -> bool:
        return self.order_quantity > ZERO


@dataclass(frozen=True, slots=True)
class PlanningResult:
    buying_date: date
    decisions: tuple[SkuDecision, ...]
    drafts: tuple[DraftPurchaseOrder, ...]
    _by_sku: dict[str, SkuDecision] = field(default_factory=dict, repr=False, compare=False)

    def decision(self, sku: str) -> SkuDecision:
        if not self._by_sku:
            self._by_sku.update({d.sku: d for d in self.decisions})
        return self._by_sku[sku]


def _lasts(lot: StockLot, today: date) -> bool:
    return lot.expiry_date is None or lot.expiry_date > today


def _qty(value: Decimal, step: Decimal | None = None) -> str:
    """A quantity for people: to `step` when given (a forecast's 25.721 reads 26 for a
    product bought in whole packs), without trailing zeros."""
    if step is not None:
        value = value.quantize(step, rounding=ROUND_HALF_UP)
    shown = value.normalize()
    return f"{shown if shown else ZERO:f}"


def display_step(offers: Sequence[SupplierOffer]) -> Decimal:
    """The finest precision any supplier sells the product in: whole units for packs of
    12 or 2.5 kg alike would hide the half; 0.01 kg packs show hundredths."""
    places = 0
    for offer in offers:
        exponent = offer.pack_size.normalize().as_tuple().exponent
        if isinstance(exponent, int):
            places = max(places, -exponent)
    return Decimal(1).scaleb(-places)


def _history_matrix(
    skus: list[str], lines: Sequence[CustomerOrderLine], today: date, days: int
) -> np.ndarray:
    index = {sku: i for i, sku in enumerate(skus)}
    start = today - timedelta(days=days)
    history = np.zeros((len(skus), days))
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for line in lines:
        if line.status is CustomerOrderStatus.CANCELLED:
            continue
        row = index.get(line.sku)
        col = (line.delivery_date - start).days
        if row is None or not 0 <= col < days:
            continue
        rows.append(row)
        cols.append(col)
        vals.append(float(line.quantity))
    np.add.at(history, (np.array(rows, dtype=int), np.array(cols, dtype=int)), vals)
    return history


def _usual_quantities(history: Sequence[PurchaseHistoryLine], lookback: int) -> dict[str, Decimal]:
    by_sku: dict[str, list[PurchaseHistoryLine]] = {}
    for line in history:
        by_sku.setdefault(line.sku, []).append(line)
    usual: dict[str, Decimal] = {}
    for sku, lines in by_sku.items():
        recent = sorted(lines, key=lambda line: line.order_date)[-lookback:]
        usual[sku] = statistics.median(line.quantity for line in recent)
    return usual


def _last_prices(
    last_prices: Sequence[LastPricePaid], history: Sequence[PurchaseHistoryLine]
) -> dict[str, tuple[Decimal, date]]:
    latest: dict[str, tuple[Decimal, date]] = {}
    for line in history:
        seen = latest.get(line.sku)
        if seen is None or line.order_date >= seen[1]:
            latest[line.sku] = (line.unit_price, line.order_date)
    for paid in last_prices:
        seen = latest.get(paid.sku)
        if seen is None or paid.paid_on >= seen[1]:
            latest[paid.sku] = (paid.unit_price, paid.paid_on)
    return latest


def _quantity_reason(
    product: Product,
    req: Requirement,
    pos: InventoryPosition,
    model: str,
    level: float,
    step: Decimal,
) -> str:
    need = _qty(req.need, step)
    if req.need > ZERO and need == "0":
        need = f"under {_qty(step)}"  # "Need 0" would read as an order for nothing
    text = (
        f"Need {need} {product.unit}: forecast {_qty(req.demand, step)} over "
        f"the next {req.cover_days} days ({model.replace('_', ' ')}) plus safety stock "
        f"{_qty(req.safety_stock, step)} for {level:.0%} service, less position "
        f"{_qty(pos.position, step)} ({pos.describe(step)})"
    )
    if req.need > req.order_up_to - pos.position:
        text += (
            "; the position counts stock on order that lands after the earliest delivery, "
            "so this covers only what sells until it lands"
        )
    if req.capped:
        text += (
            f"; capped at {_qty(req.shelf_life_cap, step)}, what sells within its "
            f"{product.shelf_life_days}-day shelf life"
        )
    return text


def _small_need_note(alloc: Allocation, step: Decimal) -> str:
    """Why a need too small to show as a quantity still gets an order, in words."""
    req = alloc.requirement
    if req.need <= ZERO or req.need.quantize(step, rounding=ROUND_HALF_UP) > ZERO:
        return ""
    why = (
        "stock runs out before the next delivery"
        if req.runs_short
        else "stock would dip just below its safety level before a later order could arrive"
    )
    offer = alloc.offer
    smallest = round_up_to_pack(step, offer.pack_size, offer.min_order_qty)
    if alloc.quantity == offer.pack_size:
        return f"{why}; one minimum pack"
    if alloc.quantity == smallest:
        return f"{why}; the supplier's minimum order of {_qty(smallest)}"
    return why


def _line_reason(
    base: str,
    alloc: Allocation,
    last: tuple[Decimal, date] | None,
    fee_note: str,
    step: Decimal,
) -> str:
    offer = alloc.offer
    packs = pack_count(alloc.quantity, offer.pack_size)
    noun = "pack" if packs == 1 else "packs"
    text = (
        f"{base}. Ordering {_qty(alloc.quantity)} ({_qty(packs)} {noun} of {_qty(offer.pack_size)})"
    )
    small = _small_need_note(alloc, step)
    if small:
        text += f": {small}"
    text += f". Supplier: {alloc.note}"
    if fee_note:
        text += f"; {fee_note}"
    if last is not None:
        diff = (last[0] - alloc.unit_price) * alloc.quantity
        if diff > 0:
            text += f". Saves £{diff:.2f} against the last price paid £{last[0]} ({last[1]:%d %b})"
        elif diff < 0:
            text += f". Costs £{-diff:.2f} more than the last price paid £{last[0]}"
        else:
            text += f". Same as the last price paid £{last[0]}"
    return text + "."


def _rebalance(
    chosen: dict[str, list[Allocation]], suppliers: dict[str, Supplier]
) -> tuple[
    dict[tuple[str, date], Decimal], dict[tuple[str, date], tuple[str, ...]], dict[str, str]
]:
    """Settle minimum order values and delivery fees per basket.

    A basket below its supplier's minimum either pays the delivery fee or, when every line
    has a supplier able to take it whole for less extra than the fee, moves there. With no
    fee known, the minimum is a hard rule: move if possible, otherwise flag for review.
    """
    baskets: dict[tuple[str, date], list[tuple[str, int]]] = {}
    for sku, allocs in chosen.items():
        for i, a in enumerate(allocs):
            baskets.setdefault((a.offer.supplier_id, a.delivery_date), []).append((sku, i))
    fees: dict[tuple[str, date], Decimal] = {}
    flags: dict[tuple[str, date], tuple[str, ...]] = {}
    notes: dict[str, str] = {}
    for key, members in sorted(baskets.items()):
        supplier = suppliers.get(key[0])
        if supplier is None:
            continue
        mov, fee = supplier.min_order_value, supplier.delivery_fee
        value = sum((chosen[s][i].quantity * chosen[s][i].unit_price for s, i in members), ZERO)
        if mov is not None and value >= mov:
            continue
        if mov is None and not fee:
            continue
        moves: list[tuple[str, Candidate]] = []
        extra = ZERO
        for sku, i in members:
            alloc = chosen[sku][i]
            alt = next((c for c in alloc.alternatives if c.offer.supplier_id != key[0]), None)
            if alt is None or len(chosen[sku]) > 1:
                moves = []
                break
            extra += alt.cost - alloc.quantity * alloc.unit_price
            moves.append((sku, alt))
        if moves and (fee is None or extra < fee):
            for sku, alt in moves:
                old = chosen[sku][0]
                chosen[sku] = [
                    Allocation(
                        offer=alt.offer,
                        delivery_date=alt.delivery_date,
                        quantity=alt.quantity,
                        unit_price=alt.unit_price,
                        requirement=alt.requirement,
                        alternatives=(),
                        replaced_supplier_id=old.offer.supplier_id,
                        note=(
                            f"{alt.offer.supplier_name} at £{alt.unit_price}/unit: the "
                            f"{old.offer.supplier_name} basket (£{value:.2f}) is below its "
                            f"£{mov or 0:.2f} minimum"
                            + (f" and moving saves its £{fee:.2f} fee" if fee else "")
                        ),
                    )
                ]
            continue
        if fee:
            fees[key] = fee
            for sku, _ in members:
                notes[sku] = f"basket below minimum order value, £{fee:.2f} delivery fee applies"
        elif mov is not None:
            flags[key] = (BELOW_MINIMUM_FLAG,)
    return fees, flags, notes


def plan_purchase_orders(
    inputs: PlanningInputs, now: datetime, rules: BuyingRules
) -> PlanningResult:
    """Decide what to order for every product and build the draft POs."""
    today = london_date(now)
    products = sorted(inputs.products, key=lambda p: p.sku)
    skus = [p.sku for p in products]
    offers_by_sku: dict[str, list[SupplierOffer]] = {}
    for offer in inputs.offers:
        offers_by_sku.setdefault(offer.sku, []).append(offer)
    max_lead = max((o.lead_time_days for o in inputs.offers), default=0)
    horizon = max_lead + 2 + max(rules.review_period_days, _MAX_CAP_DAYS)

    fc = forecasting.forecast(
        _history_matrix(skus, inputs.customer_orders, today, rules.history_days),
        horizon=horizon,
        season_length=rules.season_length,
    )
    lots_by_sku: dict[str, list[StockLot]] = {}
    for lot in inputs.stock:
        lots_by_sku.setdefault(lot.sku, []).append(lot)
    on_order, awaiting = open_supply(inputs.existing_pos)
    arriving = supply_by_day(inputs.existing_pos, today)
    intermittent = {forecasting.SBA, forecasting.TSB}
    sizes = fc.size if fc.size is not None else np.zeros(len(skus))
    window_end = today + timedelta(days=max_lead + 1 + rules.review_period_days)
    committed = committed_demand(inputs.customer_orders, today, window_end)
    reliability = on_time_rates(inputs.purchase_history)
    usual = _usual_quantities(inputs.purchase_history, rules.usual_quantity_lookback)
    last_paid = _last_prices(inputs.last_prices, inputs.purchase_history)
    suppliers = {s.supplier_id: s for s in inputs.suppliers}

    decisions: dict[str, SkuDecision] = {}
    chosen: dict[str, list[Allocation]] = {}
    context: dict[str, tuple[Product, str, Decimal]] = {}
    for i, product in enumerate(products):
        sku = product.sku
        daily = fc.daily[i]
        cumulative = np.cumsum(daily)
        due = committed.get(sku)
        committed_through = None
        if due:
            per_day = np.zeros(horizon)
            for day, qty in due.items():
                per_day[min(day, horizon - 1)] += float(qty)
            committed_through = np.cumsum(per_day)
            cumulative = np.maximum(cumulative, committed_through)
        lots = lots_by_sku.get(sku, ())
        pos = InventoryPosition(
            sku=sku,
            on_hand=sum((lot.quantity for lot in lots), ZERO),
            sellable=sellable_quantity(lots, today, cumulative.tolist()) if lots else ZERO,
            on_order=on_order.get(sku, ZERO),
            awaiting_approval=awaiting.get(sku, ZERO),
            committed=sum(due.values(), ZERO) if due else ZERO,
        )
        if not product.orderable:
            decisions[sku] = _nothing(
                sku, fc.models[i], pos, f"Not ordered: the product is {product.status.value}."
            )
            continue
        offers = offers_by_sku.get(sku, [])
        if not offers:
            # No price to buy at (not on Cerve, or Cerve unreachable and the cache stale):
            # still say what is needed, so the SKU counts as at risk and on-call hears of it.
            days = rules.review_period_days + 2
            # `cumulative` already holds booked orders, so compare it with supply alone.
            supply = pos.position + pos.committed
            shortfall = max(to_decimal(float(cumulative[days - 1])) - supply, ZERO)
            why = "Not ordered: no supplier offer (not on Cerve, or no fresh price)"
            if shortfall > 0:
                why += (
                    f"; about {_qty(shortfall, Decimal('0.1'))} {product.unit} needed over "
                    f"the next {days} days"
                )
            decisions[sku] = replace(_nothing(sku, fc.models[i], pos, why + "."), need=shortfall)
            continue
        level = rules.service_level(product.category)
        step = display_step(offers)
        policy = SkuPolicy(
            daily_forecast=daily,
            sigma=float(fc.sigma[i]),
            z=rules.z(product.category),
            position=pos.position,
            committed=pos.committed,
            review_days=rules.review_period_days,
            shelf_life_days=min(product.shelf_life_days, _MAX_CAP_DAYS),
            committed_through=committed_through,
            min_stock=float(sizes[i]) if fc.models[i] in intermittent else 0.0,
            on_shelf=pos.position
            + sum((lot.quantity for lot in lots if _lasts(lot, today)), ZERO)
            - pos.sellable,
        )
        cache: dict[int, Requirement] = {}
        coming = sorted(arriving.get(sku, {}).items())

        def gap_need(
            days: int, _p: SkuPolicy = policy, _s: Decimal = pos.sellable, _in: list = coming
        ) -> Decimal:
            before = _s + sum((q for d, q in _in if d < days), ZERO)
            return _p.gap_need(days, before)

        def requirement_at(days: int, _p: SkuPolicy = policy, _c: dict = cache) -> Requirement:
            if days not in _c:
                _c[days] = _p.requirement(days)
            return _c[days]

        first_days = min(
            (earliest_delivery(now, o.lead_time_days, o.order_cutoff) - today).days for o in offers
        )
        probe = requirement_at(first_days)
        # "Runs short" means eating into a single day's buffer: that lets a cheaper,
        # slower supplier take the order when stock lasts until its delivery.
        need_date = policy.need_date(today, requirement_at(0).safety_stock)
        choice = choose_suppliers(
            offers,
            now,
            today=today,
            requirement_at=requirement_at,
            need_date=need_date,
            reliability=reliability,
            gap_need=gap_need,
        )
        if not choice.allocations:
            req = probe
            if req.need <= ZERO:
                why = (
                    f"Not ordered: position {_qty(pos.position, step)} covers the order-up-to "
                    f"level {_qty(req.order_up_to, step)} ({pos.describe(step)})."
                )
                if req.capped and req.order_up_to > pos.position:
                    why = (
                        f"Not ordered: stock already covers what sells within the "
                        f"{product.shelf_life_days}-day shelf life ({pos.describe(step)})."
                    )
            else:
                why = "Not ordered: no supplier can take it (" + "; ".join(choice.rejected) + ")."
            decisions[sku] = _nothing(sku, fc.models[i], pos, why, req=req, need_date=need_date)
            continue
        chosen[sku] = list(choice.allocations)
        base = _quantity_reason(
            product, choice.allocations[0].requirement, pos, fc.models[i], level, step
        )
        first = min(a.delivery_date for a in choice.allocations)
        if need_date is not None and first > need_date:
            base += (
                f"; stock runs short on {need_date:%a %d %b}, before the earliest possible "
                f"delivery {first:%a %d %b}"
            )
        context[sku] = (product, base, step)
        req = choice.allocations[0].requirement
        decisions[sku] = SkuDecision(
            sku=sku,
            model=fc.models[i],
            forecast_per_day=(req.demand / req.cover_days).quantize(Decimal("0.001")),
            demand_over_cover=req.demand,
            safety_stock=req.safety_stock,
            order_up_to=req.order_up_to,
            position=pos,
            need=req.need,
            order_quantity=ZERO,
            need_date=need_date,
            allocations=(),
            reason="",
        )

    fees, basket_flags, fee_notes = _rebalance(chosen, suppliers)

    planned: list[PlannedLine] = []
    for sku, allocs in chosen.items():
        product, base, step = context[sku]
        last = last_paid.get(sku)
        reasons = []
        for alloc in allocs:
            reason = _line_reason(base, alloc, last, fee_notes.get(sku, ""), step)
            reasons.append(reason)
            flags = line_flags(
                alloc.unit_price,
                last[0] if last else None,
                alloc.quantity,
                usual.get(sku),
                rules.approval,
            )
            planned.append(
                PlannedLine(
                    supplier_id=alloc.offer.supplier_id,
                    supplier_name=alloc.offer.supplier_name,
                    delivery_date=alloc.delivery_date,
                    lead_time_days=alloc.offer.lead_time_days,
                    order_cutoff=alloc.offer.order_cutoff,
                    line=DraftLine(
                        sku=sku,
                        product_id=alloc.offer.product_id,
                        quantity=alloc.quantity,
                        unit_price=alloc.unit_price,
                        reason=reason,
                        last_price_paid=last[0] if last else None,
                        usual_quantity=usual.get(sku),
                        pack_size=alloc.offer.pack_size,
                        min_order_qty=alloc.offer.min_order_qty,
                        flags=flags,
                        replaced_supplier_id=alloc.replaced_supplier_id,
                    ),
                )
            )
        prior = decisions[sku]
        decisions[sku] = SkuDecision(
            sku=sku,
            model=prior.model,
            forecast_per_day=prior.forecast_per_day,
            demand_over_cover=prior.demand_over_cover,
            safety_stock=prior.safety_stock,
            order_up_to=prior.order_up_to,
            position=prior.position,
            need=prior.need,
            order_quantity=sum((a.quantity for a in allocs), ZERO),
            need_date=prior.need_date,
            allocations=tuple(
                SupplierAllocation(
                    supplier_id=a.offer.supplier_id,
                    supplier_name=a.offer.supplier_name,
                    quantity=a.quantity,
                    unit_price=a.unit_price,
                    delivery_date=a.delivery_date,
                )
                for a in allocs
            ),
            reason=" ".join(reasons),
        )

    drafts = build_drafts(
        planned,
        suppliers,
        fees=fees,
        draft_flags=basket_flags,
        buying_date=today,
        now=now,
        taken_ids=(po.draft_id for po in inputs.existing_pos),
    )
    return PlanningResult(
        buying_date=today,
        decisions=tuple(decisions[sku] for sku in skus),
        drafts=drafts,
    )


def _nothing(
    sku: str,
    model: str,
    pos: InventoryPosition,
    reason: str,
    *,
    req: Requirement | None = None,
    need_date: date | None = None,
) -> SkuDecision:
    return SkuDecision(
        sku=sku,
        model=model,
        forecast_per_day=(req.demand / req.cover_days).quantize(Decimal("0.001")) if req else ZERO,
        demand_over_cover=req.demand if req else ZERO,
        safety_stock=req.safety_stock if req else ZERO,
        order_up_to=req.order_up_to if req else ZERO,
        position=pos,
        need=req.need if req else ZERO,
        order_quantity=ZERO,
        need_date=need_date,
        allocations=(),
        reason=reason,
    )
