"""The supplier price cache: Cerve's pricing and availability per SKU and supplier.

Items: `pk` = SKU, `sk` = supplier id, plus one `sk = "#PRODUCT"` item per SKU holding its
Cerve product mapping (written by the catalog sync, never expires). `expires_at` is the
TTL attribute so DynamoDB eventually removes stale offers, but TTL deletes up to days
late, so readers check freshness themselves (`fresh_offers`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key

from po_automation.domain.models import PriceBreak, SupplierOffer
from po_automation.stores.scan import scan_all

MAPPING_SK = "#PRODUCT"


@dataclass(frozen=True, slots=True)
class ProductMapping:
    sku: str
    product_id: str
    name: str = ""
    unit: str = ""


def _offer_item(offer: SupplierOffer, fetched_at: datetime, ttl: timedelta) -> dict[str, Any]:
    expires = min(fetched_at + ttl, offer.valid_until)
    return {
        "pk": offer.sku,
        "sk": offer.supplier_id,
        "product_id": offer.product_id,
        "supplier_name": offer.supplier_name,
        "currency": offer.currency,
        "unit_price": offer.unit_price,
        "pack_size": offer.pack_size,
        "min_order_qty": offer.min_order_qty,
        "lead_time_days": offer.lead_time_days,
        "order_cutoff": offer.order_cutoff.strftime("%H:%M"),
        "available_qty": offer.available_qty,
        "valid_until": offer.valid_until.isoformat(),
        "price_breaks": [
            {"min_qty": b.min_qty, "unit_price": b.unit_price} for b in offer.price_breaks
        ],
        "fetched_at": fetched_at.isoformat(),
        "fresh_until": expires.isoformat(),
        "expires_at": int(expires.timestamp()),
    }


def _offer_from_item(item: Mapping[str, Any]) -> SupplierOffer:
    return SupplierOffer(
        sku=item["pk"],
        product_id=item["product_id"],
        supplier_id=item["sk"],
        supplier_name=item.get("supplier_name", ""),
        currency=item.get("currency", "GBP"),
        unit_price=Decimal(item["unit_price"]),
        pack_size=Decimal(item["pack_size"]),
        min_order_qty=Decimal(item["min_order_qty"]),
        lead_time_days=int(item["lead_time_days"]),
        order_cutoff=time.fromisoformat(item["order_cutoff"]),
        available_qty=Decimal(item["available_qty"]),
        valid_until=datetime.fromisoformat(item["valid_until"]),
        price_breaks=tuple(
            PriceBreak(Decimal(b["min_qty"]), Decimal(b["unit_price"]))
            for b in item.get("price_breaks", [])
        ),
    )


class PriceCacheStore:
    def __init__(self, table: Any, ttl_minutes: int = 15) -> None:
        self._table = table
        self._ttl = timedelta(minutes=ttl_minutes)

    # --- offers -------------------------------------------------------------------------
    def put_offers(self, offers: Iterable[SupplierOffer], fetched_at: datetime) -> int:
        count = 0
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for offer in offers:
                batch.put_item(Item=_offer_item(offer, fetched_at, self._ttl))
                count += 1
        return count

    def fresh_offers(self, now: datetime | None = None) -> dict[str, list[SupplierOffer]]:
        """Every offer still fresh at `now`, by SKU. Stale items are ignored, not trusted."""
        now = now or datetime.now(UTC)
        by_sku: dict[str, list[SupplierOffer]] = defaultdict(list)
        for item in scan_all(self._table):
            if item["sk"] == MAPPING_SK:
                continue
            if datetime.fromisoformat(item["fresh_until"]) <= now:
                continue
            by_sku[item["pk"]].append(_offer_from_item(item))
        return dict(by_sku)

    def last_fetched(self) -> dict[str, datetime]:
        """When each SKU's offers were last fetched (the newest supplier row)."""
        latest: dict[str, datetime] = {}
        for item in scan_all(self._table):
            if item["sk"] == MAPPING_SK:
                continue
            at = datetime.fromisoformat(item["fetched_at"])
            if item["pk"] not in latest or at > latest[item["pk"]]:
                latest[item["pk"]] = at
        return latest

    def offers_for(self, sku: str, now: datetime | None = None) -> list[SupplierOffer]:
        now = now or datetime.now(UTC)
        items = self._table.query(KeyConditionExpression=Key("pk").eq(sku))["Items"]
        return [
            _offer_from_item(i)
            for i in items
            if i["sk"] != MAPPING_SK and datetime.fromisoformat(i["fresh_until"]) > now
        ]

    # --- catalog mapping ----------------------------------------------------------------
    def put_mappings(self, mappings: Iterable[ProductMapping], mapped_at: datetime) -> int:
        count = 0
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for m in mappings:
                batch.put_item(
                    Item={
                        "pk": m.sku,
                        "sk": MAPPING_SK,
                        "product_id": m.product_id,
                        "name": m.name,
                        "unit": m.unit,
                        "mapped_at": mapped_at.isoformat(),
                    }
                )
                count += 1
        return count

    def mappings(self) -> dict[str, ProductMapping]:
        return {
            i["pk"]: ProductMapping(i["pk"], i["product_id"], i.get("name", ""), i.get("unit", ""))
            for i in scan_all(self._table)
            if i["sk"] == MAPPING_SK
        }
