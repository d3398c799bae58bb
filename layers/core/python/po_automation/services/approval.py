"""The approval workflow's steps: prepare, await a decision, expire at the cut-off.

Each step is safe to run twice (Step Functions retries Lambda errors): a repeated
`prepare` on an approved draft answers "approved" again, a repeated `await_decision`
stores the newest token, and `expire` on a decided draft changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger

from po_automation import aws
from po_automation.domain.approval_rules import auto_approval
from po_automation.domain.lifecycle import PoStatus
from po_automation.domain.purchase_order import (
    AlreadyDecided,
    PurchaseOrderRecord,
    auto_approve,
    expire,
)
from po_automation.domain.rules import ApprovalRule
from po_automation.services.decisions import TaskCallbacks, deliver_decision
from po_automation.services.events import StatusPublisher, build_publisher, build_store
from po_automation.services.notifications import Notifier, build_notifier
from po_automation.settings import Settings
from po_automation.stores.purchase_orders import ConcurrentUpdate, PurchaseOrderStore

logger = Logger(child=True)
MIN_WAIT_SECONDS = 1  # Step Functions needs a positive timeout even past the cut-off


class NotAwaitingApproval(RuntimeError):
    """The workflow was started for a draft that has already ended."""


class ApprovalService:
    def __init__(
        self,
        store: PurchaseOrderStore,
        *,
        notifier: Notifier,
        publisher: StatusPublisher,
        tasks: TaskCallbacks,
        auto_approve_max_total: Decimal,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._publisher = publisher
        self._tasks = tasks
        self._rule = ApprovalRule(max_total=auto_approve_max_total)
        self._clock = clock

    def _seconds_until_cutoff(self, record: PurchaseOrderRecord) -> int:
        left = (record.draft.order_by - self._clock()).total_seconds()
        return max(MIN_WAIT_SECONDS, math.ceil(left))

    def prepare(self, draft_id: str) -> dict[str, Any]:
        """Auto-approve when the rule allows; otherwise say how long a decision may take.

        A draft already approved (a re-run, or a corrected draft re-approved) goes
        straight on to submission, so `auto_approved` means "no wait needed".
        """
        record = self._store.require(draft_id)
        if record.status is PoStatus.APPROVED:
            return self._prepared(record, auto_approved=True)
        if not record.awaiting_decision:
            raise NotAwaitingApproval(f"draft {draft_id} has ended ({record.status.value})")
        verdict = auto_approval(record.draft, self._rule)
        if not verdict.auto_approved or self._clock() >= record.draft.order_by:
            logger.info("draft needs procurement", extra={"reason": verdict.reason})
            return self._prepared(record, auto_approved=False)
        try:
            approved = self._store.save(
                auto_approve(record, verdict.reason, self._clock()), record.version
            )
        except ConcurrentUpdate:
            return self.prepare(draft_id)  # a decision landed meanwhile: honour it
        self._publisher.publish(approved, approved.history[-1])
        logger.info("draft auto-approved", extra={"reason": verdict.reason})
        return self._prepared(approved, auto_approved=True)

    def _prepared(self, record: PurchaseOrderRecord, auto_approved: bool) -> dict[str, Any]:
        return {
            "draft_id": record.draft_id,
            "auto_approved": auto_approved,
            "seconds_until_cutoff": self._seconds_until_cutoff(record),
        }

    def await_decision(self, draft_id: str, task_token: str) -> dict[str, Any]:
        """Keep the token on the draft and tell procurement.

        If a decision was recorded before the token arrived, it is delivered at once.
        """
        record = self._store.update(draft_id, lambda r: _with_token(r, task_token))
        if record.status in (PoStatus.APPROVED, PoStatus.REJECTED):
            deliver_decision(self._store, self._tasks, record)
            return {"draft_id": draft_id, "notified": False, "status": record.status.value}
        if not record.awaiting_decision:
            raise NotAwaitingApproval(f"draft {draft_id} has ended ({record.status.value})")
        self._notifier.draft_awaiting(record)
        return {"draft_id": draft_id, "notified": True, "status": record.status.value}

    def expire(self, draft_id: str) -> dict[str, Any]:
        now = self._clock()
        try:
            record = self._store.update(draft_id, lambda r: expire(r, now))
        except AlreadyDecided as exc:
            logger.info("expiry found the draft decided", extra={"status": exc.status.value})
            return {"draft_id": draft_id, "status": exc.status.value, "expired": False}
        self._publisher.publish(record, record.history[-1])
        self._notifier.draft_expired(record)
        return {"draft_id": draft_id, "status": record.status.value, "expired": True}


def _with_token(record: PurchaseOrderRecord, token: str) -> PurchaseOrderRecord:
    return replace(record, task_token=token) if record.task_token != token else record


def build_approval_service(settings: Settings) -> ApprovalService:
    return ApprovalService(
        build_store(settings),
        notifier=build_notifier(settings),
        publisher=build_publisher(settings),
        tasks=aws.client("stepfunctions"),
        auto_approve_max_total=settings.auto_approve_max_total,
    )
