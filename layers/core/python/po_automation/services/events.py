"""Applying Cerve's events to POs, once each and forward only, and telling the ERP.

Every status change is published as `PurchaseOrderStatusChanged` on the EventBridge bus
for the SAP integration. An event is committed together with its marker (see the store);
the change to publish rides on the marker until it is published, so a crash between the
commit and the publication is repaired when SQS redelivers the message. Consumers may
therefore see a change twice (at least once) and should key on `event_id`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from po_automation import aws
from po_automation.domain.purchase_order import (
    CerveEvent,
    PurchaseOrderRecord,
    Shipment,
    Source,
    StatusChange,
    apply_event,
)
from po_automation.services.notifications import Notifier, build_notifier
from po_automation.settings import Settings
from po_automation.stores.dynamo import dumps
from po_automation.stores.purchase_orders import ConcurrentUpdate, PurchaseOrderStore

logger = Logger(child=True)
EVENT_SOURCE = "freshconnect.po-automation"
DETAIL_TYPE = "PurchaseOrderStatusChanged"


class MalformedEvent(ValueError):
    """The event body is not a Cerve event we can apply; the reason says what is wrong."""


class UnknownPurchaseOrder(LookupError):
    """No PO matches the event (yet): retried by SQS, then dead-lettered, never dropped."""


def _when(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise MalformedEvent(f"{field} is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedEvent(f"{field} is not an ISO-8601 timestamp: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_event(body: Mapping[str, Any]) -> CerveEvent:
    """A Cerve webhook body as a `CerveEvent`; a clear `MalformedEvent` otherwise."""
    event_id = body.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise MalformedEvent("event id is missing")
    data = body.get("data")
    if not isinstance(data, Mapping):
        raise MalformedEvent("data is missing")
    po_id, reference = data.get("purchase_order_id"), data.get("external_reference")
    if not po_id and not reference:
        raise MalformedEvent("neither purchase_order_id nor external_reference is given")
    occurred = _when(data.get("occurred_at") or body.get("created_at"), "occurred_at")
    shipment = None
    raw_shipment = data.get("shipment")
    if isinstance(raw_shipment, Mapping) and raw_shipment.get("id"):
        shipment = Shipment(
            shipment_id=str(raw_shipment["id"]),
            status=str(raw_shipment.get("status", "")),
            eta=raw_shipment.get("eta"),
            updated_at=occurred,
        )
    return CerveEvent(
        event_id=event_id,
        type=str(body.get("type", "")),
        purchase_order_id=po_id,
        external_reference=reference,
        status=data.get("status"),
        occurred_at=occurred,
        shipment=shipment,
    )


def status_changed_detail(record: PurchaseOrderRecord, change: StatusChange) -> dict[str, Any]:
    """The `PurchaseOrderStatusChanged` detail; amounts as decimal strings."""
    draft = record.draft
    return {
        "draft_id": draft.draft_id,
        "cerve_po_id": record.cerve_po_id,
        "external_reference": record.external_reference,
        "supplier_id": draft.supplier_id,
        "supplier_name": draft.supplier_name,
        "from_status": change.from_status.value if change.from_status else None,
        "to_status": change.to_status.value,
        "changed_at": change.at.isoformat(),
        "source": change.source.value,
        "event_id": change.event_id,
        "note": change.note,
        "revision": record.revision,
        "delivery_date": draft.delivery_date.isoformat(),
        "currency": draft.currency,
        "total": str(record.total),
        "savings": str(record.savings),
    }


class StatusPublisher:
    """EventBridge `put_events` of status changes, for SAP."""

    def __init__(self, events: Any, bus_name: str) -> None:
        self._events = events
        self._bus = bus_name

    def publish_detail(self, detail: Mapping[str, Any]) -> None:
        if not self._bus:
            logger.warning("no event bus configured; status change not published")
            return
        response = self._events.put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": dumps(detail),
                    "EventBusName": self._bus,
                    "Resources": [],
                }
            ]
        )
        if response.get("FailedEntryCount", 0):
            entry = response["Entries"][0]
            raise RuntimeError(
                f"EventBridge refused the status change: {entry.get('ErrorCode')} "
                f"{entry.get('ErrorMessage')}"
            )

    def publish(self, record: PurchaseOrderRecord, change: StatusChange) -> None:
        self.publish_detail(status_changed_detail(record, change))


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    event_id: str
    draft_id: str | None
    applied: bool  # False: a duplicate delivery, nothing changed
    status: str | None
    status_changed: bool


class EventApplier:
    def __init__(
        self,
        store: PurchaseOrderStore,
        publisher: StatusPublisher,
        notifier: Notifier | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        attempts: int = 8,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._notifier = notifier
        self._clock = clock
        self._attempts = attempts

    def _find(self, event: CerveEvent) -> PurchaseOrderRecord | None:
        record = None
        if event.purchase_order_id:
            record = self._store.find_by_cerve_id(event.purchase_order_id)
        if record is None and event.external_reference:
            record = self._store.find_by_external_reference(event.external_reference)
        return record

    def _finish_duplicate(self, event_id: str) -> ApplyOutcome:
        marker = self._store.event_marker(event_id)
        if marker is not None and not marker.published and marker.change:
            # The first delivery committed but died before publishing: publish now.
            self._publisher.publish_detail(marker.change)
            self._store.mark_published(event_id)
        draft_id = marker.draft_id if marker else None
        logger.info("duplicate event, nothing applied", extra={"event_id": event_id})
        return ApplyOutcome(event_id, draft_id, False, None, False)

    def apply(self, event: CerveEvent, source: Source = Source.WEBHOOK) -> ApplyOutcome:
        if self._store.event_marker(event.event_id) is not None:
            return self._finish_duplicate(event.event_id)
        for attempt in range(self._attempts):
            record = self._find(event)
            if record is None:
                raise UnknownPurchaseOrder(
                    f"no PO for Cerve id {event.purchase_order_id!r} / "
                    f"reference {event.external_reference!r} (event {event.event_id})"
                )
            updated, change = apply_event(record, event, self._clock(), source)
            detail = status_changed_detail(updated, change) if change else None
            try:
                applied = self._store.apply_event(event.event_id, updated, record.version, detail)
            except ConcurrentUpdate:
                # Another event for the same PO won the race: re-read and re-apply.
                time.sleep(random.uniform(0, 0.02 * (attempt + 1)))
                continue
            if not applied:
                return self._finish_duplicate(event.event_id)
            if detail is not None and change is not None:
                self._publisher.publish_detail(detail)
                self._store.mark_published(event.event_id)
                if self._notifier is not None:
                    self._notifier.status_changed(updated, change)
            logger.info(
                "event applied",
                extra={
                    "event_id": event.event_id,
                    "draft_id": updated.draft_id,
                    "status": updated.status.value,
                    "status_changed": change is not None,
                },
            )
            return ApplyOutcome(
                event.event_id, updated.draft_id, True, updated.status.value, change is not None
            )
        raise ConcurrentUpdate(f"event {event.event_id}: too many concurrent writers, retry")


def build_publisher(settings: Settings) -> StatusPublisher:
    return StatusPublisher(aws.client("events"), settings.event_bus_name)


def build_store(settings: Settings) -> PurchaseOrderStore:
    settings.require("po_table_name")
    return PurchaseOrderStore(aws.table(settings.po_table_name))


def build_applier(settings: Settings) -> EventApplier:
    return EventApplier(build_store(settings), build_publisher(settings), build_notifier(settings))
