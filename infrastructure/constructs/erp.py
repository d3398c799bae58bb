"""The ERP side: nightly CSV export and hourly reconciliation of silent POs."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from constructs import Construct

from infrastructure.constructs.approval import CERVE
from infrastructure.constructs.function import (
    FunctionContext,
    FunctionSpec,
    PoFunction,
    with_settings,
)
from infrastructure.constructs.notifications import Notifications
from infrastructure.constructs.scheduling import schedule_function
from infrastructure.constructs.secrets import Secrets
from infrastructure.constructs.storage import Storage
from infrastructure.naming import resource_name
from infrastructure.stage_settings import StageSettings


class Erp(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        ctx: FunctionContext,
        settings: StageSettings,
        storage: Storage,
        secrets: Secrets,
        event_bus: events.EventBus,
        event_bus_name: str,
        notifications: Notifications,
    ) -> None:
        super().__init__(scope, construct_id)
        ctx = with_settings(ctx, event_bus_name=event_bus_name)

        self.erp_export = PoFunction(
            self,
            "ErpExport",
            ctx=ctx,
            spec=FunctionSpec(
                name="erp_export",
                timeout=Duration.minutes(5),
                memory_mb=512,
                description="Nightly CSV of PO statuses and costs for SAP reconciliation",
                settings=("po_table_name", "export_bucket_name", "currency", "timezone"),
            ),
        )
        self.erp_export.read_table(storage.purchase_orders, has_indexes=True)
        self.erp_export.write_objects(storage.export_bucket)

        self.reconcile_pos = PoFunction(
            self,
            "ReconcilePos",
            ctx=ctx,
            spec=FunctionSpec(
                name="reconcile_pos",
                timeout=Duration.minutes(5),
                description="Asks Cerve about open POs that have been silent for too long",
                settings=(
                    "po_table_name",
                    "event_bus_name",
                    "procurement_topic_arn",
                    "reconcile_after_hours",
                    "timezone",
                    *CERVE,
                ),
            ),
        )
        self.reconcile_pos.read_write_table(storage.purchase_orders, has_indexes=True)
        self.reconcile_pos.read_secret(secrets.name, secrets.key)
        self.reconcile_pos.put_events(event_bus)
        self.reconcile_pos.publish_to(notifications.procurement, notifications.key)

        for fn in (self.erp_export, self.reconcile_pos):
            schedule_function(
                self,
                f"{fn.node.id}Schedule",
                function=fn.function,
                expression=getattr(settings.schedules, fn.spec.name),
                timezone=settings.timezone,
                name=resource_name(ctx.stage, fn.spec.name),
                description=f"Runs {fn.function_name}",
            )
