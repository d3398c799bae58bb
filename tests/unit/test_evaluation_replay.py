"""The evaluation's simulation and metrics, on the real series (small and offline)."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def evaluate():
    spec = importlib.util.spec_from_file_location("evaluate_tool", ROOT / "tools" / "evaluate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["evaluate_tool"] = module
    spec.loader.exec_module(module)
    return module


def test_real_series_is_the_committed_copy(evaluate):
    assert (
        evaluate.REAL_SERIES == ROOT / "sample_data" / "reference" / "fulton_fish_market_daily.csv"
    )
    assert evaluate.REAL_SERIES.exists()


def test_real_series_lands_on_a_weekday_calendar(evaluate):
    start, demand, trading = evaluate.read_real_series()
    assert trading.sum() == 97
    assert start.weekday() == 0
    assert demand[~trading].sum() == 0


def test_forecast_beats_seasonal_naive_on_the_real_series(evaluate):
    accuracy = evaluate.rolling_origin_accuracy()
    assert accuracy["mase"] < 1
    assert accuracy["mase"] < accuracy["seasonal_naive_mase"]
    assert abs(accuracy["bias"]) < 0.15


def test_every_policy_reports_the_same_metrics_over_at_least_90_days(evaluate):
    results, _ = evaluate.compare(evaluate.fish_scenario(), evaluate.BuyingRules(), None)
    assert set(results) == {"ours", "par_level", "naive"}
    for metrics in results.values():
        assert {
            "fill_rate",
            "stockout_days",
            "waste_units",
            "emergency_orders",
            "purchase_cost",
        } <= set(metrics)
        assert metrics["days"] >= 90
    assert results["ours"]["fill_rate"] > results["naive"]["fill_rate"]
