"""Replay real demand through a daily inventory simulation and compare buying policies.

`make evaluate` runs this. Three policies see the same demand, the same suppliers and the
same starting stock:
- ours: `plan_purchase_orders` every morning, every draft approved;
- par_level (the brief's baseline): top stock plus open orders back up to the SAP par level,
  always from the product's default supplier;
- naive: reorder yesterday's sales from the default supplier.

The simulation: deliveries arrive in the morning as lots that can be sold for the product's
shelf life; if a shelf is empty at opening, the buyer places an emergency order (same day, at
an 18% premium, the brief's "15-20% higher cost"); customers are served first-expiry-first
and what cannot be served is lost; whatever expires at the end of the day is waste.

Two data sets: the sample data (`sample_data/` through the source adapters, offers from
`sandbox/cerve_seed.json`) and the real Fulton Fish Market whiting series
(`sample_data/reference/`), which also gets a rolling-origin forecast-accuracy check against
seasonal-naive. Writes `build/evaluation.json` and a chart of one SKU.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "core" / "python"))

from po_automation.domain.forecasting import forecast  # noqa: E402
from po_automation.domain.generation import (  # noqa: E402
    PlanningInputs,
    PlanningResult,
    plan_purchase_orders,
)
from po_automation.domain.inventory import ExistingPoLine, ExistingPurchaseOrder  # noqa: E402
from po_automation.domain.lifecycle import PoStatus  # noqa: E402
from po_automation.domain.models import (  # noqa: E402
    Category,
    CustomerOrderLine,
    CustomerOrderStatus,
    LastPricePaid,
    PriceBreak,
    Product,
    ProductStatus,
    PurchaseHistoryLine,
    StockLot,
    Supplier,
    SupplierOffer,
)
from po_automation.domain.packs import round_down_to_pack, round_up_to_pack  # noqa: E402
from po_automation.domain.rules import BuyingRules  # noqa: E402

ZERO = Decimal("0")
EMERGENCY_PREMIUM = Decimal("1.18")
WARM_UP_DAYS = 28
REAL_SERIES = ROOT / "sample_data" / "reference" / "fulton_fish_market_daily.csv"
POLICIES = ("ours", "par_level", "naive")


# ---------------------------------------------------------------------------- scenario
@dataclass
class Scenario:
    """Everything a replay needs; demand comes from `lines` (by delivery date)."""

    name: str
    products: list[Product]
    offers: list[SupplierOffer]
    suppliers: list[Supplier]
    lines: list[CustomerOrderLine]
    purchase_history: list[PurchaseHistoryLine] = field(default_factory=list)
    last_prices: list[LastPricePaid] = field(default_factory=list)

    def demand(self) -> tuple[date, dict[str, np.ndarray]]:
        live = [ln for ln in self.lines if ln.status is not CustomerOrderStatus.CANCELLED]
        start = min(ln.delivery_date for ln in live)
        days = (max(ln.delivery_date for ln in live) - start).days + 1
        series = {p.sku: np.zeros(days) for p in self.products}
        for ln in live:
            if ln.sku in series:
                series[ln.sku][(ln.delivery_date - start).days] += float(ln.quantity)
        return start, series


def sample_scenario() -> Scenario:
    from po_automation.sources import load_all  # noqa: PLC0415

    snap = load_all(ROOT / "sample_data")
    seed = json.loads((ROOT / "sandbox" / "cerve_seed.json").read_text())
    sku_of = {p["id"]: p["sku"] for p in seed["products"]}
    names = {s["id"]: s["name"] for s in seed["suppliers"]}
    forever = datetime(2100, 1, 1, tzinfo=UTC)
    offers = [
        SupplierOffer(
            sku=sku_of[o["product_id"]],
            product_id=o["product_id"],
            supplier_id=o["supplier_id"],
            supplier_name=names.get(o["supplier_id"], o["supplier_id"]),
            unit_price=Decimal(o["unit_price"]),
            pack_size=Decimal(o["pack_size"]),
            min_order_qty=Decimal(o["min_order_qty"]),
            lead_time_days=int(o["lead_time_days"]),
            order_cutoff=time.fromisoformat(o["order_cutoff"]),
            available_qty=Decimal(o["available_qty"]),
            valid_until=forever,
            price_breaks=tuple(
                PriceBreak(Decimal(b["min_qty"]), Decimal(b["unit_price"]))
                for b in o.get("price_breaks", [])
            ),
        )
        for o in seed["offers"]
        if o["product_id"] in sku_of
    ]
    return Scenario(
        name="sample data",
        products=snap.products,
        offers=offers,
        suppliers=snap.suppliers,
        lines=snap.order_lines,
        purchase_history=snap.purchase_history,
        last_prices=snap.last_prices,
    )


def read_real_series(path: Path = REAL_SERIES) -> tuple[date, np.ndarray, np.ndarray]:
    """The whiting series on a calendar: (first day, demand per day, trading-day mask).

    The market trades Monday to Friday; a missing weekday is a holiday. Day 1 is Monday
    2 December 1991.
    """
    weekdays = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4}
    start = date(1991, 12, 2)
    day = start - timedelta(days=1)
    points: list[tuple[date, float]] = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            day += timedelta(days=1)
            while day.weekday() != weekdays[row["weekday"]]:
                day += timedelta(days=1)
            points.append((day, float(row["qty_sold_lbs"])))
    days = (points[-1][0] - start).days + 1
    demand = np.zeros(days)
    trading = np.zeros(days, dtype=bool)
    for when, qty in points:
        demand[(when - start).days] = qty
        trading[(when - start).days] = True
    return start, demand, trading


def fish_scenario() -> Scenario:
    """The whiting series as one fish SKU (lbs to kg), two suppliers, 3-day shelf life.

    The default supplier is the dearer next-day one, as procurement buys today; a cheaper
    supplier needs two days. The par level is what a buyer would set by hand: two days of
    average trading-day demand plus a margin.
    """
    start, demand, trading = read_real_series()
    kg = np.round(demand * 0.4536 / 10, 1)  # a wholesaler's share, not the whole market
    # Move the series to the sample's era so London dates are realistic; keep weekdays.
    shift = timedelta(days=(date(2026, 1, 5) - start).days)
    lines = [
        CustomerOrderLine(
            order_id=f"FISH-{i}",
            line_id="1",
            sku="FC-FI-WHITING",
            quantity=Decimal(f"{kg[i]:.1f}"),
            order_date=start + shift + timedelta(days=i),
            delivery_date=start + shift + timedelta(days=i),
            status=CustomerOrderStatus.FULFILLED,
        )
        for i in range(len(kg))
        if trading[i]
    ]
    mean = float(kg[trading].mean())
    product = Product(
        sku="FC-FI-WHITING",
        name="Whiting, whole (Fulton series)",
        category=Category.FISH,
        unit="kg",
        shelf_life_days=3,
        status=ProductStatus.ACTIVE,
        default_supplier_id="sup_quay",
        par_level=Decimal(f"{2.5 * mean:.0f}"),
    )
    forever = datetime(2100, 1, 1, tzinfo=UTC)

    def offer(supplier: str, name: str, price: str, pack: str, lead: int) -> SupplierOffer:
        return SupplierOffer(
            sku=product.sku,
            product_id="prd_whiting",
            supplier_id=supplier,
            supplier_name=name,
            unit_price=Decimal(price),
            pack_size=Decimal(pack),
            min_order_qty=Decimal(pack),
            lead_time_days=lead,
            order_cutoff=time(15, 0),
            available_qty=Decimal("100000"),
            valid_until=forever,
            price_breaks=(PriceBreak(Decimal("100"), (Decimal(price) * Decimal("0.97"))),),
        )

    return Scenario(
        name="real series (Fulton whiting)",
        products=[product],
        offers=[
            offer("sup_quay", "Quayside Fish Ltd", "4.20", "5", 1),
            offer("sup_harbour", "Harbour Direct", "3.95", "0.5", 1),
        ],
        suppliers=[Supplier("sup_quay", "Quayside Fish Ltd"), Supplier("sup_harbour", "Harbour")],
        lines=lines,
    )


# ---------------------------------------------------------------------------- simulation
@dataclass
class Order:
    sku: str
    supplier_id: str
    quantity: Decimal
    unit_price: Decimal
    arrives: date


@dataclass
class Metrics:
    demand: float = 0.0
    served: float = 0.0
    stockout_days: int = 0
    waste_units: float = 0.0
    emergency_orders: int = 0
    purchase_cost: Decimal = ZERO

    def as_dict(self) -> dict[str, float | int]:
        return {
            "fill_rate": round(self.served / self.demand, 4) if self.demand else 1.0,
            "stockout_days": self.stockout_days,
            "waste_units": round(self.waste_units, 2),
            "emergency_orders": self.emergency_orders,
            "purchase_cost": float(self.purchase_cost.quantize(Decimal("0.01"))),
        }


@dataclass
class ChartTrace:
    days: list[date] = field(default_factory=list)
    on_hand: list[float] = field(default_factory=list)
    position: list[float] = field(default_factory=list)
    order_up_to: list[float] = field(default_factory=list)
    ordered: list[float] = field(default_factory=list)
    lost: list[float] = field(default_factory=list)


PolicyFn = Callable[["Simulation", date], list[Order]]


class Simulation:
    def __init__(self, scenario: Scenario, start: date, series: dict[str, np.ndarray]) -> None:
        self.s = scenario
        self.start = start
        self.series = series
        self.products = {p.sku: p for p in scenario.products}
        self.offers: dict[str, list[SupplierOffer]] = defaultdict(list)
        for o in scenario.offers:
            self.offers[o.sku].append(o)
        self.suppliers = {s.supplier_id: s for s in scenario.suppliers}
        self.lots: dict[str, list[list]] = defaultdict(list)  # [qty float, last sellable day]
        self.pipeline: list[Order] = []
        self.sold: dict[str, float] = defaultdict(float)  # yesterday's sales per SKU
        self.metrics = Metrics()
        self.lines = sorted(
            (ln for ln in scenario.lines if ln.status is not CustomerOrderStatus.CANCELLED),
            key=lambda ln: ln.delivery_date,
        )
        self._delivery_dates = [ln.delivery_date for ln in self.lines]
        self.trace = ChartTrace()

    def day_index(self, day: date) -> int:
        return (day - self.start).days

    def on_hand(self, sku: str) -> float:
        return sum(q for q, _ in self.lots[sku])

    def on_order(self, sku: str) -> Decimal:
        return sum((o.quantity for o in self.pipeline if o.sku == sku), ZERO)

    def default_offer(self, sku: str) -> SupplierOffer | None:
        offers = self.offers.get(sku, [])
        product = self.products[sku]
        return next(
            (o for o in offers if o.supplier_id == product.default_supplier_id),
            offers[0] if offers else None,
        )

    def mean_recent_demand(self, sku: str, day: date, days: int = 7) -> float:
        i = self.day_index(day)
        window = self.series[sku][max(i - days, 0) : i]
        return float(window.mean()) if window.size else 0.0

    def usual_for_weekday(self, sku: str, day: date) -> float:
        """What this weekday usually sells (the last four weeks): a buyer does not rush
        stock in for a day the customers are closed."""
        i = self.day_index(day)
        same = self.series[sku][[i - 7 * k for k in range(1, 5) if i - 7 * k >= 0]]
        return float(same.mean()) if same.size else 0.0

    def receive(self, day: date) -> None:
        arriving = [o for o in self.pipeline if o.arrives <= day]
        self.pipeline = [o for o in self.pipeline if o.arrives > day]
        for o in arriving:
            self.add_lot(o.sku, float(o.quantity), day)

    def add_lot(self, sku: str, qty: float, day: date) -> None:
        life = self.products[sku].shelf_life_days
        self.lots[sku].append([qty, day + timedelta(days=life - 1)])
        self.lots[sku].sort(key=lambda lot: lot[1])

    def emergencies(self, day: date) -> None:
        for sku, product in self.products.items():
            if not product.orderable or self.on_hand(sku) > 0:
                continue
            need = self.usual_for_weekday(sku, day)
            offer = self.default_offer(sku)
            if need <= 0 or offer is None:
                continue
            qty = round_up_to_pack(Decimal(f"{need:.3f}"), offer.pack_size, offer.min_order_qty)
            self.metrics.emergency_orders += 1
            self.metrics.purchase_cost += qty * offer.unit_price * EMERGENCY_PREMIUM
            self.add_lot(sku, float(qty), day)

    def place(self, orders: list[Order], day: date) -> None:
        baskets: dict[tuple[str, date], Decimal] = defaultdict(lambda: ZERO)
        for o in orders:
            self.pipeline.append(o)
            value = o.quantity * o.unit_price
            self.metrics.purchase_cost += value
            baskets[(o.supplier_id, o.arrives)] += value
        for (supplier_id, _), value in baskets.items():
            self.metrics.purchase_cost += basket_fee(self.suppliers.get(supplier_id), value)

    def measured(self, sku: str) -> bool:
        """SKUs no policy can buy (discontinued, inactive, no Cerve offer) are not scored."""
        return self.products[sku].orderable and bool(self.offers.get(sku))

    def serve(self, day: date) -> dict[str, float]:
        i = self.day_index(day)
        lost: dict[str, float] = {}
        for sku in self.products:
            if not self.measured(sku):
                continue
            want = float(self.series[sku][i])
            remaining = want
            for lot in self.lots[sku]:
                take = min(lot[0], remaining)
                lot[0] -= take
                remaining -= take
            self.lots[sku] = [lot for lot in self.lots[sku] if lot[0] > 1e-9]
            self.sold[sku] = want - remaining
            self.metrics.demand += want
            self.metrics.served += want - remaining
            lost[sku] = remaining
            if remaining > 1e-9:
                self.metrics.stockout_days += 1
        return lost

    def expire(self, day: date) -> None:
        for sku in self.products:
            keep = []
            for qty, last in self.lots[sku]:
                if last <= day:
                    self.metrics.waste_units += qty
                else:
                    keep.append([qty, last])
            self.lots[sku] = keep

    def stock_lots(self) -> list[StockLot]:
        return [
            StockLot(sku, Decimal(f"{qty:.3f}"), last, lot=f"L{n}")
            for sku, lots in self.lots.items()
            for n, (qty, last) in enumerate(lots)
            if qty > 0
        ]

    def order_lines_known(self, day: date) -> list[CustomerOrderLine]:
        """What Salesforce shows on the morning of `day`: past lines, and open ones."""
        cut = bisect.bisect_left(self._delivery_dates, day)
        past = self.lines[
            max(0, bisect.bisect_left(self._delivery_dates, day - timedelta(91))) : cut
        ]
        booked = [
            CustomerOrderLine(
                ln.order_id,
                ln.line_id,
                ln.sku,
                ln.quantity,
                ln.order_date,
                ln.delivery_date,
                CustomerOrderStatus.OPEN,
                ln.account,
            )
            for ln in self.lines[cut:]
            if ln.order_date < day
        ]
        return past + booked


def basket_fee(supplier: Supplier | None, value: Decimal) -> Decimal:
    if supplier is None or not supplier.delivery_fee:
        return ZERO
    if supplier.min_order_value is not None and value >= supplier.min_order_value:
        return ZERO
    return supplier.delivery_fee


def buy_from_default(sim: Simulation, sku: str, quantity: Decimal, day: date) -> list[Order]:
    offer = sim.default_offer(sku)
    if offer is None or quantity <= 0:
        return []
    qty = round_up_to_pack(quantity, offer.pack_size, offer.min_order_qty)
    if qty > offer.available_qty:
        qty = round_down_to_pack(offer.available_qty, offer.pack_size, offer.min_order_qty)
    if qty <= 0:
        return []
    arrives = day + timedelta(days=offer.lead_time_days)
    return [Order(sku, offer.supplier_id, qty, offer.unit_price_for(qty), arrives)]


def par_level_policy(sim: Simulation, day: date) -> list[Order]:
    orders: list[Order] = []
    for sku, product in sim.products.items():
        if not product.orderable:
            continue
        gap = product.par_level - Decimal(f"{sim.on_hand(sku):.3f}") - sim.on_order(sku)
        orders += buy_from_default(sim, sku, gap, day)
    return orders


def naive_policy(sim: Simulation, day: date) -> list[Order]:
    orders: list[Order] = []
    for sku, product in sim.products.items():
        if product.orderable:
            orders += buy_from_default(sim, sku, Decimal(f"{sim.sold[sku]:.3f}"), day)
    return orders


def make_our_policy(rules: BuyingRules, chart_sku: str | None) -> PolicyFn:
    def ours(sim: Simulation, day: date) -> list[Order]:
        now = datetime.combine(day, time(6, 0), tzinfo=UTC)
        existing = [
            ExistingPurchaseOrder(
                draft_id=f"SIM-{n}",
                supplier_id=o.supplier_id,
                status=PoStatus.SUBMITTED,
                delivery_date=o.arrives,
                lines=(ExistingPoLine(o.sku, o.quantity),),
            )
            for n, o in enumerate(sim.pipeline)
        ]
        result: PlanningResult = plan_purchase_orders(
            PlanningInputs(
                products=sim.s.products,
                stock=sim.stock_lots(),
                customer_orders=sim.order_lines_known(day),
                purchase_history=sim.s.purchase_history,
                last_prices=sim.s.last_prices,
                suppliers=sim.s.suppliers,
                offers=sim.s.offers,
                existing_pos=existing,
            ),
            now,
            rules,
        )
        if chart_sku:
            d = result.decision(chart_sku)
            sim.trace.position.append(float(d.position.position) if d.position else 0.0)
            sim.trace.order_up_to.append(float(d.order_up_to))
        orders = []
        for draft in result.drafts:
            orders += [
                Order(
                    line.sku, draft.supplier_id, line.quantity, line.unit_price, draft.delivery_date
                )
                for line in draft.lines
            ]
        return orders

    return ours


def replay(scenario: Scenario, policy: PolicyFn, chart_sku: str | None = None) -> Simulation:
    start, series = scenario.demand()
    sim = Simulation(scenario, start, series)
    first = start + timedelta(days=WARM_UP_DAYS)
    last = start + timedelta(days=len(next(iter(series.values()))) - 1)
    for sku in sim.products:
        if sim.measured(sku):
            opening = sim.mean_recent_demand(sku, first, 14) * 2
            if opening > 0:
                sim.add_lot(sku, round(opening, 1), first)
    fee_before = sim.metrics.purchase_cost
    day = first
    while day <= last:
        sim.receive(day)
        sim.emergencies(day)
        if chart_sku:
            sim.trace.days.append(day)
            sim.trace.on_hand.append(sim.on_hand(chart_sku))
        orders = policy(sim, day)
        if chart_sku:
            sim.trace.ordered.append(
                float(sum((o.quantity for o in orders if o.sku == chart_sku), ZERO))
            )
        sim.place(orders, day)
        lost = sim.serve(day)
        if chart_sku:
            sim.trace.lost.append(lost.get(chart_sku, 0.0))
        sim.expire(day)
        day += timedelta(days=1)
    sim.days_simulated = (last - first).days + 1  # type: ignore[attr-defined]
    del fee_before
    return sim


def compare(
    scenario: Scenario, rules: BuyingRules, chart_sku: str | None
) -> tuple[dict, Simulation]:
    results = {}
    ours_sim = None
    for name in POLICIES:
        if name == "ours":
            sim = replay(scenario, make_our_policy(rules, chart_sku), chart_sku)
            ours_sim = sim
        else:
            sim = replay(scenario, par_level_policy if name == "par_level" else naive_policy)
        results[name] = sim.metrics.as_dict()
        results[name]["days"] = sim.days_simulated  # type: ignore[attr-defined]
    assert ours_sim is not None
    return results, ours_sim


# ---------------------------------------------------------------------------- forecasting
def rolling_origin_accuracy(min_history: int = 35) -> dict[str, float]:
    """One-step-ahead (next trading day) forecasts from every origin after `min_history`
    days; MASE is scaled by the in-sample MAE of seasonal-naive (same weekday last week)."""
    _, demand, trading = read_real_series()
    ours_err, naive_err, actual, scale_err = [], [], [], []
    days = len(demand)
    for origin in range(min_history, days):
        if not trading[origin]:
            continue
        prev = origin - 7
        while prev >= 0 and not trading[prev]:
            prev -= 7
        if prev < 0:
            continue
        fc = forecast(demand[None, :origin], horizon=origin - origin + 1)
        # The forecast's first day is `origin`, the next calendar day after the history.
        ours_err.append(demand[origin] - fc.daily[0, 0])
        naive_err.append(demand[origin] - demand[prev])
        actual.append(demand[origin])
    for t in range(7, min_history):
        if trading[t] and trading[t - 7]:
            scale_err.append(abs(demand[t] - demand[t - 7]))
    scale = float(np.mean(scale_err))
    ours = np.abs(np.array(ours_err))
    naive = np.abs(np.array(naive_err))
    total = float(np.sum(actual))
    return {
        "mase": round(float(ours.mean()) / scale, 3),
        "wape": round(float(ours.sum()) / total, 3),
        "bias": round(float(-np.sum(ours_err)) / total, 3),  # positive: forecasts too high
        "seasonal_naive_mase": round(float(naive.mean()) / scale, 3),
        "seasonal_naive_wape": round(float(naive.sum()) / total, 3),
        "relative_mae_vs_seasonal_naive": round(float(ours.mean() / naive.mean()), 3),
        "origins": len(actual),
    }


# ---------------------------------------------------------------------------- output
def chart(sim: Simulation, sku: str, path: Path) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    t = sim.trace
    fig, ax = plt.subplots(figsize=(12, 5))
    x = np.array(t.days, dtype="datetime64[D]")
    ax.step(x, t.on_hand, where="post", label="stock on hand (morning)", color="tab:blue")
    ax.plot(x, t.position, label="inventory position", color="tab:green", alpha=0.7)
    ax.plot(x, t.order_up_to, "--", label="order-up-to level (reorder point)", color="tab:red")
    ax.bar(x, t.ordered, width=0.6, alpha=0.4, label="ordered", color="tab:orange")
    lost_days = x[np.array(t.lost) > 0]
    ax.scatter(lost_days, [0] * len(lost_days), marker="x", color="black", label="lost sales")
    unit = sim.products[sku].unit
    ax.set_title(f"{sku} ({sim.products[sku].name}): our policy, {sim.s.name}")
    ax.set_ylabel(unit)
    ax.legend(loc="upper right", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(title: str, results: dict) -> str:
    rows = [
        ("fill rate", lambda r: f"{r['fill_rate']:.2%}"),
        ("stockout days (SKU-days)", lambda r: f"{r['stockout_days']}"),
        ("units wasted to expiry", lambda r: f"{r['waste_units']:.1f}"),
        ("emergency orders", lambda r: f"{r['emergency_orders']}"),
        ("purchase cost (GBP)", lambda r: f"{r['purchase_cost']:,.2f}"),
    ]
    days = results["ours"]["days"]
    out = [f"\n{title} ({days} days replayed)", f"{'':28}" + "".join(f"{p:>14}" for p in POLICIES)]
    for label, fmt in rows:
        out.append(f"{label:28}" + "".join(f"{fmt(results[p]):>14}" for p in POLICIES))
    base = results["par_level"]["purchase_cost"]
    saving = (base - results["ours"]["purchase_cost"]) / base if base else 0.0
    out.append(f"{'cost vs par-level baseline':28}{-saving:>14.1%}")
    return "\n".join(out)


def checks(sample: dict, accuracy: dict) -> list[tuple[str, bool]]:
    ours, base = sample["ours"], sample["par_level"]
    return [
        ("fill rate >= 98%", ours["fill_rate"] >= 0.98),
        ("waste <= baseline", ours["waste_units"] <= base["waste_units"]),
        ("cost >= 5% below baseline", ours["purchase_cost"] <= 0.95 * base["purchase_cost"]),
        ("MASE < 1 on the real series", accuracy["mase"] < 1),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "evaluation.json"))
    parser.add_argument("--chart-sku", default="FC-FI-WHITING")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a check fails")
    args = parser.parse_args(argv)
    rules = BuyingRules()

    sample = sample_scenario()
    sample_results, _ = compare(sample, rules, None)
    measured = sum(
        1 for p in sample.products if p.orderable and any(o.sku == p.sku for o in sample.offers)
    )
    print(
        table(f"Sample data: {measured} orderable SKUs, offers from the Cerve seed", sample_results)
    )

    fish = fish_scenario()
    fish_results, fish_sim = compare(fish, rules, "FC-FI-WHITING")
    print(table("Real series: Fulton Fish Market whiting", fish_results))

    accuracy = rolling_origin_accuracy()
    print(
        f"\nForecast accuracy, real series, rolling origin ({accuracy['origins']} one-step "
        f"forecasts):\n  ours:           MASE {accuracy['mase']:.3f}  WAPE "
        f"{accuracy['wape']:.1%}  bias {accuracy['bias']:+.1%}\n  seasonal-naive: MASE "
        f"{accuracy['seasonal_naive_mase']:.3f}  WAPE {accuracy['seasonal_naive_wape']:.1%}"
    )
    png = Path(args.out).parent / f"evaluation_{args.chart_sku}.png"
    chart(fish_sim, args.chart_sku, png)
    print(f"\nChart: {png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}")

    verdicts = checks(sample_results, accuracy)
    for label, ok in verdicts:
        print(f"  [{'PASS' if ok else 'FAIL'}] {label}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "policies": sample_results,
                "real_series_policies": fish_results,
                "forecast": accuracy,
                "checks": {label: ok for label, ok in verdicts},
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Wrote {out}")
    return 1 if args.strict and not all(ok for _, ok in verdicts) else 0


if __name__ == "__main__":
    raise SystemExit(main())
