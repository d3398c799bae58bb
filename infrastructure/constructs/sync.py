"""Scheduled syncs: source exports (hourly), Cerve prices (15 min), Cerve catalog (weekly).

The price sync is a state machine (`fc-po-<stage>-price-sync`): `PlanShards` cuts the
reorderable SKUs into shards that each fit well inside the function's timeout at a worker's
share of Cerve's rate limit, then a Distributed Map refreshes the shards with at most
`price_sync_concurrency` workers at once, so workers x share never exceeds the limit.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infrastructure.constructs.approval import CERVE, LAMBDA_TRANSIENT_ERRORS
from infrastructure.constructs.function import FunctionContext, FunctionSpec, PoFunction
from infrastructure.constructs.notifications import Notifications
from infrastructure.constructs.scheduling import schedule_function, schedule_state_machine
from infrastructure.constructs.secrets import Secrets
from infrastructure.constructs.storage import Storage
from infrastructure.nag import acknowledge
from infrastructure.naming import resource_name
from infrastructure.stage_settings import StageSettings

PRICE_SYNC_TIMEOUT = Duration.minutes(10)
# A shard is sized to take half the timeout at its rate share: room for token fetches,
# 429 back-offs, retries and the cache writes.
SHARD_TIME_BUDGET_S = int(PRICE_SYNC_TIMEOUT.to_seconds()) // 2
# Shards that may fail before the execution fails (and pages): a lone failed shard of
# several is refreshed on the next run, 15 minutes later.
TOLERATED_FAILURE_PERCENTAGE = 25


class Sync(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        ctx: FunctionContext,
        settings: StageSettings,
        storage: Storage,
        secrets: Secrets,
        notifications: Notifications,
    ) -> None:
        super().__init__(scope, construct_id)

        self.source_sync = PoFunction(
            self,
            "SourceSync",
            ctx=ctx,
            spec=FunctionSpec(
                name="source_sync",
                timeout=Duration.minutes(5),
                memory_mb=512,
                description="Reads Salesforce, WMS and SAP exports into the inventory table",
                settings=("import_bucket_name", "inventory_table_name", "currency", "timezone"),
            ),
        )
        self.source_sync.read_objects(storage.import_bucket)
        self.source_sync.read_write_table(storage.inventory)

        self.price_sync = PoFunction(
            self,
            "PriceSync",
            ctx=ctx,
            spec=FunctionSpec(
                name="price_sync",
                timeout=PRICE_SYNC_TIMEOUT,
                memory_mb=512,
                description="Refreshes Cerve pricing and availability into the price cache",
                settings=(
                    "inventory_table_name",
                    "price_cache_table_name",
                    "price_cache_ttl_minutes",
                    "planning_horizon_days",
                    "currency",
                    "timezone",
                    *CERVE,
                ),
            ),
        )
        self.price_sync.read_table(storage.inventory)
        self.price_sync.read_write_table(storage.price_cache)
        self.price_sync.read_secret(secrets.name, secrets.key)

        self.catalog_sync = PoFunction(
            self,
            "CatalogSync",
            ctx=ctx,
            spec=FunctionSpec(
                name="catalog_sync",
                timeout=Duration.minutes(15),
                memory_mb=512,
                description="Maps SKUs to Cerve products; reports unmapped or ambiguous SKUs",
                settings=(
                    "inventory_table_name",
                    "price_cache_table_name",
                    "procurement_topic_arn",
                    *CERVE,
                ),
            ),
        )
        # The SKU -> Cerve product mapping lives in the price cache table.
        self.catalog_sync.read_table(storage.inventory)
        self.catalog_sync.read_write_table(storage.price_cache)
        self.catalog_sync.read_secret(secrets.name, secrets.key)
        self.catalog_sync.publish_to(notifications.procurement, notifications.key)

        self.price_sync_machine = self._price_sync_state_machine(ctx, settings)
        schedule_state_machine(
            self,
            "PriceSyncSchedule",
            state_machine=self.price_sync_machine,
            expression=settings.schedules.price_sync,
            timezone=settings.timezone,
            name=resource_name(ctx.stage, "price_sync"),
            description=f"Starts {resource_name(ctx.stage, 'price_sync')} (the fan-out)",
        )
        for fn in (self.source_sync, self.catalog_sync):
            schedule_function(
                self,
                f"{fn.node.id}Schedule",
                function=fn.function,
                expression=getattr(settings.schedules, fn.spec.name),
                timezone=settings.timezone,
                name=resource_name(ctx.stage, fn.spec.name),
                description=f"Runs {fn.function_name}",
            )

    def _price_sync_state_machine(
        self, ctx: FunctionContext, settings: StageSettings
    ) -> sfn.StateMachine:
        stage = Stack.of(self)
        name = resource_name(ctx.stage, "price_sync")
        concurrency = settings.price_sync_concurrency
        plan = tasks.LambdaInvoke(
            self,
            "PlanShards",
            lambda_function=self.price_sync.function,
            payload=sfn.TaskInput.from_object(
                {
                    "action": "plan",
                    "rate_limit_per_s": str(settings.cerve_rate_limit_per_s),
                    "concurrency": concurrency,
                    "time_budget_s": SHARD_TIME_BUDGET_S,
                }
            ),
            payload_response_only=True,
            comment="Reorderable SKUs in shards that each fit a worker's time budget",
            retry_on_service_exceptions=False,  # replaced by the explicit retry below
        )
        plan.add_retry(
            errors=LAMBDA_TRANSIENT_ERRORS,
            interval=Duration.seconds(5),
            max_attempts=3,
            backoff_rate=2,
            jitter_strategy=sfn.JitterType.FULL,
        )
        refresh = tasks.LambdaInvoke(
            self,
            "RefreshShard",
            lambda_function=self.price_sync.function,
            payload_response_only=True,
            # Counts only: the Map's result must stay small whatever the shard count.
            result_selector={
                "requested": sfn.JsonPath.number_at("$.requested"),
                "refreshed": sfn.JsonPath.number_at("$.refreshed"),
                "offers": sfn.JsonPath.number_at("$.offers"),
            },
            retry_on_service_exceptions=False,  # replaced by the explicit retry below
        )
        # Throttling is expected when runs overlap: reserved concurrency holds the workers
        # (and so Cerve's rate) at the planned count, and the throttled shard waits.
        refresh.add_retry(
            errors=LAMBDA_TRANSIENT_ERRORS,
            interval=Duration.seconds(10),
            max_attempts=4,
            backoff_rate=2,
            jitter_strategy=sfn.JitterType.FULL,
        )
        fan_out = sfn.DistributedMap(
            self,
            "RefreshShards",
            items_path="$.shards",
            item_selector={
                "skus": sfn.JsonPath.list_at("$$.Map.Item.Value.skus"),
                "rate_limit_per_s": str(settings.price_sync_rate_share_per_s),
            },
            max_concurrency=concurrency,
            tolerated_failure_percentage=TOLERATED_FAILURE_PERCENTAGE,
            map_execution_type=sfn.StateMachineType.STANDARD,  # a shard may run 10 minutes
            result_path=sfn.JsonPath.DISCARD,
            comment=f"At most {concurrency} workers, each at "
            f"{settings.price_sync_rate_share_per_s} Cerve requests/s",
        )
        fan_out.item_processor(refresh)
        machine = sfn.StateMachine(
            self,
            "PriceSyncWorkflow",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(
                plan.next(fan_out).next(sfn.Succeed(self, "PricesRefreshed"))
            ),
            timeout=Duration.hours(1),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=logs.LogGroup(
                    self,
                    "PriceSyncLogs",
                    log_group_name=f"/aws/vendedlogs/states/{name}",
                    retention=ctx.log_retention,
                    removal_policy=RemovalPolicy.DESTROY,
                ),
                level=sfn.LogLevel.ALL,
                include_execution_data=False,  # SKU lists; the function logs the counts
            ),
        )
        fn_id = stage.get_logical_id(self.price_sync.function.node.default_child)  # type: ignore[arg-type]
        for finding, reason in (
            (
                "Resource::*",
                "Step Functions log delivery and X-Ray actions support no resource-level "
                "permissions (AWS documentation); CDK adds exactly these.",
            ),
            (
                f"Resource::<{fn_id}.Arn>:*",
                "Invoking any version or alias of the price-sync function only "
                "(CDK's LambdaInvoke grant).",
            ),
        ):
            acknowledge(machine.role, "IAM5", reason, finding=finding)
        # CDK's DistributedMap policy: the Map starts its own child executions and then
        # describes, stops and redrives them; their names are generated at run time.
        own = (
            f"arn:aws:states:{stage.region}:<AWS::AccountId>:execution:"
            '{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"'
            f"{stage.get_logical_id(machine.node.default_child)}"  # type: ignore[arg-type]
            '"}]}]}'
        )
        for suffix, what in ((":*", "Describe/StopExecution"), ("/*:*", "RedriveExecution")):
            acknowledge(
                machine,
                "IAM5",
                f"{what} on this state machine's own child executions only, whose names "
                "Step Functions generates (CDK's DistributedMap grant).",
                finding=f"Resource::{own}{suffix}",
            )
        return machine
