"""The one stack per stage: every capability construct, wired together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack, Tags
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infrastructure.constructs.approval import ApprovalWorkflow
from infrastructure.constructs.erp import Erp
from infrastructure.constructs.function import FunctionContext
from infrastructure.constructs.generation import Generation
from infrastructure.constructs.monitoring import Monitoring
from infrastructure.constructs.notifications import Notifications
from infrastructure.constructs.secrets import Secrets
from infrastructure.constructs.storage import Storage
from infrastructure.constructs.sync import Sync
from infrastructure.constructs.webhooks import Webhooks
from infrastructure.layer_bundling import core_layer_code
from infrastructure.naming import resource_name
from infrastructure.stage_settings import LOG_RETENTION_DAYS, StageSettings

REPO_ROOT = Path(__file__).resolve().parent.parent


def retention_days(days: int) -> logs.RetentionDays:
    """CDK's enum member for a CloudWatch Logs retention in days (validated in settings)."""
    members = [m for m in logs.RetentionDays if m.name != "INFINITE"]
    return dict(zip(sorted(LOG_RETENTION_DAYS), members, strict=True))[days]


def stack_name(stage: str) -> str:
    return f"FcPo-{stage}"


class PoAutomationStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        settings: StageSettings,
        bundle_layer: bool = True,
        lambdas_root: Path | None = None,
        layer_dir: Path | None = None,
        untagged_types: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # `untagged_types` exists for the moto rehearsal only (moto fails on tagged KMS keys).
        for key, value in (("project", "freshconnect-po-automation"), ("stage", stage)):
            Tags.of(self).add(key, value, exclude_resource_types=list(untagged_types))

        storage = Storage(self, "Storage", stage=stage, retain_data=settings.retain_data)
        secrets = Secrets(self, "Secrets", stage=stage)
        notifications = Notifications(
            self,
            "Notifications",
            stage=stage,
            oncall_emails=settings.alarm_emails.oncall,
            procurement_emails=settings.alarm_emails.procurement,
        )
        layer = lambda_.LayerVersion(
            self,
            "CoreLayer",
            layer_version_name=resource_name(stage, "core"),
            description="po_automation and its runtime dependencies",
            code=core_layer_code(layer_dir or REPO_ROOT / "layers" / "core", bundle=bundle_layer),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            removal_policy=RemovalPolicy.RETAIN,  # running versions keep working mid-deploy
        )
        ctx = FunctionContext(
            stage=stage,
            lambdas_root=lambdas_root or REPO_ROOT / "lambdas",
            layer=layer,
            log_retention=retention_days(settings.log_retention_days),
            log_level=settings.log_level,
            settings=self._settings(stage, settings, storage, secrets, notifications),
            reserved_concurrency=settings.reserved_concurrency,
            removal_policy=RemovalPolicy.DESTROY,
        )

        self.webhooks = Webhooks(
            self,
            "Webhooks",
            ctx=ctx,
            storage=storage,
            secrets=secrets,
            notifications=notifications,
            rate_limit=settings.api_throttle.rate_limit,
            burst_limit=settings.api_throttle.burst_limit,
        )
        self.approval = ApprovalWorkflow(
            self,
            "ApprovalWorkflow",
            ctx=ctx,
            storage=storage,
            secrets=secrets,
            notifications=notifications,
            event_bus=self.webhooks.event_bus,
            event_bus_name=self.webhooks.event_bus_name,
        )
        generation = Generation(
            self,
            "Generation",
            ctx=ctx,
            settings=settings,
            storage=storage,
            approval=self.approval.approval,
        )
        sync = Sync(
            self,
            "Sync",
            ctx=ctx,
            settings=settings,
            storage=storage,
            secrets=secrets,
            notifications=notifications,
        )
        erp = Erp(
            self,
            "Erp",
            ctx=ctx,
            settings=settings,
            storage=storage,
            secrets=secrets,
            event_bus=self.webhooks.event_bus,
            event_bus_name=self.webhooks.event_bus_name,
            notifications=notifications,
        )
        self.functions = [
            sync.source_sync,
            sync.price_sync,
            sync.catalog_sync,
            generation.generate_drafts,
            self.approval.request_approval,
            self.approval.record_decision,
            self.approval.submit_po,
            self.webhooks.receiver,
            self.webhooks.applier,
            erp.erp_export,
            erp.reconcile_pos,
        ]
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            stage=stage,
            oncall=notifications.oncall,
            thresholds=settings.alarm_thresholds,
            functions=self.functions,
            state_machines={
                "approval": self.approval.approval,
                "decision": self.approval.decision,
                "price-sync": sync.price_sync_machine,
            },
            dead_letter_queue=self.webhooks.dead_letter_queue,
        )
        self.storage, self.secrets, self.notifications = storage, secrets, notifications
        self.sync = sync
        self._outputs()

    @staticmethod
    def _settings(
        stage: str,
        settings: StageSettings,
        storage: Storage,
        secrets: Secrets,
        notifications: Notifications,
    ) -> dict[str, str]:
        """Values for po_automation.settings.Settings fields, by field name."""
        return {
            "stage": stage,
            "po_table_name": storage.purchase_orders.table_name,
            "price_cache_table_name": storage.price_cache.table_name,
            "inventory_table_name": storage.inventory.table_name,
            "idempotency_table_name": storage.idempotency.table_name,
            "import_bucket_name": storage.import_bucket.bucket_name,
            "export_bucket_name": storage.export_bucket.bucket_name,
            "procurement_topic_arn": notifications.procurement.topic_arn,
            "oncall_topic_arn": notifications.oncall.topic_arn,
            "cerve_base_url": settings.cerve_base_url_str,
            "cerve_auth_url": settings.cerve_auth_url_str,
            "cerve_secret_name": secrets.name,
            "slack_secret_name": secrets.slack_name,
            "cerve_rate_limit_per_s": str(settings.cerve_rate_limit_per_s),
            "cerve_timeout_s": str(settings.cerve_timeout_s),
            "currency": settings.currency,
            "auto_approve_max_total": str(settings.auto_approve_max_total),
            "price_flag_ratio": str(settings.price_flag_ratio),
            "quantity_flag_ratio": str(settings.quantity_flag_ratio),
            "price_cache_ttl_minutes": str(settings.price_cache_ttl_minutes),
            "planning_horizon_days": str(settings.planning_horizon_days),
            "review_period_days": str(settings.review_period_days),
            "reconcile_after_hours": str(settings.reconcile_after_hours),
            "timezone": settings.timezone,
        }

    def _outputs(self) -> None:
        outputs = {
            "WebhookUrl": self.webhooks.webhook_url,
            "ApprovalStateMachineArn": self.approval.approval.state_machine_arn,
            "DecisionStateMachineArn": self.approval.decision.state_machine_arn,
            "PriceSyncStateMachineArn": self.sync.price_sync_machine.state_machine_arn,
            "PurchaseOrdersTableName": self.storage.purchase_orders.table_name,
            "PriceCacheTableName": self.storage.price_cache.table_name,
            "InventoryTableName": self.storage.inventory.table_name,
            "IdempotencyTableName": self.storage.idempotency.table_name,
            "WebhookQueueUrl": self.webhooks.queue.queue_url,
            "WebhookDeadLetterQueueUrl": self.webhooks.dead_letter_queue.queue_url,
            "CerveSecretName": self.secrets.name,
            "SlackSecretName": self.secrets.slack_name,
            "ImportBucketName": self.storage.import_bucket.bucket_name,
            "ExportBucketName": self.storage.export_bucket.bucket_name,
            "EventBusName": self.webhooks.event_bus_name,
            "OnCallTopicArn": self.notifications.oncall.topic_arn,
            "ProcurementTopicArn": self.notifications.procurement.topic_arn,
        }
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
