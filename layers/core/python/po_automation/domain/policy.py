"""Periodic-review, order-up-to replenishment for one SKU, capped by shelf life.

Reviewed every `review_period` days, a SKU whose goods would arrive in `d` days is ordered up
to: the forecast demand until the next order could arrive (d + review period days), less
what customers have already committed (the position subtracts that), plus safety stock
z · σ · √(d + review period), where σ is the forecast's one-step error and z comes from the
category's service level. The order never exceeds what the forecast says can be sold
before the new goods expire.
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


class SkuPolicy:
    """The order-up-to policy for one SKU and one buying day."""

    __slots__ = ("_cum", "committed", "position", "review_days", "shelf_life_days", "sigma", "z")

    def __init__(
        self,
        daily_forecast: NDArray[np.float64],
        sigma: float,
        z: float,
        position: Decimal,
        committed: Decimal,
        review_days: int,
        shelf_life_days: int,
    ) -> None:
        if review_days < 1:
            raise ValueError("review period must be at least one day")
        self._cum = np.concatenate(([0.0], np.cumsum(np.clip(daily_forecast, 0.0, None))))
        self.sigma = float(sigma)
        self.z = z
        self.position = position
        self.committed = committed
        self.review_days = review_days
        self.shelf_life_days = max(shelf_life_days, 1)

    def _demand_through(self, days: int) -> float:
        return float(self._cum[min(days, len(self._cum) - 1)])

    def _uncommitted(self, days: int) -> Decimal:
        return max(to_decimal(self._demand_through(days)) - self.committed, ZERO)

    def requirement(self, days_to_delivery: int) -> Requirement:
        cover = max(days_to_delivery, 0) + self.review_days
        demand = self._uncommitted(cover)
        safety = to_decimal(self.z * self.sigma * math.sqrt(cover))
        up_to = demand + safety
        cap = self._uncommitted(max(days_to_delivery, 0) + self.shelf_life_days) - self.position
        need = max(up_to - self.position, ZERO)
        capped = need > cap
        return Requirement(
            days_to_delivery=days_to_delivery,
            cover_days=cover,
            demand=demand,
            safety_stock=safety,
            order_up_to=up_to,
            need=min(need, max(cap, ZERO)),
            shelf_life_cap=max(cap, ZERO),
            capped=capped,
        )

    def need_date(self, today: date, safety_stock: Decimal) -> date | None:
        """The first day on which the position, less forecast demand, falls below safety
        stock; None when it holds over the whole forecast."""
        level = float(self.position + self.committed) - float(safety_stock)
        below = np.flatnonzero(level - np.maximum(self._cum[1:], float(self.committed)) < 0)
        if below.size == 0:
            return None
        return today + timedelta(days=int(below[0]))
