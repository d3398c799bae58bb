"""A purchase order's life, from draft to delivered, and the one rule it obeys: forward only.

Our own states (awaiting approval, approved, needs correction, expired, rejected by
procurement) come before Cerve's; Cerve's states follow the contract's lifecycle order.
A status that would move a PO backwards (a late `dispatched` after `delivered`) is kept in
the history by the caller but never applied.
"""

from __future__ import annotations

from enum import StrEnum


class PoStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    NEEDS_CORRECTION = "needs_correction"  # Cerve answered 422 validation_failed
    APPROVED = "approved"
    SUBMITTED = "submitted"  # Cerve holds the PO
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    # Endings
    REJECTED = "rejected"  # by procurement
    EXPIRED = "expired"  # not decided before the supplier's cut-off
    SUPPLIER_REJECTED = "supplier_rejected"  # Cerve's `rejected`
    CANCELLED = "cancelled"


_RANK: dict[PoStatus, int] = {
    PoStatus.PENDING_APPROVAL: 0,
    PoStatus.NEEDS_CORRECTION: 1,
    PoStatus.APPROVED: 2,
    PoStatus.SUBMITTED: 3,
    PoStatus.ACCEPTED: 4,
    PoStatus.PARTIALLY_ACCEPTED: 4,
    PoStatus.DISPATCHED: 5,
    PoStatus.DELIVERED: 6,
}
TERMINAL: frozenset[PoStatus] = frozenset(
    {
        PoStatus.DELIVERED,
        PoStatus.REJECTED,
        PoStatus.EXPIRED,
        PoStatus.SUPPLIER_REJECTED,
        PoStatus.CANCELLED,
    }
)
# Goods are coming: these count as open supply in the inventory position.
OPEN_SUPPLY: frozenset[PoStatus] = frozenset(
    {
        PoStatus.APPROVED,
        PoStatus.SUBMITTED,
        PoStatus.ACCEPTED,
        PoStatus.PARTIALLY_ACCEPTED,
        PoStatus.DISPATCHED,
    }
)
AWAITING_DECISION: frozenset[PoStatus] = frozenset(
    {PoStatus.PENDING_APPROVAL, PoStatus.NEEDS_CORRECTION}
)

# Cerve's status words, mapped onto ours.
_FROM_CERVE = {
    "draft": PoStatus.SUBMITTED,
    "submitted": PoStatus.SUBMITTED,
    "accepted": PoStatus.ACCEPTED,
    "partially_accepted": PoStatus.PARTIALLY_ACCEPTED,
    "rejected": PoStatus.SUPPLIER_REJECTED,
    "dispatched": PoStatus.DISPATCHED,
    "delivered": PoStatus.DELIVERED,
    "cancelled": PoStatus.CANCELLED,
}


def from_cerve(status: str) -> PoStatus:
    """Our status for a Cerve PO status word; unknown words are a clear error."""
    try:
        return _FROM_CERVE[status]
    except KeyError:
        raise ValueError(f"unknown Cerve PO status {status!r}") from None


def can_move(current: PoStatus, new: PoStatus) -> bool:
    """True when `new` moves the PO strictly forward from `current`."""
    if current in TERMINAL or new == current:
        return False
    if new is PoStatus.CANCELLED:
        # Cancellation ends a PO at any point before dispatch.
        return _RANK.get(current, 0) < _RANK[PoStatus.DISPATCHED]
    if new is PoStatus.NEEDS_CORRECTION:
        # Cerve refused the approved PO's data; procurement corrects and re-approves it.
        return current in (PoStatus.PENDING_APPROVAL, PoStatus.APPROVED)
    if new in (PoStatus.REJECTED, PoStatus.EXPIRED):
        return current in AWAITING_DECISION
    if new is PoStatus.SUPPLIER_REJECTED:
        return current is PoStatus.SUBMITTED
    return _RANK[new] > _RANK[current]
