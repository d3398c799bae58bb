"""The price-sync handler's three calls: plan shards, refresh one shard, refresh all."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from po_automation.services.price_sync import PriceSyncReport
from po_automation.settings import get_settings
from tests.integration.lifecycle_support import FakeContext, load_handler

CATALOG = [f"FC-PR-{i}" for i in range(2000)]


class _Cache:
    def mappings(self) -> dict[str, Any]:
        return {}


@pytest.fixture
def handler(monkeypatch) -> Any:
    monkeypatch.setenv("INVENTORY_TABLE_NAME", "inventory")
    monkeypatch.setenv("PRICE_CACHE_TABLE_NAME", "price-cache")
    monkeypatch.setenv("CERVE_RATE_LIMIT_PER_S", "10")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    get_settings.cache_clear()
    module = load_handler("price_sync")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(module, "PriceCacheStore", lambda *a: _Cache())
    monkeypatch.setattr(module, "_reorderable", lambda *a: list(CATALOG))
    monkeypatch.setattr(module, "build_client", lambda settings, _: settings)

    def sync(skus, product_ids, client, cache, now, max_workers):
        calls.append({"skus": list(skus), "rate": client.cerve_rate_limit_per_s})
        return PriceSyncReport(requested=len(list(skus)))

    monkeypatch.setattr(module, "sync_prices", sync)
    module.calls = calls  # type: ignore[attr-defined]
    yield module
    get_settings.cache_clear()


def test_plan_returns_shards_that_fit_the_budget(handler) -> None:
    event = {"action": "plan", "rate_limit_per_s": "10", "concurrency": 2, "time_budget_s": 300}
    shards = handler.handler(event, FakeContext())["shards"]
    assert [len(s["skus"]) for s in shards] == [667, 667, 666]  # <= 750 each
    assert sorted(sku for s in shards for sku in s["skus"]) == sorted(CATALOG)
    assert handler.calls == []  # planning asks Cerve nothing


def test_a_shard_runs_at_its_share_of_the_limit(handler) -> None:
    handler.handler({"skus": ["FC-PR-1", "FC-PR-2"], "rate_limit_per_s": "5"}, FakeContext())
    assert handler.calls == [{"skus": ["FC-PR-1", "FC-PR-2"], "rate": Decimal("5")}]


def test_a_share_above_the_configured_limit_is_capped(handler) -> None:
    handler.handler({"skus": ["FC-PR-1"], "rate_limit_per_s": "50"}, FakeContext())
    assert handler.calls[0]["rate"] == Decimal("10")


def test_a_scheduled_or_manual_run_refreshes_everything_at_the_full_limit(handler) -> None:
    handler.handler({"id": "manual", "source": "aws.scheduler", "detail": {}}, FakeContext())
    assert handler.calls == [{"skus": CATALOG, "rate": Decimal("10")}]
