"""When a draft may skip procurement: small enough and nothing about it looks unusual."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from po_automation.domain.models import DraftPurchaseOrder
from po_automation.domain.rules import ApprovalRule

PRICE_FLAG = "price_above_last_paid"
QUANTITY_FLAG = "quantity_above_usual"
BELOW_MINIMUM_FLAG = "below_minimum_order_value"
LATE_FLAG = "arrives_after_need_date"


def line_flags(
    unit_price: Decimal,
    last_price_paid: Decimal | None,
    quantity: Decimal,
    usual_quantity: Decimal | None,
    rule: ApprovalRule,
) -> tuple[str, ...]:
    """The reasons a line needs a person to look at it."""
    flags: list[str] = []
    if last_price_paid is not None and unit_price > last_price_paid * rule.price_flag_ratio:
        flags.append(PRICE_FLAG)
    if usual_quantity is not None and quantity > usual_quantity * rule.quantity_flag_ratio:
        flags.append(QUANTITY_FLAG)
    return tuple(flags)


@dataclass(frozen=True, slots=True)
class ApprovalVerdict:
    auto_approved: bool
    reason: str


def auto_approval(draft: DraftPurchaseOrder, rule: ApprovalRule) -> ApprovalVerdict:
    """Auto-approve below `rule.max_total` when neither the draft nor a line is flagged."""
    flagged = sorted({f for line in draft.lines for f in line.flags} | set(draft.flags))
    if flagged:
        return ApprovalVerdict(False, "needs review: " + ", ".join(flagged).replace("_", " "))
    if draft.total >= rule.max_total:
        return ApprovalVerdict(
            False, f"needs review: total £{draft.total:.2f} is not below £{rule.max_total:.2f}"
        )
    return ApprovalVerdict(
        True, f"auto-approved: total £{draft.total:.2f} below £{rule.max_total:.2f}, no flags"
    )
