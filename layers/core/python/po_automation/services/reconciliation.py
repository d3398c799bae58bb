"""Catching a missed webhook: ask Cerve about open POs that have been silent too long.

What Cerve says now is applied through the same path as a webhook, as a synthetic event
whose id is derived from the PO and the status (so asking twice applies it once), with
source "reconciliation" in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import (
    CerveEvent,
    PurchaseOrderRecord,
    Shipment,
    Source,
)
from po_automation.services.events import EventApplier
from po_automation.stores.purchase_orders import PurchaseOrderStore

logger = Logger(child=True)
OPEN_AT_CERVE = (
    PoStatus.SUBMITTED,
    PoStatus.ACCEPTED,
    PoStatus.PARTIALLY_ACCEPTED,
    PoStatus.DISPATCHED,
)


class PurchaseOrderLookup(Protocol):
    """The one Cerve call reconciliation needs (`CerveClient` fits)."""

    def get_purchase_order(self, po_id: str) -> Any: ...


@dataclass
class ReconciliationReport:
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }


def _eta(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def is_silent(record: PurchaseOrderRecord, now: datetime, after: timedelta) -> bool:
    heard = record.last_heard_at or record.updated_at or record.created_at
    return heard is None or now - heard >= after


class Reconciler:
    def __init__(
        self,
        store: PurchaseOrderStore,
        cerve: PurchaseOrderLookup,
        applier: EventApplier,
        silent_after: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._cerve = cerve
        self._applier = applier
        self._silent_after = silent_after
        self._clock = clock

    def run(self) -> ReconciliationReport:
        now = self._clock()
        report = ReconciliationReport()
        for record in self._store.list_by_status(*OPEN_AT_CERVE):
            if not record.cerve_po_id or not is_silent(record, now, self._silent_after):
                continue
            report.checked += 1
            try:
                if self._reconcile(record, now):
                    report.changed.append(record.draft_id)
                else:
                    report.unchanged += 1
            except Exception as exc:  # one PO failing must not stop the others
                logger.exception("reconciliation failed", extra={"draft_id": record.draft_id})
                report.failed[record.draft_id] = f"{type(exc).__name__}: {exc}"
        logger.info("reconciliation done", extra=report.as_dict())
        return report

    def _reconcile(self, record: PurchaseOrderRecord, now: datetime) -> bool:
        assert record.cerve_po_id
        po = self._cerve.get_purchase_order(record.cerve_po_id)
        shipments = [
            Shipment(str(s.id), str(s.status), _eta(getattr(s, "eta", None)), now)
            for s in getattr(po, "shipments", None) or []
        ]
        known = {(s.shipment_id, s.status) for s in record.shipments}
        news = [s for s in shipments if (s.shipment_id, s.status) not in known]
        if po.status == record.cerve_status and not news:
            # Nothing new, but we have heard from Cerve: not silent again until later.
            self._store.update(record.draft_id, lambda r: replace(r, last_heard_at=now))
            return False
        changed = False
        base = f"reconcile:{po.id}"
        events = [
            CerveEvent(
                f"{base}:{s.shipment_id}:{s.status}",
                f"shipment.{s.status}",
                po.id,
                record.external_reference,
                None,
                now,
                s,
            )
            for s in news
        ]
        events.append(
            CerveEvent(
                f"{base}:{po.status}", "po.status", po.id, record.external_reference, po.status, now
            )
        )
        for event in events:
            outcome = self._applier.apply(event, Source.RECONCILIATION)
            changed = changed or outcome.status_changed
        return changed or bool(news)
