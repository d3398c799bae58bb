"""Dual sourcing, slow movers, booked demand and readable reasons."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

from po_automation.domain.inventory import ExistingPoLine, ExistingPurchaseOrder
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.models import Category, StockLot
from tests.unit.test_domain_generation import (
    TODAY,
    as_existing,
    committed,
    history,
    offer,
    plan,
    product,
)


def test_a_cheaper_slower_supplier_takes_the_later_need_and_the_fast_one_only_the_gap():
    result = plan(
        products=[product("FISH", unit="kg", shelf_life=3, cat=Category.FISH)],
        customer_orders=history("FISH", "20"),
        stock=[StockLot("FISH", D("10"), TODAY + timedelta(days=2))],
        offers=[
            offer("sup_fast", sku="FISH", price="7.50", lead=1),
            offer("sup_slow", sku="FISH", price="6.90", lead=2),
        ],
    )
    by_supplier = {d.supplier_id: d for d in result.drafts}
    assert set(by_supplier) == {"sup_fast", "sup_slow"}
    fast, slow = by_supplier["sup_fast"], by_supplier["sup_slow"]
    assert fast.delivery_date == TODAY + timedelta(days=1)
    assert slow.delivery_date == TODAY + timedelta(days=2)
    # Stock 10 against 20 a day: the fast supplier brings only what sells before the slow
    # delivery (tomorrow's 20 and today's missing 10); the slow one brings the day after.
    assert fast.lines[0].quantity == D("30")
    assert slow.lines[0].quantity == D("20")
    assert "covers only what sells before SUPPLIER SLOW's cheaper delivery" in (
        fast.lines[0].reason
    )


def test_stock_lasting_until_the_slow_delivery_goes_all_to_the_cheaper_supplier():
    result = plan(
        products=[product("FISH", unit="kg", shelf_life=3, cat=Category.FISH)],
        customer_orders=history("FISH", "20"),
        stock=[StockLot("FISH", D("45"), TODAY + timedelta(days=2))],
        offers=[
            offer("sup_fast", sku="FISH", price="7.50", lead=1),
            offer("sup_slow", sku="FISH", price="6.90", lead=2),
        ],
    )
    assert [d.supplier_id for d in result.drafts] == ["sup_slow"]


def test_a_cheap_pack_bigger_than_what_sells_before_expiry_loses():
    # The cheap supplier sells in 100s: more than sells before it expires, so its landed
    # cost per unit sold is above the fast supplier's and the fast one takes it all.
    result = plan(
        products=[product("FISH", unit="kg", shelf_life=3, cat=Category.FISH)],
        customer_orders=history("FISH", "20"),
        stock=[StockLot("FISH", D("10"), TODAY + timedelta(days=2))],
        offers=[
            offer("sup_fast", sku="FISH", price="7.50", lead=1),
            offer("sup_slow", sku="FISH", price="6.90", lead=2, pack="100", moq="100"),
        ],
    )
    assert [d.supplier_id for d in result.drafts] == ["sup_fast"]


def test_a_slow_mover_is_restocked_when_the_shelf_would_empty_but_not_topped_up():
    slow = [line for i, line in enumerate(history("SLOW", "2")) if i % 5 == 0]
    inputs = {
        "products": [product("SLOW", shelf_life=7)],
        "customer_orders": slow,
        "offers": [offer(sku="SLOW", pack="6", moq="6")],
    }
    empty = plan(**inputs)
    assert empty.decision("SLOW").order_quantity == D("6")
    stocked = plan(**inputs, stock=[StockLot("SLOW", D("5"), TODAY + timedelta(days=6))])
    assert stocked.decision("SLOW").order_quantity == D("0")


def test_booked_demand_needs_no_safety_stock():
    # Tomorrow is fully booked and nothing else is forecast: order exactly the booking.
    result = plan(customer_orders=committed("LET-01", "37"), offers=[offer()])
    decision = result.decision("LET-01")
    assert decision.safety_stock == D("0")
    assert decision.order_quantity == D("37")


def test_reasons_show_quantities_to_the_pack_precision():
    result = plan(
        customer_orders=[
            replace(line, quantity=D("31.3") if i % 2 else D("17.9"))
            for i, line in enumerate(history("LET-01", "1"))
        ],
        offers=[offer(pack="12")],
    )
    reason = result.drafts[0].lines[0].reason
    safety = result.decision("LET-01").safety_stock
    assert safety != safety.to_integral_value()  # the policy keeps its precision
    assert f"safety stock {safety.quantize(D('1')):f} for" in reason.replace(",", "")


def test_supply_arriving_after_the_slow_delivery_does_not_fill_the_gap():
    # 60 on order arriving in three days does not help tomorrow: the fast supplier still
    # covers tomorrow, though the total position looks ample.
    late = ExistingPurchaseOrder(
        draft_id="PO-LATE",
        supplier_id="sup_slow",
        status=PoStatus.SUBMITTED,
        delivery_date=TODAY + timedelta(days=3),
        lines=(ExistingPoLine("FISH", D("60")),),
    )
    result = plan(
        products=[product("FISH", unit="kg", shelf_life=3, cat=Category.FISH)],
        customer_orders=history("FISH", "20"),
        offers=[
            offer("sup_fast", sku="FISH", price="7.50", lead=1),
            offer("sup_slow", sku="FISH", price="6.90", lead=2),
        ],
        existing_pos=[late],
    )
    fast = [d for d in result.drafts if d.supplier_id == "sup_fast"]
    assert fast and fast[0].lines[0].quantity >= D("20")
    again = plan(
        products=[product("FISH", unit="kg", shelf_life=3, cat=Category.FISH)],
        customer_orders=history("FISH", "20"),
        offers=[
            offer("sup_fast", sku="FISH", price="7.50", lead=1),
            offer("sup_slow", sku="FISH", price="6.90", lead=2),
        ],
        existing_pos=[late, *as_existing(result.drafts)],
    )
    assert again.drafts == ()
