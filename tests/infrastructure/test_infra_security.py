"""Security facts of the synthesized stack: cdk-nag, cfn-lint and least-privilege IAM."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from cfnlint.api import ManualArgs, lint_file

from infrastructure.nag import apply_aws_solutions_checks
from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.template_queries import (
    actions_of,
    as_list,
    function_statements,
    functions,
    logical_id_of,
    of_type,
    refers_to,
    resources_for,
    role_statements,
)

pytestmark = pytest.mark.slow

CERVE_CALLERS = {"submit_po", "price_sync", "catalog_sync", "reconcile_pos"}
WRITE_PREFIXES = ("dynamodb:Put", "dynamodb:Update", "dynamodb:Delete", "dynamodb:BatchWrite")


def test_cdk_nag_aws_solutions_reports_no_unacknowledged_finding(
    synthesized: Synthesized,
) -> None:
    violations = [
        f"{v['ruleName']} at {c['constructPath']}"
        for plugin in synthesized.validation_report.get("pluginReports", [])
        for v in plugin.get("violations", [])
        for c in v.get("violatingConstructs", [])
    ]
    assert synthesized.nag_error is None, "\n".join(violations) or synthesized.nag_error
    assert violations == []


def test_cfn_lint_passes_on_the_synthesized_template(synthesized: Synthesized) -> None:
    # W3005: CDK adds DependsOn on a function's role next to the GetAtt; harmless.
    matches = lint_file(Path(synthesized.template_path), config=ManualArgs(ignore_checks=["W3005"]))
    assert [str(m) for m in matches] == []


def test_webhook_receiver_can_only_read_the_secret_and_send_to_its_queue(template) -> None:
    statements = function_statements(template)["webhook_receiver"]
    assert actions_of(statements) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "secretsmanager:GetSecretValue",
        "kms:Decrypt",
        "sqs:SendMessage",
    }
    queue = logical_id_of(template, "AWS::SQS::Queue", QueueName="fc-po-dev-webhook-events")
    (target,) = resources_for(statements, "sqs:SendMessage")
    assert refers_to(target, queue)


def test_only_the_decision_path_can_answer_a_waiting_approval(template) -> None:
    by_function = function_statements(template)
    success = {n for n, s in by_function.items() if "states:SendTaskSuccess" in actions_of(s)}
    failure = {n for n, s in by_function.items() if "states:SendTaskFailure" in actions_of(s)}
    # request_approval answers only the race where the decision came before the token.
    assert success == {"record_decision", "request_approval"}
    assert failure == {"record_decision"}


def test_only_generation_decisions_and_fallback_start_approval_executions(template) -> None:
    by_function = function_statements(template)
    starters = {n for n, s in by_function.items() if "states:StartExecution" in actions_of(s)}
    # submit_po starts the approval of a fallback draft when its supplier has no stock.
    assert starters == {"generate_drafts", "record_decision", "submit_po"}


def test_each_secret_is_read_only_by_the_functions_that_need_it(template) -> None:
    by_function = function_statements(template)
    readers: dict[str, set[str]] = {}
    for name, statements in by_function.items():
        for arn in resources_for(statements, "secretsmanager:GetSecretValue"):
            readers.setdefault(arn["Fn::Join"][1][-1], set()).add(name)
    assert readers == {
        # Cerve's credentials: the Cerve callers and the signature check only.
        ":secret:fc-po/dev/cerve-??????": CERVE_CALLERS | {"webhook_receiver"},
        # The Slack URL: the status-change notifier only, which never sees Cerve's secret.
        ":secret:fc-po/dev/slack-??????": {"apply_events"},
    }


def test_only_the_price_sync_schedule_and_fan_out_start_price_sync_executions(
    template,
) -> None:
    machine = logical_id_of(
        template, "AWS::StepFunctions::StateMachine", StateMachineName="fc-po-dev-price-sync"
    )
    role = template["Resources"][machine]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    # The state machine may invoke price_sync only (and log, trace, run its own Map).
    invoked = resources_for(role_statements(template, role), "lambda:InvokeFunction")
    price_sync = logical_id_of(
        template, "AWS::Lambda::Function", FunctionName="fc-po-dev-price-sync"
    )
    assert invoked and all(refers_to(r, price_sync) for r in invoked)
    starters = [
        k
        for k, policy in of_type(template, "AWS::IAM::Policy").items()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "states:StartExecution" in as_list(s["Action"]) and refers_to(s["Resource"], machine)
    ]
    assert len(starters) == 2, starters  # the schedule's role and the Distributed Map's own


def test_no_function_has_wildcard_actions_or_managed_policies(template) -> None:
    for name, statements in function_statements(template).items():
        assert not [a for a in actions_of(statements) if a.endswith("*")], name
    for role in of_type(template, "AWS::IAM::Role").values():
        principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        if principal.get("Service") == "lambda.amazonaws.com":
            assert "ManagedPolicyArns" not in role["Properties"]


def test_every_function_has_its_own_role(template) -> None:
    roles = [p["Role"]["Fn::GetAtt"][0] for p in functions(template).values()]
    assert len(roles) == len(set(roles)) == 11


def test_table_writes_are_granted_only_where_a_function_changes_that_data(template) -> None:
    po_table = logical_id_of(
        template, "AWS::DynamoDB::Table", TableName="fc-po-dev-purchase-orders"
    )
    writers = {
        name
        for name, statements in function_statements(template).items()
        for s in statements
        if any(a.startswith(WRITE_PREFIXES) for a in actions_of([s]))
        and refers_to(s["Resource"], po_table)
    }
    assert writers == {
        "generate_drafts",
        "request_approval",
        "record_decision",
        "submit_po",
        "apply_events",
        "reconcile_pos",
    }


def test_cdk_nag_reports_a_deliberately_widened_permission(tmp_path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "WidenedForTest")
    fn = lambda_.Function(
        stack,
        "TooPowerful",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c):\n    return {}\n"),
    )
    fn.add_to_role_policy(iam.PolicyStatement(actions=["*"], resources=["*"]))
    apply_aws_solutions_checks(app)
    with pytest.raises(Exception, match=r"[Vv]alidation"):
        app.synth()
    report = (tmp_path / "validation-report.json").read_text()
    assert "AwsSolutions-IAM5[Action::*]" in report
    assert "AwsSolutions-IAM5[Resource::*]" in report
    assert "WidenedForTest/TooPowerful/ServiceRole/DefaultPolicy" in report
