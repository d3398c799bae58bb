"""Salesforce order lines: a report export of OrderItem rows joined to their Order.

Comma-separated, UTF-8, one row per order line, dates ISO `YYYY-MM-DD` (the Data Loader /
Bulk API form, not the user's locale). Quantities are in the product's SAP base unit.
"""

from __future__ import annotations

import sys
from collections.abc import Container, Iterator

from po_automation.domain.models import CustomerOrderLine, CustomerOrderStatus
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
from po_automation.sources.report import SourceResult

COLUMNS = (
    "OrderNumber",
    "OrderItemNumber",
    "Account.Name",
    "Product2.ProductCode",
    "Quantity",
    "EffectiveDate",
    "Requested_Delivery_Date__c",
    "Status",
)

# Order.Status picklist values as FreshConnect's org uses them; "Activated" means booked
# and not yet shipped, i.e. committed demand.
STATUSES: dict[str, CustomerOrderStatus] = {
    "activated": CustomerOrderStatus.OPEN,
    "open": CustomerOrderStatus.OPEN,
    "fulfilled": CustomerOrderStatus.FULFILLED,
    "shipped": CustomerOrderStatus.FULFILLED,
    "delivered": CustomerOrderStatus.FULFILLED,
    "cancelled": CustomerOrderStatus.CANCELLED,
    "canceled": CustomerOrderStatus.CANCELLED,
}

_iso_date = DateParser("%Y-%m-%d", "YYYY-MM-DD")


def iter_order_lines(
    stream: Source, result: SourceResult[CustomerOrderLine], known_skus: Container[str] | None
) -> Iterator[CustomerOrderLine]:
    """Stream order lines; bad rows go to `result.errors`. For callers that aggregate."""

    def parse(row: dict[str, str]) -> CustomerOrderLine:
        sku = sys.intern(text(row, "Product2.ProductCode"))
        check_known_sku(sku, known_skus)
        raw_status = text(row, "Status")
        status = STATUSES.get(raw_status.lower())
        if status is None:
            raise BadRow(f"unknown Status {raw_status!r}")
        order_date = _iso_date(row, "EffectiveDate")
        delivery_date = _iso_date(row, "Requested_Delivery_Date__c")
        if delivery_date < order_date:
            raise BadRow(
                f"Requested_Delivery_Date__c {delivery_date} is before EffectiveDate {order_date}"
            )
        return CustomerOrderLine(
            order_id=text(row, "OrderNumber"),
            line_id=text(row, "OrderItemNumber"),
            sku=sku,
            quantity=decimal(row, "Quantity"),
            order_date=order_date,
            delivery_date=delivery_date,
            status=status,
            account=sys.intern(text(row, "Account.Name", required=False)),
        )

    with open_text(stream) as handle:
        yield from consume(iter_rows(handle, result, COLUMNS), result, parse)


def read_order_lines(
    source: Source, file: str | None = None, *, known_skus: Container[str] | None = None
) -> SourceResult[CustomerOrderLine]:
    """Read a Salesforce order-line export (path or text stream opened with newline="")."""
    result: SourceResult[CustomerOrderLine] = SourceResult(label_for(source, file))
    result.records.extend(iter_order_lines(source, result, known_skus))
    return result
