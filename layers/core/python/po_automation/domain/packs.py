"""Order quantities in exact decimal packs.

A supplier sells in packs (12 lettuces, 0.01 kg of salmon); the quantity we send must be a
whole number of packs and at least the minimum order. Everything is `Decimal`, so 362.15 kg
in 0.01 kg packs stays 362.15 and 200 lettuces in twelves become 204, exactly.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

ZERO = Decimal("0")


def _check(pack_size: Decimal) -> None:
    if pack_size <= ZERO:
        raise ValueError(f"pack size must be positive, got {pack_size}")


def round_up_to_pack(
    quantity: Decimal, pack_size: Decimal, min_order_qty: Decimal = ZERO
) -> Decimal:
    """The smallest whole number of packs covering `quantity`, and at least the minimum.

    Nothing needed means nothing ordered: the minimum applies only to a real order.
    """
    _check(pack_size)
    if quantity <= ZERO:
        return ZERO
    packs = (quantity / pack_size).to_integral_value(rounding=ROUND_CEILING)
    ordered = packs * pack_size
    if ordered < min_order_qty:
        ordered = (min_order_qty / pack_size).to_integral_value(rounding=ROUND_CEILING) * pack_size
    return ordered


def round_down_to_pack(
    quantity: Decimal, pack_size: Decimal, min_order_qty: Decimal = ZERO
) -> Decimal:
    """The largest whole number of packs within `quantity`; zero if that misses the minimum.

    Used where a limit must not be crossed: a supplier's availability, a shelf-life cap.
    """
    _check(pack_size)
    if quantity <= ZERO:
        return ZERO
    packs = (quantity / pack_size).to_integral_value(rounding=ROUND_FLOOR)
    ordered = packs * pack_size
    if ordered < min_order_qty or ordered <= ZERO:
        return ZERO
    return ordered


def pack_count(quantity: Decimal, pack_size: Decimal) -> Decimal:
    """How many packs `quantity` is (exact when it came from the rounding functions)."""
    _check(pack_size)
    return (quantity / pack_size).normalize()
