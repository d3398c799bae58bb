"""`fc-po`: procurement's and on-call's command line.

Decisions start the decision workflow (the same path as the Step Functions console), then
wait for its answer and print it. `list` shows the drafts awaiting a decision;
`redrive-dlq` moves dead-lettered webhook events back to their queue with SQS's own
message move task.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

from po_automation.domain.lifecycle import AWAITING_DECISION
from po_automation.services.notifications import money
from po_automation.settings import get_settings
from po_automation.stores.purchase_orders import PurchaseOrderStore

EXIT_FAILED = 1
EXIT_USAGE = 2


def _line(text: str) -> tuple[str, str]:
    sku, sep, qty = text.partition("=")
    if not sep or not sku.strip():
        raise argparse.ArgumentTypeError(f"expected SKU=QTY, got {text!r}")
    try:
        Decimal(qty)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{sku}: quantity {qty!r} is not a number") from None
    return sku.strip(), qty.strip()


def execution_name(draft_id: str, decision: str) -> str:
    """Unique, readable, within Step Functions' 80 characters and allowed set."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", draft_id)[:50]
    return f"{safe}-{decision}-{uuid.uuid4().hex[:12]}"


def decision_input(args: argparse.Namespace) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "draft_id": args.draft_id,
        "decision": args.command,
        "decided_by": args.by,
        "reason": args.reason,
    }
    if args.command == "edit":
        payload["lines"] = [{"sku": sku, "quantity": qty} for sku, qty in args.line]
    return payload


def _wait(sfn: Any, arn: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return dict(described)
        time.sleep(0.5)


def stack_outputs(stage: str) -> dict[str, str]:
    """The deployed stack's outputs (`FcPo-<stage>`): ARNs and names, so procurement only
    needs to know the stage."""
    stacks = boto3.client("cloudformation").describe_stacks(StackName=f"FcPo-{stage}")["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _from_stage(args: argparse.Namespace, output: str) -> str:
    return stack_outputs(args.stage).get(output, "") if getattr(args, "stage", None) else ""


def cmd_decide(args: argparse.Namespace) -> int:
    arn = (
        args.state_machine_arn
        or _from_stage(args, "DecisionStateMachineArn")
        or get_settings().decision_state_machine_arn
    )
    if not arn:
        print(
            "no decision workflow: pass --state-machine-arn or set DECISION_STATE_MACHINE_ARN",
            file=sys.stderr,
        )
        return EXIT_USAGE
    sfn = boto3.client("stepfunctions")
    started = sfn.start_execution(
        stateMachineArn=arn,
        name=execution_name(args.draft_id, args.command),
        input=json.dumps(decision_input(args)),
    )
    if args.no_wait:
        print(f"started {started['executionArn']}")
        return 0
    done = _wait(sfn, started["executionArn"], args.timeout)
    if done["status"] == "SUCCEEDED":
        result = json.loads(done.get("output") or "{}")
        print(json.dumps(result, indent=2))
        return 0
    cause = done.get("cause") or done.get("error") or done["status"]
    print(f"decision not recorded ({done['status']}): {cause}", file=sys.stderr)
    return EXIT_FAILED


def cmd_list(args: argparse.Namespace) -> int:
    table = (
        args.table or _from_stage(args, "PurchaseOrdersTableName") or get_settings().po_table_name
    )
    if not table:
        print("no table: pass --table or set PO_TABLE_NAME", file=sys.stderr)
        return EXIT_USAGE
    store = PurchaseOrderStore(boto3.resource("dynamodb").Table(table))
    records = sorted(store.list_by_status(*AWAITING_DECISION), key=lambda r: r.draft.order_by)
    if not records:
        print("no drafts await a decision")
        return 0
    width = max(len(r.draft_id) for r in records)
    print(f"{'draft':<{width}} {'supplier':<24} {'total':>12} {'decide by (UTC)':<17} flags")
    for r in records:
        print(
            f"{r.draft_id:<{width}} {r.draft.supplier_name[:24]:<24} "
            f"{money(r.total, r.draft.currency):>12} "
            f"{r.draft.order_by:%Y-%m-%d %H:%M} {','.join(r.flags) or '-'}"
        )
    return 0


def cmd_redrive(args: argparse.Namespace) -> int:
    dlq_arn = args.dlq_arn or get_settings().webhook_dlq_arn
    if not dlq_arn and getattr(args, "stage", None):
        url = stack_outputs(args.stage).get("WebhookDeadLetterQueueUrl", "")
        if url:
            attrs = boto3.client("sqs").get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn"]
            )
            dlq_arn = attrs["Attributes"]["QueueArn"]
    if not dlq_arn:
        print("no dead-letter queue: pass --dlq-arn or set WEBHOOK_DLQ_ARN", file=sys.stderr)
        return EXIT_USAGE
    sqs = boto3.client("sqs")
    kwargs: dict[str, Any] = {"SourceArn": dlq_arn}
    if args.rate:
        kwargs["MaxNumberOfMessagesPerSecond"] = args.rate
    # Without DestinationArn, SQS moves each message back to the queue it came from.
    task = sqs.start_message_move_task(**kwargs)
    print(f"redrive started from {dlq_arn}: task {task['TaskHandle']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fc-po", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stage",
        help="dev or prod: read ARNs and table names from the deployed stack FcPo-<stage>",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("approve", "approve a draft as it stands"),
        ("reject", "reject a draft"),
        ("edit", "change line quantities (and approve, unless the total goes up)"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("draft_id")
        p.add_argument("--by", required=True, help="who decides")
        p.add_argument("--reason", required=(name == "reject"), default="", help="why")
        if name == "edit":
            p.add_argument(
                "--line",
                type=_line,
                action="append",
                required=True,
                metavar="SKU=QTY",
                help="new quantity for a line (repeatable)",
            )
        p.add_argument("--state-machine-arn", help="default: $DECISION_STATE_MACHINE_ARN")
        p.add_argument("--no-wait", action="store_true", help="do not wait for the outcome")
        p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait")
        p.set_defaults(func=cmd_decide)
    p = sub.add_parser("list", help="drafts awaiting a decision")
    p.add_argument("--table", help="purchase-order table (or $PO_TABLE_NAME)")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("redrive-dlq", help="move dead-lettered webhook events back to the queue")
    p.add_argument("--dlq-arn", help="dead-letter queue ARN (or $WEBHOOK_DLQ_ARN)")
    p.add_argument("--rate", type=int, help="messages per second (SQS default if omitted)")
    p.set_defaults(func=cmd_redrive)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (NoRegionError, NoCredentialsError) as error:
        print(f"fc-po: {error} (set AWS_PROFILE or credentials, and AWS_REGION)", file=sys.stderr)
    except ClientError as error:
        print(f"fc-po: AWS refused: {error}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
