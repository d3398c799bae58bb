"""Buying days, cut-offs and delivery dates in London time.

Suppliers quote cut-offs as London wall-clock times, and a "day" for FreshConnect is a London
day: an order placed at 23:30 UTC in July (00:30 BST) belongs to the next day. Conversions go
through `zoneinfo`, so they stay right across the clock changes in March and October.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"datetime must carry a timezone, got naive {now.isoformat()}")


def london_date(now: datetime) -> date:
    """The London calendar day that the instant `now` falls on."""
    _require_aware(now)
    return now.astimezone(LONDON).date()


def cutoff_utc(order_day: date, cutoff: time) -> datetime:
    """The UTC instant of the London wall-clock `cutoff` on the London day `order_day`."""
    return datetime.combine(order_day, cutoff, tzinfo=LONDON).astimezone(UTC)


def order_by(delivery_date: date, lead_time_days: int, cutoff: time) -> datetime:
    """The latest UTC instant an order can be placed to be delivered on `delivery_date`."""
    return cutoff_utc(delivery_date - timedelta(days=lead_time_days), cutoff)


def earliest_delivery(now: datetime, lead_time_days: int, cutoff: time) -> date:
    """The first delivery date an order placed at `now` can get from this supplier.

    Before today's London cut-off the order counts today; after it, tomorrow.
    """
    if lead_time_days < 0:
        raise ValueError(f"lead time must not be negative, got {lead_time_days}")
    _require_aware(now)
    local = now.astimezone(LONDON)
    order_day = local.date()
    if local.timetz().replace(tzinfo=None) > cutoff:
        order_day += timedelta(days=1)
    return order_day + timedelta(days=lead_time_days)


def can_deliver_by(now: datetime, lead_time_days: int, cutoff: time, need_date: date) -> bool:
    return earliest_delivery(now, lead_time_days, cutoff) <= need_date
