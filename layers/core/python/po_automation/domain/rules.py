"""The buying rules procurement can tune, with defaults that match `Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from statistics import NormalDist

from po_automation.domain.models import Category


def _default_service_levels() -> dict[Category, float]:
    # Short-life lines trade a little availability for less waste; fish and dairy are the
    # lines customers notice first when missing.
    return {
        Category.PRODUCE: 0.97,
        Category.DAIRY: 0.98,
        Category.BAKERY: 0.95,
        Category.FISH: 0.97,
    }


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """Auto-approve a draft below `max_total` (GBP) when none of its lines is flagged."""

    max_total: Decimal = Decimal("500")
    price_flag_ratio: Decimal = Decimal("1.10")  # unit price above 110% of the last paid
    quantity_flag_ratio: Decimal = Decimal("3")  # quantity above 3x the usual


@dataclass(frozen=True, slots=True)
class BuyingRules:
    review_period_days: int = 1
    service_levels: dict[Category, float] = field(default_factory=_default_service_levels)
    default_service_level: float = 0.97
    history_days: int = 91  # 13 weeks of order history feed the forecast
    season_length: int = 7
    approval: ApprovalRule = field(default_factory=ApprovalRule)
    usual_quantity_lookback: int = 10  # purchase lines that define the "usual" quantity

    def service_level(self, category: Category) -> float:
        level = self.service_levels.get(category, self.default_service_level)
        if not 0.5 <= level < 1:
            raise ValueError(f"service level for {category} must be in [0.5, 1), got {level}")
        return level

    def z(self, category: Category) -> float:
        return NormalDist().inv_cdf(self.service_level(category))
