"""The forward-only rule every status change obeys."""

import pytest

from po_automation.domain.lifecycle import PoStatus as S
from po_automation.domain.lifecycle import can_move, from_cerve


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.PENDING_APPROVAL, S.APPROVED),
        (S.APPROVED, S.SUBMITTED),
        (S.SUBMITTED, S.ACCEPTED),
        (S.SUBMITTED, S.DISPATCHED),  # a missed `accepted` webhook must not block progress
        (S.ACCEPTED, S.DISPATCHED),
        (S.DISPATCHED, S.DELIVERED),
        (S.SUBMITTED, S.CANCELLED),
        (S.APPROVED, S.NEEDS_CORRECTION),
        (S.NEEDS_CORRECTION, S.APPROVED),
        (S.PENDING_APPROVAL, S.EXPIRED),
        (S.SUBMITTED, S.SUPPLIER_REJECTED),
    ],
)
def test_forward_moves_are_allowed(current: S, new: S) -> None:
    assert can_move(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.DELIVERED, S.DISPATCHED),  # late webhook after delivery
        (S.DISPATCHED, S.ACCEPTED),
        (S.DISPATCHED, S.CANCELLED),  # too late to cancel once goods left
        (S.SUBMITTED, S.SUBMITTED),  # a duplicate changes nothing
        (S.REJECTED, S.APPROVED),  # a decided draft stays decided
        (S.SUBMITTED, S.EXPIRED),
        (S.ACCEPTED, S.SUPPLIER_REJECTED),
    ],
)
def test_backward_or_repeated_moves_are_refused(current: S, new: S) -> None:
    assert not can_move(current, new)


def test_cerve_words_map_to_our_statuses() -> None:
    assert from_cerve("rejected") is S.SUPPLIER_REJECTED
    assert from_cerve("delivered") is S.DELIVERED
    with pytest.raises(ValueError, match="unknown Cerve PO status 'lost'"):
        from_cerve("lost")
