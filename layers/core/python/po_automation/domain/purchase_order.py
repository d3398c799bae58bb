"""A purchase order's record after drafting: decisions, Cerve's events, and its history.

Pure: every function takes a record and returns a new one (or raises a clear error), so
the services decide *what* changes and the store only decides *whether* it was written.
The record wraps the `DraftPurchaseOrder` that generation produced; an edit replaces the
draft's lines and bumps `revision`, which changes the Idempotency-Key (Cerve answers
422 `idempotency_key_reused` to a reused key with a different body) but never the
`external_reference`, which is what stops a second PO for the same draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from po_automation.domain.lifecycle import AWAITING_DECISION, PoStatus, can_move, from_cerve
from po_automation.domain.models import DraftLine, DraftPurchaseOrder

EXTERNAL_REFERENCE_PREFIX = "FC-"
AUTO_APPROVER = "auto-approval"


class Source(StrEnum):
    """Who moved a PO: the history says so for every change."""

    GENERATION = "generation"
    PROCUREMENT = "procurement"
    AUTO_APPROVAL = "auto_approval"
    EXPIRY = "expiry"
    SUBMISSION = "submission"
    WEBHOOK = "webhook"
    RECONCILIATION = "reconciliation"


class DecisionError(ValueError):
    """A decision that cannot be applied; the message says why, for procurement."""


class AlreadyDecided(DecisionError):
    def __init__(self, draft_id: str, status: PoStatus) -> None:
        super().__init__(f"draft {draft_id} is already decided (status {status.value})")
        self.status = status


class InvalidOverride(DecisionError):
    """A line override breaks the supplier's pack size or minimum order, or names no line."""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One entry of a PO's history; `applied=False` records an event that changed nothing."""

    from_status: PoStatus | None
    to_status: PoStatus
    at: datetime
    source: Source
    event_id: str | None = None
    applied: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class Shipment:
    shipment_id: str
    status: str  # Cerve's shipment word: created, dispatched, delayed, delivered
    eta: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CerveEvent:
    """What we use of a Cerve webhook event (or a reconciliation look-up posing as one)."""

    event_id: str
    type: str
    purchase_order_id: str | None
    external_reference: str | None
    status: str | None
    occurred_at: datetime
    shipment: Shipment | None = None


@dataclass(frozen=True, slots=True)
class PurchaseOrderRecord:
    draft: DraftPurchaseOrder
    status: PoStatus = PoStatus.PENDING_APPROVAL
    revision: int = 0
    cerve_po_id: str | None = None
    cerve_status: str | None = None
    task_token: str | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    decided_at: datetime | None = None
    approved_total: Decimal | None = None
    correction_reason: str | None = None
    history: tuple[StatusChange, ...] = ()
    last_heard_at: datetime | None = None
    shipments: tuple[Shipment, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0  # the store's optimistic lock; 0 until first written

    @property
    def draft_id(self) -> str:
        return self.draft.draft_id

    @property
    def external_reference(self) -> str:
        return external_reference_for(self.draft_id)

    @property
    def idempotency_key(self) -> str:
        return f"fc-po-{self.draft_id}-r{self.revision}"

    @property
    def total(self) -> Decimal:
        return self.draft.total

    @property
    def savings(self) -> Decimal:
        return self.draft.savings

    @property
    def awaiting_decision(self) -> bool:
        return self.status in AWAITING_DECISION

    @property
    def flags(self) -> tuple[str, ...]:
        """Every flag on the draft and its lines, once each, in order."""
        seen: dict[str, None] = dict.fromkeys(self.draft.flags)
        for line in self.draft.lines:
            seen.update(dict.fromkeys(line.flags))
        return tuple(seen)


def external_reference_for(draft_id: str) -> str:
    return f"{EXTERNAL_REFERENCE_PREFIX}{draft_id}"


def draft_id_from_reference(reference: str) -> str | None:
    if reference.startswith(EXTERNAL_REFERENCE_PREFIX) and len(reference) > 3:
        return reference[len(EXTERNAL_REFERENCE_PREFIX) :]
    return None


def new_record(draft: DraftPurchaseOrder, at: datetime) -> PurchaseOrderRecord:
    """A freshly generated draft, awaiting procurement."""
    change = StatusChange(None, PoStatus.PENDING_APPROVAL, at, Source.GENERATION)
    return PurchaseOrderRecord(
        draft=draft, history=(change,), created_at=at, updated_at=at, last_heard_at=None
    )


def _moved(
    record: PurchaseOrderRecord,
    to: PoStatus,
    at: datetime,
    source: Source,
    *,
    note: str = "",
    **changes: Any,
) -> PurchaseOrderRecord:
    change = StatusChange(record.status, to, at, source, note=note)
    return replace(
        record,
        status=to,
        history=(*record.history, change),
        updated_at=at,
        **changes,
    )


def _require_awaiting(record: PurchaseOrderRecord) -> None:
    if not record.awaiting_decision:
        raise AlreadyDecided(record.draft_id, record.status)


def _decided(by: str, reason: str, at: datetime) -> dict[str, Any]:
    if not by.strip():
        raise DecisionError("a decision needs the name of who decided")
    return {"decided_by": by.strip(), "decision_reason": reason.strip(), "decided_at": at}


def approve(record: PurchaseOrderRecord, by: str, reason: str, at: datetime) -> PurchaseOrderRecord:
    """Procurement approves the draft as it stands.

    Approving a draft Cerve refused (needs correction) bumps the revision, so the resent
    body gets a fresh Idempotency-Key instead of a replay of Cerve's refusal.
    """
    _require_awaiting(record)
    revision = record.revision + (1 if record.status is PoStatus.NEEDS_CORRECTION else 0)
    return _moved(
        record,
        PoStatus.APPROVED,
        at,
        Source.PROCUREMENT,
        note=reason,
        approved_total=record.total,
        revision=revision,
        **_decided(by, reason, at),
    )


def auto_approve(record: PurchaseOrderRecord, rule: str, at: datetime) -> PurchaseOrderRecord:
    _require_awaiting(record)
    return _moved(
        record,
        PoStatus.APPROVED,
        at,
        Source.AUTO_APPROVAL,
        note=rule,
        approved_total=record.total,
        **_decided(AUTO_APPROVER, rule, at),
    )


def reject(record: PurchaseOrderRecord, by: str, reason: str, at: datetime) -> PurchaseOrderRecord:
    _require_awaiting(record)
    if not reason.strip():
        raise DecisionError("a rejection needs a reason")
    return _moved(
        record, PoStatus.REJECTED, at, Source.PROCUREMENT, note=reason, **_decided(by, reason, at)
    )


def expire(record: PurchaseOrderRecord, at: datetime) -> PurchaseOrderRecord:
    """Not decided by the supplier's cut-off: the draft ends; the next run starts afresh."""
    _require_awaiting(record)
    note = f"not decided by the supplier's cut-off {record.draft.order_by.isoformat()}"
    return _moved(record, PoStatus.EXPIRED, at, Source.EXPIRY, note=note, task_token=None)


def validate_override(line: DraftLine, quantity: Decimal) -> None:
    if quantity <= 0:
        raise InvalidOverride(f"{line.sku}: quantity {quantity} must be positive")
    if line.pack_size > 0 and quantity % line.pack_size != 0:
        raise InvalidOverride(
            f"{line.sku}: quantity {quantity} is not a multiple of the pack size {line.pack_size}"
        )
    if quantity < line.min_order_qty:
        raise InvalidOverride(
            f"{line.sku}: quantity {quantity} is below the minimum order {line.min_order_qty}"
        )


def with_overrides(
    draft: DraftPurchaseOrder, overrides: Mapping[str, Decimal]
) -> DraftPurchaseOrder:
    """The draft with new quantities; every override is checked, all errors named at once."""
    if not overrides:
        raise InvalidOverride("an edit needs at least one line override")
    by_sku = {line.sku: line for line in draft.lines}
    errors = [f"{sku}: no such line on this draft" for sku in overrides if sku not in by_sku]
    for sku, quantity in overrides.items():
        if sku in by_sku:
            try:
                validate_override(by_sku[sku], quantity)
            except InvalidOverride as exc:
                errors.append(str(exc))
    if errors:
        raise InvalidOverride("; ".join(errors))
    lines = tuple(
        replace(line, quantity=overrides[line.sku]) if line.sku in overrides else line
        for line in draft.lines
    )
    return replace(draft, lines=lines)


@dataclass(frozen=True, slots=True)
class EditResult:
    record: PurchaseOrderRecord
    needs_reapproval: bool


def edit(
    record: PurchaseOrderRecord,
    overrides: Mapping[str, Decimal],
    by: str,
    reason: str,
    at: datetime,
) -> EditResult:
    """Procurement changes quantities and, by doing so, approves the draft.

    The baseline is the total already approved (after a correction) or else the total
    procurement was asked to approve. An edit within it is approved at once; an edit
    that raises it leaves the draft pending, at a new revision, for a fresh approval.
    """
    _require_awaiting(record)
    draft = with_overrides(record.draft, overrides)
    baseline = record.approved_total if record.approved_total is not None else record.total
    decided = _decided(by, reason, at)
    summary = ", ".join(f"{sku}={qty}" for sku, qty in overrides.items())
    edited = replace(record, draft=draft, revision=record.revision + 1)
    if draft.total > baseline:
        note = (
            f"edited by {decided['decided_by']} ({summary}): {reason}; total {draft.total} "
            f"exceeds {baseline}, needs approval again"
        )
        change = StatusChange(
            record.status, PoStatus.PENDING_APPROVAL, at, Source.PROCUREMENT, note=note
        )
        pending = replace(
            edited,
            status=PoStatus.PENDING_APPROVAL,
            history=(*record.history, change),
            updated_at=at,
        )
        return EditResult(pending, needs_reapproval=True)
    approved = _moved(
        edited,
        PoStatus.APPROVED,
        at,
        Source.PROCUREMENT,
        note=f"edited ({summary}): {reason}".strip(),
        approved_total=draft.total,
        **decided,
    )
    return EditResult(approved, needs_reapproval=False)


def mark_submitted(
    record: PurchaseOrderRecord, cerve_po_id: str, cerve_status: str, at: datetime
) -> PurchaseOrderRecord:
    """Cerve holds the PO. Idempotent: a replayed submission changes nothing."""
    if record.cerve_po_id == cerve_po_id and record.status is not PoStatus.APPROVED:
        return record
    status = from_cerve(cerve_status)
    base = replace(record, cerve_po_id=cerve_po_id, cerve_status=cerve_status, last_heard_at=at)
    if not can_move(record.status, status):
        note = f"submitted as {cerve_po_id} ({cerve_status}); status kept"
        change = StatusChange(
            record.status, status, at, Source.SUBMISSION, applied=False, note=note
        )
        return replace(base, history=(*record.history, change), updated_at=at)
    return _moved(
        base, status, at, Source.SUBMISSION, note=f"Cerve PO {cerve_po_id}", correction_reason=None
    )


def mark_needs_correction(
    record: PurchaseOrderRecord, reason: str, at: datetime
) -> PurchaseOrderRecord:
    if record.status is PoStatus.NEEDS_CORRECTION:
        return record
    if not can_move(record.status, PoStatus.NEEDS_CORRECTION):
        raise DecisionError(
            f"draft {record.draft_id} cannot need correction from {record.status.value}"
        )
    return _moved(
        record,
        PoStatus.NEEDS_CORRECTION,
        at,
        Source.SUBMISSION,
        note=reason,
        correction_reason=reason,
        task_token=None,
    )


_SHIPMENT_RANK = {"created": 0, "dispatched": 1, "delayed": 1, "delivered": 2}


def _merge_shipment(
    shipments: tuple[Shipment, ...], incoming: Shipment
) -> tuple[tuple[Shipment, ...], bool]:
    """Shipments also move forward only; a later word at the same rank (delayed) wins."""
    current = next((s for s in shipments if s.shipment_id == incoming.shipment_id), None)
    if current is not None:
        old, new = _SHIPMENT_RANK.get(current.status, 0), _SHIPMENT_RANK.get(incoming.status, 0)
        newer = (
            current.updated_at is None
            or incoming.updated_at is None
            or incoming.updated_at >= current.updated_at
        )
        if new < old or (new == old and not newer):
            return shipments, False
    rest = tuple(s for s in shipments if s.shipment_id != incoming.shipment_id)
    return (*rest, incoming), True


_SHIPMENT_TO_PO = {"shipment.dispatched": "dispatched"}


def apply_event(
    record: PurchaseOrderRecord, event: CerveEvent, at: datetime, source: Source = Source.WEBHOOK
) -> tuple[PurchaseOrderRecord, StatusChange | None]:
    """Apply one Cerve event: returns the new record and the status change it made, if any.

    A status that would move the PO backwards, or repeat it, is kept in the history with
    `applied=False` and changes nothing else.
    """
    updated = replace(record, last_heard_at=at, updated_at=at)
    if event.purchase_order_id and not record.cerve_po_id:
        updated = replace(updated, cerve_po_id=event.purchase_order_id)
    if event.shipment is not None:
        shipments, _ = _merge_shipment(updated.shipments, event.shipment)
        updated = replace(updated, shipments=shipments)
    word = event.status or _SHIPMENT_TO_PO.get(event.type)
    if word is None:
        return updated, None
    target = from_cerve(word)
    if can_move(record.status, target):
        change = StatusChange(record.status, target, event.occurred_at, source, event.event_id)
        moved = replace(
            updated, status=target, cerve_status=word, history=(*record.history, change)
        )
        return moved, change
    kept = StatusChange(
        record.status,
        target,
        event.occurred_at,
        source,
        event.event_id,
        applied=False,
        note=f"{word} after {record.status.value}: kept, not applied",
    )
    return replace(updated, history=(*record.history, kept)), None
