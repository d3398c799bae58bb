"""`fc-po`: decisions become decision-workflow input; list and redrive on moto."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from po_automation import cli
from po_automation.cli import build_parser, decision_input, main
from tests.integration.lifecycle_support import lifecycle_env, make_record, make_store


def test_edit_lines_become_the_decision_workflow_input():
    args = build_parser().parse_args(
        [
            "edit",
            "d-1",
            "--line",
            "SKU-1=10",
            "--line",
            "SKU-2=2.5",
            "--by",
            "ana",
            "--reason",
            "less",
        ]
    )
    assert decision_input(args) == {
        "draft_id": "d-1",
        "decision": "edit",
        "decided_by": "ana",
        "reason": "less",
        "lines": [{"sku": "SKU-1", "quantity": "10"}, {"sku": "SKU-2", "quantity": "2.5"}],
    }


def test_a_bad_line_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["edit", "d-1", "--line", "SKU-1", "--by", "ana"])
    assert "expected SKU=QTY" in capsys.readouterr().err


def test_list_shows_drafts_awaiting_a_decision(monkeypatch, capsys):
    lifecycle_env(monkeypatch)
    with mock_aws():
        make_store().create_if_absent(make_record("d-7"))
        assert main(["list", "--table", "po-table"]) == 0
    out = capsys.readouterr().out
    assert "d-7" in out and "Green Fields Ltd" in out and "£31.99" in out


def test_redrive_starts_an_sqs_message_move_task(monkeypatch, capsys):
    # moto has no StartMessageMoveTask: botocore's Stubber checks the exact request.
    lifecycle_env(monkeypatch)
    sqs = boto3.client("sqs", region_name="eu-west-2")
    arn = "arn:aws:sqs:eu-west-2:123456789012:webhooks-dlq"
    with Stubber(sqs) as stub:
        stub.add_response("start_message_move_task", {"TaskHandle": "task-1"}, {"SourceArn": arn})
        monkeypatch.setattr(cli.boto3, "client", lambda name: sqs)
        assert main(["redrive-dlq", "--dlq-arn", arn]) == 0
        stub.assert_no_pending_responses()
    assert "task task-1" in capsys.readouterr().out
