"""`fc-po`: decisions become decision-workflow input; list and redrive on moto."""

from __future__ import annotations

import json

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


def test_stage_finds_the_table_from_the_deployed_stack(monkeypatch, capsys):
    with mock_aws():
        lifecycle_env(monkeypatch, PO_TABLE_NAME="")
        store = make_store("fc-po-prod-purchase-orders")
        store.create_if_absent(make_record("FC-20261203-sup_metro-20261205"))
        template = {
            "Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {
                "PurchaseOrdersTableName": {"Value": "fc-po-prod-purchase-orders"},
            },
        }
        boto3.client("cloudformation", region_name="eu-west-2").create_stack(
            StackName="FcPo-prod", TemplateBody=json.dumps(template)
        )
        assert main(["--stage", "prod", "list"]) == 0
    out = capsys.readouterr().out
    assert "FC-20261203-sup_metro-20261205" in out  # full id, columns sized to fit


def test_missing_aws_credentials_are_one_clear_line(monkeypatch, capsys):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask a metadata endpoint
    code = main(["list", "--table", "t"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("fc-po: ") and "Traceback" not in err
