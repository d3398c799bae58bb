"""Daily demand forecasts for many SKUs at once, with numpy only.

Each SKU gets the model its history calls for, by the Syntetos-Boylan classification:
- demand on most days (ADI <= 1.32): weekly-seasonal exponential smoothing (level plus an
  additive day-of-week profile), smoothing constants picked per SKU from a small grid by
  one-step-ahead error;
- intermittent demand (ADI > 1.32, CV² < 0.49): Croston with the Syntetos-Boylan correction;
- lumpy demand (ADI > 1.32, CV² >= 0.49): TSB, whose demand probability decays when a SKU
  stops selling.
Every model also returns its one-step-ahead RMSE, which sizes the safety stock.

The time loops run over days with every SKU (and every grid point) in one array, so 10,000
SKUs cost about as much as a few hundred.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
SEASONAL = "seasonal_es"
SBA = "croston_sba"
TSB = "tsb"
NO_DEMAND = "no_demand"

_ALPHAS = np.array([0.05, 0.1, 0.2, 0.3, 0.5])
_GAMMAS = np.array([0.05, 0.15, 0.3])
_CROSTON_ALPHA = 0.1
_TSB_ALPHA = 0.1
_TSB_BETA = 0.1


@dataclass(frozen=True, slots=True)
class Forecast:
    """Forecasts for SKUs in input order: `daily[i, h]` is the demand expected h days after
    the last day of history; `sigma[i]` is the one-step-ahead RMSE."""

    models: list[str]
    daily: FloatArray
    sigma: FloatArray
    adi: FloatArray
    cv2: FloatArray
    size: FloatArray | None = None  # mean demand on the days that sold (a typical order)


def _open_days(nonzero: NDArray[np.bool_], m: int) -> NDArray[np.bool_]:
    """Days on the SKU's trading calendar: a weekday that (almost) never sells, such as a
    Sunday for a business closed on Sundays, is a closed day, not intermittent demand."""
    n, t = nonzero.shape
    position = np.arange(t) % m
    share = np.zeros((n, m))
    for k in range(min(m, t)):
        share[:, k] = nonzero[:, position == k].mean(axis=1)
    open_position = share >= 0.2 * share.max(axis=1, keepdims=True)
    return open_position[:, position]


def classify(
    history: FloatArray, season_length: int = 7
) -> tuple[list[str], FloatArray, FloatArray]:
    """Model per SKU from the average demand interval (ADI, over the SKU's open days) and
    the CV² of demand sizes."""
    y = np.asarray(history, dtype=np.float64)
    t = y.shape[1]
    nonzero = y > 0
    count = nonzero.sum(axis=1)
    first = np.where(count > 0, nonzero.argmax(axis=1), t)
    open_days = _open_days(nonzero, season_length)
    after_first = np.arange(t)[None, :] >= first[:, None]
    active_days = (open_days & after_first).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(count > 0, active_days / np.maximum(count, 1), np.inf)
        sizes_sum = y.sum(axis=1)
        mean = sizes_sum / np.maximum(count, 1)
        sq = (np.where(nonzero, y - mean[:, None], 0.0) ** 2).sum(axis=1)
        var = sq / np.maximum(count, 1)
        cv2 = np.where(mean > 0, var / np.maximum(mean, 1e-12) ** 2, 0.0)
    models = [
        NO_DEMAND if c == 0 else SEASONAL if a <= ADI_CUTOFF else SBA if v < CV2_CUTOFF else TSB
        for c, a, v in zip(count.tolist(), adi.tolist(), cv2.tolist(), strict=True)
    ]
    return models, adi, cv2


def _seasonal_es(y: FloatArray, m: int, horizon: int) -> tuple[FloatArray, FloatArray]:
    """Level + additive seasonal exponential smoothing over a grid of (alpha, gamma)."""
    n, t = y.shape
    weeks = max(1, min(t // m, 2))
    init = y[:, : weeks * m].reshape(n, weeks, m) if t >= m else None
    if init is None:
        level0 = y.mean(axis=1)
        season0 = np.zeros((n, m))
    else:
        level0 = init.mean(axis=(1, 2))
        season0 = init.mean(axis=1) - level0[:, None]
    alpha = np.repeat(_ALPHAS, len(_GAMMAS))[:, None]  # (C, 1)
    gamma = np.tile(_GAMMAS, len(_ALPHAS))[:, None]
    c = alpha.shape[0]
    level = np.broadcast_to(level0, (c, n)).copy()
    season = np.broadcast_to(season0, (c, n, m)).copy()
    sse = np.zeros((c, n))
    scored = 0
    burn_in = min(m, max(t - 1, 0))
    for i in range(t):
        k = i % m
        pred = level + season[:, :, k]
        err = y[:, i] - pred
        if i >= burn_in:
            sse += err * err
            scored += 1
        level += alpha * err
        season[:, :, k] += gamma * (1.0 - alpha) * err
    best = sse.argmin(axis=0)
    cols = np.arange(n)
    lvl = level[best, cols]
    ssn = season[best, cols]
    sigma = np.sqrt(sse[best, cols] / max(scored, 1))
    steps = (t + np.arange(horizon)) % m
    daily = lvl[:, None] + ssn[:, steps]
    return np.clip(daily, 0.0, None), sigma


def _croston(y: FloatArray, horizon: int, tsb: bool) -> tuple[FloatArray, FloatArray]:
    n, t = y.shape
    nonzero = y > 0
    count = nonzero.sum(axis=1)
    size = np.where(count > 0, y.sum(axis=1) / np.maximum(count, 1), 0.0)
    prob = count / max(t, 1)
    interval = np.where(count > 0, t / np.maximum(count, 1), 1.0)
    since = np.ones(n)
    sse = np.zeros(n)
    for i in range(t):
        d = y[:, i]
        hit = nonzero[:, i]
        if tsb:
            pred = prob * size
            prob += _TSB_BETA * (hit - prob)
            size = np.where(hit, size + _TSB_ALPHA * (d - size), size)
        else:
            pred = (1 - _CROSTON_ALPHA / 2) * size / interval
            size = np.where(hit, size + _CROSTON_ALPHA * (d - size), size)
            interval = np.where(hit, interval + _CROSTON_ALPHA * (since - interval), interval)
            since = np.where(hit, 1.0, since + 1.0)
        err = d - pred
        sse += err * err
    level = prob * size if tsb else (1 - _CROSTON_ALPHA / 2) * size / interval
    sigma = np.sqrt(sse / max(t, 1))
    return np.repeat(level[:, None], horizon, axis=1), sigma


def forecast(history: FloatArray, horizon: int, season_length: int = 7) -> Forecast:
    """Forecast `horizon` days past the end of `history` (SKUs x days, oldest first)."""
    y = np.asarray(history, dtype=np.float64)
    if y.ndim != 2:
        raise ValueError(f"history must be SKUs x days, got shape {y.shape}")
    if horizon < 1:
        raise ValueError("horizon must be at least one day")
    if np.any(y < 0) or not np.all(np.isfinite(y)):
        raise ValueError("history must hold finite, non-negative quantities")
    n = y.shape[0]
    models, adi, cv2 = classify(y, season_length)
    daily = np.zeros((n, horizon))
    sigma = np.zeros(n)
    codes = np.array(models)
    for name in (SEASONAL, SBA, TSB):
        rows = np.flatnonzero(codes == name)
        if rows.size == 0:
            continue
        if name == SEASONAL:
            d, s = _seasonal_es(y[rows], season_length, horizon)
        else:
            d, s = _croston(y[rows], horizon, tsb=name == TSB)
        daily[rows] = d
        sigma[rows] = s
    count = (y > 0).sum(axis=1)
    size = y.sum(axis=1) / np.maximum(count, 1)
    return Forecast(models=models, daily=daily, sigma=sigma, adi=adi, cv2=cv2, size=size)
