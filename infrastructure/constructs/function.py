"""One Lambda function with its own role, log group and least-privilege grants.

Every function gets a fresh role with no managed policy: it may write only to its own log
group, send X-Ray traces, and whatever the grant methods below add. The grant methods are
the whole vocabulary of permissions in this stack, so a reviewer reads them in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infrastructure.nag import acknowledge
from infrastructure.naming import METRICS_NAMESPACE, SERVICE_NAME, resource_name


@dataclass(frozen=True)
class FunctionSpec:
    """How one handler directory is deployed."""

    name: str  # handler directory under lambdas/, e.g. "submit_po"
    timeout: Duration
    memory_mb: int = 256
    description: str = ""
    settings: tuple[str, ...] = field(default_factory=tuple)  # po_automation Settings fields


@dataclass(frozen=True)
class FunctionContext:
    """What every function of a stage shares."""

    stage: str
    lambdas_root: Path
    layer: lambda_.ILayerVersion
    log_retention: logs.RetentionDays
    log_level: str
    settings: dict[str, str]  # po_automation Settings field -> value, for every field known
    reserved_concurrency: dict[str, int]
    removal_policy: RemovalPolicy


class PoFunction(Construct):
    """`lambdas/<name>` deployed as `fc-po-<stage>-<name>`, Python 3.12 on ARM64."""

    def __init__(
        self, scope: Construct, construct_id: str, *, spec: FunctionSpec, ctx: FunctionContext
    ) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        self.function_name = resource_name(ctx.stage, spec.name)
        code_dir = ctx.lambdas_root / spec.name
        if not (code_dir / "handler.py").is_file():
            raise FileNotFoundError(
                f"function {spec.name!r}: {code_dir}/handler.py does not exist "
                "(every function in docs/architecture.md needs lambdas/<name>/handler.py)"
            )
        unknown = [s for s in spec.settings if s not in ctx.settings]
        if unknown:
            raise KeyError(f"function {spec.name!r} asks for unknown settings: {unknown}")

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{self.function_name}: least privilege for this function only",
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{self.function_name}",
            retention=ctx.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.log_group.grant_write(self.role)

        environment = {
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "LOG_LEVEL": ctx.log_level,
            "STAGE": ctx.stage,
        }
        environment.update({s.upper(): ctx.settings[s] for s in spec.settings})

        self.function = lambda_.Function(
            self,
            "Function",
            function_name=self.function_name,
            description=spec.description or f"FreshConnect PO automation: {spec.name}",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(
                str(code_dir), exclude=["**/__pycache__", "**/*.pyc", "tests"]
            ),
            layers=[ctx.layer],
            role=self.role,
            timeout=spec.timeout,
            memory_size=spec.memory_mb,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            environment=environment,
            reserved_concurrent_executions=ctx.reserved_concurrency.get(spec.name),
        )
        acknowledge(
            self.role,
            "IAM5",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
            finding="Resource::*",
        )
        acknowledge(
            self.function,
            "L1",
            "Python 3.12 is the runtime the product targets and tests (docs/architecture.md); "
            "moving to a newer runtime is a deliberate upgrade, not a drive-by.",
        )

    # -- grants: the only ways a function gets permissions -------------------------------

    def _index_wildcard(self, table: dynamodb.Table) -> None:
        logical_id = Stack.of(self).get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            self.role,
            "IAM5",
            "Queries through the table's own GSIs (by_status, by_cerve_id); "
            "the wildcard covers only this table's indexes.",
            finding=f"Resource::<{logical_id}.Arn>/index/*",
        )

    def read_table(self, table: dynamodb.Table, *, has_indexes: bool = False) -> None:
        table.grant_read_data(self.role)
        if has_indexes:
            self._index_wildcard(table)

    def read_write_table(self, table: dynamodb.Table, *, has_indexes: bool = False) -> None:
        table.grant_read_write_data(self.role)
        if has_indexes:
            self._index_wildcard(table)

    def _objects_wildcard(self, bucket: s3.Bucket, what: str) -> None:
        logical_id = Stack.of(self).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            self.role,
            "IAM5",
            f"{what} any object of this one bucket; object keys are dated file names.",
            finding=f"Resource::<{logical_id}.Arn>/*",
        )

    def read_objects(self, bucket: s3.Bucket) -> None:
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")])
        )
        self._objects_wildcard(bucket, "Reads")

    def write_objects(self, bucket: s3.Bucket) -> None:
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[bucket.arn_for_objects("*")])
        )
        self._objects_wildcard(bucket, "Writes")

    def read_secret(self, secret_name: str, key: kms.IKey) -> None:
        """GetSecretValue on the named secret, and decryption through Secrets Manager only.

        The ARN is built from the name (`-??????` is the random suffix Secrets Manager
        appends), so the grant does not depend on the secret resource itself.
        """
        stack = Stack.of(self)
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[
                    stack.format_arn(
                        service="secretsmanager",
                        resource="secret",
                        resource_name=f"{secret_name}-??????",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[key.key_arn],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{stack.region}.amazonaws.com"
                    }
                },
            )
        )

    def publish_to(self, topic: sns.Topic, key: kms.IKey) -> None:
        # Explicit actions: publishing to a KMS-encrypted topic needs exactly these two.
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[topic.topic_arn])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[key.key_arn]
            )
        )

    def send_to(self, queue: sqs.Queue) -> None:
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn])
        )

    def put_events(self, bus: events.EventBus) -> None:
        bus.grant_put_events_to(self.role)

    def start_execution(self, state_machine: sfn.StateMachine) -> None:
        state_machine.grant_start_execution(self.role)

    def send_task_response(self, state_machine: sfn.StateMachine) -> None:
        state_machine.grant_task_response(self.role)


def with_settings(ctx: FunctionContext, **values: str) -> FunctionContext:
    """`ctx` plus settings whose values exist only once a construct has made them."""
    return FunctionContext(
        stage=ctx.stage,
        lambdas_root=ctx.lambdas_root,
        layer=ctx.layer,
        log_retention=ctx.log_retention,
        log_level=ctx.log_level,
        settings={**ctx.settings, **values},
        reserved_concurrency=ctx.reserved_concurrency,
        removal_policy=ctx.removal_policy,
    )
