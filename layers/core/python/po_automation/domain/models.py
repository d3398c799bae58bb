"""The domain's vocabulary: what FreshConnect sells, holds, buys and from whom.

Plain frozen dataclasses so the domain stays free of AWS, HTTP and storage concerns and
so generation over thousands of SKUs stays cheap. Money and quantities are `Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

PENNY = Decimal("0.01")


class Category(StrEnum):
    PRODUCE = "produce"
    DAIRY = "dairy"
    BAKERY = "bakery"
    FISH = "fish"


class ProductStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DISCONTINUED = "discontinued"


@dataclass(frozen=True, slots=True)
class Product:
    """A FreshConnect SKU as the SAP product master describes it."""

    sku: str
    name: str
    category: Category
    unit: str  # "kg", "each" or "case"
    shelf_life_days: int
    status: ProductStatus
    default_supplier_id: str | None  # the supplier procurement uses today (the baseline)
    par_level: Decimal  # today's fixed par level (the baseline policy)

    @property
    def orderable(self) -> bool:
        return self.status is ProductStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class StockLot:
    """Stock on hand from the WMS snapshot; perishables carry an expiry date."""

    sku: str
    quantity: Decimal
    expiry_date: date | None
    lot: str = ""
    location: str = ""


class CustomerOrderStatus(StrEnum):
    OPEN = "open"  # booked, not yet shipped: committed demand
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class CustomerOrderLine:
    """One Salesforce order line: demand history, and committed demand while open."""

    order_id: str
    line_id: str
    sku: str
    quantity: Decimal
    order_date: date
    delivery_date: date
    status: CustomerOrderStatus
    account: str = ""


@dataclass(frozen=True, slots=True)
class PurchaseHistoryLine:
    """A past PO line from SAP: what was bought, at what price, and whether it came on time."""

    po_number: str
    supplier_id: str
    sku: str
    quantity: Decimal
    unit_price: Decimal
    order_date: date
    promised_date: date
    delivered_date: date | None


@dataclass(frozen=True, slots=True)
class LastPricePaid:
    sku: str
    supplier_id: str
    unit_price: Decimal
    paid_on: date


@dataclass(frozen=True, slots=True)
class Supplier:
    """A supplier on Cerve, with the commercial terms SAP knows about it."""

    supplier_id: str  # Cerve's id, "sup_…"
    name: str
    sap_vendor: str = ""
    min_order_value: Decimal | None = None  # GBP, per PO
    delivery_fee: Decimal | None = None  # GBP, per PO, waived at or above min_order_value


@dataclass(frozen=True, slots=True)
class PriceBreak:
    min_qty: Decimal
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class SupplierOffer:
    """What one supplier offers for one SKU right now: Cerve pricing plus availability."""

    sku: str
    product_id: str  # Cerve product id
    supplier_id: str
    supplier_name: str
    unit_price: Decimal
    pack_size: Decimal
    min_order_qty: Decimal
    lead_time_days: int
    order_cutoff: time  # Europe/London wall-clock time
    available_qty: Decimal
    valid_until: datetime
    currency: str = "GBP"
    price_breaks: tuple[PriceBreak, ...] = ()

    def unit_price_for(self, quantity: Decimal) -> Decimal:
        """The unit price at `quantity`, the best break the quantity reaches."""
        price = self.unit_price
        for brk in self.price_breaks:
            if quantity >= brk.min_qty and brk.unit_price < price:
                price = brk.unit_price
        return price


@dataclass(frozen=True, slots=True)
class DraftLine:
    sku: str
    product_id: str
    quantity: Decimal
    unit_price: Decimal
    reason: str  # plain English: why this quantity, why this supplier, the saving
    last_price_paid: Decimal | None = None
    usual_quantity: Decimal | None = None
    pack_size: Decimal = Decimal("1")
    min_order_qty: Decimal = Decimal("0")
    flags: tuple[str, ...] = ()
    replaced_supplier_id: str | None = None  # set when a fallback supplier took the line

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def saving(self) -> Decimal:
        """Saving against the last price paid (negative when dearer)."""
        if self.last_price_paid is None:
            return Decimal("0")
        return (self.last_price_paid - self.unit_price) * self.quantity


@dataclass(frozen=True, slots=True)
class DraftPurchaseOrder:
    """A proposed PO for one supplier and one delivery date, awaiting procurement."""

    draft_id: str
    supplier_id: str
    supplier_name: str
    delivery_date: date
    order_by: datetime  # the supplier's cut-off for this delivery, UTC
    lines: tuple[DraftLine, ...]
    currency: str = "GBP"
    delivery_fee: Decimal = Decimal("0")
    notes: str = ""
    created_at: datetime | None = None
    flags: tuple[str, ...] = field(default=())

    @property
    def total(self) -> Decimal:
        """What the supplier invoices: lines plus fee, to the penny (half up, as invoices are)."""
        exact = sum((line.total for line in self.lines), Decimal("0")) + self.delivery_fee
        return exact.quantize(PENNY, rounding=ROUND_HALF_UP)

    @property
    def savings(self) -> Decimal:
        return sum((line.saving for line in self.lines), Decimal("0"))
