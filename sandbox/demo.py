"""`make demo`: one complete purchase-order cycle on FreshConnect's sample data, locally.

The real CDK stack is synthesized and deployed into moto (the local AWS), the Cerve
sandbox emulator serves on loopback, and every step runs the deployed functions and
state machines:

 1. the exports land in the import bucket and the source sync reads them;
 2. the catalog sync maps SKUs to Cerve products, the price sync fetches offers;
 3. generation decides what to reorder and drafts POs, one approval execution each;
 4. small drafts are approved by rule; procurement decides the rest, one through the
    decision workflow (as from the console), the others with the `fc-po` command;
 5. approved POs are submitted to Cerve with their Idempotency-Key;
 6. Cerve's signed webhooks come back through API Gateway and SQS and are applied;
 7. the whole cycle runs again with nothing changed: no new draft, no duplicate PO.

The clock is set to the sample data's "today" (2026-12-03, 06:30 London, when the
generation schedule fires) and ticks from there, so the demo tells the same story on any
day. Everything printed is also written to `build/demo.json`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from po_automation import cli
from po_automation.domain.purchase_order import PurchaseOrderRecord
from po_automation.stores.dynamo import json_default
from po_automation.stores.purchase_orders import PurchaseOrderStore
from sandbox.cerve_emulator import CerveEmulator
from sandbox.local_aws import LocalAws, LocalAwsError
from sandbox.local_aws.product import product_context, product_stack
from sandbox.webhook_bridge import webhook_bridge

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "sample_data"
SEED = REPO / "sandbox" / "cerve_seed.json"
OUTPUT = REPO / "build" / "demo.json"
LOG_FILE = REPO / "build" / "demo-logs.jsonl"
DEMO_NOW = datetime(2026, 12, 3, 6, 30, tzinfo=ZoneInfo("Europe/London"))
STAGE = "dev"
DEMO_APPROVER = "Priya Shah (procurement)"

Echo = Callable[[str], None]


def _money(value: Decimal | str) -> str:
    return f"£{Decimal(value):,.2f}"


def _section(echo: Echo, title: str) -> None:
    echo("")
    echo(f"== {title} " + "=" * max(0, 74 - len(title)))


@contextlib.contextmanager
def _cerve(echo: Echo) -> Iterator[dict[str, Any]]:
    """The emulator, unless CERVE_BASE_URL etc. point at a real Cerve sandbox."""
    real = os.environ.get("CERVE_BASE_URL")
    if real:
        missing = [k for k in ("CERVE_CLIENT_ID", "CERVE_CLIENT_SECRET") if not os.environ.get(k)]
        if missing:
            raise SystemExit(
                f"CERVE_BASE_URL points at a real Cerve, so set {' and '.join(missing)} too "
                "(see .env.example), or unset CERVE_BASE_URL to use the emulator"
            )
        echo(f"Cerve: {real} (real sandbox; webhooks need a public URL, so none come back)")
        yield {
            "emulator": None,
            "base_url": real,
            "auth_url": os.environ.get("CERVE_AUTH_URL", ""),
            "client_id": os.environ["CERVE_CLIENT_ID"],
            "client_secret": os.environ["CERVE_CLIENT_SECRET"],
            "webhook_secret": os.environ.get("CERVE_WEBHOOK_SECRET", ""),
        }
        return
    with CerveEmulator.running(SEED, webhook_mode="queue") as emu:
        echo(f"Cerve: sandbox emulator on {emu.base_url} ({len(emu.seed.suppliers)} suppliers)")
        yield {
            "emulator": emu,
            "base_url": emu.base_url,
            "auth_url": emu.auth_url,
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
            "webhook_secret": emu.webhook_secret,
        }


def _context(cerve: dict[str, Any]) -> dict[str, Any]:
    context = product_context(STAGE)
    stage = dict(context["stages"][STAGE])
    stage["cerve_base_url"] = cerve["base_url"]
    if cerve["auth_url"]:
        stage["cerve_auth_url"] = cerve["auth_url"]
    context["stages"] = {**context["stages"], STAGE: stage}
    return context


class Demo:
    def __init__(self, local: LocalAws, cerve: dict[str, Any], echo: Echo) -> None:
        self.local = local
        self.cerve = cerve
        self.echo = echo
        self.report: dict[str, Any] = {}
        table = local.resource("dynamodb").Table(local.function_env("submit_po")["PO_TABLE_NAME"])
        self.store = PurchaseOrderStore(table)

    # -- steps ------------------------------------------------------------------------
    def set_secret(self) -> None:
        secret = self.local.function_env("submit_po")["CERVE_SECRET_NAME"]
        self.local.client("secretsmanager").put_secret_value(
            SecretId=secret,
            SecretString=json.dumps(
                {
                    "client_id": self.cerve["client_id"],
                    "client_secret": self.cerve["client_secret"],
                    "webhook_signing_secret": self.cerve["webhook_secret"],
                }
            ),
        )
        self.echo(f"Secrets Manager: Cerve credentials and signing secret stored in {secret}")

    def load_sources(self) -> None:
        _section(self.echo, "1. Sources: Salesforce, WMS and SAP exports")
        bucket = self.local.function_env("source_sync")["IMPORT_BUCKET_NAME"]
        s3 = self.local.client("s3")
        for path in sorted(SAMPLE_DATA.rglob("*.csv")):
            key = path.relative_to(SAMPLE_DATA).as_posix()
            if not key.startswith("reference/"):
                s3.upload_file(str(path), bucket, key)
        result = self.local.invoke("source_sync", _scheduled_event())
        for file, rows in sorted(result["rows_read"].items()):
            rejected = sum(1 for r in result["rejected"] if r["file"] == file)
            self.echo(f"  {file:32} {rows:6} rows read, {rejected} rejected")
        self.echo(f"  {result['skus']} SKUs; rejected rows (file:line: reason):")
        for row in result["rejected"]:
            self.echo(f"    {row['file']}:{row['line']}: {row['reason']}")
        self.report["sources"] = result

    def sync_cerve(self) -> None:
        _section(self.echo, "2. Cerve: catalog mapping and supplier prices")
        catalog = self.local.invoke("catalog_sync", _scheduled_event())
        self.echo(
            f"  catalog: {catalog['mapped']} SKUs mapped; not on Cerve: "
            f"{', '.join(catalog['unmapped']) or 'none'}; ambiguous: "
            f"{', '.join(catalog['ambiguous']) or 'none'}; could not be checked: "
            f"{len(catalog['failed'])} (procurement notified)"
        )
        prices = self.local.invoke("price_sync", _scheduled_event())
        self.echo(
            f"  prices: {prices['refreshed']} of {prices['requested']} reorderable SKUs "
            f"refreshed, {prices['offers']} supplier offers cached, "
            f"{len(prices['failed'])} failed"
        )
        self.report["catalog"], self.report["prices"] = catalog, prices

    def generate(self, label: str) -> dict[str, Any]:
        result = self.local.invoke("generate_drafts", _scheduled_event())
        self.report[label] = result
        return result

    def show_decisions(self, result: dict[str, Any]) -> None:
        _section(self.echo, "3. Reorder decisions and draft POs")
        self.echo(
            f"  {result['skus']} SKUs planned for {result['buying_date']}; "
            f"{result['skus_ordered']} to order; at risk of stockout: "
            f"{', '.join(result['skus_at_risk']) or 'none'}"
        )
        drafts = [self.store.require(d) for d in result["drafts_created"]]
        for record in drafts:
            self._show_draft(record)
        self.report["drafts"] = [_draft_json(r) for r in drafts]

    def _show_draft(self, record: PurchaseOrderRecord) -> None:
        d = record.draft
        self.echo("")
        self.echo(
            f"  Draft {d.draft_id}: {d.supplier_name}, delivery {d.delivery_date:%a %d %b}, "
            f"total {_money(d.total)}, saving {_money(d.savings)} vs last prices"
            + (f", flags: {', '.join(record.flags)}" if record.flags else "")
        )
        for line in d.lines:
            self.echo(f"    - {line.sku}: {line.quantity} @ {_money(line.unit_price)}")
            self.echo(f"      why: {_short(line.reason)}")

    def approvals(self, drafts: list[str]) -> None:
        _section(self.echo, "4. Approvals")
        waiting = self._settle(drafts)
        auto = [d for d in drafts if d not in waiting]
        for draft_id in auto:
            record = self.store.require(draft_id)
            self.echo(f"  {draft_id}: approved automatically ({record.decision_reason})")
        decisions = []
        for i, draft_id in enumerate(waiting):
            if i == 0:
                outcome = self._decide_in_console(draft_id)
                how = "decision workflow (console)"
            else:
                outcome = self._decide_with_cli(draft_id, "reject" if i == 1 else "approve")
                how = "fc-po command line"
            decisions.append({"draft_id": draft_id, "via": how, "outcome": outcome})
            self.echo(f"  {draft_id}: {outcome} by {DEMO_APPROVER} via {how}")
        self._settle(drafts, until_done=True)
        self.report["approvals"] = {"automatic": auto, "decided": decisions}

    def _decide_in_console(self, draft_id: str) -> str:
        arn = self.local.start_execution(
            "decision",
            {
                "draft_id": draft_id,
                "decision": "approve",
                "decided_by": DEMO_APPROVER,
                "reason": "checked against this week's menu plan",
            },
        )
        result = self.local.wait_for_execution(arn)
        return str((result.output or {}).get("outcome", result.status))

    def _decide_with_cli(self, draft_id: str, decision: str) -> str:
        """`fc-po approve|reject DRAFT`, as procurement types it; the CLI starts the decision
        workflow, and the demo then waits for it like the CLI would."""
        arn = self.local.state_machine_arn("decision")
        reason = "supplier quality issue last week" if decision == "reject" else "as drafted"
        argv = [decision, draft_id, "--by", DEMO_APPROVER, "--reason", reason]
        answer = io.StringIO()
        # The CLI makes its own boto3 client: keep functions from swapping the environment
        # while it does (see LocalAws.exclusive).
        with self.local.exclusive(), contextlib.redirect_stdout(answer):
            code = cli.main([*argv, "--state-machine-arn", arn, "--no-wait"])
        if code != 0:
            return "failed"
        started = answer.getvalue().split()[-1]  # "started <execution arn>"
        result = self.local.wait_for_execution(started)
        return str((result.output or {}).get("outcome", result.status))

    def _settle(self, drafts: list[str], until_done: bool = False) -> list[str]:
        """Wait until each approval execution is finished or waiting for a person."""
        waiting: list[str] = []
        for draft_id in drafts:
            arn = self._execution_arn(draft_id)
            if until_done:
                self.local.wait_for_execution(arn)
                continue
            try:
                self.local.wait_for_execution(arn, until_state="WaitForDecision")
            except LocalAwsError:
                continue  # finished without waiting: approved by rule (and submitted)
            waiting.append(draft_id)
        return waiting

    def _execution_arn(self, draft_id: str) -> str:
        machine = self.local.state_machine_arn("approval")
        return machine.replace(":stateMachine:", ":execution:") + ":" + draft_id

    def submissions(self, drafts: list[str]) -> None:
        _section(self.echo, "5. Submitted to Cerve")
        rows = []
        for draft_id in drafts:
            record = self.store.require(draft_id)
            rows.append(_draft_json(record))
            where = record.cerve_po_id or "-"
            self.echo(
                f"  {draft_id}: {record.status.value:18} Cerve PO {where}, "
                f"Idempotency-Key {record.idempotency_key}"
            )
        self.report["submissions"] = rows

    def webhooks(self, webhook_url: str) -> None:
        _section(self.echo, "6. Cerve's webhooks: accepted, dispatched, delivered")
        emu: CerveEmulator | None = self.cerve["emulator"]
        if emu is None:
            self.echo("  (real Cerve: no webhooks reach a loopback URL; skipped)")
            return
        emu.register_webhook(webhook_url)
        queue = self.local.function_env("webhook_receiver")["WEBHOOK_QUEUE_URL"]
        sent = 0
        for _ in range(3):  # accepted → dispatched → delivered
            sent += len(emu.advance_all())
            # Cerve retries deliveries, so every event is sent twice: the second changes nothing.
            emu.drain(duplicate=True)
            self.local.drain_queue_to("apply_events", queue)
        statuses = [d.status for d in emu.deliveries]
        accepted = sum(1 for s in statuses if s and 200 <= s < 300)
        self.echo(
            f"  {sent} events, each delivered twice: {accepted} of {len(statuses)} deliveries "
            "verified and queued on SQS by the receiver; each event applied once, in order"
        )
        self.report["webhooks"] = {
            "events_sent": sent,
            "deliveries": len(statuses),
            "deliveries_accepted": accepted,
        }

    def final_status(self) -> None:
        _section(self.echo, "7. Final status of every PO")
        rows = []
        for record in sorted(self.store.list_all(), key=lambda r: r.draft_id):
            rows.append(_draft_json(record))
            self.echo(
                f"  {record.draft_id}: {record.status.value:18} "
                f"{record.draft.supplier_name:24} {_money(record.total):>12}  "
                f"Cerve {record.cerve_po_id or '-'}"
            )
        self.report["final"] = rows

    def second_run(self) -> None:
        _section(self.echo, "8. Run it again with nothing changed")
        result = self.generate("second_generation")
        before = len(self.cerve["emulator"].purchase_orders()) if self.cerve["emulator"] else None
        resubmitted = []
        for row in self.report["final"]:
            if row["cerve_po_id"]:
                resubmitted.append(self.local.invoke("submit_po", {"draft_id": row["draft_id"]}))
        after = len(self.cerve["emulator"].purchase_orders()) if self.cerve["emulator"] else None
        self.echo(
            f"  generation: {len(result['drafts_created'])} new drafts; submitting every PO "
            f"again: {sum(1 for r in resubmitted if r['outcome'] == 'already_submitted')} "
            f"already submitted; POs at Cerve before {before}, after {after}"
        )
        self.report["second_run"] = {
            "drafts_created": result["drafts_created"],
            "cerve_pos_before": before,
            "cerve_pos_after": after,
        }


def _short(reason: str, limit: int = 150) -> str:
    """The terminal shows the gist; build/demo.json keeps every word."""
    return reason if len(reason) <= limit else reason[: limit - 1].rstrip() + "…"


def _scheduled_event() -> dict[str, Any]:
    return {"id": f"demo-{int(time.time())}", "source": "aws.scheduler", "detail": {}}


def _draft_json(record: PurchaseOrderRecord) -> dict[str, Any]:
    return {
        "draft_id": record.draft_id,
        "supplier_id": record.draft.supplier_id,
        "supplier_name": record.draft.supplier_name,
        "delivery_date": record.draft.delivery_date.isoformat(),
        "status": record.status.value,
        "total": str(record.total),
        "savings": str(record.savings),
        "lines": [
            {
                "sku": line.sku,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "reason": line.reason,
            }
            for line in record.draft.lines
        ],
        "flags": list(record.flags),
        "decided_by": record.decided_by,
        "cerve_po_id": record.cerve_po_id,
        "idempotency_key": record.idempotency_key,
    }


def run(echo: Echo = print) -> dict[str, Any]:
    # Everything stays on this machine: moto's fake AWS, never a real account.
    for key, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "eu-west-2",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "POWERTOOLS_TRACE_DISABLED": "1",
    }.items():
        os.environ.setdefault(key, value)
    started = time.perf_counter()
    with time_machine.travel(DEMO_NOW, tick=True), _cerve(echo) as cerve:
        echo("Local AWS: synthesizing the CDK stack and deploying it into moto ...")
        with LocalAws(product_stack(), synth_context=_context(cerve)) as local:
            echo(
                f"Local AWS: {len(local.function_names)} functions, "
                f"{len(local.state_machine_arns)} state machines, "
                f"{len(local.table_names)} tables deployed in {local.deploy_seconds:.1f} s"
            )
            demo = Demo(local, cerve, echo)
            demo.set_secret()
            demo.load_sources()
            demo.sync_cerve()
            first = demo.generate("generation")
            demo.show_decisions(first)
            drafts = list(first["drafts_created"])
            demo.approvals(drafts)
            demo.submissions(drafts)
            with webhook_bridge(local) as url:
                demo.webhooks(url)
            demo.final_status()
            demo.second_run()
    demo.report["seconds"] = round(time.perf_counter() - started, 1)
    return demo.report


def main() -> int:
    # The functions' JSON logs go to a file; the terminal shows the story.
    OUTPUT.parent.mkdir(exist_ok=True)
    terminal = sys.stdout
    logs = LOG_FILE.open("w")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    sys.stdout = logs
    try:
        report = run(echo=lambda text: print(text, file=terminal, flush=True))
    finally:
        sys.stdout = terminal
        logs.close()
    OUTPUT.write_text(json.dumps(report, indent=2, default=json_default))
    second = report["second_run"]
    if second["drafts_created"] or second["cerve_pos_before"] != second["cerve_pos_after"]:
        print("\nFAILED: running the cycle again created drafts or POs it should not have")
        return 1
    print(
        f"\nDone in {report['seconds']} s. The story: {OUTPUT.relative_to(REPO)}; "
        f"the functions' logs: {LOG_FILE.relative_to(REPO)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
