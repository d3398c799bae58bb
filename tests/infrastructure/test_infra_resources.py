"""What operators rely on in the synthesized `dev` stack (docs/architecture.md names)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from infrastructure.stage_settings import FUNCTION_NAMES, SCHEDULED_FUNCTIONS, load_stage_settings
from po_automation.settings import Settings
from tests.infrastructure.template_queries import (
    functions,
    handler_name,
    logical_id_of,
    of_type,
)

STAGES = json.loads((Path(__file__).resolve().parents[2] / "cdk.json").read_text())["context"][
    "stages"
]

pytestmark = pytest.mark.slow

POWERTOOLS_ENV = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL"}


def tables(template) -> dict[str, dict]:
    return {
        v["Properties"]["TableName"]: v["Properties"]
        for v in of_type(template, "AWS::DynamoDB::Table").values()
    }


def queues(template) -> dict[str, dict]:
    return {
        v["Properties"]["QueueName"]: v["Properties"]
        for v in of_type(template, "AWS::SQS::Queue").values()
    }


def state_machine_states(template, name: str) -> dict[str, dict]:
    (machine,) = [
        v["Properties"]
        for v in of_type(template, "AWS::StepFunctions::StateMachine").values()
        if v["Properties"]["StateMachineName"] == name
    ]
    parts = machine["DefinitionString"]["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else "ARN" for p in parts)
    return json.loads(text)["States"]


def alarm_by_metric(template, metric: str) -> dict:
    (alarm,) = [
        v["Properties"]
        for v in of_type(template, "AWS::CloudWatch::Alarm").values()
        if v["Properties"].get("MetricName") == metric
    ]
    return alarm


def test_four_on_demand_encrypted_tables_with_the_agreed_keys(template) -> None:
    t = tables(template)
    assert set(t) == {
        "fc-po-dev-purchase-orders",
        "fc-po-dev-price-cache",
        "fc-po-dev-inventory",
        "fc-po-dev-idempotency",
    }
    for props in t.values():
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["SSESpecification"]["SSEEnabled"] is True
    keys = {n: {k["AttributeName"]: k["KeyType"] for k in p["KeySchema"]} for n, p in t.items()}
    assert keys["fc-po-dev-purchase-orders"] == {"pk": "HASH"}
    assert keys["fc-po-dev-price-cache"] == {"pk": "HASH", "sk": "RANGE"}
    assert keys["fc-po-dev-inventory"] == {"pk": "HASH", "sk": "RANGE"}
    assert keys["fc-po-dev-idempotency"] == {"id": "HASH"}


def test_po_table_has_pitr_and_both_indexes(template) -> None:
    po = tables(template)["fc-po-dev-purchase-orders"]
    assert po["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    indexes = {
        i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]]
        for i in po["GlobalSecondaryIndexes"]
    }
    assert indexes == {"by_status": ["status", "updated_at"], "by_cerve_id": ["cerve_po_id"]}


def test_price_cache_expires_through_ttl_on_expires_at(template) -> None:
    ttl = tables(template)["fc-po-dev-price-cache"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expires_at", "Enabled": True}


def test_queues_are_encrypted_ssl_only_and_dead_letter_after_five(template) -> None:
    q = queues(template)
    assert set(q) == {"fc-po-dev-webhook-events", "fc-po-dev-webhook-events-dlq"}
    for props in q.values():
        assert props["SqsManagedSseEnabled"] is True
    main = q["fc-po-dev-webhook-events"]
    assert main["RedrivePolicy"]["maxReceiveCount"] == 5
    applier = functions(template)["fc-po-dev-apply-events"]
    assert main["VisibilityTimeout"] >= 6 * applier["Timeout"]
    for policy in of_type(template, "AWS::SQS::QueuePolicy").values():
        (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert len(of_type(template, "AWS::SQS::QueuePolicy")) == 2


def test_applier_reads_the_queue_in_batches_of_ten_with_partial_failures(template) -> None:
    (mapping,) = [
        v["Properties"] for v in of_type(template, "AWS::Lambda::EventSourceMapping").values()
    ]
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_secret_is_generated_encrypted_with_a_rotating_key(template) -> None:
    secrets = {
        v["Properties"]["Name"]: v["Properties"]
        for v in of_type(template, "AWS::SecretsManager::Secret").values()
    }
    assert set(secrets) == {"fc-po/dev/cerve", "fc-po/dev/slack"}
    secret = secrets["fc-po/dev/cerve"]
    assert "SecretString" not in secret  # nothing real in the template
    generated = secret["GenerateSecretString"]
    assert set(json.loads(generated["SecretStringTemplate"])) == {"client_id", "client_secret"}
    assert generated["GenerateStringKey"] == "webhook_signing_secret"
    assert "KmsKeyId" in secret
    for key in of_type(template, "AWS::KMS::Key").values():
        assert key["Properties"]["EnableKeyRotation"] is True


def test_slack_secret_starts_empty_so_slack_is_off(template) -> None:
    (slack,) = [
        v["Properties"]
        for v in of_type(template, "AWS::SecretsManager::Secret").values()
        if v["Properties"]["Name"] == "fc-po/dev/slack"
    ]
    assert json.loads(slack["SecretString"]) == {"webhook_url": ""}
    assert "KmsKeyId" in slack
    env = {handler_name(n): p["Environment"]["Variables"] for n, p in functions(template).items()}
    assert {n for n, e in env.items() if "SLACK_SECRET_NAME" in e} == {"apply_events"}
    assert env["apply_events"]["SLACK_SECRET_NAME"] == "fc-po/dev/slack"


def test_every_function_is_python_312_arm64_traced_with_retained_logs(template) -> None:
    fns = functions(template)
    assert {handler_name(n) for n in fns} == set(FUNCTION_NAMES)
    log_groups = {
        v["Properties"]["LogGroupName"]: v["Properties"]
        for v in of_type(template, "AWS::Logs::LogGroup").values()
    }
    for name, props in fns.items():
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == "handler.handler"
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert len(props["Layers"]) == 1
        assert log_groups[f"/aws/lambda/{name}"]["RetentionInDays"] == 14


def test_function_environment_is_powertools_plus_known_settings(template) -> None:
    known = {f.upper() for f in Settings.model_fields}
    for name, props in functions(template).items():
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "FreshConnect/PurchaseOrders"
        assert env["POWERTOOLS_SERVICE_NAME"] == "po-automation"
        assert env["STAGE"] == "dev"
        assert set(env) - POWERTOOLS_ENV <= known, name


def test_stage_settings_reach_the_functions_that_use_them(template) -> None:
    env = {handler_name(n): p["Environment"]["Variables"] for n, p in functions(template).items()}
    assert env["generate_drafts"]["AUTO_APPROVE_MAX_TOTAL"] == "500"
    assert env["submit_po"]["CERVE_BASE_URL"] == "https://api.sandbox.cerve.com"
    assert env["submit_po"]["CERVE_SECRET_NAME"] == "fc-po/dev/cerve"
    assert "APPROVAL_STATE_MACHINE_ARN" in env["generate_drafts"]
    assert env["apply_events"]["EVENT_BUS_NAME"] == "fc-po-dev-events"
    assert "WEBHOOK_QUEUE_URL" in env["webhook_receiver"]


def test_schedules_run_in_london_time(template) -> None:
    schedules = {
        v["Properties"]["Name"]: v["Properties"]
        for v in of_type(template, "AWS::Scheduler::Schedule").values()
    }
    assert set(schedules) == {f"fc-po-dev-{n.replace('_', '-')}" for n in SCHEDULED_FUNCTIONS}
    machines = of_type(template, "AWS::StepFunctions::StateMachine")
    price_machine = logical_id_of(
        template, "AWS::StepFunctions::StateMachine", StateMachineName="fc-po-dev-price-sync"
    )
    for props in schedules.values():
        # Every schedule but price sync invokes its function; price sync starts the fan-out.
        target = props["Target"]["Arn"]
        if props["Name"] == "fc-po-dev-price-sync":
            assert target == {"Ref": price_machine}
        else:
            assert target["Fn::GetAtt"][0] not in machines
    for props in schedules.values():
        assert props["ScheduleExpressionTimezone"] == "Europe/London"
    assert schedules["fc-po-dev-price-sync"]["ScheduleExpression"] == "cron(0/15 * * * ? *)"
    assert schedules["fc-po-dev-generate-drafts"]["ScheduleExpression"] == "cron(30 6 * * ? *)"


def test_approval_state_machine_has_the_agreed_states(template) -> None:
    states = state_machine_states(template, "fc-po-dev-approval")
    assert {
        "PrepareApproval",
        "CheckAutoApproval",
        "WaitForDecision",
        "ExpireDraft",
        "CheckDecision",
        "SubmitPurchaseOrder",
        "Rejected",
        "SubmissionFailed",
    } <= set(states)
    wait = states["WaitForDecision"]
    assert wait["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
    assert wait["TimeoutSecondsPath"] == "$.seconds_until_cutoff"
    assert wait["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
    assert wait["Catch"][0]["ErrorEquals"] == ["States.Timeout"]
    assert wait["Catch"][0]["Next"] == "ExpireDraft"
    submit = states["SubmitPurchaseOrder"]
    retried = {e for r in submit["Retry"] for e in r["ErrorEquals"]}
    assert {
        "CerveUnavailable",
        "Lambda.ServiceException",
        "Lambda.TooManyRequestsException",
    } <= retried
    assert submit["Catch"][0]["Next"] == "SubmissionFailed"
    assert states["SubmissionFailed"]["Type"] == "Fail"


def test_submission_retries_in_the_order_that_keeps_one_po(template) -> None:
    """First match wins: final errors never retry, no-stock waits 15 minutes, an ambiguous
    outcome retries quickly with the same key, and any crash is retried last."""
    retriers = state_machine_states(template, "fc-po-dev-approval")["SubmitPurchaseOrder"]["Retry"]
    final, no_stock, transient, crash = retriers
    assert {"IdempotencyKeyReused", "CerveAuthError", "NotApproved"} <= set(final["ErrorEquals"])
    assert final["MaxAttempts"] == 0
    assert no_stock["ErrorEquals"] == ["NoSupplierAvailable"]
    assert no_stock["IntervalSeconds"] == 900 and no_stock["MaxAttempts"] == 4
    assert {"AmbiguousOutcome", "CerveUnavailable"} <= set(transient["ErrorEquals"])
    assert crash["ErrorEquals"] == ["States.ALL"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_price_sync_fans_out_over_shards_within_the_cerve_rate_limit(
    stage, template, prod_template
) -> None:
    settings = load_stage_settings(STAGES, stage)
    chosen = template if stage == "dev" else prod_template
    states = state_machine_states(chosen, f"fc-po-{stage}-price-sync")
    plan, fan_out = states["PlanShards"], states["RefreshShards"]
    assert plan["Next"] == "RefreshShards"
    assert plan["Parameters"]["action"] == "plan"
    assert plan["Parameters"]["concurrency"] == settings.price_sync_concurrency
    assert Decimal(plan["Parameters"]["rate_limit_per_s"]) == settings.cerve_rate_limit_per_s

    assert fan_out["Type"] == "Map"
    assert fan_out["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert fan_out["ItemsPath"] == "$.shards"
    assert fan_out["MaxConcurrency"] == settings.price_sync_concurrency
    assert 0 < fan_out["ToleratedFailurePercentage"] < 100
    share = Decimal(fan_out["ItemSelector"]["rate_limit_per_s"])
    assert fan_out["MaxConcurrency"] * share <= settings.cerve_rate_limit_per_s
    assert fan_out["ItemSelector"]["skus.$"] == "$$.Map.Item.Value.skus"
    (worker,) = fan_out["ItemProcessor"]["States"].values()
    assert "Lambda.TooManyRequestsException" in worker["Retry"][0]["ErrorEquals"]

    # Each shard fits half the function's timeout at the worker's share.
    price_sync = functions(chosen)[f"fc-po-{stage}-price-sync"]
    assert plan["Parameters"]["time_budget_s"] <= price_sync["Timeout"] // 2
    # Prod holds the workers (and so Cerve's rate) at the plan with reserved concurrency.
    if stage == "prod":
        assert price_sync["ReservedConcurrentExecutions"] == settings.price_sync_concurrency


def test_decision_state_machine_records_the_decision(template) -> None:
    states = state_machine_states(template, "fc-po-dev-decision")
    assert states["RecordDecision"]["Type"] == "Task"


def test_state_machines_are_standard_traced_and_logged(template) -> None:
    for machine in of_type(template, "AWS::StepFunctions::StateMachine").values():
        props = machine["Properties"]
        assert props["StateMachineType"] == "STANDARD"
        assert props["TracingConfiguration"] == {"Enabled": True}
        assert props["LoggingConfiguration"]["Level"] == "ALL"


def test_webhook_api_is_throttled_traced_and_access_logged(template) -> None:
    (stage,) = [v["Properties"] for v in of_type(template, "AWS::ApiGateway::Stage").values()]
    assert stage["TracingEnabled"] is True
    assert "DestinationArn" in stage["AccessLogSetting"]
    (settings,) = stage["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == 10
    assert settings["ThrottlingBurstLimit"] == 20
    (method,) = [v["Properties"] for v in of_type(template, "AWS::ApiGateway::Method").values()]
    assert method["HttpMethod"] == "POST"
    assert method["Integration"]["Type"] == "AWS_PROXY"
    paths = {
        v["Properties"]["PathPart"] for v in of_type(template, "AWS::ApiGateway::Resource").values()
    }
    assert paths == {"webhooks", "cerve"}


def test_event_bus_and_buckets(template) -> None:
    (bus,) = [v["Properties"] for v in of_type(template, "AWS::Events::EventBus").values()]
    assert bus["Name"] == "fc-po-dev-events"
    for bucket in of_type(template, "AWS::S3::Bucket").values():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
        assert "BucketEncryption" in props


@pytest.mark.parametrize(
    ("metric", "threshold", "period"),
    [
        ("CerveUnauthorized", 3, 300),
        ("WebhookSignatureRejected", 10, 300),
        ("CerveValidationFailed", 3, 300),
        ("CerveAuthFailed", 1, 300),
        ("IdempotencyKeyReused", 1, 300),
        ("PriceSyncFailures", 1, 300),
        ("SkusAtRiskOfStockout", 1, 300),
        ("ApproximateNumberOfMessagesVisible", 1, 60),
    ],
)
def test_alarms_have_the_agreed_thresholds(template, metric, threshold, period) -> None:
    alarm = alarm_by_metric(template, metric)
    assert alarm["Threshold"] == threshold
    assert alarm["Period"] == period
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert len(alarm["AlarmActions"]) == 1
    if metric != "ApproximateNumberOfMessagesVisible":
        # The metric the functions emit through Powertools (EMF), not a look-alike.
        assert alarm["Namespace"] == "FreshConnect/PurchaseOrders"
        assert alarm["Dimensions"] == [{"Name": "service", "Value": "po-automation"}]
        assert alarm["Statistic"] == ("Maximum" if metric == "SkusAtRiskOfStockout" else "Sum")


def test_every_function_and_workflow_is_alarmed_to_on_call(template) -> None:
    alarms = [v["Properties"] for v in of_type(template, "AWS::CloudWatch::Alarm").values()]
    by_metric: dict[str, int] = {}
    for a in alarms:
        by_metric[a["MetricName"]] = by_metric.get(a["MetricName"], 0) + 1
    assert by_metric["Errors"] == 11
    assert by_metric["Throttles"] == 11
    assert by_metric["ExecutionsFailed"] == 3
    assert by_metric["ExecutionsTimedOut"] == 3
    names = {a["AlarmName"] for a in alarms}
    assert {
        "fc-po-dev-approval-executions-failed",
        "fc-po-dev-decision-executions-failed",
        "fc-po-dev-price-sync-executions-failed",
    } <= names
    oncall = [
        k
        for k, v in of_type(template, "AWS::SNS::Topic").items()
        if v["Properties"]["TopicName"] == "fc-po-dev-oncall"
    ]
    assert all(a["AlarmActions"] == [{"Ref": oncall[0]}] for a in alarms)


def test_topics_are_encrypted_and_subscribed_by_email(template) -> None:
    for topic in of_type(template, "AWS::SNS::Topic").values():
        assert "KmsMasterKeyId" in topic["Properties"]
    endpoints = {
        v["Properties"]["Endpoint"] for v in of_type(template, "AWS::SNS::Subscription").values()
    }
    assert endpoints == {"oncall-dev@freshconnect.example", "procurement-dev@freshconnect.example"}


def test_dashboard_shows_the_business_metrics(template) -> None:
    (dashboard,) = of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in (
        "PurchaseOrdersCreated",
        "PurchaseOrderValue",
        "SavingsVsLastPrice",
        "DraftsAutoApproved",
        "DraftsAwaitingApproval",
        "SkusAtRiskOfStockout",
    ):
        assert metric in body


def test_outputs_name_what_operators_need(template) -> None:
    assert {
        "WebhookUrl",
        "ApprovalStateMachineArn",
        "DecisionStateMachineArn",
        "PriceSyncStateMachineArn",
        "PurchaseOrdersTableName",
        "WebhookQueueUrl",
        "WebhookDeadLetterQueueUrl",
        "CerveSecretName",
        "SlackSecretName",
    } <= set(template["Outputs"])
