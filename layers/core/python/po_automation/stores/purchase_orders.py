"""The purchase-order table: every draft and PO, its history, and the events applied to it.

One item per draft (`pk` = draft id) plus one marker item per applied Cerve event
(`pk` = "EVENT#<event id>"). Writes are conditional on a `version` attribute, so two
writers never silently overwrite each other; an event is applied in ONE transaction that
creates its marker (only if absent) and writes the PO, so a duplicate delivery applies
nothing, even when two deliveries race.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.models import DraftLine, DraftPurchaseOrder
from po_automation.domain.purchase_order import (
    PurchaseOrderRecord,
    Shipment,
    Source,
    StatusChange,
    draft_id_from_reference,
)
from po_automation.domain.purchase_order import (
    mark_needs_correction as _needs_correction,
)
from po_automation.domain.purchase_order import (
    mark_submitted as _submitted,
)
from po_automation.stores.dynamo import (
    dumps,
    parse_date,
    parse_datetime,
    to_decimal,
    to_dynamo,
    to_int,
)
from po_automation.stores.scan import scan_all

EVENT_PREFIX = "EVENT#"
STATUS_INDEX = "by_status"
CERVE_ID_INDEX = "by_cerve_id"
RECORD_TYPE = "purchase_order"


class PurchaseOrderNotFound(LookupError):
    def __init__(self, draft_id: str) -> None:
        super().__init__(f"no purchase order for draft {draft_id}")
        self.draft_id = draft_id


class ConcurrentUpdate(RuntimeError):
    """Someone else wrote the PO since it was read: read it again and redo the change."""


@dataclass(frozen=True, slots=True)
class EventMarker:
    event_id: str
    draft_id: str
    published: bool
    change: dict[str, Any] | None


def _now() -> datetime:
    return datetime.now(UTC)


# --- mapping -------------------------------------------------------------------------------


def record_to_item(record: PurchaseOrderRecord, version: int) -> dict[str, Any]:
    updated_at = record.updated_at or _now()
    item = {
        "pk": record.draft_id,
        "record_type": RECORD_TYPE,
        "status": record.status,
        "updated_at": updated_at,
        "version": version,
        "revision": record.revision,
        "idempotency_key": record.idempotency_key,
        "external_reference": record.external_reference,
        "supplier_id": record.draft.supplier_id,
        "total": record.total,
        "cerve_po_id": record.cerve_po_id or None,  # sparse index: absent, never ""
        "cerve_status": record.cerve_status,
        "task_token": record.task_token,
        "decided_by": record.decided_by,
        "decision_reason": record.decision_reason,
        "decided_at": record.decided_at,
        "approved_total": record.approved_total,
        "correction_reason": record.correction_reason,
        "last_heard_at": record.last_heard_at,
        "created_at": record.created_at,
        "draft": asdict(record.draft),
        "history": [asdict(change) for change in record.history],
        "shipments": [asdict(shipment) for shipment in record.shipments],
    }
    return dict(to_dynamo(item))


def _line(raw: dict[str, Any]) -> DraftLine:
    return DraftLine(
        sku=raw["sku"],
        product_id=raw["product_id"],
        quantity=Decimal(raw["quantity"]),
        unit_price=Decimal(raw["unit_price"]),
        reason=raw.get("reason", ""),
        last_price_paid=to_decimal(raw.get("last_price_paid")),
        usual_quantity=to_decimal(raw.get("usual_quantity")),
        pack_size=Decimal(raw.get("pack_size", 1)),
        min_order_qty=Decimal(raw.get("min_order_qty", 0)),
        flags=tuple(raw.get("flags", ())),
        replaced_supplier_id=raw.get("replaced_supplier_id"),
    )


def _draft(raw: dict[str, Any]) -> DraftPurchaseOrder:
    order_by = parse_datetime(raw["order_by"])
    delivery = parse_date(raw["delivery_date"])
    assert order_by is not None and delivery is not None
    return DraftPurchaseOrder(
        draft_id=raw["draft_id"],
        supplier_id=raw["supplier_id"],
        supplier_name=raw.get("supplier_name", ""),
        delivery_date=delivery,
        order_by=order_by,
        lines=tuple(_line(line) for line in raw.get("lines", ())),
        currency=raw.get("currency", "GBP"),
        delivery_fee=Decimal(raw.get("delivery_fee", 0)),
        notes=raw.get("notes", ""),
        created_at=parse_datetime(raw.get("created_at")),
        flags=tuple(raw.get("flags", ())),
    )


def _change(raw: dict[str, Any]) -> StatusChange:
    at = parse_datetime(raw["at"])
    assert at is not None
    return StatusChange(
        from_status=PoStatus(raw["from_status"]) if raw.get("from_status") else None,
        to_status=PoStatus(raw["to_status"]),
        at=at,
        source=Source(raw["source"]),
        event_id=raw.get("event_id"),
        applied=bool(raw.get("applied", True)),
        note=raw.get("note", ""),
    )


def _shipment(raw: dict[str, Any]) -> Shipment:
    return Shipment(
        shipment_id=raw["shipment_id"],
        status=raw["status"],
        eta=raw.get("eta"),
        updated_at=parse_datetime(raw.get("updated_at")),
    )


def record_from_item(item: dict[str, Any]) -> PurchaseOrderRecord:
    return PurchaseOrderRecord(
        draft=_draft(item["draft"]),
        status=PoStatus(item["status"]),
        revision=to_int(item.get("revision")),
        cerve_po_id=item.get("cerve_po_id"),
        cerve_status=item.get("cerve_status"),
        task_token=item.get("task_token"),
        decided_by=item.get("decided_by"),
        decision_reason=item.get("decision_reason"),
        decided_at=parse_datetime(item.get("decided_at")),
        approved_total=to_decimal(item.get("approved_total")),
        correction_reason=item.get("correction_reason"),
        history=tuple(_change(c) for c in item.get("history", ())),
        last_heard_at=parse_datetime(item.get("last_heard_at")),
        shipments=tuple(_shipment(s) for s in item.get("shipments", ())),
        created_at=parse_datetime(item.get("created_at")),
        updated_at=parse_datetime(item.get("updated_at")),
        version=to_int(item.get("version")),
    )


# --- the store -----------------------------------------------------------------------------


class PurchaseOrderStore:
    """Repository over the purchase-order table (a boto3 `Table` resource)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client  # the resource's client takes plain Python values

    @classmethod
    def from_table_name(cls, name: str, dynamodb: Any = None) -> PurchaseOrderStore:
        resource = dynamodb or boto3.resource("dynamodb")
        return cls(resource.Table(name))

    # reads

    def get(self, draft_id: str) -> PurchaseOrderRecord | None:
        item = self._table.get_item(Key={"pk": draft_id}, ConsistentRead=True).get("Item")
        if item is None or item.get("record_type") != RECORD_TYPE:
            return None
        return record_from_item(item)

    def require(self, draft_id: str) -> PurchaseOrderRecord:
        record = self.get(draft_id)
        if record is None:
            raise PurchaseOrderNotFound(draft_id)
        return record

    def list_by_status(self, *statuses: PoStatus) -> list[PurchaseOrderRecord]:
        records: list[PurchaseOrderRecord] = []
        for status in statuses:
            kwargs: dict[str, Any] = {
                "IndexName": STATUS_INDEX,
                "KeyConditionExpression": Key("status").eq(PoStatus(status).value),
            }
            while True:
                page = self._table.query(**kwargs)
                records.extend(record_from_item(item) for item in page["Items"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return records

    def list_all(self) -> Iterator[PurchaseOrderRecord]:
        for item in scan_all(self._table, FilterExpression=Attr("record_type").eq(RECORD_TYPE)):
            yield record_from_item(item)

    def find_by_cerve_id(self, po_id: str) -> PurchaseOrderRecord | None:
        page = self._table.query(
            IndexName=CERVE_ID_INDEX, KeyConditionExpression=Key("cerve_po_id").eq(po_id)
        )
        if not page["Items"]:
            return None
        # The index is eventually consistent: read the item itself for the current version.
        return self.get(page["Items"][0]["pk"])

    def find_by_external_reference(self, reference: str) -> PurchaseOrderRecord | None:
        draft_id = draft_id_from_reference(reference)
        return self.get(draft_id) if draft_id else None

    def event_marker(self, event_id: str) -> EventMarker | None:
        item = self._table.get_item(Key={"pk": EVENT_PREFIX + event_id}, ConsistentRead=True).get(
            "Item"
        )
        if item is None:
            return None
        change = json.loads(item["change"]) if item.get("change") else None
        return EventMarker(event_id, item.get("draft_id", ""), bool(item.get("published")), change)

    # writes

    def create_if_absent(self, record: PurchaseOrderRecord) -> bool:
        """Store a new draft; False (and nothing written) when the draft id exists."""
        try:
            self._table.put_item(
                Item=record_to_item(record, version=1),
                ConditionExpression=Attr("pk").not_exists(),
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def save(self, record: PurchaseOrderRecord, expected_version: int) -> PurchaseOrderRecord:
        """Write `record` unless someone wrote since `expected_version`; returns the new version."""
        version = expected_version + 1
        try:
            self._table.put_item(
                Item=record_to_item(record, version),
                ConditionExpression=Attr("version").eq(expected_version),
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                raise ConcurrentUpdate(
                    f"draft {record.draft_id} changed since version {expected_version}"
                ) from exc
            raise
        return replace(record, version=version)

    def update(
        self,
        draft_id: str,
        change: Callable[[PurchaseOrderRecord], PurchaseOrderRecord],
        attempts: int = 5,
    ) -> PurchaseOrderRecord:
        """Read, change, write; on a concurrent write, read again and redo the change."""
        for attempt in range(attempts):
            record = self.require(draft_id)
            updated = change(record)
            if updated == record:
                return record
            try:
                return self.save(updated, record.version)
            except ConcurrentUpdate:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def apply_event(
        self,
        event_id: str,
        record: PurchaseOrderRecord,
        expected_version: int,
        change: dict[str, Any] | None = None,
    ) -> bool:
        """Mark `event_id` applied and write `record`, atomically.

        True when applied; False when the event id was applied before (nothing written).
        Raises `ConcurrentUpdate` when the PO changed since `expected_version`.
        `change` (the status change to publish, if any) is kept on the marker until
        `mark_published`, so a crash between commit and publish is repaired on redelivery.
        """
        marker = {
            "pk": EVENT_PREFIX + event_id,
            "record_type": "event",
            "draft_id": record.draft_id,
            "applied_at": _now(),
            "published": change is None,
            "change": dumps(change) if change is not None else None,
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": to_dynamo(marker),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": record_to_item(record, expected_version + 1),
                            "ConditionExpression": "#v = :expected",
                            "ExpressionAttributeNames": {"#v": "version"},
                            "ExpressionAttributeValues": {":expected": Decimal(expected_version)},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if _code(exc) != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False
            if self.event_marker(event_id) is not None:
                return False
            raise ConcurrentUpdate(
                f"draft {record.draft_id} changed since version {expected_version}"
            ) from exc
        return True

    def mark_published(self, event_id: str) -> None:
        self._table.update_item(
            Key={"pk": EVENT_PREFIX + event_id},
            UpdateExpression="SET published = :t",
            ExpressionAttributeValues={":t": True},
        )

    # for submission (the lead's submit_po)

    def mark_submitted(
        self, draft_id: str, cerve_po_id: str, cerve_status: str, at: datetime | None = None
    ) -> PurchaseOrderRecord:
        when = at or _now()
        return self.update(draft_id, lambda r: _submitted(r, cerve_po_id, cerve_status, when))

    def mark_needs_correction(
        self, draft_id: str, reason: str, at: datetime | None = None
    ) -> PurchaseOrderRecord:
        when = at or _now()
        return self.update(draft_id, lambda r: _needs_correction(r, reason, when))


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
