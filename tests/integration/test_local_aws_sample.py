"""The local AWS against a small stack with every resource kind the product stack uses."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from sandbox.local_aws import LocalAws, SynthesizedStack, synthesize
from sandbox.local_aws.sample.stack import LAMBDAS_DIR, SIGNING_SECRET, build_sample_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local() -> Iterator[LocalAws]:
    synthesized: SynthesizedStack = synthesize(build_sample_app)
    with LocalAws(synthesized, lambdas_root=LAMBDAS_DIR) as deployed:
        yield deployed


def _item(local: LocalAws, draft_id: str) -> dict:
    table = local.function_env("writer")["PO_TABLE_NAME"]
    return local.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": draft_id}})["Item"]


def test_every_resource_kind_is_deployed_and_only_unmodelled_types_are_skipped(local):
    assert local.table_names == ["fc-po-sample-purchase-orders"]
    assert set(local.function_names) == {
        "writer",
        "waiter",
        "decider",
        "expirer",
        "applier",
        "webhook",
    }
    assert local.state_machine_arn("approval").endswith(":stateMachine:fc-po-sample-approval")
    assert set(local.skipped_resources.values()) <= {"AWS::ApiGateway::Account"}
    secret = local.client("secretsmanager").get_secret_value(SecretId="fc-po/sample/cerve")
    assert json.loads(secret["SecretString"])["webhook_signing_secret"] == SIGNING_SECRET
    assert local.outputs["ApiUrl"].endswith(".execute-api.eu-west-2.amazonaws.com/prod/")
    schedules = local.client("scheduler").list_schedules()["Schedules"]
    assert [
        s["ScheduleExpression"] if "ScheduleExpression" in s else s["Target"]["Arn"]
        for s in schedules
    ]
    alarms = local.client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert [a["MetricName"] for a in alarms] == ["ExecutionsFailed"]


def test_a_function_sees_exactly_its_template_environment(local):
    env = local.function_env("writer")
    assert env["PO_TABLE_NAME"] == "fc-po-sample-purchase-orders"
    assert env["CERVE_SECRET_NAME"] == "fc-po/sample/cerve"
    assert env["EVENT_BUS_NAME"] == "fc-po-sample-events"
    assert "ONLY_IN_WRITER" not in local.function_env("waiter")

    result = local.invoke("writer", {"id": "w-1"}, request_id="req-1")

    assert result["table"] == "fc-po-sample-purchase-orders"
    assert result["stage"] == "sample"
    assert result["only_mine"] == "yes"
    assert result["request_id"] == "req-1"
    assert 0 < result["remaining_ms"] <= 30_000
    assert _item(local, "w-1")["written_by"] == {"S": "fc-po-sample-writer"}


def test_the_host_environment_does_not_leak_into_a_function(local, monkeypatch):
    monkeypatch.setenv("PO_TABLE_NAME", "someone-elses-table")
    monkeypatch.setenv("ONLY_IN_WRITER", "leaked")

    assert local.invoke("writer", {"id": "w-2"})["table"] == "fc-po-sample-purchase-orders"
    assert os.environ["PO_TABLE_NAME"] == "someone-elses-table"


def test_an_execution_waits_for_its_task_token_and_a_lambda_resumes_it(local):
    arn = local.start_execution(
        "approval",
        {"draft_id": "d-approve", "auto_approved": False, "seconds_until_cutoff": 60},
        name="d-approve",
    )
    waiting = local.wait_for_execution(arn, until_state="WaitForDecision", timeout_s=20)
    assert waiting.status == "RUNNING"
    assert _item(local, "d-approve")["task_token"]["S"]

    assert local.invoke("decider", {"draft_id": "d-approve", "decision": "approve"}) == {
        "outcome": "approved"
    }

    done = local.wait_for_execution(arn, timeout_s=20)
    assert done.status == "SUCCEEDED"
    assert done.output == {"draft_id": "d-approve", "status": "submitted"}
    assert _item(local, "d-approve")["status"] == {"S": "submitted"}


def test_an_undecided_draft_expires_when_timeout_seconds_path_elapses(local):
    arn = local.start_execution(
        "approval",
        {"draft_id": "d-expire", "auto_approved": False, "seconds_until_cutoff": 1},
        name="d-expire",
    )

    done = local.wait_for_execution(arn, timeout_s=20)

    assert done.status == "SUCCEEDED"
    assert "TaskTimedOut" in [e["type"] for e in done.history]
    assert done.output == {"draft_id": "d-expire", "status": "expired"}
    assert _item(local, "d-expire")["status"] == {"S": "expired"}


def test_a_failing_lambda_task_reports_its_error_type_to_step_functions(local):
    arn = local.start_execution(
        "approval", {"draft_id": "fail-1", "auto_approved": True, "seconds_until_cutoff": 60}
    )

    done = local.wait_for_execution(arn, timeout_s=30)

    assert done.status == "FAILED"
    failures = [e for e in done.history if e["type"] == "LambdaFunctionFailed"]
    assert failures[-1]["lambdaFunctionFailedEventDetails"]["error"] == "SubmitFailed"


def test_partial_batch_failures_are_redelivered_and_reach_the_dlq_after_five_receives(local):
    sqs = local.client("sqs")
    queue = local.queue_url("webhook")
    for body in (
        {"draft_id": "ok-1", "status": "accepted"},
        {"draft_id": "poison-1", "status": "accepted"},
        {"draft_id": "ok-2", "status": "dispatched"},
    ):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(body))

    result = local.drain_queue_to("applier", queue, batch_size=10)

    assert len(result.succeeded) == 2
    assert len(result.failed) == 5 and len(set(result.failed)) == 1
    assert _item(local, "ok-2")["status"] == {"S": "dispatched"}
    assert _item(local, "ok-1")["receive_count"] == {"S": "1"}
    dead = sqs.receive_message(QueueUrl=local.queue_url("webhook-dlq"), AttributeNames=["All"])
    assert [json.loads(m["Body"])["draft_id"] for m in dead["Messages"]] == ["poison-1"]
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)


def test_a_failed_message_stays_on_the_queue_between_drains(local):
    sqs = local.client("sqs")
    queue = local.queue_url("webhook")
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"draft_id": "poison-2"}))

    first = local.drain_queue_to("applier", queue, max_batches=1)

    assert len(first.failed) == 1
    again = sqs.receive_message(QueueUrl=queue, AttributeNames=["ApproximateReceiveCount"])
    assert again["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=again["Messages"][0]["ReceiptHandle"])


def test_the_api_proxy_event_reaches_the_webhook_function(local):
    accepted = local.api_invoke(
        "/webhooks/cerve", {"webhook-signature": SIGNING_SECRET}, '{"draft_id": "api-1"}'
    )
    rejected = local.api_invoke("/webhooks/cerve", {"webhook-signature": "forged"}, "{}")

    assert accepted["statusCode"] == 202
    assert json.loads(accepted["body"]) == {"queued": True, "path": "/webhooks/cerve"}
    assert rejected["statusCode"] == 401
    sqs = local.client("sqs")
    queued = sqs.receive_message(QueueUrl=local.queue_url("webhook"))["Messages"]
    assert [m["Body"] for m in queued] == ['{"draft_id": "api-1"}']
    sqs.delete_message(
        QueueUrl=local.queue_url("webhook"), ReceiptHandle=queued[0]["ReceiptHandle"]
    )


def test_boto3_invoke_runs_the_same_in_process_handler(local):
    response = local.client("lambda").invoke(
        FunctionName="fc-po-sample-waiter",
        Payload=json.dumps({"action": "prepare", "draft_id": "b-1", "seconds_until_cutoff": 5}),
    )
    assert json.loads(response["Payload"].read()) == {
        "draft_id": "b-1",
        "auto_approved": False,
        "seconds_until_cutoff": 5,
    }
    failed = local.client("lambda").invoke(
        FunctionName="fc-po-sample-waiter", Payload=json.dumps({"action": "x", "draft_id": "b"})
    )
    assert "FunctionError" in failed
    assert json.loads(failed["Payload"].read())["errorType"] == "ValueError"
