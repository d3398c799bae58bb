"""Cerve's webhooks: API Gateway -> receiver -> SQS (DLQ after 5) -> applier -> EventBridge.

The receiver answers 2xx only once the event is in the queue; the applier processes batches
and reports partial failures, so one bad event is retried alone and, after five receives,
waits in the dead-letter queue for an operator to inspect and redrive.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infrastructure.constructs.function import (
    FunctionContext,
    FunctionSpec,
    PoFunction,
    with_settings,
)
from infrastructure.constructs.notifications import Notifications
from infrastructure.constructs.secrets import Secrets
from infrastructure.constructs.storage import Storage
from infrastructure.nag import acknowledge
from infrastructure.naming import resource_name

APPLIER_TIMEOUT = Duration.seconds(30)
MAX_RECEIVE_COUNT = 5
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class Webhooks(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        ctx: FunctionContext,
        storage: Storage,
        secrets: Secrets,
        notifications: Notifications,
        rate_limit: int,
        burst_limit: int,
    ) -> None:
        super().__init__(scope, construct_id)
        stage = ctx.stage

        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=resource_name(stage, "webhook-events-dlq"),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=resource_name(stage, "webhook-events"),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # AWS's rule for Lambda event sources: at least six times the function timeout.
            visibility_timeout=Duration.seconds(APPLIER_TIMEOUT.to_seconds() * 6),
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=MAX_RECEIVE_COUNT
            ),
        )
        self.event_bus_name = resource_name(stage, "events")
        self.event_bus = events.EventBus(self, "Bus", event_bus_name=self.event_bus_name)
        ctx = with_settings(
            ctx,
            slack_secret_name=secrets.slack_name,
            webhook_queue_url=self.queue.queue_url,
            # The literal name: the grant's GetAtt already orders the bus first.
            event_bus_name=self.event_bus_name,
        )

        self.receiver = PoFunction(
            self,
            "Receiver",
            ctx=ctx,
            spec=FunctionSpec(
                name="webhook_receiver",
                timeout=Duration.seconds(10),
                description="Verifies Cerve's webhook signature and queues the event",
                settings=("cerve_secret_name", "webhook_queue_url"),
            ),
        )
        self.receiver.read_secret(secrets.name, secrets.key)
        self.receiver.send_to(self.queue)

        self.applier = PoFunction(
            self,
            "Applier",
            ctx=ctx,
            spec=FunctionSpec(
                name="apply_events",
                timeout=APPLIER_TIMEOUT,
                description="Applies Cerve events to POs, publishes PurchaseOrderStatusChanged",
                settings=(
                    "po_table_name",
                    "event_bus_name",
                    "procurement_topic_arn",
                    "slack_secret_name",
                    "timezone",
                ),
            ),
        )
        self.applier.read_write_table(storage.purchase_orders, has_indexes=True)
        # The status-change notifier: the Slack URL only, never Cerve's credentials.
        self.applier.read_secret(secrets.slack_name, secrets.key)
        self.applier.put_events(self.event_bus)
        self.applier.publish_to(notifications.procurement, notifications.key)
        self.applier.function.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=10,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,
            )
        )

        self.api = self._api(stage, ctx, rate_limit, burst_limit)
        self.webhook_url = self.api.url_for_path("/webhooks/cerve")

    def _api(
        self, stage: str, ctx: FunctionContext, rate_limit: int, burst_limit: int
    ) -> apigw.RestApi:
        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            log_group_name=f"/aws/apigateway/{resource_name(stage, 'webhooks')}",
            retention=ctx.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=resource_name(stage, "webhooks"),
            description="Receives Cerve's signed webhooks",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            deploy_options=apigw.StageOptions(
                stage_name=stage,
                throttling_rate_limit=rate_limit,
                throttling_burst_limit=burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # bodies carry PO data; the access log suffices
                metrics_enabled=True,
            ),
        )
        validator = api.add_request_validator(
            "SignedEvent", validate_request_parameters=True, validate_request_body=True
        )
        event_model = api.add_model(
            "CerveEvent",
            content_type="application/json",
            model_name="CerveEvent",
            description="The envelope of a Cerve webhook event (docs: shared/cerve-api.md)",
            schema=apigw.JsonSchema(
                schema=apigw.JsonSchemaVersion.DRAFT4,
                type=apigw.JsonSchemaType.OBJECT,
                required=["id", "type", "data"],
                properties={
                    "id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, min_length=1),
                    "type": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, min_length=1),
                    "data": apigw.JsonSchema(type=apigw.JsonSchemaType.OBJECT),
                },
            ),
        )
        api.root.add_resource("webhooks").add_resource("cerve").add_method(
            "POST",
            apigw.LambdaIntegration(self.receiver.function, proxy=True),
            request_validator=validator,
            request_models={"application/json": event_model},
            # Unsigned calls are turned away at the edge; the receiver checks the signature.
            request_parameters={f"method.request.header.{h}": True for h in SIGNATURE_HEADERS},
        )
        for rule, reason in (
            (
                "APIG3",
                "The one public method accepts only signed requests (Standard Webhooks "
                "HMAC, checked by the receiver) and is throttled per stage; a WAF adds cost "
                "without a rule that could tell Cerve's calls apart better than the signature.",
            ),
            (
                "APIG4",
                "Cerve authenticates each call with an HMAC signature (Standard Webhooks), "
                "not IAM or Cognito; it cannot sign AWS requests.",
            ),
            ("COG4", "Same reason as APIG4: Cerve cannot present Cognito tokens."),
        ):
            acknowledge(api, rule, reason)
        acknowledge(
            api,
            "IAM4",
            "API Gateway's account-level logging role uses the AWS-managed "
            "AmazonAPIGatewayPushToCloudWatchLogs policy, the documented setup.",
            finding=(
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs"
            ),
        )
        return api
