"""Read the whole `sample_data/` layout (or an import bucket's copy of it) in one call."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from po_automation.domain.models import (
    CustomerOrderLine,
    LastPricePaid,
    Product,
    PurchaseHistoryLine,
    StockLot,
    Supplier,
)
from po_automation.sources.report import RowError, SourceResult
from po_automation.sources.salesforce import read_order_lines
from po_automation.sources.sap import (
    read_last_prices,
    read_product_master,
    read_purchase_history,
    read_vendor_master,
    vendor_map,
)
from po_automation.sources.wms import read_stock_snapshot

# File labels double as paths relative to the snapshot directory (and as S3 key suffixes).
VENDOR_MASTER = "sap/vendor_master.csv"
PRODUCT_MASTER = "sap/product_master.csv"
LAST_PRICES = "sap/last_prices.csv"
PURCHASE_HISTORY = "sap/purchase_history.csv"
STOCK_SNAPSHOT = "wms/stock_snapshot.csv"
ORDER_LINES = "salesforce/order_lines.csv"
FILES = (VENDOR_MASTER, PRODUCT_MASTER, LAST_PRICES, PURCHASE_HISTORY, STOCK_SNAPSHOT, ORDER_LINES)


@dataclass(slots=True)
class SourceSnapshot:
    """Everything FreshConnect's systems exported, plus every row that could not be read."""

    suppliers: list[Supplier] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    stock: list[StockLot] = field(default_factory=list)
    stock_as_of: datetime | None = None
    order_lines: list[CustomerOrderLine] = field(default_factory=list)
    purchase_history: list[PurchaseHistoryLine] = field(default_factory=list)
    last_prices: list[LastPricePaid] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)  # file label → data rows

    def _add(self, result: SourceResult[Any]) -> None:
        self.errors.extend(result.errors)
        self.rows_read[result.file] = result.rows_read


def load_all(directory: str | os.PathLike[str]) -> SourceSnapshot:
    """Read every export under `directory`, masters first so the rest can be checked.

    The vendor master comes first (it checks nothing), then the product master, whose
    SKUs and units every other file is validated against. A missing file raises
    `FileNotFoundError`; a missing column raises `MissingColumnError`; bad rows are in
    `errors`.
    """
    root = Path(directory)
    snap = SourceSnapshot()

    vendors_result = read_vendor_master(root / VENDOR_MASTER, VENDOR_MASTER)
    snap.suppliers = vendors_result.records
    snap._add(vendors_result)
    vendors = vendor_map(snap.suppliers)

    products_result = read_product_master(root / PRODUCT_MASTER, PRODUCT_MASTER, vendors=vendors)
    snap.products = products_result.records
    snap._add(products_result)
    units = {p.sku: p.unit for p in snap.products}

    prices = read_last_prices(root / LAST_PRICES, LAST_PRICES, known_skus=units, vendors=vendors)
    snap.last_prices = prices.records
    snap._add(prices)

    history = read_purchase_history(
        root / PURCHASE_HISTORY, PURCHASE_HISTORY, known_skus=units, vendors=vendors
    )
    snap.purchase_history = history.records
    snap._add(history)

    stock = read_stock_snapshot(
        root / STOCK_SNAPSHOT, STOCK_SNAPSHOT, known_skus=units, product_units=units
    )
    snap.stock = stock.records
    snap.stock_as_of = stock.as_of
    snap._add(stock)

    orders = read_order_lines(root / ORDER_LINES, ORDER_LINES, known_skus=units)
    snap.order_lines = orders.records
    snap._add(orders)
    return snap
