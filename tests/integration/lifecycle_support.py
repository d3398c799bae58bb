"""Builders shared by the lifecycle tests: drafts, the PO table on moto, handler loading."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from po_automation import aws
from po_automation.domain.models import DraftLine, DraftPurchaseOrder
from po_automation.domain.purchase_order import PurchaseOrderRecord, new_record
from po_automation.services.events import status_changed_detail
from po_automation.settings import get_settings
from po_automation.stores.purchase_orders import PurchaseOrderStore
from sandbox import local_tables

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def make_line(sku: str = "SKU-1", quantity: str = "20", unit_price: str = "1.10", **kw: Any):
    defaults: dict[str, Any] = {
        "product_id": f"prd_{sku}",
        "reason": "cover 3 days of demand",
        "last_price_paid": Decimal("1.25"),
        "pack_size": Decimal("5"),
        "min_order_qty": Decimal("10"),
    }
    defaults.update(kw)
    return DraftLine(
        sku=sku, quantity=Decimal(quantity), unit_price=Decimal(unit_price), **defaults
    )


def make_draft(
    draft_id: str = "d-001",
    lines: tuple[DraftLine, ...] | None = None,
    order_by: datetime | None = None,
) -> DraftPurchaseOrder:
    return DraftPurchaseOrder(
        draft_id=draft_id,
        supplier_id="sup_green",
        supplier_name="Green Fields Ltd",
        delivery_date=date(2026, 12, 5),
        order_by=order_by or NOW + timedelta(hours=5),
        lines=lines or (make_line("SKU-1"), make_line("SKU-2", "30", "0.333", flags=("price",))),
        created_at=NOW,
    )


def make_record(draft_id: str = "d-001", **kw: Any) -> PurchaseOrderRecord:
    return new_record(make_draft(draft_id, **kw), NOW)


def create_po_table(name: str = "po-table") -> Any:
    """The table exactly as the CDK stack builds it (docs/architecture.md)."""
    return local_tables.create_po_table(boto3.resource("dynamodb", region_name="eu-west-2"), name)


def make_store(name: str = "po-table") -> PurchaseOrderStore:
    return PurchaseOrderStore(create_po_table(name))


def load_handler(name: str) -> ModuleType:
    """Import lambdas/<name>/handler.py under a unique module name."""
    path = ROOT / "lambdas" / name / "handler.py"
    module_name = f"lifecycle_handler_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


WEBHOOK_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # test-only signing key


class FakeContext:
    function_name = "fc-po-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:fc-po-test"
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def lifecycle_env(monkeypatch: Any, **extra: str) -> None:
    """Environment for handlers on moto; settings and cached clients start afresh."""
    env = {
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "FreshConnect/Test",
        "PO_TABLE_NAME": "po-table",
        "CERVE_SECRET_NAME": "",
        "CERVE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        **extra,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    aws.reset_clients()


class FakeTasks:
    """In-memory Step Functions callbacks: records what the service sent."""

    def __init__(self) -> None:
        self.successes: list[tuple[str, dict[str, Any]]] = []
        self.started: list[dict[str, Any]] = []

    def send_task_success(self, *, taskToken: str, output: str) -> None:
        self.successes.append((taskToken, json.loads(output)))

    def start_execution(self, *, stateMachineArn: str, name: str, input: str) -> None:
        self.started.append({"arn": stateMachineArn, "name": name, "input": input})


class FakePublisher:
    def __init__(self) -> None:
        self.details: list[dict[str, Any]] = []

    def publish_detail(self, detail: Any) -> None:
        self.details.append(dict(detail))

    def publish(self, record: Any, change: Any) -> None:
        self.publish_detail(status_changed_detail(record, change))


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def draft_awaiting(self, record: Any, reapproval: bool = False) -> None:
        self.sent.append(("reapproval" if reapproval else "awaiting", record.draft_id))

    def draft_expired(self, record: Any) -> None:
        self.sent.append(("expired", record.draft_id))

    def status_changed(self, record: Any, change: Any) -> None:
        self.sent.append((f"status:{change.to_status.value}", record.draft_id))
