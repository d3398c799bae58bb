"""The inventory picture: what the source sync learnt from Salesforce, the WMS and SAP.

One item per SKU and kind (`pk` = SKU, `sk` = PRODUCT | STOCK | ORDERS | PURCHASES |
LASTPRICES), plus `pk = "#SUPPLIERS"` items for supplier terms and a `#SYNC` item with the
last sync's report. Rows are stored as compact lists of strings so a SKU's whole history
is one read and Decimals round-trip exactly. The rows of an item are one zlib-compressed
JSON attribute: DynamoDB (and moto) parse one binary value far faster than thousands of
nested list elements, and compression keeps a busy SKU's history small. Order history
older than `history_days` is dropped on write to keep items far below the 400 KB limit.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from po_automation.domain.models import (
    Category,
    CustomerOrderLine,
    CustomerOrderStatus,
    LastPricePaid,
    Product,
    ProductStatus,
    PurchaseHistoryLine,
    StockLot,
    Supplier,
)
from po_automation.stores.scan import scan_all

SUPPLIERS_PK = "#SUPPLIERS"
SYNC_PK = "#SYNC"


@dataclass(slots=True)
class InventoryPicture:
    """Everything generation needs to know about FreshConnect's own side."""

    products: list[Product] = field(default_factory=list)
    suppliers: list[Supplier] = field(default_factory=list)
    stock: list[StockLot] = field(default_factory=list)
    order_lines: list[CustomerOrderLine] = field(default_factory=list)
    purchase_history: list[PurchaseHistoryLine] = field(default_factory=list)
    last_prices: list[LastPricePaid] = field(default_factory=list)


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _req_date(text: str) -> date:
    return date.fromisoformat(text)


def _pack(rows: list[list[str]]) -> bytes:
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), level=6)


def _unpack(value: Any) -> list[list[str]]:
    if value is None:
        return []
    raw = value.value if hasattr(value, "value") else value  # boto3 wraps B in Binary
    rows: list[list[str]] = json.loads(zlib.decompress(bytes(raw)))
    return rows


def _opt_dec(text: str) -> Decimal | None:
    return Decimal(text) if text else None


class InventoryStore:
    def __init__(self, table: Any, history_days: int = 182) -> None:
        self._table = table
        self._history_days = history_days

    def replace(
        self, picture: InventoryPicture, synced_at: datetime, report: Mapping[str, Any]
    ) -> int:
        """Write the picture; every SKU's items are replaced whole. Returns items written."""
        cutoff = synced_at.date() - timedelta(days=self._history_days)
        by_sku: dict[str, dict[str, list[list[str]]]] = defaultdict(lambda: defaultdict(list))
        for lot in picture.stock:
            by_sku[lot.sku]["STOCK"].append(
                [str(lot.quantity), _d(lot.expiry_date), lot.lot, lot.location]
            )
        for o in picture.order_lines:
            if o.order_date < cutoff and o.status is not CustomerOrderStatus.OPEN:
                continue
            by_sku[o.sku]["ORDERS"].append(
                [
                    o.order_id,
                    o.line_id,
                    str(o.quantity),
                    _d(o.order_date),
                    _d(o.delivery_date),
                    o.status.value,
                    o.account,
                ]
            )
        for ph in picture.purchase_history:
            by_sku[ph.sku]["PURCHASES"].append(
                [
                    ph.po_number,
                    ph.supplier_id,
                    str(ph.quantity),
                    str(ph.unit_price),
                    _d(ph.order_date),
                    _d(ph.promised_date),
                    _d(ph.delivered_date),
                ]
            )
        for lp in picture.last_prices:
            by_sku[lp.sku]["LASTPRICES"].append(
                [lp.supplier_id, str(lp.unit_price), _d(lp.paid_on)]
            )

        written = 0
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for p in picture.products:
                batch.put_item(
                    Item={
                        "pk": p.sku,
                        "sk": "PRODUCT",
                        "name": p.name,
                        "category": p.category.value,
                        "unit": p.unit,
                        "shelf_life_days": p.shelf_life_days,
                        "status": p.status.value,
                        "default_supplier_id": p.default_supplier_id or "",
                        "par_level": p.par_level,
                    }
                )
                # A SKU with no rows of a kind gets an empty item, so stale rows never linger.
                for kind in ("STOCK", "ORDERS", "PURCHASES", "LASTPRICES"):
                    batch.put_item(
                        Item={"pk": p.sku, "sk": kind, "rows_z": _pack(by_sku[p.sku][kind])}
                    )
                written += 5
            for s in picture.suppliers:
                batch.put_item(
                    Item={
                        "pk": SUPPLIERS_PK,
                        "sk": s.supplier_id,
                        "name": s.name,
                        "sap_vendor": s.sap_vendor,
                        "min_order_value": ""
                        if s.min_order_value is None
                        else str(s.min_order_value),
                        "delivery_fee": "" if s.delivery_fee is None else str(s.delivery_fee),
                    }
                )
                written += 1
            batch.put_item(
                Item={
                    "pk": SYNC_PK,
                    "sk": "LAST",
                    "synced_at": synced_at.isoformat(),
                    "report": dict(report),
                }
            )
        return written

    def load(self) -> InventoryPicture:
        picture = InventoryPicture()
        for item in scan_all(self._table):
            pk, sk = item["pk"], item["sk"]
            if pk == SYNC_PK:
                continue
            if pk == SUPPLIERS_PK:
                picture.suppliers.append(
                    Supplier(
                        supplier_id=sk,
                        name=item["name"],
                        sap_vendor=item.get("sap_vendor", ""),
                        min_order_value=_opt_dec(item.get("min_order_value", "")),
                        delivery_fee=_opt_dec(item.get("delivery_fee", "")),
                    )
                )
            elif sk == "PRODUCT":
                picture.products.append(
                    Product(
                        sku=pk,
                        name=item["name"],
                        category=Category(item["category"]),
                        unit=item["unit"],
                        shelf_life_days=int(item["shelf_life_days"]),
                        status=ProductStatus(item["status"]),
                        default_supplier_id=item.get("default_supplier_id") or None,
                        par_level=Decimal(item["par_level"]),
                    )
                )
            else:
                self._load_rows(picture, pk, sk, _unpack(item.get("rows_z")))
        picture.products.sort(key=lambda p: p.sku)
        picture.suppliers.sort(key=lambda s: s.supplier_id)
        return picture

    def stock_as_of(self) -> datetime | None:
        """When the WMS snapshot behind the stored stock was taken."""
        sync = self.last_sync()
        value = (sync or {}).get("report", {}).get("stock_as_of")
        return datetime.fromisoformat(value) if value else None

    def last_sync(self) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": SYNC_PK, "sk": "LAST"}).get("Item")
        return dict(item) if item else None

    @staticmethod
    def _load_rows(
        picture: InventoryPicture, sku: str, kind: str, rows: Sequence[Sequence[str]]
    ) -> None:
        if kind == "STOCK":
            picture.stock.extend(
                StockLot(sku, Decimal(q), _date(exp), lot, loc) for q, exp, lot, loc in rows
            )
        elif kind == "ORDERS":
            picture.order_lines.extend(
                CustomerOrderLine(
                    oid,
                    lid,
                    sku,
                    Decimal(q),
                    _req_date(od),
                    _req_date(dd),
                    CustomerOrderStatus(st),
                    acct,
                )
                for oid, lid, q, od, dd, st, acct in rows
            )
        elif kind == "PURCHASES":
            picture.purchase_history.extend(
                PurchaseHistoryLine(
                    po, sup, sku, Decimal(q), Decimal(pr), _req_date(od), _req_date(pd), _date(dd)
                )
                for po, sup, q, pr, od, pd, dd in rows
            )
        elif kind == "LASTPRICES":
            picture.last_prices.extend(
                LastPricePaid(sku, sup, Decimal(pr), _req_date(at)) for sup, pr, at in rows
            )
