"""Issue #3: whatever Cerve and the function go through, one approved draft is one PO.

Hypothesis generates, per draft, the faults its POSTs meet in order: 5xx, timeouts before
and after Cerve applied the request, an expired token (401), 409 request_in_progress, 429,
and the function dying just before or just after saving Cerve's answer. Everything is
real: the Cerve emulator on loopback, `CerveClient` (millisecond backoff, short timeouts),
`PurchaseOrderStore` on moto and `SubmissionService`. The approval workflow's Retry is
modelled by invoking `submit` again, at most as often as the state machine would.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from po_automation.cerve.auth import static_credentials
from po_automation.cerve.client import CerveClient
from po_automation.cerve.errors import (
    AmbiguousOutcome,
    CerveAuthError,
    CerveUnavailable,
    IdempotencyKeyReused,
)
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.models import DraftLine, DraftPurchaseOrder
from po_automation.domain.purchase_order import PurchaseOrderRecord, approve, new_record
from po_automation.services.submission import (
    SubmissionOutcome,
    SubmissionService,
    purchase_order_request,
)
from po_automation.stores.purchase_orders import PurchaseOrderStore
from sandbox.cerve_emulator import CerveEmulator
from tests.fixtures.cerve_helpers import CERVE_SEED, FAST_RETRIES
from tests.integration.lifecycle_support import create_po_table

NOW = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)
PO_PATH = "/v1/purchase-orders"
CLIENT_TIMEOUT_S = 0.25
FAULT_DELAY_S = 0.5  # a timeout fault holds the answer this long: past the client's timeout
# The state machine's Retry on SubmitPurchaseOrder: max_attempts=4, so 5 invocations.
WORKFLOW_INVOCATIONS = 5
# What the workflow retries, by error name (Step Functions matches the exception's class).
WORKFLOW_RETRIES = ("CerveUnavailable", "AmbiguousOutcome", "FunctionCrashed")

FAULT_KINDS = (
    "http_500",
    "http_503",
    "http_429",
    "timeout_before",
    "timeout_after",
    "token_expired",
    "in_progress",
    "crash_before_save",
    "crash_after_save",
)


class FunctionCrashed(RuntimeError):
    """The Lambda died (timeout, out of memory, DynamoDB error) around saving Cerve's answer."""


class CrashingStore(PurchaseOrderStore):
    """The real store, but the function can die just before or just after `mark_submitted`."""

    def __init__(self, table: Any) -> None:
        super().__init__(table)
        self.crash_before_save = 0
        self.crash_after_save = 0

    def mark_submitted(
        self, draft_id: str, cerve_po_id: str, cerve_status: str, at: datetime | None = None
    ) -> PurchaseOrderRecord:
        if self.crash_before_save:
            self.crash_before_save -= 1
            raise FunctionCrashed(f"died after Cerve answered {cerve_po_id}, before saving")
        record = super().mark_submitted(draft_id, cerve_po_id, cerve_status, at)
        if self.crash_after_save:
            self.crash_after_save -= 1
            raise FunctionCrashed(f"died after saving {cerve_po_id}, before returning")
        return record


class ScriptedSession(requests.Session):
    """Records every PO POST's Idempotency-Key and arms that POST's scripted fault.

    Faults are armed just before each POST is sent, so a draft's script is consumed in the
    order its requests reach Cerve, whatever the client and the workflow retry.
    """

    def __init__(self, emu: CerveEmulator, store: CrashingStore) -> None:
        super().__init__()
        self.emu = emu
        self.store = store
        self.scripts: dict[str, list[str]] = {}  # external_reference -> faults still to come
        self.sent: list[tuple[str, str]] = []  # (external_reference, Idempotency-Key)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if method == "POST" and urlsplit(str(url)).path == PO_PATH:
            reference = str(kwargs["json"]["external_reference"])
            key = str(kwargs["headers"]["Idempotency-Key"])
            self.sent.append((reference, key))
            script = self.scripts.get(reference)
            if script:
                self._arm(script.pop(0), key)
        return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]

    def _arm(self, kind: str, key: str) -> None:
        faults = self.emu.faults
        if kind in ("http_500", "http_503"):
            faults.fail(PO_PATH, int(kind[-3:]), method="POST")
        elif kind == "http_429":
            faults.fail(PO_PATH, 429, method="POST", retry_after="0")
        elif kind == "timeout_before":
            faults.timeout_before(PO_PATH, FAULT_DELAY_S, method="POST")
        elif kind == "timeout_after":
            faults.timeout_after(PO_PATH, FAULT_DELAY_S, method="POST")
        elif kind == "token_expired":
            self.emu.expire_tokens()
        elif kind == "in_progress":
            faults.in_progress(key)
        elif kind == "crash_before_save":
            self.store.crash_before_save += 1
        elif kind == "crash_after_save":
            self.store.crash_after_save += 1
        else:
            raise ValueError(f"unknown fault kind {kind!r}")


def _line(
    sku: str, product_id: str, quantity: str, price: str, pack: str, minimum: str
) -> DraftLine:
    return DraftLine(
        sku=sku,
        product_id=product_id,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        reason="cover 3 days of demand",
        last_price_paid=Decimal(price) + Decimal("0.10"),
        pack_size=Decimal(pack),
        min_order_qty=Decimal(minimum),
    )


# Offers of tests/fixtures/cerve_seed_small.json: quantities respect pack size and minimum.
SEED_DRAFTS: tuple[tuple[str, str, tuple[DraftLine, ...]], ...] = (
    (
        "sup_greenfield",
        "Greenfield Growers",
        (
            _line("FC-TOM-001", "prd_tomato", "20", "2.10", "5", "10"),
            _line("FC-LET-002", "prd_lettuce", "24", "0.55", "12", "24"),
        ),
    ),
    (
        "sup_valley",
        "Valley Fresh Wholesale",
        (_line("FC-POT-003", "prd_potato", "75", "0.62", "25", "50"),),
    ),
)


def approved_record(draft_id: str, supplier: int = 0) -> PurchaseOrderRecord:
    supplier_id, supplier_name, lines = SEED_DRAFTS[supplier]
    draft = DraftPurchaseOrder(
        draft_id=draft_id,
        supplier_id=supplier_id,
        supplier_name=supplier_name,
        delivery_date=date(2026, 12, 5),
        order_by=NOW + timedelta(hours=6),
        lines=lines,
        created_at=NOW,
    )
    return approve(new_record(draft, NOW), "tester", "ok", NOW)


@dataclass
class Rig:
    emu: CerveEmulator
    store: CrashingStore
    session: ScriptedSession
    client: CerveClient
    notices: list[tuple[str, str]] = field(default_factory=list)
    metrics: Counter[str] = field(default_factory=Counter)

    def service(self) -> SubmissionService:
        return SubmissionService(
            self.store,
            self.client,
            lambda subject, message: self.notices.append((subject, message)),
            lambda name, value: self.metrics.update({name: 1}),
            lambda: NOW,
            logging.getLogger("test-submission-faults"),
        )

    def add_draft(self, draft_id: str, supplier: int = 0) -> PurchaseOrderRecord:
        record = approved_record(draft_id, supplier)
        assert self.store.create_if_absent(record)
        return self.store.require(draft_id)

    def cerve_orders(self, reference: str) -> list[dict[str, Any]]:
        return [po for po in self.emu.purchase_orders() if po["external_reference"] == reference]


_tables = itertools.count()


def build_rig(emu: CerveEmulator) -> Rig:
    store = CrashingStore(create_po_table(f"orders-{next(_tables)}"))
    session = ScriptedSession(emu, store)
    client = CerveClient(
        emu.base_url,
        emu.auth_url,
        static_credentials(emu.client_id, emu.client_secret),
        timeout_s=CLIENT_TIMEOUT_S,
        retry_policy=FAST_RETRIES,
        session=session,
    )
    return Rig(emu, store, session, client)


def run_workflow(service: SubmissionService, draft_id: str) -> tuple[SubmissionOutcome, int]:
    """SubmitPurchaseOrder with its Retry: invoke again on a retried error, up to the bound."""
    for invocation in range(1, WORKFLOW_INVOCATIONS + 1):
        try:
            return service.submit(draft_id), invocation
        except (CerveUnavailable, AmbiguousOutcome, FunctionCrashed) as exc:
            assert type(exc).__name__ in WORKFLOW_RETRIES
            if currently_in_test_context():
                event(f"workflow retried {type(exc).__name__}")
            if invocation == WORKFLOW_INVOCATIONS:
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _script() -> st.SearchStrategy[list[str]]:
    # One expired token per draft: a second 401 within one call, after a fresh token, is a
    # revoked credential, which is final by design (see the explicit test below).
    # At most 4 faults: each failed invocation consumes at least one, so the workflow's
    # 5 invocations always get through; more would test the bound, not exactly-once.
    return st.lists(st.sampled_from(FAULT_KINDS), max_size=4).filter(
        lambda kinds: kinds.count("token_expired") <= 1
    )


_examples = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scripts=st.lists(_script(), min_size=1, max_size=len(SEED_DRAFTS)))
# Every run also covers: applied then unconfirmed (AmbiguousOutcome) then replayed; Cerve
# down for a whole call; every kind of fault at least once; both crashes.
@example(scripts=[["timeout_after", "timeout_before", "http_500", "http_500"]])
@example(scripts=[["http_503", "http_429", "http_503", "http_503"]])
@example(
    scripts=[
        ["token_expired", "in_progress", "http_429", "timeout_after"],
        ["crash_before_save", "http_500", "http_503", "crash_after_save"],
    ]
)
def test_each_approved_draft_is_one_po_at_cerve_and_one_submitted_record(
    aws: None, scripts: list[list[str]]
) -> None:
    run = next(_examples)
    with CerveEmulator.running(CERVE_SEED) as emu:
        rig = build_rig(emu)
        records = [rig.add_draft(f"d-{run}-{i}", supplier=i) for i in range(len(scripts))]
        for record, script in zip(records, scripts, strict=True):
            rig.session.scripts[record.external_reference] = list(script)

        service = rig.service()
        outcomes = [run_workflow(service, r.draft_id)[0] for r in records]

        assert len(emu.purchase_orders()) == len(records)
        for record, outcome in zip(records, outcomes, strict=True):
            at_cerve = rig.cerve_orders(record.external_reference)
            assert len(at_cerve) == 1, f"{record.draft_id}: {len(at_cerve)} POs at Cerve"
            stored = [r for r in rig.store.list_all() if r.draft_id == record.draft_id]
            assert len(stored) == 1
            saved = stored[0]
            assert saved.status is PoStatus.SUBMITTED
            assert saved.cerve_po_id == at_cerve[0]["id"] == outcome.cerve_po_id
            assert rig.store.find_by_cerve_id(at_cerve[0]["id"]) == saved
            assert Decimal(at_cerve[0]["total"]) == record.total
            keys = [k for ref, k in rig.session.sent if ref == record.external_reference]
            assert keys and set(keys) == {record.idempotency_key}
        # Never counted twice (a replayed answer is not counted at all; see the report).
        assert rig.metrics["PurchaseOrdersCreated"] <= len(records)
        assert rig.notices == []


# The contract's submission rows, one example each -----------------------------------------


@pytest.fixture
def rig(aws: None) -> Iterator[Rig]:
    with CerveEmulator.running(CERVE_SEED) as emu:
        yield build_rig(emu)


def test_duplicate_reference_adopts_the_po_cerve_already_holds(rig: Rig) -> None:
    record = rig.add_draft("d-dup")
    # An earlier attempt created the PO under another key (say, before a deploy changed
    # the key's format) and died before saving.
    earlier = rig.client.create_purchase_order(purchase_order_request(record), "fc-po-old-key")

    outcome = rig.service().submit(record.draft_id)

    assert outcome.outcome == "submitted" and outcome.adopted
    assert outcome.cerve_po_id == earlier.id
    assert [po["id"] for po in rig.emu.purchase_orders()] == [earlier.id]
    saved = rig.store.require(record.draft_id)
    assert saved.status is PoStatus.SUBMITTED and saved.cerve_po_id == earlier.id
    assert rig.emu.counters.snapshot()["statuses"].get("409") == 1
    # The earlier attempt died before counting it: this run counts it, once.
    assert rig.metrics["PurchaseOrdersCreated"] == 1


def test_reused_idempotency_key_propagates_and_nothing_is_marked_submitted(rig: Rig) -> None:
    record = rig.add_draft("d-reused")
    other_body = purchase_order_request(record).model_copy(update={"notes": "a different body"})
    first = rig.client.create_purchase_order(other_body, record.idempotency_key)

    with pytest.raises(IdempotencyKeyReused) as raised:
        rig.service().submit(record.draft_id)

    assert raised.value.status == 422 and raised.value.code == "idempotency_key_reused"
    assert type(raised.value).__name__ not in WORKFLOW_RETRIES  # the execution fails, alarmed
    saved = rig.store.require(record.draft_id)
    assert saved.status is PoStatus.APPROVED and saved.cerve_po_id is None
    assert [po["id"] for po in rig.emu.purchase_orders()] == [first.id]
    assert rig.notices == [] and not rig.metrics


def test_a_fresh_token_refused_too_is_final_and_nothing_is_marked_submitted(rig: Rig) -> None:
    record = rig.add_draft("d-auth")
    rig.emu.faults.fail(PO_PATH, 401, times=2, method="POST", code="invalid_token")

    with pytest.raises(CerveAuthError):
        rig.service().submit(record.draft_id)

    assert rig.store.require(record.draft_id).status is PoStatus.APPROVED
    assert rig.emu.purchase_orders() == []
    assert [k for _, k in rig.session.sent] == [record.idempotency_key] * 2


def test_ambiguous_outcome_is_retried_by_the_approval_workflow() -> None:
    """The client's AmbiguousOutcome must be in SubmitPurchaseOrder's Retry, or the workflow
    fails a PO that Cerve may hold while the draft stays approved."""
    approval = pytest.importorskip("infrastructure.constructs.approval")  # needs aws_cdk
    assert {"CerveUnavailable", "AmbiguousOutcome"} <= set(approval.TRANSIENT_ERRORS)
