"""Scheduled syncs: source exports (hourly), Cerve prices (15 min), Cerve catalog (weekly)."""

from __future__ import annotations

from aws_cdk import Duration
from constructs import Construct

from infrastructure.constructs.approval import CERVE
from infrastructure.constructs.function import FunctionContext, FunctionSpec, PoFunction
from infrastructure.constructs.notifications import Notifications
from infrastructure.constructs.scheduling import schedule_function
from infrastructure.constructs.secrets import Secrets
from infrastructure.constructs.storage import Storage
from infrastructure.naming import resource_name
from infrastructure.stage_settings import StageSettings


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
                timeout=Duration.minutes(10),
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

        for fn in (self.source_sync, self.price_sync, self.catalog_sync):
            schedule_function(
                self,
                f"{fn.node.id}Schedule",
                function=fn.function,
                expression=getattr(settings.schedules, fn.spec.name),
                timezone=settings.timezone,
                name=resource_name(ctx.stage, fn.spec.name),
                description=f"Runs {fn.function_name}",
            )
