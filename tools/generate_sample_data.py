"""Generate FreshConnect's sample exports (Salesforce, WMS, SAP) and Cerve's sandbox seed.

Deterministic: a fixed seed per section, so running it twice writes byte-identical files,
and a change in one section does not reshuffle the others. The demo's "today" is
2026-12-03; order history ends the day before. Formats: docs/data-formats.md.

    .venv/bin/python tools/generate_sample_data.py            # rewrite the committed files
    .venv/bin/python tools/generate_sample_data.py --out /tmp/x --seed-file /tmp/x/cerve.json

Fish demand is not invented: each fish SKU replays the Fulton Fish Market whiting series
(sample_data/reference/, see its README) scaled to a London distributor's size, each SKU
starting at a different trading day so the SKUs are not copies of each other.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data"
CERVE_SEED = ROOT / "sandbox" / "cerve_seed.json"
FULTON_CSV = SAMPLE_DIR / "reference" / "fulton_fish_market_daily.csv"

SEED = 20261203
TODAY = date(2026, 12, 3)
HISTORY_START = date(2026, 8, 3)  # a Monday; 122 days of history
HISTORY_END = TODAY - timedelta(days=1)
LAST_DELIVERY = TODAY + timedelta(days=4)  # open orders reach this far
SNAPSHOT_AT = "2026-12-03T06:00:00+00:00"  # London is on GMT in December
LBS_TO_KG = 0.45359237

ORDER_FILE = "salesforce/order_lines.csv"
STOCK_FILE = "wms/stock_snapshot.csv"
PRODUCT_FILE = "sap/product_master.csv"
VENDOR_FILE = "sap/vendor_master.csv"
PURCHASE_FILE = "sap/purchase_history.csv"
LAST_PRICE_FILE = "sap/last_prices.csv"
GENERATED_FILES = (
    ORDER_FILE,
    STOCK_FILE,
    PRODUCT_FILE,
    VENDOR_FILE,
    PURCHASE_FILE,
    LAST_PRICE_FILE,
)

UNIT_CODE = {"kg": "KG", "each": "EA", "case": "CS"}
CERVE_CATEGORY = {"produce": "fresh-produce", "dairy": "dairy", "bakery": "bakery", "fish": "fish"}
# Deliveries Monday to Saturday; restaurants stock up for the weekend.
WEEKLY = {
    "produce": (1.00, 0.90, 0.95, 1.10, 1.35, 1.20, 0.0),
    "dairy": (1.05, 0.95, 0.95, 1.05, 1.25, 1.15, 0.0),
    "bakery": (0.95, 0.90, 0.95, 1.05, 1.30, 1.40, 0.0),
}


@dataclass(frozen=True)
class Sku:
    sku: str
    name: str
    category: str
    unit: str
    shelf_life: int
    price: float  # typical GBP per unit
    mean: float  # mean units per delivery day
    pack: float  # the natural supplier pack, in units
    pattern: str = "weekly"  # weekly | intermittent | fish
    status: str = "active"
    fulton_offset: int = 0  # fish: the Fulton trading day this SKU's history starts at


SKUS: tuple[Sku, ...] = (
    Sku("FC-PR-101", "Tomatoes, vine, loose", "produce", "kg", 7, 2.40, 28, 5),
    Sku("FC-PR-102", "Iceberg lettuce", "produce", "each", 6, 0.65, 40, 12),
    Sku("FC-PR-103", "Onions, brown", "produce", "kg", 30, 0.85, 35, 10),
    Sku("FC-PR-104", "Potatoes, Maris Piper, 25 kg sack", "produce", "case", 30, 14.50, 3, 1),
    Sku("FC-PR-105", "Carrots, washed", "produce", "kg", 21, 0.75, 25, 10),
    Sku("FC-PR-106", "Lemons, unwaxed", "produce", "each", 21, 0.28, 80, 50),
    Sku("FC-PR-107", "Avocados, Hass, ready to eat", "produce", "each", 5, 0.95, 45, 20),
    Sku("FC-PR-108", "Mushrooms, chestnut", "produce", "kg", 5, 3.60, 12, 2.5),
    Sku("FC-PR-109", "Baby spinach", "produce", "kg", 5, 6.80, 6, 1),
    Sku("FC-PR-110", "Parsley, flat-leaf, bunch", "produce", "each", 6, 0.80, 20, 10),
    Sku("FC-PR-111", "Wild mushrooms, mixed", "produce", "kg", 4, 24.00, 1.2, 1, "intermittent"),
    Sku(
        "FC-PR-112", "Asparagus, imported", "produce", "kg", 5, 9.50, 4, 2.5, status="discontinued"
    ),
    Sku("FC-DA-201", "Whole milk, 2 L", "dairy", "each", 10, 1.35, 70, 6),
    Sku("FC-DA-202", "Double cream, 1 L", "dairy", "each", 12, 3.40, 22, 6),
    Sku("FC-DA-203", "Butter, unsalted, 40 x 250 g", "dairy", "case", 60, 78.00, 1.2, 1),
    Sku("FC-DA-204", "Cheddar, mature, block", "dairy", "kg", 90, 8.20, 9, 5),
    Sku("FC-DA-205", "Greek yoghurt, 1 kg tub", "dairy", "each", 21, 2.90, 18, 6),
    Sku("FC-DA-206", "Eggs, free range, tray of 30", "dairy", "case", 28, 7.20, 10, 1),
    Sku("FC-DA-207", "Mozzarella, fior di latte, 125 g", "dairy", "each", 14, 0.85, 50, 12),
    Sku("FC-DA-208", "Parmigiano Reggiano, 24 months", "dairy", "kg", 180, 16.50, 3, 1),
    Sku("FC-DA-209", "Creme fraiche, 2 L", "dairy", "each", 21, 6.10, 6, 4),
    Sku("FC-DA-210", "Burrata, buffalo, 200 g", "dairy", "each", 7, 3.20, 2, 6, "intermittent"),
    Sku("FC-DA-211", "Oat milk, barista, 1 L", "dairy", "each", 90, 1.45, 30, 12),
    Sku("FC-DA-212", "Goat's cheese log", "dairy", "kg", 30, 12.40, 1.5, 1, status="inactive"),
    Sku("FC-BK-301", "Sourdough loaf, 800 g", "bakery", "each", 3, 2.60, 40, 10),
    Sku("FC-BK-302", "Brioche burger bun", "bakery", "each", 4, 0.38, 180, 48),
    Sku("FC-BK-303", "Baguette, stone baked", "bakery", "each", 1, 0.95, 60, 20),
    Sku("FC-BK-304", "Croissant, all butter", "bakery", "each", 2, 0.62, 90, 30),
    Sku("FC-BK-305", "Focaccia, rosemary, tray", "bakery", "each", 3, 7.80, 8, 4),
    Sku("FC-BK-306", "White bloomer, sliced", "bakery", "each", 4, 1.80, 25, 10),
    Sku("FC-BK-307", "Ciabatta roll", "bakery", "each", 3, 0.45, 70, 24),
    Sku("FC-BK-308", "Rye bread, dark", "bakery", "each", 7, 2.90, 6, 6),
    Sku("FC-BK-309", "Pain au chocolat", "bakery", "each", 2, 0.72, 50, 30),
    Sku("FC-BK-310", "Gluten-free loaf", "bakery", "each", 10, 3.80, 2, 6, "intermittent"),
    Sku("FC-BK-311", "Panettone, 1 kg", "bakery", "each", 120, 11.50, 1.5, 6, "intermittent"),
    Sku("FC-FI-401", "Whiting fillets", "fish", "kg", 3, 7.40, 22, 5, "fish", fulton_offset=0),
    Sku("FC-FI-402", "Cod loin, skinless", "fish", "kg", 3, 17.80, 16, 5, "fish", fulton_offset=9),
    Sku("FC-FI-403", "Haddock fillets", "fish", "kg", 3, 13.20, 14, 5, "fish", fulton_offset=18),
    Sku("FC-FI-404", "Hake fillets", "fish", "kg", 3, 11.60, 8, 5, "fish", fulton_offset=27),
    Sku(
        "FC-FI-405",
        "Salmon side, Scottish",
        "fish",
        "kg",
        4,
        14.90,
        18,
        5,
        "fish",
        fulton_offset=36,
    ),
    Sku("FC-FI-406", "Sea bass, whole", "fish", "kg", 3, 12.80, 7, 2, "fish", fulton_offset=45),
    Sku("FC-FI-407", "Mackerel, whole", "fish", "kg", 2, 5.90, 6, 2, "fish", fulton_offset=54),
    Sku("FC-FI-408", "Plaice fillets", "fish", "kg", 3, 12.40, 5, 2, "fish", fulton_offset=63),
    Sku(
        "FC-FI-409",
        "Smoked haddock, undyed",
        "fish",
        "kg",
        7,
        14.60,
        6,
        2,
        "fish",
        fulton_offset=72,
    ),
    Sku(
        "FC-FI-410",
        "King prawns, raw, 1 kg bag",
        "fish",
        "each",
        5,
        16.50,
        9,
        5,
        "fish",
        fulton_offset=81,
    ),
    Sku("FC-FI-411", "Mussels, rope grown", "fish", "kg", 2, 4.20, 12, 5, "fish", fulton_offset=90),
)
BY_SKU = {s.sku: s for s in SKUS}
NO_STOCK_SKU = "FC-FI-403"  # sold out: no WMS row at all


@dataclass(frozen=True)
class Vendor:
    lifnr: str
    name: str
    categories: tuple[str, ...]
    price_factor: tuple[float, float]  # against the typical price
    coverage: float  # share of its categories' SKUs it carries
    lead_time_days: int
    cutoff: str
    min_order_value: str
    delivery_fee: str
    pack_multiple: int  # wholesalers sell bigger packs
    moq_packs: int
    breaks: bool
    on_cerve: bool = True

    @property
    def supplier_id(self) -> str:
        return cerve_id("sup", self.name) if self.on_cerve else ""


VENDORS: tuple[Vendor, ...] = (
    Vendor(
        "0000100101",
        "Greenfield Fresh Produce Ltd",
        ("produce",),
        (1.01, 1.04),
        1.0,
        1,
        "14:00",
        "150.00",
        "15.00",
        1,
        1,
        True,
    ),
    Vendor(
        "0000100102",
        "Thames Valley Dairies",
        ("dairy",),
        (1.01, 1.04),
        1.0,
        1,
        "16:00",
        "120.00",
        "12.50",
        1,
        1,
        False,
    ),
    Vendor(
        "0000100103",
        "Hearth & Grain Bakers",
        ("bakery",),
        (1.01, 1.04),
        1.0,
        1,
        "20:00",
        "80.00",
        "9.50",
        1,
        1,
        False,
    ),
    Vendor(
        "0000100104",
        "North Sea Fish Co",
        ("fish",),
        (1.01, 1.04),
        1.0,
        1,
        "11:00",
        "200.00",
        "18.00",
        1,
        1,
        True,
    ),
    Vendor(
        "0000100205",
        "Metro Fresh Wholesale",
        ("produce", "dairy", "bakery", "fish"),
        (0.92, 0.96),
        0.7,
        2,
        "15:00",
        "350.00",
        "25.00",
        2,
        2,
        True,
    ),
    Vendor(
        "0000100206",
        "Coastline Seafood & Dairy",
        ("fish", "dairy"),
        (0.93, 0.97),
        0.75,
        3,
        "12:00",
        "250.00",
        "20.00",
        1,
        2,
        False,
    ),
    Vendor(
        "0000100207",
        "Covent Garden Growers",
        ("produce", "bakery"),
        (0.95, 1.00),
        0.6,
        1,
        "18:00",
        "100.00",
        "10.00",
        1,
        1,
        True,
    ),
    # A small local vendor SAP knows but Cerve does not: the vendor master reports it.
    Vendor(
        "0000100908",
        "Hackney Urban Farm",
        ("produce",),
        (1.1, 1.1),
        0.0,
        1,
        "12:00",
        "",
        "",
        1,
        1,
        False,
        on_cerve=False,
    ),
)
CERVE_VENDORS = tuple(v for v in VENDORS if v.on_cerve)
SPECIALIST = {"produce": VENDORS[0], "dairy": VENDORS[1], "bakery": VENDORS[2], "fish": VENDORS[3]}

UNMAPPED_SKU = "FC-BK-308"  # no Cerve product at all
AMBIGUOUS_SKU = "FC-DA-207"  # two near-identical Cerve SKUs, neither exact
VARIANT_SKU = "FC-PR-101"  # an exact match plus a suffixed variant: resolvable

ACCOUNTS = (
    "The Ivy Kitchen Covent Garden",
    "Dishoom Shoreditch",
    "Borough Bistro",
    "Hawksmoor Guildhall",
    "The Wolseley",
    "Padella Borough",
    "St. JOHN Bread and Wine",
    "Barrafina Dean Street",
    "Hoppers Soho",
    "Flat Iron Marylebone",
    "The Marksman Pub",
    "Rochelle Canteen",
    "The Clove Club",
    "Bao Fitzrovia",
    "Brat Shoreditch",
    "Lyle's",
    "The Laughing Heart",
    "Bancone Covent Garden",
    "Gloria Trattoria",
    "Farmacy Notting Hill",
    "Park Royal Staff Canteen",
    "King's College Catering",
    "Savoy Grill",
    "Rules Restaurant",
    "Kiln Soho",
    "Blacklock Soho",
    "The Anchor & Hope",
    "Ottolenghi Islington",
    "Caravan King's Cross",
    "Dalston Roof Park Cafe",
)


def cerve_id(prefix: str, name: str) -> str:
    digest = hashlib.sha256(f"{prefix}:{name}".encode()).digest()
    return f"{prefix}_" + base64.b32encode(digest).decode().lower()[:14]


def rng(section: int) -> np.random.Generator:
    return np.random.default_rng([SEED, section])


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def money(value: float) -> str:
    return str(Decimal(repr(float(value))).quantize(Decimal("0.01"), ROUND_HALF_UP))


def qty_text(value: Decimal, unit: str) -> str:
    if unit == "kg":
        return str(value.quantize(Decimal("0.01")))
    return str(value.quantize(Decimal("1")))


def round_qty(value: float, unit: str) -> Decimal:
    step = Decimal("0.01") if unit == "kg" else Decimal("1")
    return Decimal(repr(max(float(value), 0.0))).quantize(step, ROUND_HALF_UP)


def sap_date(d: date) -> str:
    return d.strftime("%d.%m.%Y")


# ---------------------------------------------------------------- Fulton fish series


def read_fulton(path: Path = FULTON_CSV) -> list[tuple[str, int]]:
    with path.open(newline="") as handle:
        return [(r["weekday"], int(r["qty_sold_lbs"])) for r in csv.DictReader(handle)]


def fish_calendar(offset: int, fulton: list[tuple[str, int]] | None = None) -> dict[date, int]:
    """Fulton trading days laid onto our calendar from HISTORY_START, weekday for weekday.

    Row `offset` goes to the first date with its weekday, each next row to the next date
    with that row's weekday; a weekday the market skipped (a holiday) stays without fish
    deliveries. The series repeats from its first row when it runs out.
    """
    rows = fulton or read_fulton()
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    out: dict[date, int] = {}
    cursor, i = HISTORY_START, offset
    while True:
        weekday, lbs = rows[i % len(rows)]
        while names[cursor.weekday()] != weekday:
            cursor += timedelta(days=1)
        if cursor > LAST_DELIVERY:
            return out
        out[cursor] = lbs
        cursor += timedelta(days=1)
        i += 1


# ---------------------------------------------------------------- demand


def daily_demand() -> dict[str, dict[date, float]]:
    """Units each SKU's customers take per delivery date, history and the next days."""
    r = rng(1)
    fulton = read_fulton()
    mean_lbs = sum(lbs for _, lbs in fulton) / len(fulton)
    calendar = days(HISTORY_START, LAST_DELIVERY)
    demand: dict[str, dict[date, float]] = {}
    for s in SKUS:
        series: dict[date, float] = {}
        if s.pattern == "fish":
            scale = s.mean / (mean_lbs * LBS_TO_KG)
            series = {
                d: lbs * LBS_TO_KG * scale
                for d, lbs in fish_calendar(s.fulton_offset, fulton).items()
            }
        else:
            for i, d in enumerate(calendar):
                if d.weekday() == 6:
                    continue
                if s.pattern == "intermittent":
                    # Panettone sells from November; the others a couple of days a week.
                    p = 0.55 if s.sku == "FC-BK-311" and d.month >= 11 else 0.2
                    if s.sku == "FC-BK-311" and d.month < 11:
                        p = 0.03
                    if r.random() < p:
                        series[d] = float(r.integers(1, 4)) * (s.mean if s.unit == "kg" else 1.0)
                    continue
                trend = 1.0 + 0.12 * i / len(calendar)  # busier towards Christmas
                noise = float(r.lognormal(0.0, 0.22))
                series[d] = s.mean * WEEKLY[s.category][d.weekday()] * trend * noise
        if s.status == "discontinued":
            series = {d: q for d, q in series.items() if d < date(2026, 10, 12)}
        if s.status == "inactive":
            series = {d: q * 0.5 for d, q in series.items() if d < date(2026, 11, 2)}
        demand[s.sku] = series
    return demand


def order_lines(demand: dict[str, dict[date, float]]) -> list[list[str]]:
    r = rng(2)
    # Most order the day before; regulars book standing orders up to five days ahead.
    lag_choices, lag_odds = (1, 2, 3, 4, 5), (0.55, 0.20, 0.12, 0.08, 0.05)
    # (account, delivery date) → order; lines per SKU split among a few accounts.
    baskets: dict[tuple[str, date], list[tuple[str, Decimal]]] = defaultdict(list)
    weights = r.dirichlet(np.full(len(ACCOUNTS), 0.8))
    for s in SKUS:
        for d, total in sorted(demand[s.sku].items()):
            n = int(min(1 + r.poisson(1.2 if s.mean > 5 else 0.3), 5))
            accounts = r.choice(len(ACCOUNTS), size=n, replace=False, p=weights)
            split = r.dirichlet(np.full(n, 2.0)) if n > 1 else np.ones(1)
            if s.unit == "kg":
                parts = [round_qty(total * w, "kg") for w in split]
                drift = round_qty(total, "kg") - sum(parts)  # keep the day's total exact
                parts[0] += drift
            else:
                whole = max(1, round(total))
                raw = [int(x) for x in np.floor(split * whole)]
                raw[0] += whole - sum(raw)
                parts = [Decimal(x) for x in raw]
            for a, q in zip(accounts, parts, strict=True):
                if q > 0:
                    baskets[(ACCOUNTS[int(a)], d)].append((s.sku, q))
    orders = []
    for (account, d), items in baskets.items():
        lag = int(r.choice(lag_choices, p=lag_odds))
        effective = d - timedelta(days=lag)
        if effective > HISTORY_END:
            continue  # not booked yet at the snapshot
        orders.append((effective, d, account, sorted(items)))
    # A handful of cancelled orders: booked, then called off; never demand.
    for k in range(40):
        d = HISTORY_START + timedelta(days=int(r.integers(3, (HISTORY_END - HISTORY_START).days)))
        s = SKUS[int(r.integers(0, len(SKUS)))]
        q = round_qty(max(1.0, s.mean * 0.3), s.unit)
        orders.append((d - timedelta(days=1), d, ACCOUNTS[k % len(ACCOUNTS)], [(s.sku, q)]))
    cancelled_from = len(orders) - 40
    indexed = sorted(enumerate(orders), key=lambda io_: (io_[1][0], io_[1][1], io_[1][2], io_[0]))
    rows: list[list[str]] = []
    item_no = 1
    for order_no, (idx, (effective, d, account, items)) in enumerate(indexed, start=10001):
        if idx >= cancelled_from:
            status = "Cancelled"
        else:
            status = "Fulfilled" if d <= HISTORY_END else "Activated"
        for sku, q in items:
            rows.append(
                [
                    f"{order_no:08d}",
                    f"{item_no:010d}",
                    account,
                    sku,
                    qty_text(q, BY_SKU[sku].unit),
                    effective.isoformat(),
                    d.isoformat(),
                    status,
                ]
            )
            item_no += 1

    # Bad rows an adapter must report and skip, placed among the good ones.
    def bad(at: int, **changes: str) -> None:
        row = list(rows[at])
        row[1] = f"{item_no + at:010d}"
        columns = {"sku": 3, "qty": 4, "effective": 5, "delivery": 6}
        for key, value in changes.items():
            row[columns[key]] = value
        rows.insert(at + 1, row)

    bad(1200, sku="FC-PR-199")  # a SKU Salesforce has but SAP never had
    bad(3400, qty="-4")
    bad(5600, effective="2026-11-31")
    bad(7800, qty="12,5")  # a decimal comma typed in by hand
    return rows


# ---------------------------------------------------------------- Cerve catalogue


@dataclass
class Offer:
    vendor: Vendor
    unit_price: Decimal
    pack: Decimal
    moq: Decimal
    breaks: list[tuple[Decimal, Decimal]]
    available: Decimal


def pack_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def offers(
    demand: dict[str, dict[date, float]],
) -> tuple[dict[str, list[Offer]], dict[str, Vendor]]:
    """Every Cerve supplier's offer per SKU, and SAP's default vendor per SKU."""
    r = rng(3)
    by_sku: dict[str, list[Offer]] = {}
    default: dict[str, Vendor] = {}
    for s in SKUS:
        carriers = [SPECIALIST[s.category]]
        for v in CERVE_VENDORS[4:]:
            if s.category in v.categories and r.random() < v.coverage:
                carriers.append(v)
        recent = [q for d, q in demand[s.sku].items() if d > HISTORY_END - timedelta(days=28)]
        per_day = sum(recent) / 24 if recent else s.mean * 0.3
        sku_offers = []
        for v in carriers:
            price = s.price * float(r.uniform(*v.price_factor))
            pack = Decimal(repr(s.pack)) * v.pack_multiple
            moq = pack * v.moq_packs
            brks: list[tuple[Decimal, Decimal]] = []
            if v.breaks:
                brks = [
                    (pack * 5, Decimal(money(price * 0.97))),
                    (pack * 10, Decimal(money(price * 0.94))),
                ]
            cover = float(r.uniform(8, 40))
            available = (Decimal(repr(float(per_day * cover))) / pack).to_integral_value(
                ROUND_CEILING
            ) * pack
            sku_offers.append(Offer(v, Decimal(money(price)), pack, moq, brks, available))
        by_sku[s.sku] = sku_offers
        default[s.sku] = SPECIALIST[s.category]
    # Cheapest supplier out of stock: the fallback path has to pick the next one.
    for sku in ("FC-FI-402", "FC-PR-107"):
        min(by_sku[sku], key=lambda o: o.unit_price).available = Decimal("0")
    # A few SKUs where today's default is already the cheapest (nothing to save there).
    for sku in ("FC-DA-203", "FC-BK-305", "FC-FI-407"):
        cheapest = min(by_sku[sku], key=lambda o: o.unit_price)
        default[sku] = cheapest.vendor
    return by_sku, default


def cerve_seed(by_sku: dict[str, list[Offer]]) -> dict[str, Any]:
    suppliers = [{"id": v.supplier_id, "name": v.name} for v in CERVE_VENDORS]
    products: list[dict[str, Any]] = []
    offer_rows: list[dict[str, Any]] = []

    def add(
        sku_label: str, s: Sku, name: str, sku_offers: list[Offer], active: bool = True
    ) -> None:
        pid = cerve_id("prd", sku_label)
        list_price = max(o.unit_price for o in sku_offers)
        products.append(
            {
                "id": pid,
                "sku": sku_label,
                "name": name,
                "category": CERVE_CATEGORY[s.category],
                "unit": s.unit,
                "price": str(list_price),
                "currency": "GBP",
                "active": active,
            }
        )
        for o in sku_offers:
            offer_rows.append(
                {
                    "product_id": pid,
                    "supplier_id": o.vendor.supplier_id,
                    "unit_price": str(o.unit_price),
                    "pack_size": pack_text(o.pack),
                    "min_order_qty": pack_text(o.moq),
                    "lead_time_days": o.vendor.lead_time_days,
                    "order_cutoff": o.vendor.cutoff,
                    "price_breaks": [
                        {"min_qty": pack_text(q), "unit_price": str(p)} for q, p in o.breaks
                    ],
                    "available_qty": pack_text(o.available),
                }
            )

    for s in SKUS:
        sku_offers = by_sku[s.sku]
        if s.sku == UNMAPPED_SKU:
            continue
        if s.sku == AMBIGUOUS_SKU:
            # Two listings, neither spelled like FreshConnect's SKU: catalog sync must flag it.
            add(s.sku.lower(), s, s.name, sku_offers[:1])
            add(s.sku + "-B", s, s.name + " (catering pack)", sku_offers[1:] or sku_offers[:1])
            continue
        add(s.sku, s, s.name, sku_offers, active=s.status == "active")
        if s.sku == VARIANT_SKU:
            organic = [
                Offer(
                    o.vendor,
                    (o.unit_price * Decimal("1.45")).quantize(Decimal("0.01")),
                    o.pack,
                    o.moq,
                    [],
                    o.available,
                )
                for o in sku_offers[-1:]
            ]
            add(s.sku + "-ORG", s, s.name + ", organic", organic)
    return {"suppliers": suppliers, "products": products, "offers": offer_rows}


# ---------------------------------------------------------------- SAP


def product_master(
    demand: dict[str, dict[date, float]], default: dict[str, Vendor]
) -> list[list[str]]:
    rows = []
    for s in SKUS:
        par = round_qty(s.mean * 3.0, s.unit)  # today's rule of thumb: three days' sales
        rows.append(
            [
                s.sku,
                s.name,
                s.category.upper(),
                UNIT_CODE[s.unit],
                str(s.shelf_life),
                s.status.upper(),
                default[s.sku].lifnr,
                qty_text(par, s.unit),
            ]
        )
    # SAP also holds frozen lines that the fresh business does not buy through this flow.
    rows.insert(
        30,
        [
            "FC-FZ-501",
            "Garden peas, frozen, 2.5 kg",
            "FROZEN",
            "EA",
            "365",
            "ACTIVE",
            VENDORS[4].lifnr,
            "12",
        ],
    )
    return rows


def vendor_master() -> list[list[str]]:
    return [[v.lifnr, v.name, v.supplier_id, v.min_order_value, v.delivery_fee] for v in VENDORS]


def purchase_history(
    demand: dict[str, dict[date, float]], by_sku: dict[str, list[Offer]], default: dict[str, Vendor]
) -> list[list[str]]:
    """What procurement actually did: top up from the default vendor every day or two,
    now and then an emergency buy elsewhere at a premium."""
    r = rng(4)
    span = (HISTORY_END - HISTORY_START).days
    lines: dict[tuple[date, str], list[list[Any]]] = defaultdict(list)
    for s in SKUS:
        offer_by_vendor = {o.vendor.lifnr: o for o in by_sku[s.sku]}
        vendor = default[s.sku]
        offer = offer_by_vendor[vendor.lifnr]
        cover = 1 if s.shelf_life <= 3 else 2 if s.shelf_life <= 7 else 4
        day = HISTORY_START - timedelta(days=2)
        while day <= HISTORY_END:
            if day.weekday() == 6:
                day += timedelta(days=1)
                continue
            window = [demand[s.sku].get(day + timedelta(days=k), 0.0) for k in range(1, cover + 1)]
            need = sum(window) * float(r.uniform(0.95, 1.15))
            if need > 0:
                v, o, premium = vendor, offer, 1.0
                others = [x for x in by_sku[s.sku] if x.vendor is not vendor]
                if others and r.random() < 0.03:
                    o = others[int(r.integers(0, len(others)))]
                    v, premium = o.vendor, float(r.uniform(1.15, 1.20))
                packs = (Decimal(repr(float(need))) / o.pack).to_integral_value(ROUND_CEILING)
                qty = max(packs * o.pack, o.moq)
                # Prices crept up about 3% over the period to today's offer.
                age = (HISTORY_END - day).days / span
                price = float(o.unit_price) * (1 - 0.03 * age) * premium
                lines[(day, v.lifnr)].append([s, qty, Decimal(money(price)), v])
            day += timedelta(days=cover)
    rows: list[list[str]] = []
    po_no = 4500012001
    for (day, _lifnr), items in sorted(lines.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        v = items[0][3]
        promised = day + timedelta(days=v.lead_time_days)
        if promised >= TODAY:
            received = ""
        else:
            late = r.random()
            slip = 2 if late < 0.02 else 1 if late < 0.10 else 0
            received = sap_date(promised + timedelta(days=slip))
        for n, (s, qty, price, _v) in enumerate(items, start=1):
            rows.append(
                [
                    str(po_no),
                    f"{n * 10:05d}",
                    v.lifnr,
                    s.sku,
                    qty_text(qty, s.unit),
                    UNIT_CODE[s.unit],
                    str(price),
                    "GBP",
                    sap_date(day),
                    sap_date(promised),
                    received,
                ]
            )
        po_no += 1
    for at, col, value in ((400, 8, "31.11.2026"), (1300, 3, "FC-DA-299"), (2100, 4, "-10")):
        row = list(rows[at])
        row[col] = value
        rows.insert(at + 1, row)
    return rows


def last_prices(history: list[list[str]]) -> list[list[str]]:
    """SAP's last net price per SKU and vendor, from the good purchase-history rows."""
    latest: dict[tuple[str, str], tuple[date, list[str]]] = {}
    for row in history:
        _po, _item, lifnr, sku, qty, _unit, price, currency, bedat = row[:9]
        if sku not in BY_SKU or qty.startswith("-") or bedat == "31.11.2026":
            continue
        day, month, year = (int(x) for x in bedat.split("."))
        when = date(year, month, day)
        if (sku, lifnr) not in latest or when >= latest[(sku, lifnr)][0]:
            latest[(sku, lifnr)] = (when, [sku, lifnr, price, currency, bedat])
    rows = [latest[k][1] for k in sorted(latest)]
    rows.insert(10, ["FC-PR-198", VENDORS[0].lifnr, "1.99", "GBP", "02.12.2026"])
    return rows


# ---------------------------------------------------------------- WMS


def stock_snapshot(demand: dict[str, dict[date, float]]) -> list[list[str]]:
    r = rng(5)
    zone = {"produce": "CH1", "dairy": "CH2", "bakery": "AMB", "fish": "FSH"}
    rows: list[list[str]] = []
    expired_left = 4
    for s in SKUS:
        if s.sku == NO_STOCK_SKU:
            continue
        recent = [
            q
            for d, q in demand[s.sku].items()
            if HISTORY_END - timedelta(days=28) < d <= HISTORY_END
        ]
        per_day = sum(recent) / 24 if recent else 0.0
        low = r.random() < 0.3 or s.sku in ("FC-DA-210", "FC-BK-310")
        # Nobody holds more short-life stock than it can sell before it expires.
        most = max(2.6, min(8.0, float(s.shelf_life)))
        cover = float(r.uniform(0.2, 1.4)) if low else float(r.uniform(2.2, most))
        total = per_day * cover
        if s.status != "active":
            total = s.mean * 0.8  # leftovers of a line no longer bought
        if total <= 0:
            continue
        n_lots = 1 if total < s.pack * 2 else int(r.integers(1, 4))
        split = r.dirichlet(np.full(n_lots, 3.0)) if n_lots > 1 else np.ones(1)
        for k, w in enumerate(split):
            q = round_qty(total * float(w), s.unit)
            if q <= 0:
                continue
            # Older lots first; only the ones forced below are already past expiry.
            age = min(k + int(r.integers(0, max(1, min(s.shelf_life, 6)))), s.shelf_life - 1)
            received = TODAY - timedelta(days=1 + age)
            expiry = received + timedelta(days=s.shelf_life)
            if expired_left and k == n_lots - 1 and n_lots > 1 and s.shelf_life <= 7:
                expiry = TODAY - timedelta(days=int(r.integers(1, 3)))  # past expiry, still on hand
                expired_left -= 1
            aisle, level = int(r.integers(1, 13)), int(r.integers(1, 5))
            rows.append(
                [
                    SNAPSHOT_AT,
                    "PRL",
                    f"{zone[s.category]}-A{aisle:02d}-L{level}",
                    s.sku,
                    f"L{received:%y%m%d}-{int(r.integers(1, 999)):03d}",
                    qty_text(q, s.unit),
                    UNIT_CODE[s.unit],
                    expiry.isoformat(),
                ]
            )
    rows.insert(
        12,
        [SNAPSHOT_AT, "PRL", "CH1-A07-L2", "FC-FI-499", "L261201-042", "3.50", "KG", "2026-12-05"],
    )
    rows.insert(
        25, [SNAPSHOT_AT, "PRL", "CH2-A02-L1", "FC-DA-205", "L261130-311", "-2", "EA", "2026-12-20"]
    )
    rows.insert(
        40, [SNAPSHOT_AT, "PRL", "AMB-A05-L3", "FC-BK-306", "L261202-118", "14", "EA", "2026-13-01"]
    )
    return rows


# ---------------------------------------------------------------- writing


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def render() -> dict[str, str]:
    """Every generated file's text, keyed by its path relative to sample_data/ (and the
    Cerve seed under the key "cerve_seed.json")."""
    demand = daily_demand()
    by_sku, default = offers(demand)
    history = purchase_history(demand, by_sku, default)
    sap = ";"
    return {
        ORDER_FILE: csv_text(
            [
                "OrderNumber",
                "OrderItemNumber",
                "Account.Name",
                "Product2.ProductCode",
                "Quantity",
                "EffectiveDate",
                "Requested_Delivery_Date__c",
                "Status",
            ],
            order_lines(demand),
        ),
        STOCK_FILE: csv_text(
            [
                "snapshot_at",
                "warehouse",
                "location",
                "sku",
                "lot",
                "qty_on_hand",
                "unit",
                "expiry_date",
            ],
            stock_snapshot(demand),
        ),
        PRODUCT_FILE: csv_text(
            ["MATNR", "MAKTX", "MATKL", "MEINS", "MHDHB", "STATUS", "LIFNR", "PAR_LEVEL"],
            product_master(demand, default),
            sap,
        ),
        VENDOR_FILE: csv_text(
            ["LIFNR", "NAME1", "CERVE_SUPPLIER_ID", "MIN_ORDER_VALUE_GBP", "DELIVERY_FEE_GBP"],
            vendor_master(),
            sap,
        ),
        PURCHASE_FILE: csv_text(
            [
                "EBELN",
                "EBELP",
                "LIFNR",
                "MATNR",
                "MENGE",
                "MEINS",
                "NETPR",
                "WAERS",
                "BEDAT",
                "EINDT",
                "GR_DATE",
            ],
            history,
            sap,
        ),
        LAST_PRICE_FILE: csv_text(
            ["MATNR", "LIFNR", "NETPR", "WAERS", "PRICE_DATE"], last_prices(history), sap
        ),
        "cerve_seed.json": json.dumps(cerve_seed(by_sku), indent=2, ensure_ascii=False) + "\n",
    }


def write_all(sample_dir: Path = SAMPLE_DIR, seed_file: Path = CERVE_SEED) -> list[Path]:
    written = []
    for name, content in render().items():
        path = seed_file if name == "cerve_seed.json" else sample_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR, help="sample_data directory")
    parser.add_argument("--seed-file", type=Path, default=CERVE_SEED, help="Cerve seed JSON path")
    args = parser.parse_args()
    for path in write_all(args.out, args.seed_file):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
