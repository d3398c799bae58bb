from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from po_automation.domain.packs import round_down_to_pack, round_up_to_pack


def test_need_200_in_packs_of_12_orders_204_exactly():
    assert round_up_to_pack(Decimal("200"), Decimal("12")) == Decimal("204")


def test_kg_product_is_rounded_to_its_pack_precision_not_to_whole_units():
    ordered = round_up_to_pack(Decimal("362.15"), Decimal("0.01"))
    assert ordered == Decimal("362.15")
    assert str(ordered) == "362.15"


def test_minimum_order_raises_a_small_order_to_whole_packs_of_the_minimum():
    assert round_up_to_pack(Decimal("3"), Decimal("4"), Decimal("10")) == Decimal("12")


def test_nothing_needed_orders_nothing_even_with_a_minimum():
    assert round_up_to_pack(Decimal("0"), Decimal("5"), Decimal("10")) == Decimal("0")


def test_round_down_never_crosses_a_limit_and_respects_the_minimum():
    assert round_down_to_pack(Decimal("7.3"), Decimal("0.5")) == Decimal("7.0")
    assert round_down_to_pack(Decimal("9"), Decimal("5"), Decimal("10")) == Decimal("0")


def test_non_positive_pack_is_a_clear_error():
    with pytest.raises(ValueError, match="pack size"):
        round_up_to_pack(Decimal("1"), Decimal("0"))


@given(
    need=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2),
    pack=st.sampled_from([Decimal("0.01"), Decimal("0.25"), Decimal("1"), Decimal("12")]),
)
def test_rounding_up_is_the_smallest_whole_number_of_packs_covering_the_need(need, pack):
    ordered = round_up_to_pack(need, pack)
    assert ordered >= need
    assert ordered - pack < need
    assert (ordered / pack) == (ordered / pack).to_integral_value()
