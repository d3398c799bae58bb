"""SAP exports: product master, vendor master, purchase history, last prices paid.

All four are semicolon-separated UTF-8 (SAP's "spreadsheet" download; a byte-order mark is
tolerated), with SAP's technical column names where one exists, dates `DD.MM.YYYY` and a
decimal point (FreshConnect's UK user settings). Vendor numbers (LIFNR) may arrive with or
without SAP's leading zeros; they are compared without them.

Vendors are SAP's; suppliers are Cerve's. The vendor master's `CERVE_SUPPLIER_ID` joins the
two, so the readers that name a vendor take `vendors` (LIFNR → Cerve supplier id, from
`vendor_map`) and hand back Cerve supplier ids.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from typing import TypeVar

from po_automation.domain.models import (
    Category,
    LastPricePaid,
    Product,
    ProductStatus,
    PurchaseHistoryLine,
    Supplier,
)
from po_automation.sources._csv import (
    BadRow,
    DateParser,
    Source,
    check_known_sku,
    consume,
    decimal,
    integer,
    iter_rows,
    label_for,
    open_text,
    optional_decimal,
    text,
)
from po_automation.sources.report import SourceResult
from po_automation.sources.units import unit

T = TypeVar("T")

DELIMITER = ";"
CURRENCY = "GBP"

PRODUCT_COLUMNS = ("MATNR", "MAKTX", "MATKL", "MEINS", "MHDHB", "STATUS", "LIFNR", "PAR_LEVEL")
VENDOR_COLUMNS = (
    "LIFNR",
    "NAME1",
    "CERVE_SUPPLIER_ID",
    "MIN_ORDER_VALUE_GBP",
    "DELIVERY_FEE_GBP",
)
PURCHASE_COLUMNS = (
    "EBELN",
    "EBELP",
    "LIFNR",
    "MATNR",
    "MENGE",
    "MEINS",
    "NETPR",
    "WAERS",
    "BEDAT",
    "EINDT",
    "GR_DATE",
)
LAST_PRICE_COLUMNS = ("MATNR", "LIFNR", "NETPR", "WAERS", "PRICE_DATE")

# Material groups (MATKL) FreshConnect uses for what it sells fresh.
CATEGORIES: dict[str, Category] = {
    "PRODUCE": Category.PRODUCE,
    "DAIRY": Category.DAIRY,
    "BAKERY": Category.BAKERY,
    "FISH": Category.FISH,
}

_sap_date = DateParser("%d.%m.%Y", "DD.MM.YYYY")


def vendor_key(lifnr: str) -> str:
    return lifnr.strip().lstrip("0") or "0"


def vendor_map(suppliers: Iterable[Supplier]) -> dict[str, str]:
    """SAP vendor number (without leading zeros) → Cerve supplier id."""
    return {vendor_key(s.sap_vendor): s.supplier_id for s in suppliers if s.sap_vendor}


def _supplier_for(row: dict[str, str], vendors: Mapping[str, str] | None) -> str:
    lifnr = text(row, "LIFNR")
    if vendors is None:
        return lifnr
    supplier_id = vendors.get(vendor_key(lifnr))
    if supplier_id is None:
        raise BadRow(f"unknown vendor LIFNR {lifnr!r}")
    return supplier_id


def _gbp(row: dict[str, str]) -> None:
    currency = text(row, "WAERS").upper()
    if currency != CURRENCY:
        raise BadRow(f"WAERS {currency!r} is not {CURRENCY}")


def _read(
    source: Source,
    file: str | None,
    columns: tuple[str, ...],
    parse: Callable[[dict[str, str]], T],
) -> SourceResult[T]:
    result: SourceResult[T] = SourceResult(label_for(source, file))
    with open_text(source) as handle:
        rows = iter_rows(handle, result, columns, delimiter=DELIMITER)
        result.records.extend(consume(rows, result, parse))
    return result


def read_vendor_master(source: Source, file: str | None = None) -> SourceResult[Supplier]:
    """Vendors FreshConnect buys from, with their Cerve supplier id and PO terms."""

    def parse(row: dict[str, str]) -> Supplier:
        supplier_id = text(row, "CERVE_SUPPLIER_ID", required=False)
        if not supplier_id:
            raise BadRow("vendor has no CERVE_SUPPLIER_ID, so it cannot be ordered from via Cerve")
        return Supplier(
            supplier_id=supplier_id,
            name=text(row, "NAME1"),
            sap_vendor=text(row, "LIFNR"),
            min_order_value=optional_decimal(row, "MIN_ORDER_VALUE_GBP"),
            delivery_fee=optional_decimal(row, "DELIVERY_FEE_GBP"),
        )

    return _read(source, file, VENDOR_COLUMNS, parse)


def read_product_master(
    source: Source, file: str | None = None, *, vendors: Mapping[str, str] | None = None
) -> SourceResult[Product]:
    """The SKUs FreshConnect sells. With `vendors`, LIFNR becomes the Cerve supplier id;
    without, `default_supplier_id` holds the SAP vendor number as written."""
    seen: set[str] = set()

    def parse(row: dict[str, str]) -> Product:
        sku = text(row, "MATNR")
        if sku in seen:
            raise BadRow(f"duplicate MATNR {sku!r}")
        raw_group = text(row, "MATKL")
        category = CATEGORIES.get(raw_group.upper())
        if category is None:
            raise BadRow(f"unknown material group MATKL {raw_group!r}")
        raw_status = text(row, "STATUS")
        try:
            status = ProductStatus(raw_status.lower())
        except ValueError:
            raise BadRow(f"unknown STATUS {raw_status!r}") from None
        default_supplier = (
            _supplier_for(row, vendors) if text(row, "LIFNR", required=False) else None
        )
        product = Product(
            sku=sku,
            name=text(row, "MAKTX"),
            category=category,
            unit=unit(row, "MEINS"),
            shelf_life_days=integer(row, "MHDHB"),
            status=status,
            default_supplier_id=default_supplier,
            par_level=decimal(row, "PAR_LEVEL"),
        )
        seen.add(sku)
        return product

    return _read(source, file, PRODUCT_COLUMNS, parse)


def iter_purchase_history(
    stream: Source,
    result: SourceResult[PurchaseHistoryLine],
    known_skus: Container[str] | None,
    vendors: Mapping[str, str] | None,
) -> Iterator[PurchaseHistoryLine]:
    def parse(row: dict[str, str]) -> PurchaseHistoryLine:
        sku = sys.intern(text(row, "MATNR"))
        check_known_sku(sku, known_skus)
        _gbp(row)
        order_date = _sap_date(row, "BEDAT")
        promised = _sap_date(row, "EINDT")
        delivered = _sap_date.optional(row, "GR_DATE")
        if promised < order_date:
            raise BadRow(f"EINDT {promised} is before BEDAT {order_date}")
        unit(row, "MEINS")
        return PurchaseHistoryLine(
            po_number=text(row, "EBELN"),
            supplier_id=_supplier_for(row, vendors),
            sku=sku,
            quantity=decimal(row, "MENGE"),
            unit_price=decimal(row, "NETPR"),
            order_date=order_date,
            promised_date=promised,
            delivered_date=delivered,
        )

    with open_text(stream) as handle:
        rows = iter_rows(handle, result, PURCHASE_COLUMNS, delimiter=DELIMITER)
        yield from consume(rows, result, parse)


def read_purchase_history(
    source: Source,
    file: str | None = None,
    *,
    known_skus: Container[str] | None = None,
    vendors: Mapping[str, str] | None = None,
) -> SourceResult[PurchaseHistoryLine]:
    """Past PO lines (EKKO/EKPO with the goods-receipt date): price, quantity, punctuality."""
    result: SourceResult[PurchaseHistoryLine] = SourceResult(label_for(source, file))
    result.records.extend(iter_purchase_history(source, result, known_skus, vendors))
    return result


def read_last_prices(
    source: Source,
    file: str | None = None,
    *,
    known_skus: Container[str] | None = None,
    vendors: Mapping[str, str] | None = None,
) -> SourceResult[LastPricePaid]:
    """The last net price paid per SKU and vendor: the baseline savings are measured from."""

    def parse(row: dict[str, str]) -> LastPricePaid:
        sku = text(row, "MATNR")
        check_known_sku(sku, known_skus)
        _gbp(row)
        return LastPricePaid(
            sku=sku,
            supplier_id=_supplier_for(row, vendors),
            unit_price=decimal(row, "NETPR"),
            paid_on=_sap_date(row, "PRICE_DATE"),
        )

    return _read(source, file, LAST_PRICE_COLUMNS, parse)
