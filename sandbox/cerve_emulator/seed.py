"""The emulator's catalogue: suppliers, products and offers, loaded from a seed file.

The seed's shape is `sandbox/cerve_seed.json` (generated from the sample data): money and
quantities may be JSON strings or numbers; they become `Decimal` through `str` so a number
such as 0.1 never passes through binary floating point on our side.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

DEFAULT_SEED_PATH = Path(__file__).resolve().parent.parent / "cerve_seed.json"


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a decimal, got a boolean")
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


SeedDecimal = Annotated[Decimal, BeforeValidator(_to_decimal)]


class _Seed(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SeedSupplier(_Seed):
    id: str
    name: str


class SeedProduct(_Seed):
    id: str
    sku: str
    name: str
    category: str
    unit: str
    price: SeedDecimal
    currency: str = "GBP"
    active: bool = True


class SeedPriceBreak(_Seed):
    min_qty: SeedDecimal
    unit_price: SeedDecimal


class SeedOffer(_Seed):
    product_id: str
    supplier_id: str
    unit_price: SeedDecimal
    pack_size: SeedDecimal = Decimal("1")
    min_order_qty: SeedDecimal = Decimal("0")
    lead_time_days: int = 1
    order_cutoff: str = "14:00"
    price_breaks: tuple[SeedPriceBreak, ...] = ()
    available_qty: SeedDecimal = Decimal("0")
    currency: str = "GBP"


class SeedData(_Seed):
    suppliers: tuple[SeedSupplier, ...] = Field(min_length=1)
    products: tuple[SeedProduct, ...]
    offers: tuple[SeedOffer, ...]


def load_seed(source: str | Path | Mapping[str, Any] | SeedData | None = None) -> SeedData:
    """Seed data from a path, an already-parsed mapping, or the default seed file."""
    if isinstance(source, SeedData):
        return source
    if isinstance(source, Mapping):
        return SeedData.model_validate(source)
    path = Path(source) if source is not None else DEFAULT_SEED_PATH
    if not path.is_file():
        raise FileNotFoundError(f"Cerve emulator seed not found: {path}")
    return SeedData.model_validate(json.loads(path.read_text(encoding="utf-8")))
