"""Weekly catalog sync: map every orderable SKU to its Cerve product.

`GET /v1/products?sku=` may find nothing (the SKU is not on Cerve: unmapped) or several
products; only an exact, active `sku` match is taken, and anything else is reported to
procurement, who fix the SKU in SAP or ask Cerve to list the product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from po_automation.domain.models import Product
from po_automation.stores.price_cache import PriceCacheStore, ProductMapping


class CatalogLookup(Protocol):
    def find_products(self, sku: str) -> list[Any]: ...


@dataclass(slots=True)
class CatalogReport:
    mapped: list[ProductMapping] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # SKU → candidate ids
    failed: dict[str, str] = field(default_factory=dict)  # SKU → error, retried next run

    @property
    def needs_attention(self) -> bool:
        return bool(self.unmapped or self.ambiguous or self.failed)

    def summary(self) -> str:
        """The readable message procurement receives."""
        lines = [
            f"Cerve catalog sync: {len(self.mapped)} SKUs mapped, "
            f"{len(self.unmapped)} not on Cerve, {len(self.ambiguous)} ambiguous, "
            f"{len(self.failed)} could not be checked."
        ]
        if self.unmapped:
            lines.append("")
            lines.append("Not found on Cerve (these SKUs cannot be ordered automatically):")
            lines.extend(f"  - {sku}" for sku in self.unmapped)
        if self.ambiguous:
            lines.append("")
            lines.append("Ambiguous (no single exact SKU match; fix the SKU or ask Cerve):")
            lines.extend(
                f"  - {sku}: candidates {', '.join(ids)}" for sku, ids in self.ambiguous.items()
            )
        if self.failed:
            lines.append("")
            lines.append("Could not be checked this week (will be retried):")
            lines.extend(f"  - {sku}: {why}" for sku, why in self.failed.items())
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mapped": len(self.mapped),
            "unmapped": list(self.unmapped),
            "ambiguous": dict(self.ambiguous),
            "failed": dict(self.failed),
        }


def match_product(sku: str, candidates: list[Any]) -> tuple[Any | None, list[str]]:
    """The one active exact match, else (None, candidate ids)."""
    exact = [c for c in candidates if c.sku == sku and getattr(c, "active", True)]
    if len(exact) == 1:
        return exact[0], []
    return None, [c.id for c in candidates]


def sync_catalog(
    products: Iterable[Product],
    client: CatalogLookup,
    store: PriceCacheStore,
    now: datetime,
    max_workers: int = 4,
    notify: Callable[[str, str], None] | None = None,
) -> CatalogReport:
    """Look every orderable SKU up on Cerve, store the mappings, report the rest."""
    skus = sorted(p.sku for p in products if p.orderable)
    report = CatalogReport()

    def lookup(sku: str) -> tuple[str, list[Any] | None, str]:
        try:
            return sku, client.find_products(sku), ""
        except Exception as exc:  # one SKU's failure must not stop the others
            return sku, None, str(exc)

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        for sku, candidates, error in pool.map(lookup, skus):
            if candidates is None:
                report.failed[sku] = error
                continue
            match, ids = match_product(sku, candidates)
            if match is not None:
                report.mapped.append(
                    ProductMapping(sku, match.id, getattr(match, "name", ""), match.unit)
                )
            elif ids:
                report.ambiguous[sku] = ids
            else:
                report.unmapped.append(sku)

    store.put_mappings(report.mapped, now)
    if notify is not None and report.needs_attention:
        notify("Cerve catalog: SKUs need attention", report.summary())
    return report
