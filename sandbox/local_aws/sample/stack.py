"""The sample stack: one of every resource kind the product stack deploys."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import (
    aws_apigateway as apigw,
)
from aws_cdk import (
    aws_cloudwatch as cloudwatch,
)
from aws_cdk import (
    aws_dynamodb as dynamodb,
)
from aws_cdk import (
    aws_events as events,
)
from aws_cdk import (
    aws_events_targets as targets,
)
from aws_cdk import (
    aws_lambda as lambda_,
)
from aws_cdk import (
    aws_lambda_event_sources as sources,
)
from aws_cdk import (
    aws_logs as logs,
)
from aws_cdk import (
    aws_s3 as s3,
)
from aws_cdk import (
    aws_scheduler as scheduler,
)
from aws_cdk import (
    aws_scheduler_targets as scheduler_targets,
)
from aws_cdk import (
    aws_secretsmanager as secretsmanager,
)
from aws_cdk import (
    aws_sns as sns,
)
from aws_cdk import (
    aws_sqs as sqs,
)
from aws_cdk import (
    aws_stepfunctions as sfn,
)
from aws_cdk import (
    aws_stepfunctions_tasks as tasks,
)
from constructs import Construct

SAMPLE_DIR = Path(__file__).resolve().parent
LAMBDAS_DIR = SAMPLE_DIR / "lambdas"
REPO_ROOT = SAMPLE_DIR.parents[2]
LAYER_DIR = REPO_ROOT / "layers" / "core"
STAGE = "sample"
SIGNING_SECRET = "whsec_c2FtcGxlLXNpZ25pbmctc2VjcmV0"  # noqa: S105 - sample value, not a secret


class SampleStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]

        table = dynamodb.Table(
            self,
            "PurchaseOrders",
            table_name=f"fc-po-{STAGE}-purchase-orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute="expires_at",
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        table.add_global_secondary_index(
            index_name="by_status",
            partition_key=dynamodb.Attribute(name="status", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="updated_at", type=dynamodb.AttributeType.STRING),
        )

        dlq = sqs.Queue(self, "WebhookDlq", queue_name=f"fc-po-{STAGE}-webhook-dlq")
        queue = sqs.Queue(
            self,
            "WebhookQueue",
            queue_name=f"fc-po-{STAGE}-webhook",
            visibility_timeout=cdk.Duration.seconds(60),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5),
        )

        secret = secretsmanager.Secret(
            self,
            "CerveSecret",
            secret_name=f"fc-po/{STAGE}/cerve",
            secret_object_value={
                "client_id": cdk.SecretValue.unsafe_plain_text("sample-client"),
                "client_secret": cdk.SecretValue.unsafe_plain_text("sample-client-secret"),
                "webhook_signing_secret": cdk.SecretValue.unsafe_plain_text(SIGNING_SECRET),
            },
        )
        topic = sns.Topic(self, "ProcurementTopic")
        bucket = s3.Bucket(self, "ExportBucket", removal_policy=cdk.RemovalPolicy.DESTROY)
        bus = events.EventBus(self, "Bus", event_bus_name=f"fc-po-{STAGE}-events")

        layer = lambda_.LayerVersion(
            self,
            "CoreLayer",
            code=lambda_.Code.from_asset(str(LAYER_DIR)),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
        )
        common_env = {
            "STAGE": STAGE,
            "PO_TABLE_NAME": table.table_name,
            "CERVE_SECRET_NAME": secret.secret_name,
            "WEBHOOK_QUEUE_URL": queue.queue_url,
            "PROCUREMENT_TOPIC_ARN": topic.topic_arn,
            "EXPORT_BUCKET_NAME": bucket.bucket_name,
            "EVENT_BUS_NAME": bus.event_bus_name,
            "POWERTOOLS_SERVICE_NAME": "fc-po",
        }

        def function(name: str, **extra_env: str) -> lambda_.Function:
            log_group = logs.LogGroup(
                self,
                f"{name.title()}Logs",
                retention=logs.RetentionDays.ONE_MONTH,
                removal_policy=cdk.RemovalPolicy.DESTROY,
            )
            fn = lambda_.Function(
                self,
                f"{name.title()}Function",
                function_name=f"fc-po-{STAGE}-{name}",
                runtime=lambda_.Runtime.PYTHON_3_12,
                handler="handler.handler",
                code=lambda_.Code.from_asset(str(LAMBDAS_DIR / name)),
                layers=[layer],
                timeout=cdk.Duration.seconds(30),
                environment={**common_env, **extra_env},
                log_group=log_group,
            )
            table.grant_read_write_data(fn)
            return fn

        writer = function("writer", ONLY_IN_WRITER="yes")
        waiter = function("waiter")
        function("decider")
        expirer = function("expirer")
        applier = function("applier")
        webhook = function("webhook")
        secret.grant_read(webhook)
        queue.grant_send_messages(webhook)
        applier.add_event_source(
            sources.SqsEventSource(queue, batch_size=10, report_batch_item_failures=True)
        )

        prepare = tasks.LambdaInvoke(
            self,
            "PrepareApproval",
            lambda_function=waiter,
            payload=sfn.TaskInput.from_object(
                {
                    "action": "prepare",
                    "draft_id": sfn.JsonPath.string_at("$.draft_id"),
                    "auto_approved": sfn.JsonPath.string_at("$.auto_approved"),
                    "seconds_until_cutoff": sfn.JsonPath.string_at("$.seconds_until_cutoff"),
                }
            ),
            payload_response_only=True,
        )
        wait = tasks.LambdaInvoke(
            self,
            "WaitForDecision",
            lambda_function=waiter,
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            payload=sfn.TaskInput.from_object(
                {
                    "action": "await_decision",
                    "draft_id": sfn.JsonPath.string_at("$.draft_id"),
                    "task_token": sfn.JsonPath.task_token,
                }
            ),
            task_timeout=sfn.Timeout.at("$.seconds_until_cutoff"),
            result_path="$.decision",
        )
        expire = tasks.LambdaInvoke(
            self,
            "ExpireDraft",
            lambda_function=waiter,
            payload=sfn.TaskInput.from_object(
                {"action": "expire", "draft_id": sfn.JsonPath.string_at("$.draft_id")}
            ),
            payload_response_only=True,
        )
        submit = tasks.LambdaInvoke(
            self,
            "SubmitPurchaseOrder",
            lambda_function=expirer,
            payload=sfn.TaskInput.from_object({"draft_id": sfn.JsonPath.string_at("$.draft_id")}),
            payload_response_only=True,
            retry_on_service_exceptions=True,
        )
        submit.add_retry(errors=["SubmitFailed"], max_attempts=2, interval=cdk.Duration.seconds(1))
        wait.add_catch(
            expire.next(sfn.Succeed(self, "Expired")),
            errors=["States.Timeout"],
            result_path="$.error",
        )
        decided = (
            sfn.Choice(self, "Decided?")
            .when(sfn.Condition.string_equals("$.decision.decision", "approve"), submit)
            .otherwise(sfn.Succeed(self, "Rejected"))
        )
        definition = prepare.next(
            sfn.Choice(self, "AutoApproved?")
            .when(sfn.Condition.boolean_equals("$.auto_approved", True), submit)
            .otherwise(wait.next(decided))
        )
        machine = sfn.StateMachine(
            self,
            "Approval",
            state_machine_name=f"fc-po-{STAGE}-approval",
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=cdk.Duration.days(2),
        )
        cloudwatch.Alarm(
            self,
            "ApprovalFailed",
            metric=machine.metric_failed(),
            threshold=1,
            evaluation_periods=1,
        )

        api = apigw.RestApi(self, "WebhookApi", rest_api_name=f"fc-po-{STAGE}-webhooks")
        api.root.add_resource("webhooks").add_resource("cerve").add_method(
            "POST", apigw.LambdaIntegration(webhook)
        )

        events.Rule(
            self,
            "NightlyRule",
            schedule=events.Schedule.cron(minute="0", hour="2"),
            targets=[targets.LambdaFunction(writer)],
        )
        scheduler.Schedule(
            self,
            "HourlySchedule",
            schedule=scheduler.ScheduleExpression.rate(cdk.Duration.hours(1)),
            target=scheduler_targets.LambdaInvoke(
                writer, input=scheduler.ScheduleTargetInput.from_object({"id": "scheduled"})
            ),
        )

        cdk.CfnOutput(self, "TableName", value=table.table_name)
        cdk.CfnOutput(self, "QueueUrl", value=queue.queue_url)
        cdk.CfnOutput(self, "ApprovalArn", value=machine.state_machine_arn)
        cdk.CfnOutput(self, "ApiUrl", value=api.url)


def build_sample_app(app: cdk.App) -> cdk.Stack:
    """Adds the sample stack to `app` (the signature `LocalAws` expects of a stack builder)."""
    return SampleStack(app, "FcPoSample")
