"""Orders split across suppliers add up to the need, never to the need once per supplier.

The two named cases rebuild, in memory, the requirements and offers the demo printed for
FC-BK-310 (a slow mover capped by shelf life) and FC-FI-411 (fish, three suppliers).
"""

from datetime import timedelta
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from po_automation.domain.models import Category, StockLot
from po_automation.domain.policy import Requirement
from po_automation.domain.supplier_choice import choose_suppliers
from tests.unit.test_domain_generation import NOW, TODAY, history, offer, plan, product


def requirement(days, need, cap, *, runs_short=True):
    need, cap = D(need), D(cap)
    return Requirement(
        days_to_delivery=days,
        cover_days=days + 1,
        demand=need,
        safety_stock=D("3"),
        order_up_to=need + D("10"),
        need=min(need, cap),
        shelf_life_cap=cap,
        capped=need >= cap,
        runs_short=runs_short,
    )


def choose(offers, requirements, gaps):
    return choose_suppliers(
        offers,
        NOW,
        today=TODAY,
        requirement_at=lambda days: requirements[days],
        need_date=TODAY,
        reliability={},
        gap_need=lambda days: D(gaps.get(days, "0")),
    )


def ordered(choice):
    return {a.offer.supplier_id: a.quantity for a in choice.allocations}


def test_bk_310_capped_need_of_6_is_one_pack_from_the_cheapest_not_one_from_each():
    # Before the fix: 6 from Covent Garden and "the remaining 6" from Hearth & Grain.
    offers = [
        offer("sup_hearth", sku="BK", price="3.87", pack="6", moq="6", available="36"),
        offer(
            "sup_metro",
            sku="BK",
            price="3.52",
            pack="12",
            moq="24",
            available="36",
            lead=2,
            breaks=(("60", "3.41"), ("120", "3.31")),
        ),
        offer(
            "sup_covent",
            sku="BK",
            price="3.64",
            pack="6",
            moq="6",
            available="36",
            breaks=(("30", "3.54"), ("60", "3.43")),
        ),
    ]
    requirements = {1: requirement(1, "6.321", "6.321"), 2: requirement(2, "6.5", "6.895")}
    choice = choose(offers, requirements, {1: "5.5", 2: "6.5"})
    assert ordered(choice) == {"sup_covent": D("6")}
    assert choice.shortfall == D("0")
    assert any("SUPPLIER HEARTH" in why for why in choice.rejected)


def test_fi_411_capped_at_23_orders_no_more_than_23_across_suppliers():
    # Before the fix: 10 + 5 + 20 = 35 kg against a cap of 23.283.
    offers = [
        offer(
            "sup_metro",
            sku="FI",
            price="3.93",
            pack="10",
            moq="20",
            available="150",
            lead=2,
            breaks=(("50", "3.82"), ("100", "3.70")),
        ),
        offer("sup_coast", sku="FI", price="3.98", pack="5", moq="10", available="420", lead=3),
        offer(
            "sup_north",
            sku="FI",
            price="4.36",
            pack="5",
            moq="5",
            available="435",
            breaks=(("25", "4.23"), ("50", "4.10")),
        ),
    ]
    requirements = {
        1: requirement(1, "8.762", "8.762"),
        2: requirement(2, "10.759", "10.759"),
        3: requirement(3, "23.283", "23.283"),
    }
    choice = choose(offers, requirements, {1: "6.21", 2: "19.323", 3: "21.307"})
    quantities = ordered(choice)
    total = sum(quantities.values())
    assert quantities == {"sup_coast": D("10"), "sup_north": D("5")}
    assert total <= D("23.283")
    north = next(a for a in choice.allocations if a.offer.supplier_id == "sup_north")
    assert "covers only what sells before SUPPLIER COAST's cheaper delivery" in north.note


def test_the_fast_suppliers_rounding_comes_off_the_slow_suppliers_part():
    # Need 36.4 by the slow delivery, 16.3 of it before: the fast supplier's 20 (packs of
    # 5 round 16.3 up to 20) leaves 16.4 for the slow one, not 36.4 - 16.3 = 20.1.
    offers = [
        offer("sup_fast", sku="DA", price="8.48", pack="5", moq="5"),
        offer("sup_slow", sku="DA", price="7.79", pack="5", moq="10", lead=2),
    ]
    requirements = {1: requirement(1, "18.3", "500"), 2: requirement(2, "36.359", "500")}
    choice = choose(offers, requirements, {1: "3.7", 2: "16.339"})
    assert ordered(choice) == {"sup_fast": D("20"), "sup_slow": D("20")}
    assert sum(ordered(choice).values()) - D("36.359") < D("5")


def test_a_tail_below_the_slow_suppliers_minimum_goes_to_the_fast_supplier():
    # 1.34 left for a supplier whose minimum is 20: the fast supplier, in packs of 5,
    # takes it instead of 20 more being bought for 1.34.
    offers = [
        offer("sup_fast", sku="FI", price="15.10", pack="5", moq="5"),
        offer("sup_slow", sku="FI", price="14.08", pack="10", moq="20", lead=2),
    ]
    requirements = {1: requirement(1, "33.96", "36.7"), 2: requirement(2, "33.96", "50.8")}
    choice = choose(offers, requirements, {1: "10.6", 2: "32.62"})
    assert ordered(choice) == {"sup_fast": D("35")}


def test_only_missing_stock_passes_to_the_next_supplier():
    offers = [
        offer("sup_a", sku="X", price="1.00", pack="6", moq="6", available="12"),
        offer("sup_b", sku="X", price="1.10", pack="6", moq="6"),
    ]
    requirements = {1: requirement(1, "20", "100")}
    choice = choose(offers, requirements, {})
    assert ordered(choice) == {"sup_a": D("12"), "sup_b": D("12")}  # 20 → 24, one pack over
    assert "has only 12 available" in choice.allocations[0].note
    assert "supplies the remaining 12" in choice.allocations[1].note


packs = st.sampled_from(["1", "2", "5", "6", "10", "12"])


@st.composite
def supplier_offer(draw, name):
    pack = draw(packs)
    return offer(
        name,
        sku="SKU",
        price=str(draw(st.decimals("0.50", "9.99", places=2))),
        pack=pack,
        moq=draw(st.sampled_from(["0", pack])),  # a minimum above one pack is its own rule
        available=str(draw(st.sampled_from([0, 6, 24, 10000]))),
        lead=draw(st.integers(1, 3)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rate=st.integers(1, 40),
    stock=st.integers(0, 80),
    shelf_life=st.integers(1, 10),
    offers=st.tuples(supplier_offer("sup_a"), supplier_offer("sup_b"), supplier_offer("sup_c")),
)
def test_orders_across_suppliers_never_exceed_the_capped_need_by_a_pack(
    rate, stock, shelf_life, offers
):
    result = plan(
        products=[product("SKU", unit="kg", shelf_life=shelf_life, cat=Category.FISH)],
        customer_orders=history("SKU", str(rate)),
        stock=[StockLot("SKU", D(stock), TODAY + timedelta(days=shelf_life))] if stock else [],
        offers=list(offers),
    )
    decision = result.decision("SKU")
    if not decision.ordered:
        return
    largest_pack = max(
        o.pack_size
        for o in offers
        if o.supplier_id in {a.supplier_id for a in decision.allocations}
    )
    assert decision.order_quantity - decision.need < largest_pack
