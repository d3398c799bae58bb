"""The price-sync shard planner: every SKU in exactly one shard, no shard over budget."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from po_automation.services.price_sync import CALLS_PER_SKU, max_shard_size, plan_shards

skus = st.lists(st.from_regex(r"FC-[A-Z]{2}-\d{1,5}", fullmatch=True), max_size=3000)
rates = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("100"), places=1)


def seconds(shard: list[str], rate: Decimal, concurrency: int) -> Decimal:
    return CALLS_PER_SKU * len(shard) / (rate / concurrency)


@given(
    skus=skus,
    rate=rates,
    concurrency=st.integers(min_value=1, max_value=10),
    budget=st.integers(min_value=40, max_value=900),
)
def test_every_sku_once_and_no_shard_over_budget(skus, rate, concurrency, budget) -> None:
    shards = plan_shards(skus, rate, concurrency, budget)

    flat = [sku for shard in shards for sku in shard]
    assert sorted(flat) == sorted(set(skus))
    assert all(shard for shard in shards)
    assert all(seconds(shard, rate, concurrency) <= budget for shard in shards)
    # As few shards as the budget allows, evened out so workers finish together.
    if shards:
        size = max_shard_size(rate, concurrency, budget)
        assert len(shards) == -(-len(set(skus)) // size)
        assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_a_small_catalog_is_one_shard_and_no_skus_is_no_shard() -> None:
    assert plan_shards(["FC-PR-1", "FC-PR-2"], Decimal("10"), 2, 300) == [["FC-PR-1", "FC-PR-2"]]
    assert plan_shards([], Decimal("10"), 2, 300) == []


def test_ten_thousand_skus_at_prod_limits_fit_the_function_timeout() -> None:
    # Prod: 10 requests/s over 2 workers, 300 s per shard -> 750 SKUs a shard.
    catalog = [f"FC-PR-{i}" for i in range(10_000)]
    shards = plan_shards(catalog, Decimal("10"), 2, 300)
    assert len(shards) == 14
    assert max(map(len, shards)) == 715
    assert max(seconds(s, Decimal("10"), 2) for s in shards) == 286


@pytest.mark.parametrize(
    ("rate", "concurrency", "budget", "message"),
    [
        (Decimal("0"), 1, 300, "rate_limit_per_s must be positive"),
        (Decimal("10"), 0, 300, "concurrency must be at least 1"),
        (Decimal("1"), 1, 1, "cannot refresh even one SKU"),
    ],
)
def test_impossible_plans_are_refused_clearly(rate, concurrency, budget, message) -> None:
    with pytest.raises(ValueError, match=message):
        plan_shards(["FC-PR-1"], rate, concurrency, budget)
