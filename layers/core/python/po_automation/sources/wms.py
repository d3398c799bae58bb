"""WMS stock snapshot: one row per SKU, location and lot, taken at `snapshot_at`.

Comma-separated, UTF-8, `snapshot_at` ISO-8601 with offset, `expiry_date` ISO `YYYY-MM-DD`
(empty for goods that do not expire). Lots already past expiry are still on hand and are
kept: deciding what expired stock counts for is the domain's job, not the adapter's.
"""

from __future__ import annotations

import sys
from collections.abc import Container, Iterator, Mapping
from datetime import datetime

from po_automation.domain.models import StockLot
from po_automation.sources._csv import (
    BadRow,
    DateParser,
    Source,
    check_known_sku,
    consume,
    decimal,
    iter_rows,
    label_for,
    open_text,
    text,
)
from po_automation.sources.report import StockSnapshotResult
from po_automation.sources.units import unit

COLUMNS = (
    "snapshot_at",
    "warehouse",
    "location",
    "sku",
    "lot",
    "qty_on_hand",
    "unit",
    "expiry_date",
)

_iso_date = DateParser("%Y-%m-%d", "YYYY-MM-DD")


def iter_stock_lots(
    stream: Source,
    result: StockSnapshotResult[StockLot],
    known_skus: Container[str] | None,
    product_units: Mapping[str, str] | None = None,
) -> Iterator[StockLot]:
    """Stream stock lots; bad rows go to `result.errors`, the latest snapshot time to
    `result.as_of`."""
    seen_times: dict[str, datetime] = {}

    def snapshot_time(raw: str) -> datetime:
        parsed = seen_times.get(raw)
        if parsed is None:
            try:
                parsed = datetime.fromisoformat(raw)
            except ValueError:
                raise BadRow(f"snapshot_at is not an ISO-8601 timestamp: {raw!r}") from None
            if parsed.tzinfo is None:
                raise BadRow(f"snapshot_at has no UTC offset: {raw!r}")
            seen_times[raw] = parsed
        return parsed

    def parse(row: dict[str, str]) -> StockLot:
        sku = sys.intern(text(row, "sku"))
        check_known_sku(sku, known_skus)
        taken = snapshot_time(text(row, "snapshot_at"))
        row_unit = unit(row, "unit")
        expected = product_units.get(sku) if product_units is not None else None
        if expected is not None and expected != row_unit:
            raise BadRow(f"unit {row_unit!r} differs from the product master's {expected!r}")
        lot = StockLot(
            sku=sku,
            quantity=decimal(row, "qty_on_hand"),
            expiry_date=_iso_date.optional(row, "expiry_date"),
            lot=text(row, "lot", required=False),
            location=text(row, "location", required=False),
        )
        if result.as_of is None or taken > result.as_of:
            result.as_of = taken
        return lot

    with open_text(stream) as handle:
        yield from consume(iter_rows(handle, result, COLUMNS), result, parse)


def read_stock_snapshot(
    source: Source,
    file: str | None = None,
    *,
    known_skus: Container[str] | None = None,
    product_units: Mapping[str, str] | None = None,
) -> StockSnapshotResult[StockLot]:
    """Read a WMS stock snapshot (path or text stream opened with newline="").

    `product_units` (SKU → "kg" | "each" | "case"), when given, turns a unit that differs
    from the product master into a row error instead of a silent 1000x mistake.
    """
    result: StockSnapshotResult[StockLot] = StockSnapshotResult(label_for(source, file))
    result.records.extend(iter_stock_lots(source, result, known_skus, product_units))
    return result
