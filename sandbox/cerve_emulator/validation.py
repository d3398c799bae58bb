"""Validation of a PO request as Cerve would do it, with one detail per bad field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .seed import SeedOffer, SeedProduct

PO_STATUSES_ON_CREATE = ("draft", "submitted")


@dataclass(frozen=True)
class Catalog:
    suppliers: dict[str, str]  # id -> name
    products: dict[str, SeedProduct]
    offers: dict[tuple[str, str], SeedOffer]  # (product_id, supplier_id) -> offer


def _decimal(value: Any) -> Decimal | None:
    # Cerve's amounts are JSON strings; a JSON number is refused like any non-decimal.
    if not isinstance(value, str):
        return None
    try:
        parsed = Decimal(value.strip())
    except InvalidOperation:
        return None
    return parsed if parsed.is_finite() else None


def validate_purchase_order(
    body: Any, catalog: Catalog
) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """(normalised PO fields, []) when valid, else (None, details)."""
    details: list[dict[str, str]] = []

    def bad(field: str, message: str) -> None:
        details.append({"field": field, "message": message})

    if not isinstance(body, dict):
        bad("body", "must be a JSON object")
        return None, details

    supplier_id = body.get("supplier_id")
    if not isinstance(supplier_id, str) or not supplier_id:
        bad("supplier_id", "is required")
    elif supplier_id not in catalog.suppliers:
        bad("supplier_id", f"unknown supplier {supplier_id}")

    status = body.get("status", "submitted")
    if status not in PO_STATUSES_ON_CREATE:
        bad("status", "must be one of draft, submitted")

    currency = body.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isupper():
        bad("currency", "must be an ISO-4217 code such as GBP")

    reference = body.get("external_reference")
    if reference is not None and (not isinstance(reference, str) or not reference.strip()):
        bad("external_reference", "must be a non-empty string")

    delivery = body.get("requested_delivery_date")
    if delivery is not None:
        try:
            date.fromisoformat(delivery)
        except (TypeError, ValueError):
            bad("requested_delivery_date", "must be a date YYYY-MM-DD")

    notes = body.get("notes")
    if notes is not None and not isinstance(notes, str):
        bad("notes", "must be a string")

    items = body.get("items")
    normalised_items: list[dict[str, str]] = []
    if not isinstance(items, list) or not items:
        bad("items", "must be a non-empty list")
        items = []
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            bad(where, "must be an object")
            continue
        product_id = item.get("product_id")
        quantity = _decimal(item.get("quantity"))
        unit_price = _decimal(item.get("unit_price"))
        if quantity is None:
            bad(f"{where}.quantity", "must be a decimal string")
        elif quantity <= 0:
            bad(f"{where}.quantity", "must be greater than 0")
        if unit_price is None:
            bad(f"{where}.unit_price", "must be a decimal string")
        elif unit_price < 0:
            bad(f"{where}.unit_price", "must not be negative")
        product = catalog.products.get(product_id) if isinstance(product_id, str) else None
        if product is None or not isinstance(product_id, str):
            bad(f"{where}.product_id", f"unknown product {product_id}")
            continue
        if not product.active:
            bad(f"{where}.product_id", f"product {product_id} is not active")
        if not isinstance(supplier_id, str) or supplier_id not in catalog.suppliers:
            continue
        offer = catalog.offers.get((product_id, supplier_id))
        if offer is None:
            bad(f"{where}.product_id", f"supplier {supplier_id} does not offer {product_id}")
            continue
        if isinstance(currency, str) and currency != offer.currency:
            bad("currency", f"supplier {supplier_id} sells {product_id} in {offer.currency}")
        if quantity is not None and quantity > 0:
            if quantity % offer.pack_size != 0:
                bad(f"{where}.quantity", f"must be a multiple of the pack size {offer.pack_size}")
            if quantity < offer.min_order_qty:
                bad(
                    f"{where}.quantity",
                    f"below the minimum order quantity {offer.min_order_qty}",
                )
        if quantity is not None and unit_price is not None:
            normalised_items.append(
                {"product_id": product_id, "quantity": str(quantity), "unit_price": str(unit_price)}
            )

    if details:
        return None, details
    return {
        "supplier_id": supplier_id,
        "status": status,
        "currency": currency,
        "external_reference": reference,
        "requested_delivery_date": delivery,
        "notes": notes,
        "items": normalised_items,
    }, []
