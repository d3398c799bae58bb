"""Daily draft generation, before the earliest supplier cut-off."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infrastructure.constructs.function import (
    FunctionContext,
    FunctionSpec,
    PoFunction,
    with_settings,
)
from infrastructure.constructs.scheduling import schedule_function
from infrastructure.constructs.storage import Storage
from infrastructure.naming import resource_name
from infrastructure.stage_settings import StageSettings


class Generation(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        ctx: FunctionContext,
        settings: StageSettings,
        storage: Storage,
        approval: sfn.StateMachine,
    ) -> None:
        super().__init__(scope, construct_id)
        ctx = with_settings(ctx, approval_state_machine_arn=approval.state_machine_arn)
        self.generate_drafts = PoFunction(
            self,
            "GenerateDrafts",
            ctx=ctx,
            spec=FunctionSpec(
                name="generate_drafts",
                timeout=Duration.minutes(5),
                memory_mb=1024,  # numpy forecasting over every SKU
                description="Forecast, reorder, choose suppliers, draft POs, start approvals",
                settings=(
                    "po_table_name",
                    "inventory_table_name",
                    "price_cache_table_name",
                    "approval_state_machine_arn",
                    "currency",
                    "auto_approve_max_total",
                    "price_flag_ratio",
                    "quantity_flag_ratio",
                    "price_cache_ttl_minutes",
                    "planning_horizon_days",
                    "review_period_days",
                    "timezone",
                ),
            ),
        )
        self.generate_drafts.read_write_table(storage.purchase_orders, has_indexes=True)
        self.generate_drafts.read_table(storage.inventory)
        self.generate_drafts.read_table(storage.price_cache)
        self.generate_drafts.start_execution(approval)
        schedule_function(
            self,
            "Schedule",
            function=self.generate_drafts.function,
            expression=settings.schedules.generate_drafts,
            timezone=settings.timezone,
            name=resource_name(ctx.stage, "generate_drafts"),
            description="Daily draft POs, before the earliest supplier cut-off",
        )
