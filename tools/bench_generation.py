"""Generation time per SKU: 10,000 SKUs x 5 suppliers, offers already in memory (warm cache).

`run(results)` adds `generation` to `results`; `make bench` calls it and writes
`build/bench.json`. Run alone, it merges its key into that file.
"""

from __future__ import annotations

import json
import random
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "core" / "python"))

from po_automation.domain.generation import PlanningInputs, plan_purchase_orders  # noqa: E402
from po_automation.domain.models import (  # noqa: E402
    Category,
    CustomerOrderLine,
    CustomerOrderStatus,
    PriceBreak,
    Product,
    ProductStatus,
    StockLot,
    Supplier,
    SupplierOffer,
)
from po_automation.domain.rules import BuyingRules  # noqa: E402

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
TODAY = date(2026, 12, 3)
HISTORY_DAYS = 91
PROFILE = (1.4, 1.2, 1.0, 1.0, 1.1, 0.8, 0.5)


def build_inputs(skus: int, suppliers: int, seed: int = 7) -> PlanningInputs:
    rng = random.Random(seed)
    categories = list(Category)
    supplier_list = [
        Supplier(
            f"sup_{k}", f"Supplier {k}", min_order_value=Decimal("150"), delivery_fee=Decimal("15")
        )
        for k in range(suppliers)
    ]
    products, offers, lines, stock = [], [], [], []
    forever = NOW + timedelta(minutes=15)
    for i in range(skus):
        sku = f"SKU-{i:05d}"
        products.append(
            Product(
                sku,
                f"Product {i}",
                categories[i % 4],
                "each",
                rng.choice((3, 5, 7, 14)),
                ProductStatus.ACTIVE,
                "sup_0",
                Decimal("50"),
            )
        )
        mean = rng.uniform(2, 60)
        for d in range(1, HISTORY_DAYS + 1):
            day = TODAY - timedelta(days=d)
            qty = round(max(rng.gauss(mean * PROFILE[day.weekday()], mean * 0.3), 0))
            if qty:
                lines.append(
                    CustomerOrderLine(
                        f"SO-{i}-{d}",
                        "1",
                        sku,
                        Decimal(qty),
                        day,
                        day,
                        CustomerOrderStatus.FULFILLED,
                    )
                )
        stock.append(StockLot(sku, Decimal(round(mean)), TODAY + timedelta(days=2)))
        base = Decimal(f"{rng.uniform(0.5, 20):.2f}")
        for k in range(suppliers):
            price = (base * Decimal(f"{rng.uniform(0.92, 1.1):.3f}")).quantize(Decimal("0.01"))
            offers.append(
                SupplierOffer(
                    sku=sku,
                    product_id=f"prd_{i}",
                    supplier_id=f"sup_{k}",
                    supplier_name=f"Supplier {k}",
                    unit_price=price,
                    pack_size=Decimal(rng.choice(("1", "6", "12", "0.5"))),
                    min_order_qty=Decimal("0"),
                    lead_time_days=1 + k % 3,
                    order_cutoff=time(14 + k % 3, 0),
                    available_qty=Decimal(rng.choice((0, 500, 5000))),
                    valid_until=forever,
                    price_breaks=(PriceBreak(Decimal("50"), price * Decimal("0.95")),),
                )
            )
    return PlanningInputs(
        products=products,
        stock=stock,
        customer_orders=lines,
        suppliers=supplier_list,
        offers=offers,
    )


def run(results: dict, skus: int = 10_000, suppliers: int = 5, repeats: int = 2) -> dict:
    inputs = build_inputs(skus, suppliers)
    rules = BuyingRules()
    best = float("inf")
    drafts = 0
    for _ in range(repeats):
        start = clock.perf_counter()
        result = plan_purchase_orders(inputs, NOW, rules)
        best = min(best, clock.perf_counter() - start)
        drafts = len(result.drafts)
    results["generation"] = {
        "skus": skus,
        "suppliers": suppliers,
        "ms_per_sku": round(best * 1000 / skus, 4),
        "total_s": round(best, 3),
        "drafts": drafts,
    }
    print(
        f"generation: {skus} SKUs x {suppliers} suppliers in {best:.2f} s "
        f"= {best * 1000 / skus:.3f} ms per SKU ({drafts} drafts)"
    )
    return results


if __name__ == "__main__":
    out = ROOT / "build" / "bench.json"
    merged = json.loads(out.read_text()) if out.exists() else {}
    run(merged)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"Wrote {out}")
