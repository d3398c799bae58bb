"""Cerve's JSON as typed values, and the retry arithmetic, without any HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
from pydantic import ValidationError

from po_automation.cerve import CerveProduct, PurchaseOrderItem, PurchaseOrderRequest, RateLimiter
from po_automation.cerve.models import SupplierPrice
from po_automation.cerve.retry import parse_retry_after

PRODUCT = {
    "id": "prd_1",
    "sku": "FC-1",
    "name": "Tomatoes",
    "category": "fresh-produce",
    "unit": "kg",
    "price": "1.20",
    "currency": "GBP",
    "active": True,
}


def test_money_is_decimal_and_unknown_fields_are_ignored():
    product = CerveProduct.model_validate({**PRODUCT, "brand_new_field": {"x": 1}})
    assert product.price == Decimal("1.20")


@pytest.mark.parametrize("price", [1.2, "one pound", "NaN", True, None])
def test_money_refuses_floats_and_non_decimals(price):
    with pytest.raises(ValidationError):
        CerveProduct.model_validate({**PRODUCT, "price": price})


def test_po_request_writes_decimals_as_strings_and_leaves_out_empty_fields():
    request = PurchaseOrderRequest(
        supplier_id="sup_1",
        external_reference="FC-DRAFT-1",
        items=[
            PurchaseOrderItem(
                product_id="prd_1", quantity=Decimal("20"), unit_price=Decimal("1.10")
            )
        ],
    )
    assert request.to_json() == {
        "supplier_id": "sup_1",
        "status": "submitted",
        "currency": "GBP",
        "external_reference": "FC-DRAFT-1",
        "items": [{"product_id": "prd_1", "quantity": "20", "unit_price": "1.10"}],
    }


def test_po_request_needs_at_least_one_item():
    with pytest.raises(ValidationError):
        PurchaseOrderRequest(supplier_id="sup_1", external_reference="FC-1", items=[])


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("1", 1.0), (" 30 ", 30.0), ("0.25", 0.25), ("-3", 0.0), ("soon", None), (None, None)],
)
def test_retry_after_seconds(header, seconds):
    assert parse_retry_after(header) == seconds


def test_retry_after_http_date():
    now = datetime(2026, 12, 3, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 03 Dec 2026 10:00:05 GMT", now=now) == 5.0


def test_rate_limiter_spaces_calls_at_the_rate():
    clock = {"t": 0.0}
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)

    limiter = RateLimiter(10, clock=lambda: clock["t"], sleep=sleep)
    for _ in range(3):
        limiter.acquire()
    assert waits == pytest.approx([0.1, 0.2])


def test_order_cutoff_is_a_time():
    price = SupplierPrice.model_validate(
        {
            "supplier_id": "sup_1",
            "currency": "GBP",
            "unit_price": "1.10",
            "lead_time_days": 1,
            "order_cutoff": "14:00",
            "valid_until": "2026-12-04T00:00:00Z",
        }
    )
    assert price.order_cutoff == time(14, 0)
    assert price.pack_size == Decimal("1")
