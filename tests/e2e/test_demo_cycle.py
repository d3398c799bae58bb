"""`make demo`'s whole cycle, run once, judged by what a user reads in its report.

The report is the dict `sandbox.demo.run` returns (what `make demo` writes to
build/demo.json): the real stack in the local AWS, the Cerve emulator on loopback, the
sample data's "today".
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from sandbox import demo

pytestmark = pytest.mark.slow  # deploys the real stack into moto

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"
LAST_PRICE = re.compile(r"last price paid £(\d+(?:\.\d+)?)")
PENNY = Decimal("0.01")
PACKS = re.compile(r"Ordering (\d+(?:\.\d+)?) \((\d+(?:\.\d+)?) packs? of (\d+(?:\.\d+)?)\)")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    story: list[str] = []
    return demo.run(echo=story.append)


@pytest.fixture(scope="module")
def vendors() -> dict[str, tuple[Decimal, Decimal]]:
    """Cerve supplier id -> (minimum order value, delivery fee) from SAP's vendor master."""
    with (SAMPLE_DATA / "sap" / "vendor_master.csv").open(newline="") as f:
        return {
            row["CERVE_SUPPLIER_ID"]: (
                Decimal(row["MIN_ORDER_VALUE_GBP"]),
                Decimal(row["DELIVERY_FEE_GBP"]),
            )
            for row in csv.DictReader(f, delimiter=";")
            if row["CERVE_SUPPLIER_ID"]
        }


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["draft_id"]: row for row in rows}


def test_sources_report_each_bad_row_and_keep_the_rest(report):
    sources = report["sources"]
    rejected = sources["rejected"]
    assert sources["rows_rejected"] == len(rejected) == 13  # docs/data-formats.md lists 13
    for row in rejected:
        assert row["file"] in sources["rows_read"]
        assert isinstance(row["line"], int) and row["line"] >= 2  # line 1 is the header
        assert row["reason"].strip()
    where = {(r["file"], r["line"]): r["reason"] for r in rejected}
    assert "negative" in where[("wms/stock_snapshot.csv", 27)]
    assert "FC-PR-199" in where[("salesforce/order_lines.csv", 1203)]
    assert "12,5" in where[("salesforce/order_lines.csv", 7803)]
    assert "FROZEN" in where[("sap/product_master.csv", 32)]
    assert "CERVE_SUPPLIER_ID" in where[("sap/vendor_master.csv", 9)]
    bad_per_file = Counter(r["file"] for r in rejected)
    for file, read in sources["rows_read"].items():
        assert read > bad_per_file[file], f"{file}: every row was rejected"
    assert sources["skus"] >= 40


def test_drafts_cover_several_suppliers_with_exact_totals_and_savings(report, vendors):
    drafts = report["drafts"]
    assert report["generation"]["drafts_created"] == [d["draft_id"] for d in drafts]
    assert len({d["supplier_id"] for d in drafts}) >= 4
    for draft in drafts:
        lines_total = sum(
            (Decimal(li["quantity"]) * Decimal(li["unit_price"]) for li in draft["lines"]),
            Decimal("0"),
        )
        minimum, fee = vendors[draft["supplier_id"]]
        expected_fee = fee if lines_total < minimum else Decimal("0")
        # What the supplier invoices: exact line totals plus the fee, to the penny.
        expected_total = (lines_total + expected_fee).quantize(PENNY, rounding=ROUND_HALF_UP)
        assert Decimal(draft["total"]) == expected_total, draft["draft_id"]

        # Savings are against the last price each line's reason shows procurement.
        expected_savings = Decimal("0")
        for line in draft["lines"]:
            quantity, unit_price = Decimal(line["quantity"]), Decimal(line["unit_price"])
            last = LAST_PRICE.findall(line["reason"])
            if last:
                expected_savings += (Decimal(last[-1]) - unit_price) * quantity
            packs = PACKS.search(line["reason"])
            assert packs, line["reason"]
            assert Decimal(packs[1]) == quantity == Decimal(packs[2]) * Decimal(packs[3])
        assert Decimal(draft["savings"]) == expected_savings, draft["draft_id"]
    assert any(Decimal(d["savings"]) > 0 for d in drafts)


def test_small_drafts_are_approved_by_rule_and_others_by_procurement(report):
    approvals = report["approvals"]
    final = _by_id(report["final"])
    assert approvals["automatic"], "no draft was approved by rule"
    for draft_id in approvals["automatic"]:
        assert final[draft_id]["decided_by"] == "auto-approval"
        assert Decimal(final[draft_id]["total"]) < Decimal("500")  # dev's auto-approval limit
        assert not final[draft_id]["flags"]
    console = [d for d in approvals["decided"] if d["via"] == "decision workflow (console)"]
    assert [d["outcome"] for d in console] == ["approved"]
    assert final[console[0]["draft_id"]]["decided_by"] == demo.DEMO_APPROVER
    decided = {d["draft_id"] for d in approvals["decided"]}
    assert decided | set(approvals["automatic"]) == set(final)
    assert not decided & set(approvals["automatic"])


def test_every_approved_draft_has_its_own_cerve_po_and_the_rejected_one_none(report):
    outcomes = {d["draft_id"]: d["outcome"] for d in report["approvals"]["decided"]}
    rejected = [draft_id for draft_id, outcome in outcomes.items() if outcome == "rejected"]
    assert len(rejected) == 1
    final = _by_id(report["final"])
    assert final[rejected[0]]["status"] == "rejected"
    assert final[rejected[0]]["cerve_po_id"] is None
    approved = [r for draft_id, r in final.items() if draft_id not in rejected]
    po_ids = [r["cerve_po_id"] for r in approved]
    assert all(po_ids), [r["draft_id"] for r in approved if not r["cerve_po_id"]]
    assert len(set(po_ids)) == len(po_ids), "two drafts share a Cerve PO"
    submitted = _by_id(report["submissions"])
    for row in approved:
        assert submitted[row["draft_id"]]["cerve_po_id"] == row["cerve_po_id"]


def test_after_cerves_webhooks_every_submitted_po_is_delivered(report):
    webhooks = report["webhooks"]
    assert webhooks["events_sent"] > 0
    assert webhooks["deliveries"] == 2 * webhooks["events_sent"]  # each sent twice
    assert webhooks["deliveries_accepted"] == webhooks["deliveries"]
    submitted = [r for r in report["final"] if r["cerve_po_id"]]
    assert submitted
    assert {r["draft_id"]: r["status"] for r in submitted} == {
        r["draft_id"]: "delivered" for r in submitted
    }


def test_running_again_with_nothing_changed_orders_nothing_new(report):
    second = report["second_run"]
    submitted = [r for r in report["final"] if r["cerve_po_id"]]
    assert second["cerve_pos_before"] == len(submitted)
    assert second["drafts_created"] == [], "the second run drafted again"
    assert second["cerve_pos_after"] == second["cerve_pos_before"], "a second PO reached Cerve"
