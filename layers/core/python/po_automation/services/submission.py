"""Sending an approved draft to Cerve, exactly once.

The Idempotency-Key and `external_reference` come from the draft (see
`domain.purchase_order`), so a retry, a crash after Cerve answered, or a redelivered
workflow step reaches Cerve with the same key and gets the same PO back (replayed), or
adopts the PO Cerve already holds for our reference. What Cerve answers decides what
happens next:

- created, replayed or adopted: the record is marked submitted with Cerve's PO id;
- 422 validation_failed: the draft needs correction; procurement is told what Cerve
  refused, field by field, and nothing is retried;
- 422 idempotency_key_reused: an engineering fault (the body changed under a key); the
  error propagates so the execution fails and on-call is alarmed;
- an ambiguous outcome (timed out after sending, not reconciled by the client): the error
  propagates so the workflow retries with the same key; nothing is ordered elsewhere
  while the outcome is unknown.

Supplier unavailable (#3.4, with a `SupplierFallback`): before the first send under a key,
the supplier's stock is checked live and lines it cannot serve move to a fallback draft,
or the draft is held (`NoSupplierAvailable`, retried by the workflow); see
`services.fallback`. Every send is first recorded on the record (`mark_sending`), so once
a submission may have reached Cerve (an ambiguous answer, a crash after the POST), its
lines are frozen: no fallback, only the same key again (#3.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from po_automation.cerve.errors import CerveValidationError
from po_automation.cerve.models import PurchaseOrderItem, PurchaseOrderRequest
from po_automation.domain.fallback import mark_sending, may_have_reached_cerve
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import PurchaseOrderRecord, Source, StatusChange
from po_automation.services.fallback import NoSupplierAvailable, Settled, SupplierFallback
from po_automation.stores.purchase_orders import PurchaseOrderStore

Notify = Callable[[str, str], None]
Metric = Callable[[str, float], None]


class PurchaseOrderSender(Protocol):
    def create_purchase_order(self, request: PurchaseOrderRequest, idempotency_key: str) -> Any: ...


class NotApproved(RuntimeError):
    """Only an approved draft is ever sent."""


@dataclass(frozen=True, slots=True)
class SubmissionOutcome:
    draft_id: str
    outcome: str  # submitted | already_submitted | needs_correction | cancelled
    cerve_po_id: str | None = None
    cerve_status: str | None = None
    replayed: bool = False
    adopted: bool = False
    reason: str = ""
    fallback_drafts: tuple[str, ...] = ()  # drafts that took lines this supplier lacked

    def as_dict(self) -> dict[str, Any]:
        return {
            "draft_id": self.draft_id,
            "outcome": self.outcome,
            "cerve_po_id": self.cerve_po_id,
            "cerve_status": self.cerve_status,
            "replayed": self.replayed,
            "adopted": self.adopted,
            "reason": self.reason,
            "fallback_drafts": list(self.fallback_drafts),
        }


def purchase_order_request(record: PurchaseOrderRecord) -> PurchaseOrderRequest:
    draft = record.draft
    return PurchaseOrderRequest(
        supplier_id=draft.supplier_id,
        status="submitted",
        currency=draft.currency,
        external_reference=record.external_reference,
        requested_delivery_date=draft.delivery_date,
        items=[
            PurchaseOrderItem(
                product_id=line.product_id, quantity=line.quantity, unit_price=line.unit_price
            )
            for line in draft.lines
        ],
        notes=f"FreshConnect draft {draft.draft_id}, approved by {record.decided_by or 'rule'}",
    )


def correction_message(record: PurchaseOrderRecord, error: CerveValidationError) -> str:
    """What procurement reads when Cerve refuses a PO's data."""
    draft = record.draft
    lines = [
        f"Cerve refused draft {draft.draft_id} for {draft.supplier_name} "
        f"(delivery {draft.delivery_date:%a %d %b %Y}); nothing was ordered.",
        "",
        "What Cerve said:",
    ]
    details = getattr(error, "details", []) or []
    lines.extend(f"  - {d.field}: {d.message}" for d in details)
    if not details:
        lines.append(f"  - {error}")
    lines += [
        "",
        "Correct the draft and approve it again, for example:",
        f"  fc-po edit {draft.draft_id} --line SKU=QUANTITY --by YOUR_NAME --reason '...'",
    ]
    return "\n".join(lines)


def fallback_message(record: PurchaseOrderRecord, settled: Settled) -> str:
    """What procurement reads when lines left an approved draft before it was sent."""
    draft = record.draft
    lines = [
        f"{draft.supplier_name} cannot supply everything on draft {draft.draft_id} "
        f"(delivery {draft.delivery_date:%a %d %b %Y}), checked with Cerve just before sending.",
        "",
    ]
    for sku, fallback_id in settled.moved.items():
        lines.append(f"  - {sku}: {settled.reasons.get(sku, '')}; moved to draft {fallback_id}")
    for sku, why in settled.dropped.items():
        lines.append(f"  - {sku}: not ordered, no supplier can serve it ({why})")
    if settled.fallback_drafts:
        lines += ["", "Fallback drafts go through approval like any draft."]
    if settled.record.status is PoStatus.CANCELLED:
        lines += ["", f"No line was left on {draft.draft_id}: it is cancelled, nothing sent."]
    else:
        lines += ["", f"The rest of {draft.draft_id} is sent to Cerve now."]
    return "\n".join(lines)


class SubmissionService:
    def __init__(
        self,
        store: PurchaseOrderStore,
        sender: PurchaseOrderSender,
        notify_procurement: Notify,
        metric: Metric,
        clock: Callable[[], datetime],
        log: Any,
        publish: Callable[[PurchaseOrderRecord, StatusChange], None] | None = None,
        *,
        fallback: SupplierFallback | None = None,
    ) -> None:
        self._store = store
        self._sender = sender
        self._notify = notify_procurement
        self._metric = metric
        self._clock = clock
        self._log = log
        self._publish = publish or (lambda record, change: None)
        self._fallback = fallback

    def submit(self, draft_id: str) -> SubmissionOutcome:
        record = self._store.require(draft_id)
        if record.cerve_po_id:
            return SubmissionOutcome(
                draft_id, "already_submitted", record.cerve_po_id, record.cerve_status
            )
        if (
            record.status is PoStatus.CANCELLED
            and record.history
            and record.history[-1].source is Source.SUBMISSION
        ):
            # A retry after every line moved to a fallback supplier: done, nothing to send.
            return SubmissionOutcome(draft_id, "cancelled", reason=record.history[-1].note)
        if record.status is not PoStatus.APPROVED:
            raise NotApproved(f"draft {draft_id} is {record.status.value}, not approved")

        fallback_ids: tuple[str, ...] = ()
        if self._fallback is not None and not may_have_reached_cerve(record):
            settled = self._settle(record, self._fallback)
            record, fallback_ids = settled.record, settled.fallback_drafts
            if record.status is PoStatus.CANCELLED:
                return SubmissionOutcome(
                    draft_id,
                    "cancelled",
                    reason=record.history[-1].note,
                    fallback_drafts=fallback_ids,
                )

        now = self._clock()
        record = self._store.update(draft_id, lambda r: mark_sending(r, now))
        request = purchase_order_request(record)
        try:
            po = self._sender.create_purchase_order(request, record.idempotency_key)
        except CerveValidationError as error:
            return self._needs_correction(record, request, error)

        submitted = self._store.mark_submitted(draft_id, po.id, po.status, self._clock())
        self._announce(record, submitted)
        if submitted.cerve_po_id and record.cerve_po_id is None:
            # Counted when the record first learns its Cerve id, replayed or not: a reply lost
            # to a timeout or a crash is still one PO created, and a retry never counts twice.
            # CloudWatch takes numbers only; the Decimal totals stay exact in the store.
            self._metric("PurchaseOrdersCreated", 1)
            self._metric("PurchaseOrderValue", float(record.total))
            self._metric("SavingsVsLastPrice", float(record.savings))
        self._log.info(
            "purchase order submitted",
            extra={
                "draft_id": draft_id,
                "cerve_po_id": po.id,
                "replayed": po.replayed,
                "adopted": po.adopted,
            },
        )
        return SubmissionOutcome(
            draft_id, "submitted", po.id, po.status, po.replayed, po.adopted, "", fallback_ids
        )

    def _settle(self, record: PurchaseOrderRecord, fallback: SupplierFallback) -> Settled:
        """The supplier's live stock decides: lines move, the draft is held, or all is well."""
        try:
            settled = fallback.settle(self._store, record, self._clock())
        except NoSupplierAvailable as held:
            self._metric("NoSupplierAvailable", 1)
            self._log.warning(
                "no supplier can serve some lines; held for a retry",
                extra={"draft_id": record.draft_id, "skus": sorted(held.unserved)},
            )
            if held.first_hold:
                self._notify(f"Draft PO {record.draft_id} is waiting for stock", str(held))
            raise
        if settled.created:
            self._metric("FallbackDraftsCreated", len(settled.created))
        if settled.moved or settled.dropped:
            self._announce(record, settled.record)
            self._log.info(
                "lines left the supplier before sending",
                extra={
                    "draft_id": record.draft_id,
                    "moved": settled.moved,
                    "dropped": sorted(settled.dropped),
                },
            )
            self._notify(
                f"Draft PO {record.draft_id}: {record.draft.supplier_name} lacks stock",
                fallback_message(record, settled),
            )
        return settled

    def _announce(self, before: PurchaseOrderRecord, after: PurchaseOrderRecord) -> None:
        """Every status change reaches SAP as a PurchaseOrderStatusChanged event."""
        if after.status is not before.status and after.history:
            self._publish(after, after.history[-1])

    def _needs_correction(
        self,
        record: PurchaseOrderRecord,
        request: PurchaseOrderRequest,
        error: CerveValidationError,
    ) -> SubmissionOutcome:
        self._metric("CerveValidationFailed", 1)
        self._log.error(
            "Cerve refused the purchase order's data",
            extra={
                "draft_id": record.draft_id,
                "payload": request.to_json(),
                "response": {
                    "message": str(error),
                    "details": [
                        {"field": d.field, "message": d.message}
                        for d in getattr(error, "details", [])
                    ],
                },
            },
        )
        reason = "; ".join(f"{d.field}: {d.message}" for d in getattr(error, "details", [])) or str(
            error
        )
        corrected = self._store.mark_needs_correction(record.draft_id, reason, self._clock())
        self._announce(record, corrected)
        self._notify(
            f"Draft PO {record.draft_id} needs correction",
            correction_message(record, error),
        )
        return SubmissionOutcome(record.draft_id, "needs_correction", reason=reason)
