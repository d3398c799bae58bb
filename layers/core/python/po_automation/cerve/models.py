"""Cerve's JSON as typed values: tolerant of fields we do not know, strict about money.

Money and quantities arrive as JSON strings and become `Decimal`; bodies are parsed with
`parse_float=Decimal` as well, so a float never carries a price even if Cerve sends a number.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from ..domain.models import PriceBreak, SupplierOffer


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise ValueError("must be a decimal string, not a float or boolean")
    if isinstance(value, str | int | Decimal):
        try:
            parsed = Decimal(value.strip() if isinstance(value, str) else value)
        except ArithmeticError:
            raise ValueError("must be a decimal string") from None
        if not parsed.is_finite():
            raise ValueError("must be a finite decimal")
        return parsed
    raise ValueError("must be a decimal string")


# A decimal on the wire: read from a string (or int / Decimal), written back as a string.
Money = Annotated[Decimal, BeforeValidator(_decimal), PlainSerializer(str, return_type=str)]


class CerveModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CerveProduct(CerveModel):
    id: str
    sku: str
    name: str
    category: str
    unit: str
    price: Money
    currency: str
    active: bool = True


class ProductPage(CerveModel):
    data: list[CerveProduct]
    next_cursor: str | None = None


class CervePriceBreak(CerveModel):
    min_qty: Money
    unit_price: Money


class SupplierPrice(CerveModel):
    supplier_id: str
    supplier_name: str = ""
    currency: str
    unit_price: Money
    pack_size: Money = Decimal("1")
    min_order_qty: Money = Decimal("0")
    lead_time_days: int
    order_cutoff: time  # Europe/London wall-clock time, "14:00"
    valid_until: datetime
    price_breaks: list[CervePriceBreak] = Field(default_factory=list)


class ProductPricing(CerveModel):
    product_id: str
    data: list[SupplierPrice]


class SupplierAvailability(CerveModel):
    supplier_id: str
    available_qty: Money
    as_of: datetime


class ProductAvailability(CerveModel):
    product_id: str
    data: list[SupplierAvailability]

    def available(self, supplier_id: str) -> Decimal:
        """A supplier missing from availability has none, per the contract."""
        for row in self.data:
            if row.supplier_id == supplier_id:
                return row.available_qty
        return Decimal("0")


class ProductOffers(CerveModel):
    """Pricing and availability of one product, fetched together by `fetch_offers`."""

    pricing: ProductPricing
    availability: ProductAvailability

    def to_domain(self, sku: str) -> list[SupplierOffer]:
        return [
            SupplierOffer(
                sku=sku,
                product_id=self.pricing.product_id,
                supplier_id=p.supplier_id,
                supplier_name=p.supplier_name,
                unit_price=p.unit_price,
                pack_size=p.pack_size,
                min_order_qty=p.min_order_qty,
                lead_time_days=p.lead_time_days,
                order_cutoff=p.order_cutoff,
                available_qty=self.availability.available(p.supplier_id),
                valid_until=p.valid_until,
                currency=p.currency,
                price_breaks=tuple(PriceBreak(b.min_qty, b.unit_price) for b in p.price_breaks),
            )
            for p in self.pricing.data
        ]


class PurchaseOrderItem(CerveModel):
    product_id: str
    quantity: Money
    unit_price: Money


class PurchaseOrderRequest(CerveModel):
    """The body of `POST /v1/purchase-orders`; `to_json()` writes decimals as strings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    supplier_id: str
    status: Literal["draft", "submitted"] = "submitted"
    currency: str = "GBP"
    external_reference: str
    requested_delivery_date: date | None = None
    items: list[PurchaseOrderItem] = Field(min_length=1)
    notes: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class CerveShipment(CerveModel):
    id: str
    status: str
    eta: datetime | None = None


class CervePurchaseOrder(CerveModel):
    id: str
    status: str
    supplier_id: str
    currency: str
    external_reference: str | None = None
    items: list[PurchaseOrderItem] = Field(default_factory=list)
    total: Money
    created_at: datetime
    shipments: list[CerveShipment] = Field(default_factory=list)
    # Set by the client, not by Cerve:
    replayed: bool = False  # Cerve answered with `Idempotent-Replayed: true`
    adopted: bool = False  # a PO with our external_reference already existed; this is it


class WebhookEndpoint(CerveModel):
    id: str
    url: str
    events: list[str] = Field(default_factory=list)


class WebhookEventData(CerveModel):
    purchase_order_id: str
    external_reference: str | None = None
    status: str
    occurred_at: datetime
    shipment: CerveShipment | None = None


class CerveWebhookEvent(CerveModel):
    id: str = Field(min_length=1)
    type: str
    created_at: datetime
    data: WebhookEventData
