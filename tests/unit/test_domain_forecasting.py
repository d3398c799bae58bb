import numpy as np
import pytest

from po_automation.domain.forecasting import NO_DEMAND, SBA, SEASONAL, TSB, forecast

PROFILE = np.array([1.6, 1.3, 1.0, 0.8, 0.7, 0.4, 0.2])


def _weekly(days=91, scale=50.0, seed=3):
    rng = np.random.default_rng(seed)
    return rng.poisson(scale * PROFILE[np.arange(days) % 7]).astype(float)


def test_regular_demand_gets_a_weekly_profile():
    history = _weekly()[None, :]
    result = forecast(history, horizon=7)
    assert result.models == [SEASONAL]
    # 91 days of history: the next day has the profile's position 0 (the busiest day).
    week = result.daily[0]
    assert week.argmax() == 0
    assert week.argmin() == 6
    assert week.sum() == pytest.approx(50 * PROFILE.sum(), rel=0.1)
    assert 0 < result.sigma[0] < 15


def test_intermittent_and_lumpy_demand_get_croston_and_tsb():
    rng = np.random.default_rng(7)
    days = 120
    hits = rng.random(days) < 0.2
    steady = np.where(hits, 10.0, 0.0)
    lumpy = np.where(hits, np.where(np.arange(days) % 2 == 0, 1.0, 40.0), 0.0)
    result = forecast(np.vstack([steady, lumpy, np.zeros(days)]), horizon=3)
    assert result.models == [SBA, TSB, NO_DEMAND]
    assert result.daily[0, 0] == pytest.approx(steady.mean(), rel=0.35)
    assert result.daily[2].sum() == 0


def test_bad_history_is_a_clear_error():
    with pytest.raises(ValueError, match="non-negative"):
        forecast(np.array([[1.0, -2.0]]), horizon=1)
    with pytest.raises(ValueError, match="SKUs x days"):
        forecast(np.array([1.0, 2.0]), horizon=1)
