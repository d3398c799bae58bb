"""Telling people: procurement by SNS e-mail, the team's Slack channel on status changes.

The summaries are plain text written for a buyer reading e-mail on a phone: who, what,
how much, what was flagged, and exactly how to decide. Slack is optional (its own secret,
SLACK_SECRET_NAME, may hold an empty URL) and best-effort: a Slack outage never fails or
retries the work that triggered it. The Slack URL is a credential and is never logged.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import requests
from aws_lambda_powertools import Logger

from po_automation import aws
from po_automation.domain.purchase_order import PurchaseOrderRecord, StatusChange
from po_automation.services.secrets import slack_webhook_url
from po_automation.settings import Settings

logger = Logger(child=True)
SUBJECT_LIMIT = 100  # SNS rejects longer subjects
PENNY = Decimal("0.01")


def money(amount: Decimal, currency: str = "GBP") -> str:
    symbol = "£" if currency == "GBP" else f"{currency} "
    return f"{symbol}{amount.quantize(PENNY, ROUND_HALF_UP):,}"


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def summarize(record: PurchaseOrderRecord) -> str:
    """The readable summary of a draft: supplier, lines, total, savings, flags."""
    draft = record.draft
    cur = draft.currency
    out = [
        f"Draft {draft.draft_id} (revision {record.revision}) for {draft.supplier_name} "
        f"({draft.supplier_id})",
        f"Delivery {draft.delivery_date.isoformat()}; decide before "
        f"{draft.order_by.strftime('%Y-%m-%d %H:%M %Z')} (the supplier's cut-off)",
        "",
        "Lines:",
    ]
    for line in draft.lines:
        flags = f"  [FLAGGED: {', '.join(line.flags)}]" if line.flags else ""
        last = (
            f", last paid {money(line.last_price_paid, cur)}"
            if line.last_price_paid is not None
            else ""
        )
        out.append(
            f"- {line.sku}: {_qty(line.quantity)} x {money(line.unit_price, cur)} = "
            f"{money(line.total, cur)}{last}{flags}"
        )
        if line.reason:
            out.append(f"    why: {line.reason}")
    if draft.delivery_fee:
        out.append(f"- delivery fee: {money(draft.delivery_fee, cur)}")
    out += [
        "",
        f"Total: {money(record.total, cur)}",
        f"Savings against last prices paid: {money(record.savings, cur)}",
        f"Flags: {', '.join(record.flags) if record.flags else 'none'}",
    ]
    if draft.notes:
        out.append(f"Notes: {draft.notes}")
    return "\n".join(out)


def how_to_decide(draft_id: str) -> str:
    return "\n".join(
        [
            "How to decide:",
            f"  fc-po approve {draft_id} --by YOUR_NAME --reason 'why'",
            f"  fc-po reject {draft_id} --by YOUR_NAME --reason 'why'",
            f"  fc-po edit {draft_id} --line SKU=QTY --by YOUR_NAME --reason 'why'",
            "or start the decision workflow in the Step Functions console with:",
            f'  {{"draft_id": "{draft_id}", "decision": "approve", '
            '"decided_by": "YOUR_NAME", "reason": "why"}',
            "Quantities in an edit must be multiples of the pack size and at least the "
            "minimum order; an edit that raises the total needs approval again.",
        ]
    )


def _subject(text: str) -> str:
    return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 1] + "…"


class Notifier:
    def __init__(
        self,
        sns: Any,
        topic_arn: str,
        slack_url: Callable[[], str | None] | None = None,
        http: Any = None,
    ) -> None:
        self._sns = sns
        self._topic_arn = topic_arn
        self._slack_url = slack_url or (lambda: None)
        self._http = http or requests

    def _publish(self, subject: str, message: str) -> None:
        if not self._topic_arn:
            logger.warning("no procurement topic configured; notification not sent")
            return
        self._sns.publish(TopicArn=self._topic_arn, Subject=_subject(subject), Message=message)

    def publish(self, subject: str, message: str) -> None:
        """A readable message to procurement (catalog gaps, refused POs)."""
        self._publish(f"[FreshConnect] {subject}", message)

    def draft_awaiting(self, record: PurchaseOrderRecord, reapproval: bool = False) -> None:
        draft = record.draft
        what = "edited draft needs approval again" if reapproval else "draft PO awaits you"
        # The draft id first: subjects are cut at 100 characters, and the id is what
        # procurement types to decide.
        subject = (
            f"{draft.draft_id}: {what}, {draft.supplier_name} {money(record.total, draft.currency)}"
        )
        self._publish(subject, f"{summarize(record)}\n\n{how_to_decide(draft.draft_id)}\n")

    def draft_expired(self, record: PurchaseOrderRecord) -> None:
        draft = record.draft
        subject = f"{draft.draft_id}: draft PO expired, {draft.supplier_name}"
        message = (
            f"Nobody decided draft {draft.draft_id} before {draft.supplier_name}'s cut-off, "
            "so it has expired and nothing was sent to the supplier. The next generation run "
            f"will propose a fresh draft.\n\n{summarize(record)}\n"
        )
        self._publish(subject, message)

    def status_changed(self, record: PurchaseOrderRecord, change: StatusChange) -> None:
        """Slack, when a webhook URL is configured; never raises."""
        try:
            url = self._slack_url()
        except Exception:  # a missing secret must not fail the status change itself
            logger.warning("could not read the Slack webhook URL", exc_info=True)
            return
        if not url:
            return
        draft = record.draft
        frm = change.from_status.value if change.from_status else "new"
        text = (
            f"PO {record.cerve_po_id or draft.draft_id} ({draft.supplier_name}, "
            f"{money(record.total, draft.currency)}): {frm} → {change.to_status.value}"
            + (f" — {change.note}" if change.note else "")
        )
        try:
            response = self._http.post(url, json={"text": text}, timeout=5)
            response.raise_for_status()
        except requests.RequestException as exc:
            # The exception text can contain the URL: log only its type and status.
            status = getattr(getattr(exc, "response", None), "status_code", None)
            logger.warning(
                "Slack notification failed", extra={"error": type(exc).__name__, "status": status}
            )


def build_notifier(settings: Settings) -> Notifier:
    # Only apply_events may read the Slack secret; other callers never post to Slack.
    return Notifier(aws.client("sns"), settings.procurement_topic_arn, slack_webhook_url)
