"""Which SKUs need fresh supplier prices this cycle.

Cerve calls are the scarce resource (a rate limit shared with everything else), so the
price sync asks only about SKUs that might be reordered soon: those whose sellable stock,
net of committed customer orders, does not cover the planning horizon plus the longest
lead time they could be bought on. A SKU covered well past that needs no price now; it
gets one in a later cycle, long before it can run short. Deliberately simple and
conservative (open POs are ignored, so it refreshes a little more than it must).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from po_automation.domain.models import (
    CustomerOrderLine,
    CustomerOrderStatus,
    Product,
    StockLot,
)

DEMAND_WINDOW_DAYS = 28


def reorderable_skus(
    products: Iterable[Product],
    stock: Iterable[StockLot],
    orders: Iterable[CustomerOrderLine],
    today: date,
    horizon_days: int,
    lead_time_days: dict[str, int],
    default_lead_time_days: int = 3,
) -> list[str]:
    """Orderable SKUs whose cover (in days of recent demand) is within reach of an order."""
    since = today - timedelta(days=DEMAND_WINDOW_DAYS)
    demand: dict[str, Decimal] = defaultdict(Decimal)
    committed: dict[str, Decimal] = defaultdict(Decimal)
    for line in orders:
        if line.status is CustomerOrderStatus.CANCELLED:
            continue
        if since <= line.delivery_date < today:
            demand[line.sku] += line.quantity
        elif line.status is CustomerOrderStatus.OPEN and line.delivery_date >= today:
            committed[line.sku] += line.quantity
    sellable: dict[str, Decimal] = defaultdict(Decimal)
    for lot in stock:
        if lot.expiry_date is None or lot.expiry_date >= today:
            sellable[lot.sku] += lot.quantity

    wanted = []
    for product in products:
        if not product.orderable:
            continue
        daily = demand[product.sku] / DEMAND_WINDOW_DAYS
        if daily <= 0 and committed[product.sku] <= 0:
            continue  # nothing sells: no price needed
        reach = horizon_days + lead_time_days.get(product.sku, default_lead_time_days)
        net = sellable[product.sku] - committed[product.sku]
        if daily <= 0 or net < daily * reach:
            wanted.append(product.sku)
    return wanted
