"""Periodic-review, order-up-to replenishment for one SKU, capped by shelf life.

Reviewed every `review_period` days, a SKU whose goods would arrive in `d` days is ordered up
to: the forecast demand until the next order could arrive (d + review period days), less
what customers have already committed (the position subtracts that), plus safety stock
z · σ_rel · √(Σ f²) over the cover, where σ_rel is the forecast's one-step error as a share
of mean demand (so quiet and closed days carry no buffer), f is the part of each day's
forecast that customers have not booked yet (booked demand is known, it needs no buffer),
and z comes from the category's service level. A slow mover's buffer is at least one
typical order (`min_stock`): its one-step error says little about the single order that
would empty the shelf. The order never exceeds what the forecast says can be sold before
the new goods expire, unless that would leave the shelf empty before the next delivery:
then one minimum order goes in, since an empty shelf costs a dearer emergency order and
the same waste.

`gap_need` serves dual sourcing: what must arrive before a slower, cheaper supplier's
delivery, so that a faster one covers only that gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

ZERO = Decimal("0")


def to_decimal(value: float) -> Decimal:
    """A forecast figure as a Decimal quantity (3 dp is finer than any pack we buy in)."""
    return Decimal(f"{max(value, 0.0):.3f}")


@dataclass(frozen=True, slots=True)
class Requirement:
    """What delivering in `days_to_delivery` days requires."""

    days_to_delivery: int
    cover_days: int
    demand: Decimal  # forecast demand over the cover, beyond committed orders
    safety_stock: Decimal
    order_up_to: Decimal  # demand + safety stock
    need: Decimal  # order-up-to less the position (zero when covered)
    shelf_life_cap: Decimal  # the most that can be sold before a new lot expires
    capped: bool
    runs_short: bool = False  # without a delivery now the shelf empties before the next one


class SkuPolicy:
    """The order-up-to policy for one SKU and one buying day."""

    __slots__ = (
        "_committed_through",
        "_cum",
        "_cum_sq",
        "_relative_error",
        "committed",
        "min_stock",
        "on_shelf",
        "position",
        "review_days",
        "shelf_life_days",
        "sigma",
        "z",
    )

    def __init__(
        self,
        daily_forecast: NDArray[np.float64],
        sigma: float,
        *,
        z: float,
        position: Decimal,
        committed: Decimal,
        review_days: int,
        shelf_life_days: int,
        committed_through: NDArray[np.float64] | None = None,
        min_stock: float = 0.0,
        on_shelf: Decimal | None = None,
    ) -> None:
        if review_days < 1:
            raise ValueError("review period must be at least one day")
        daily = np.clip(daily_forecast, 0.0, None)
        self._cum = np.concatenate(([0.0], np.cumsum(daily)))
        # Forecast error grows with the forecast: a quiet or closed day needs no buffer, a
        # busy one a bigger one. The one-step RMSE becomes a share of the weekly mean.
        # Demand customers have already booked is known, so only the part of each day's
        # forecast still to be booked carries forecast error.
        still_open = daily
        if committed_through is not None:
            booked = np.diff(np.concatenate(([0.0], committed_through[: daily.size])))
            still_open = np.clip(daily[: booked.size] - booked, 0.0, None)
            still_open = np.concatenate((still_open, daily[booked.size :]))
        self._cum_sq = np.concatenate(([0.0], np.cumsum(still_open * still_open)))
        week_mean = float(daily[:7].mean()) if daily.size else 0.0
        self._relative_error = float(sigma) / week_mean if week_mean > 0 else 0.0
        self.sigma = float(sigma)
        self.z = z
        self.position = position
        self.committed = committed
        self.review_days = review_days
        self.shelf_life_days = max(shelf_life_days, 1)
        # Cumulative committed demand by day, for when stock runs short (not how much).
        self._committed_through = committed_through
        self.min_stock = max(min_stock, 0.0)
        # What is physically there (or coming) less what is promised: a lot counted as
        # partly unsellable still keeps the shelf from being empty.
        self.on_shelf = position if on_shelf is None else on_shelf

    def _demand_through(self, days: int) -> float:
        return float(self._cum[min(days, len(self._cum) - 1)])

    def _uncommitted(self, days: int) -> Decimal:
        return max(to_decimal(self._demand_through(days)) - self.committed, ZERO)

    def _safety(self, days: int) -> Decimal:
        spread = math.sqrt(float(self._cum_sq[min(days, len(self._cum_sq) - 1)]))
        buffer = self.z * self._relative_error * spread
        return to_decimal(max(buffer, self.min_stock) if self._demand_through(days) else buffer)

    def requirement(self, days_to_delivery: int) -> Requirement:
        cover = max(days_to_delivery, 0) + self.review_days
        demand = self._uncommitted(cover)
        safety = self._safety(cover)
        up_to = demand + safety
        cap = self._uncommitted(max(days_to_delivery, 0) + self.shelf_life_days) - self.position
        need = max(up_to - self.position, ZERO)
        capped = need > cap
        runs_short = self.on_shelf < demand + to_decimal(self.min_stock) and need > ZERO
        return Requirement(
            days_to_delivery=days_to_delivery,
            cover_days=cover,
            demand=demand,
            safety_stock=safety,
            order_up_to=up_to,
            need=min(need, max(cap, ZERO)),
            shelf_life_cap=max(cap, ZERO),
            capped=capped,
            runs_short=runs_short,
        )

    def gap_need(self, arrival_days: int, supply_before: Decimal) -> Decimal:
        """What must arrive before day `arrival_days` (sales up to then plus one review
        period's safety stock), given the stock and deliveries landing before it.

        Only one review period's buffer: tomorrow's run can still send a faster supplier,
        so a buffer for the whole wait would buy small, dear top-ups most days."""
        if arrival_days <= 0:
            return ZERO
        demand = self._demand_through(arrival_days)
        if self._committed_through is not None:
            last = min(arrival_days - 1, len(self._committed_through) - 1)
            demand = max(demand, float(self._committed_through[last]))
        wanted = to_decimal(demand) + self._safety(self.review_days)
        return max(wanted - supply_before, ZERO)

    def need_date(self, today: date, safety_stock: Decimal) -> date | None:
        """The first day on which the position, less forecast demand, falls below safety
        stock; None when it holds over the whole forecast."""
        level = float(self.position + self.committed) - float(safety_stock)
        demand = self._cum[1:]
        if self._committed_through is not None:
            demand = np.maximum(demand, self._committed_through[: len(demand)])
        below = np.flatnonzero(level - demand < 0)
        if below.size == 0:
            return None
        return today + timedelta(days=int(below[0]))
