"""Adapters for FreshConnect's exports (Salesforce, WMS, SAP): domain objects plus the rows
that could not be read, each named by file, line and reason. Formats: docs/data-formats.md.
"""

from po_automation.sources.report import (
    MissingColumnError,
    RowError,
    SourceResult,
    StockSnapshotResult,
)
from po_automation.sources.salesforce import iter_order_lines, read_order_lines
from po_automation.sources.sap import (
    read_last_prices,
    read_product_master,
    read_purchase_history,
    read_vendor_master,
    vendor_map,
)
from po_automation.sources.snapshot import FILES, SourceSnapshot, load_all
from po_automation.sources.wms import read_stock_snapshot

__all__ = [
    "FILES",
    "MissingColumnError",
    "RowError",
    "SourceResult",
    "SourceSnapshot",
    "StockSnapshotResult",
    "iter_order_lines",
    "load_all",
    "read_last_prices",
    "read_order_lines",
    "read_product_master",
    "read_purchase_history",
    "read_stock_snapshot",
    "read_vendor_master",
    "vendor_map",
]
