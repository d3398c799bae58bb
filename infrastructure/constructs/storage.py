"""The four tables and the two buckets (docs/architecture.md, "Tables")."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infrastructure.nag import acknowledge
from infrastructure.naming import resource_name

_S = dynamodb.AttributeType.STRING


class Storage(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, stage: str, retain_data: bool
    ) -> None:
        super().__init__(scope, construct_id)
        removal = RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY

        def table(
            cid: str, name: str, pk: str, sk: str | None = None, **kwargs: object
        ) -> dynamodb.Table:
            return dynamodb.Table(
                self,
                cid,
                table_name=resource_name(stage, name),
                partition_key=dynamodb.Attribute(name=pk, type=_S),
                sort_key=dynamodb.Attribute(name=sk, type=_S) if sk else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                encryption=dynamodb.TableEncryption.AWS_MANAGED,
                removal_policy=removal,
                **kwargs,  # type: ignore[arg-type]
            )

        self.purchase_orders = table(
            "PurchaseOrders",
            "purchase-orders",
            "pk",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=retain_data,
        )
        self.purchase_orders.add_global_secondary_index(
            index_name="by_status",
            partition_key=dynamodb.Attribute(name="status", type=_S),
            sort_key=dynamodb.Attribute(name="updated_at", type=_S),
        )
        self.purchase_orders.add_global_secondary_index(
            index_name="by_cerve_id",
            partition_key=dynamodb.Attribute(name="cerve_po_id", type=_S),
        )
        # TTL only tidies up: expiry is checked in code, DynamoDB deletes up to days late.
        self.price_cache = table(
            "PriceCache", "price-cache", "pk", "sk", time_to_live_attribute="expires_at"
        )
        self.inventory = table("Inventory", "inventory", "pk", "sk")
        # Powertools idempotency layout: key `id`, expiry in `expiration`.
        self.idempotency = table(
            "Idempotency", "idempotency", "id", time_to_live_attribute="expiration"
        )

        acknowledge(
            self.price_cache,
            "DDB3",
            "A 15-minute cache of Cerve prices; price_sync rebuilds it, so PITR buys nothing.",
        )
        acknowledge(
            self.inventory,
            "DDB3",
            "Rebuilt every hour by source_sync from the exports kept in the import bucket.",
        )
        acknowledge(
            self.idempotency,
            "DDB3",
            "Short-lived Powertools idempotency records that expire within hours.",
        )

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 log delivery supports SSE-S3 only
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.access_logs,
            "S1",
            "This is the access-log bucket; logging it into itself would loop.",
        )

        def data_bucket(cid: str, prefix: str) -> s3.Bucket:
            return s3.Bucket(
                self,
                cid,
                encryption=s3.BucketEncryption.S3_MANAGED,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                enforce_ssl=True,
                versioned=True,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                server_access_logs_bucket=self.access_logs,
                server_access_logs_prefix=f"{prefix}/",
                lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90))],
                removal_policy=RemovalPolicy.RETAIN,  # exports are the audit trail
            )

        self.import_bucket = data_bucket("ImportBucket", "import")
        self.export_bucket = data_bucket("ExportBucket", "export")
