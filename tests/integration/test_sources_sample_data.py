"""The committed sample data: it is what the generator writes, and it has the properties
the demo and the forecasting tests rely on."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from po_automation.domain.models import Category, CustomerOrderStatus, ProductStatus
from po_automation.sources import FILES, SourceSnapshot, load_all
from tools import generate_sample_data as gen

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
SEED = ROOT / "sandbox" / "cerve_seed.json"
TODAY = date(2026, 12, 3)


@pytest.fixture(scope="module")
def snap() -> SourceSnapshot:
    return load_all(SAMPLE)


@pytest.fixture(scope="module")
def seed() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


def test_committed_files_are_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    gen.write_all(tmp_path / "sample_data", tmp_path / "cerve_seed.json")
    for name in gen.GENERATED_FILES:
        assert (tmp_path / "sample_data" / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    assert (tmp_path / "cerve_seed.json").read_bytes() == SEED.read_bytes()


def test_generator_is_deterministic() -> None:
    assert gen.render() == gen.render()


def test_sample_data_is_small_enough_to_commit() -> None:
    total = sum((SAMPLE / name).stat().st_size for name in gen.GENERATED_FILES)
    assert total + SEED.stat().st_size < 2_000_000


def test_load_all_reads_every_file_and_counts_its_rows(snap: SourceSnapshot) -> None:
    assert set(snap.rows_read) == set(FILES)
    for name in FILES:
        lines = (SAMPLE / name).read_text(encoding="utf-8").count("\n")
        assert snap.rows_read[name] == lines - 1, name
    assert snap.stock_as_of is not None
    assert snap.stock_as_of.isoformat() == "2026-12-03T06:00:00+00:00"


def test_at_least_40_skus_across_the_four_categories(snap: SourceSnapshot) -> None:
    per_category: dict[Category, int] = defaultdict(int)
    for p in snap.products:
        per_category[p.category] += 1
    assert len(snap.products) >= 44
    assert set(per_category) == set(Category)
    assert min(per_category.values()) >= 10
    assert {p.unit for p in snap.products} == {"kg", "each", "case"}
    not_active = [p for p in snap.products if p.status is not ProductStatus.ACTIVE]
    assert 1 <= len(not_active) <= 2
    kg_quantities = [o.quantity for o in snap.order_lines if o.sku == "FC-FI-401"]
    assert any(q.as_tuple().exponent == -2 and q % 1 for q in kg_quantities)


def test_history_spans_at_least_90_days_and_ends_yesterday(snap: SourceSnapshot) -> None:
    delivered = [
        o.delivery_date for o in snap.order_lines if o.status is CustomerOrderStatus.FULFILLED
    ]
    assert max(delivered) == date(2026, 12, 2)
    assert (max(delivered) - min(delivered)).days >= 119
    open_dates = {o.delivery_date for o in snap.order_lines if o.status is CustomerOrderStatus.OPEN}
    assert min(open_dates) == TODAY
    assert len(open_dates) >= 3
    assert all(o.order_date < TODAY for o in snap.order_lines)
    assert any(o.status is CustomerOrderStatus.CANCELLED for o in snap.order_lines)


def daily_totals(snap: SourceSnapshot, sku: str) -> dict[date, Decimal]:
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for o in snap.order_lines:
        if o.sku == sku and o.status is not CustomerOrderStatus.CANCELLED:
            totals[o.delivery_date] += o.quantity
    return totals


@pytest.mark.parametrize("sku", [s.sku for s in gen.SKUS if s.pattern == "fish"])
def test_fish_demand_follows_the_fulton_fish_market_series(snap: SourceSnapshot, sku: str) -> None:
    fulton = gen.fish_calendar(gen.BY_SKU[sku].fulton_offset)
    totals = daily_totals(snap, sku)
    days = sorted(d for d in fulton if d <= date(2026, 12, 2))
    assert len(days) >= 80
    r = statistics.correlation([float(fulton[d]) for d in days], [float(totals[d]) for d in days])
    assert r > 0.95
    assert all(d.weekday() < 5 for d in totals)  # fish is delivered Monday to Friday


def test_whiting_replays_the_real_series_from_its_first_trading_day(snap: SourceSnapshot) -> None:
    totals = daily_totals(snap, "FC-FI-401")
    first_days = sorted(totals)[:3]
    # Fulton days 1-3 are Mon, Wed, Thu (the market was shut that Tuesday): 4080, 3466, 2295 lb.
    assert [d.weekday() for d in first_days] == [0, 2, 3]
    ratios = [totals[d] for d in first_days]
    assert ratios[0] > ratios[1] > ratios[2]


def test_produce_has_a_weekly_pattern(snap: SourceSnapshot) -> None:
    by_weekday: dict[int, list[Decimal]] = defaultdict(list)
    for d, q in daily_totals(snap, "FC-PR-101").items():
        if d <= date(2026, 12, 2):
            by_weekday[d.weekday()].append(q)
    assert 6 not in by_weekday  # no Sunday deliveries
    assert statistics.mean(by_weekday[4]) > statistics.mean(by_weekday[1]) * Decimal("1.2")


def test_slow_skus_have_intermittent_demand(snap: SourceSnapshot) -> None:
    totals = daily_totals(snap, "FC-BK-310")
    assert 10 <= len(totals) <= 60  # sells on some days out of ~105 delivery days


def test_bad_rows_are_present_and_reported(snap: SourceSnapshot) -> None:
    reasons = defaultdict(list)
    for e in snap.errors:
        reasons[e.file].append(e.reason)
        assert e.line > 1
    for name in (
        "salesforce/order_lines.csv",
        "wms/stock_snapshot.csv",
        "sap/purchase_history.csv",
    ):
        joined = " | ".join(reasons[name])
        assert "unknown SKU" in joined, name
        assert "is negative" in joined, name
        assert "is not a valid date" in joined, name
    # Bad rows are few: everything else is read.
    assert len(snap.errors) < 20
    assert (
        len(snap.order_lines) + len(reasons["salesforce/order_lines.csv"])
        == snap.rows_read["salesforce/order_lines.csv"]
    )


def test_stock_is_a_realistic_mix(snap: SourceSnapshot) -> None:
    on_hand: dict[str, Decimal] = defaultdict(Decimal)
    for lot in snap.stock:
        if lot.expiry_date is None or lot.expiry_date >= TODAY:
            on_hand[lot.sku] += lot.quantity
    cover = {}
    for p in snap.products:
        if not p.orderable:
            continue
        recent = daily_totals(snap, p.sku)
        sold = sum(q for d, q in recent.items() if TODAY - timedelta(days=29) < d < TODAY)
        if sold:
            cover[p.sku] = on_hand[p.sku] / (sold / 24)
    short = [s for s, c in cover.items() if c < 2]
    plenty = [s for s, c in cover.items() if c >= 2]
    assert len(short) >= 8
    assert len(plenty) >= 8
    assert "FC-FI-403" not in {lot.sku for lot in snap.stock}  # sold out: no stock row
    assert any(lot.expiry_date and lot.expiry_date < TODAY for lot in snap.stock)
    assert (
        sum(
            1
            for lot in snap.stock
            if lot.expiry_date and TODAY <= lot.expiry_date <= TODAY + timedelta(days=1)
        )
        >= 5
    )


def test_cerve_seed_has_the_agreed_shape(seed: dict) -> None:
    assert set(seed) == {"suppliers", "products", "offers"}
    for s in seed["suppliers"]:
        assert set(s) == {"id", "name"} and s["id"].startswith("sup_")
    for p in seed["products"]:
        assert set(p) == {"id", "sku", "name", "category", "unit", "price", "currency", "active"}
        assert p["id"].startswith("prd_")
        assert p["category"] in {"fresh-produce", "dairy", "bakery", "fish"}
        assert p["unit"] in {"kg", "each", "case"}
        assert Decimal(p["price"]) > 0 and p["currency"] == "GBP"
    for o in seed["offers"]:
        assert set(o) == {
            "product_id",
            "supplier_id",
            "unit_price",
            "pack_size",
            "min_order_qty",
            "lead_time_days",
            "order_cutoff",
            "price_breaks",
            "available_qty",
        }
        for key in ("unit_price", "pack_size", "min_order_qty", "available_qty"):
            assert isinstance(o[key], str)
            Decimal(o[key])
        assert 1 <= o["lead_time_days"] <= 3
        hh, mm = o["order_cutoff"].split(":")
        assert 0 <= int(hh) < 24 and 0 <= int(mm) < 60
        for b in o["price_breaks"]:
            assert Decimal(b["unit_price"]) < Decimal(o["unit_price"])


def test_suppliers_differ_and_match_the_sap_vendor_master(snap: SourceSnapshot, seed: dict) -> None:
    cerve_ids = {s["id"] for s in seed["suppliers"]}
    assert cerve_ids == {s.supplier_id for s in snap.suppliers}
    assert len(cerve_ids) >= 5
    by_supplier = defaultdict(list)
    for o in seed["offers"]:
        by_supplier[o["supplier_id"]].append(o)
    assert len({o[0]["lead_time_days"] for o in by_supplier.values()}) >= 3
    assert len({o[0]["order_cutoff"] for o in by_supplier.values()}) >= 4
    assert len({s.min_order_value for s in snap.suppliers}) >= 4
    assert len({s.delivery_fee for s in snap.suppliers}) >= 4
    n_products = len(seed["products"])
    assert all(
        len({o["product_id"] for o in offers}) < n_products for offers in by_supplier.values()
    )
    assert any(o["available_qty"] == "0" for o in seed["offers"])


def test_catalog_has_an_unmapped_and_an_ambiguous_sku(snap: SourceSnapshot, seed: dict) -> None:
    cerve_skus = [p["sku"] for p in seed["products"]]
    active = [p.sku for p in snap.products if p.orderable]
    unmapped = [s for s in active if not any(c.upper().startswith(s) for c in cerve_skus)]
    assert unmapped == [gen.UNMAPPED_SKU]
    near = [c for c in cerve_skus if c.upper().startswith(gen.AMBIGUOUS_SKU)]
    assert len(near) == 2 and gen.AMBIGUOUS_SKU not in near


def test_default_supplier_is_often_not_the_cheapest(snap: SourceSnapshot, seed: dict) -> None:
    sku_of = {p["id"]: p["sku"] for p in seed["products"]}
    cheapest: dict[str, Decimal] = {}
    for o in seed["offers"]:
        sku = sku_of[o["product_id"]]
        if o["available_qty"] != "0":
            price = Decimal(o["unit_price"])
            cheapest[sku] = min(price, cheapest.get(sku, price))
    last = {(p.sku, p.supplier_id): p.unit_price for p in snap.last_prices}
    gaps = []
    for p in snap.products:
        paid = last.get((p.sku, p.default_supplier_id or ""))
        if p.orderable and paid is not None and p.sku in cheapest:
            gaps.append((paid - cheapest[p.sku]) / paid)
    assert len(gaps) >= 38
    dearer = [g for g in gaps if g > Decimal("0.02")]
    assert len(dearer) >= len(gaps) * 0.6
    assert Decimal("0.04") <= statistics.mean(gaps) <= Decimal("0.09")
    assert max(gaps) < Decimal("0.15")  # "a little above", not absurd
