"""The nightly ERP export: every PO's status and cost as CSV, for SAP reconciliation.

One file per night under a dated key, so a re-run overwrites that night's file and
SAP can re-import any night. Amounts are exact decimals rounded to the penny, never
floats; timestamps are UTC ISO-8601.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from po_automation.domain.purchase_order import PurchaseOrderRecord

COLUMNS = (
    "draft_id",
    "cerve_po_id",
    "external_reference",
    "supplier_id",
    "supplier_name",
    "status",
    "delivery_date",
    "total",
    "savings",
    "currency",
    "last_update",
)
PENNY = Decimal("0.01")


def export_key(day: date, prefix: str = "erp/po-status") -> str:
    return f"{prefix}/{day:%Y/%m/%d}/po-status-{day.isoformat()}.csv"


def _pennies(amount: Decimal) -> str:
    return str(amount.quantize(PENNY, ROUND_HALF_UP))


def to_row(record: PurchaseOrderRecord) -> dict[str, str]:
    draft = record.draft
    return {
        "draft_id": draft.draft_id,
        "cerve_po_id": record.cerve_po_id or "",
        "external_reference": record.external_reference,
        "supplier_id": draft.supplier_id,
        "supplier_name": draft.supplier_name,
        "status": record.status.value,
        "delivery_date": draft.delivery_date.isoformat(),
        "total": _pennies(record.total),
        "savings": _pennies(record.savings),
        "currency": draft.currency,
        "last_update": record.updated_at.isoformat() if record.updated_at else "",
    }


def render_csv(records: Iterable[PurchaseOrderRecord]) -> tuple[str, int]:
    """The CSV text (sorted by draft id, so two runs on the same data are identical)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    rows = sorted((to_row(r) for r in records), key=lambda row: row["draft_id"])
    writer.writerows(rows)
    return out.getvalue(), len(rows)


def export_to_s3(
    records: Iterable[PurchaseOrderRecord], s3: Any, bucket: str, day: date
) -> dict[str, Any]:
    body, count = render_csv(records)
    key = export_key(day)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body.encode("utf-8"),
        ContentType="text/csv; charset=utf-8",
        ServerSideEncryption="AES256",
    )
    return {"bucket": bucket, "key": key, "rows": count}
