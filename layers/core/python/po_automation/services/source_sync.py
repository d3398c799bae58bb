"""Source sync: FreshConnect's exports (Salesforce, WMS, SAP) into the inventory picture.

The exports land in the import bucket under the same relative paths as `sample_data/`
(`salesforce/order_lines.csv`, `wms/stock_snapshot.csv`, `sap/…`). Each run copies them
to a scratch directory, reads them with the source adapters, reports every bad row with
its file, line and reason, and replaces the inventory picture with what could be read.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from po_automation.sources.report import RowError
from po_automation.sources.snapshot import FILES, SourceSnapshot, load_all
from po_automation.stores.inventory import InventoryPicture, InventoryStore


@dataclass(frozen=True, slots=True)
class SourceSyncReport:
    synced_at: datetime
    rows_read: dict[str, int]
    rejected: list[RowError] = field(default_factory=list)
    skus: int = 0
    stock_as_of: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "synced_at": self.synced_at.isoformat(),
            "rows_read": dict(self.rows_read),
            "rows_rejected": len(self.rejected),
            "rejected": [
                {"file": e.file, "line": e.line, "reason": e.reason} for e in self.rejected
            ],
            "skus": self.skus,
            "stock_as_of": self.stock_as_of.isoformat() if self.stock_as_of else None,
        }


def picture_from(snapshot: SourceSnapshot) -> InventoryPicture:
    return InventoryPicture(
        products=snapshot.products,
        suppliers=snapshot.suppliers,
        stock=snapshot.stock,
        order_lines=snapshot.order_lines,
        purchase_history=snapshot.purchase_history,
        last_prices=snapshot.last_prices,
    )


def sync_directory(directory: Path, store: InventoryStore, now: datetime) -> SourceSyncReport:
    snapshot = load_all(directory)
    report = SourceSyncReport(
        synced_at=now,
        rows_read=dict(snapshot.rows_read),
        rejected=list(snapshot.errors),
        skus=len(snapshot.products),
        stock_as_of=snapshot.stock_as_of,
    )
    store.replace(picture_from(snapshot), now, report.as_dict())
    return report


def sync_bucket(s3: Any, bucket: str, store: InventoryStore, now: datetime) -> SourceSyncReport:
    """Copy the exports out of `bucket` and sync them; a missing export is a clear error."""
    with tempfile.TemporaryDirectory(prefix="fc-sources-") as scratch:
        root = Path(scratch)
        for key in FILES:
            target = root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                s3.download_file(bucket, key, str(target))
            except Exception as exc:
                raise FileNotFoundError(
                    f"export s3://{bucket}/{key} could not be read: {exc}"
                ) from exc
        return sync_directory(root, store, now)
