"""Procurement's decisions: approve, reject or edit a draft, once.

The decision is written to the draft first, then sent to the approval execution waiting
on the draft's task token, then the token is cleared. If the send fails the decision
workflow retries: the same decision by the same person is recognised and re-sent, while
any other decision on a decided draft answers `already_decided` and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from po_automation import aws
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import (
    AlreadyDecided,
    DecisionError,
    PurchaseOrderRecord,
    approve,
    edit,
    reject,
)
from po_automation.services.events import StatusPublisher, build_publisher, build_store
from po_automation.services.notifications import Notifier, build_notifier
from po_automation.settings import Settings
from po_automation.stores.purchase_orders import ConcurrentUpdate, PurchaseOrderStore

logger = Logger(child=True)
_GONE = {"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"}


class TaskCallbacks(Protocol):
    """The Step Functions calls we make (a boto3 `stepfunctions` client fits)."""

    def send_task_success(self, *, taskToken: str, output: str) -> Any: ...

    def start_execution(self, *, stateMachineArn: str, name: str, input: str) -> Any: ...


class Outcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    EDITED = "edited"
    AWAITING_REAPPROVAL = "awaiting_reapproval"
    ALREADY_DECIDED = "already_decided"


@dataclass(frozen=True, slots=True)
class Decision:
    draft_id: str
    decision: str  # approve | reject | edit
    decided_by: str
    reason: str
    lines: Mapping[str, Decimal]


def parse_decision(payload: Mapping[str, Any]) -> Decision:
    """The decision workflow's input, checked; `DecisionError` names what is wrong."""
    problems = []
    draft_id = str(payload.get("draft_id") or "").strip()
    decision = str(payload.get("decision") or "").strip().lower()
    decided_by = str(payload.get("decided_by") or "").strip()
    if not draft_id:
        problems.append("draft_id is required")
    if decision not in ("approve", "reject", "edit"):
        problems.append("decision must be approve, reject or edit")
    if not decided_by:
        problems.append("decided_by is required")
    lines: dict[str, Decimal] = {}
    for raw in payload.get("lines") or []:
        sku = str(raw.get("sku", "")).strip() if isinstance(raw, Mapping) else ""
        qty = raw.get("quantity") if isinstance(raw, Mapping) else None
        if not sku or isinstance(qty, float | bool) or qty is None:
            problems.append(f"line {raw!r} needs a sku and a quantity as a string or integer")
            continue
        try:
            lines[sku] = Decimal(str(qty))
        except InvalidOperation:
            problems.append(f"line {sku}: quantity {qty!r} is not a number")
    if decision == "edit" and not lines and not problems:
        problems.append("an edit needs lines: [{sku, quantity}]")
    if problems:
        raise DecisionError("; ".join(problems))
    reason = str(payload.get("reason") or "").strip()
    return Decision(draft_id, decision, decided_by, reason, lines)


def task_output(record: PurchaseOrderRecord) -> dict[str, Any]:
    verdict = "approve" if record.status is PoStatus.APPROVED else "reject"
    return {"decision": verdict, "decided_by": record.decided_by, "reason": record.decision_reason}


def deliver_decision(
    store: PurchaseOrderStore, tasks: TaskCallbacks, record: PurchaseOrderRecord
) -> bool:
    """Send the recorded decision to the waiting execution, then forget the token.

    False when no execution was waiting (no token, or it had already ended).
    """
    if not record.task_token:
        return False
    delivered = True
    try:
        tasks.send_task_success(taskToken=record.task_token, output=json.dumps(task_output(record)))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code not in _GONE:
            raise
        logger.warning("the approval execution was no longer waiting", extra={"code": code})
        delivered = False
    token = record.task_token
    store.update(
        record.draft_id, lambda r: replace(r, task_token=None) if r.task_token == token else r
    )
    return delivered


class DecisionService:
    def __init__(
        self,
        store: PurchaseOrderStore,
        *,
        tasks: TaskCallbacks,
        publisher: StatusPublisher,
        notifier: Notifier,
        approval_state_machine_arn: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._tasks = tasks
        self._publisher = publisher
        self._notifier = notifier
        self._approval_arn = approval_state_machine_arn
        self._clock = clock

    def record(self, decision: Decision) -> dict[str, Any]:
        for _ in range(5):
            record = self._store.require(decision.draft_id)
            try:
                return self._decide(record, decision)
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(f"draft {decision.draft_id} keeps changing; try again")

    def _decide(self, record: PurchaseOrderRecord, decision: Decision) -> dict[str, Any]:
        now = self._clock()
        if not record.awaiting_decision:
            return self._already_decided(record, decision)
        if now >= record.draft.order_by:
            raise DecisionError(
                f"draft {record.draft_id} is past its supplier's cut-off "
                f"({record.draft.order_by.isoformat()}); it will expire"
            )
        was = record.status
        try:
            if decision.decision == "approve":
                new = approve(record, decision.decided_by, decision.reason, now)
                outcome = Outcome.APPROVED
            elif decision.decision == "reject":
                new = reject(record, decision.decided_by, decision.reason, now)
                outcome = Outcome.REJECTED
            else:
                result = edit(record, decision.lines, decision.decided_by, decision.reason, now)
                new = result.record
                outcome = Outcome.AWAITING_REAPPROVAL if result.needs_reapproval else Outcome.EDITED
        except AlreadyDecided:
            return self._already_decided(record, decision)
        saved = self._store.save(new, record.version)
        logger.info(
            "decision recorded", extra={"outcome": outcome.value, "by": decision.decided_by}
        )
        if outcome is Outcome.AWAITING_REAPPROVAL:
            self._notifier.draft_awaiting(saved, reapproval=True)
            return self._answer(outcome, saved)
        self._publisher.publish(saved, saved.history[-1])
        self._continue_workflow(saved, was)
        return self._answer(outcome, saved)

    def _continue_workflow(self, record: PurchaseOrderRecord, was: PoStatus) -> None:
        if record.task_token:
            deliver_decision(self._store, self._tasks, record)
        elif was is PoStatus.NEEDS_CORRECTION and record.status is PoStatus.APPROVED:
            # The first execution ended when Cerve refused the PO; a corrected draft gets
            # its own, named by revision so it never collides with the first.
            self._tasks.start_execution(
                stateMachineArn=self._approval_arn,
                name=f"{record.draft_id}-r{record.revision}",
                input=json.dumps({"draft_id": record.draft_id}),
            )
        # Otherwise the execution has not stored its token yet; await_decision delivers.

    def _already_decided(self, record: PurchaseOrderRecord, decision: Decision) -> dict[str, Any]:
        same = record.decided_by == decision.decided_by and (
            record.status is PoStatus.REJECTED
        ) == (decision.decision == "reject")
        if same and record.task_token:
            # A retry of the decision that was recorded but not yet delivered.
            deliver_decision(self._store, self._tasks, record)
        answer = self._answer(Outcome.ALREADY_DECIDED, record)
        answer["message"] = f"draft {record.draft_id} is already decided: {record.status.value}" + (
            f" by {record.decided_by}" if record.decided_by else ""
        )
        return answer

    @staticmethod
    def _answer(outcome: Outcome, record: PurchaseOrderRecord) -> dict[str, Any]:
        return {
            "outcome": outcome.value,
            "draft_id": record.draft_id,
            "status": record.status.value,
            "revision": record.revision,
            "total": str(record.total),
            "decided_by": record.decided_by,
            "reason": record.decision_reason,
        }


def build_decision_service(settings: Settings) -> DecisionService:
    return DecisionService(
        build_store(settings),
        tasks=aws.client("stepfunctions"),
        publisher=build_publisher(settings),
        notifier=build_notifier(settings),
        approval_state_machine_arn=settings.approval_state_machine_arn,
    )
