"""Alarms to on-call and the business dashboard.

Business and health metrics come from Powertools (EMF) in namespace
`FreshConnect/PurchaseOrders` with the single dimension `service=po-automation`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infrastructure.constructs.function import PoFunction
from infrastructure.naming import METRICS_NAMESPACE, SERVICE_NAME, resource_name
from infrastructure.stage_settings import AlarmThresholds

BUSINESS_METRICS = (
    ("PurchaseOrdersCreated", "Sum"),
    ("PurchaseOrderValue", "Sum"),
    ("SavingsVsLastPrice", "Sum"),
    ("DraftsAutoApproved", "Sum"),
    ("DraftsAwaitingApproval", "Maximum"),
    ("SkusAtRiskOfStockout", "Maximum"),
)


@dataclass(frozen=True)
class _NamedAlarm:
    alarm: cloudwatch.Alarm
    alarm_name_literal: str


_AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


def po_metric(name: str, statistic: str, period: Duration) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE_NAME},
        statistic=statistic,
        period=period,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        oncall: sns.ITopic,
        thresholds: AlarmThresholds,
        functions: Sequence[PoFunction],
        state_machines: Mapping[str, sfn.StateMachine],  # alarm name prefix -> machine
        dead_letter_queue: sqs.Queue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[_NamedAlarm] = []
        self._stage = stage
        self._action = actions.SnsAction(oncall)
        period = Duration.minutes(thresholds.period_minutes)

        self._alarm(
            "CerveUnauthorized",
            po_metric("CerveUnauthorized", "Sum", period),
            thresholds.cerve_unauthorized,
            "Cerve keeps answering 401: credentials revoked or rotated without updating "
            "the secret. Runbook: README.md#cerveunauthorized",
        )
        self._alarm(
            "WebhookSignatureRejected",
            po_metric("WebhookSignatureRejected", "Sum", period),
            thresholds.webhook_signature_rejected,
            "Many webhooks failed signature checks: signing secret out of date, or someone "
            "probing the endpoint. Runbook: README.md#webhooksignaturerejected",
        )
        self._alarm(
            "CerveValidationFailed",
            po_metric("CerveValidationFailed", "Sum", period),
            thresholds.cerve_validation_failed,
            "Cerve rejected several POs as invalid (422). Runbook: README.md#cervevalidationfailed",
        )
        self._alarm(
            "CerveAuthFailed",
            po_metric("CerveAuthFailed", "Sum", period),
            thresholds.cerve_auth_failed,
            "Cerve refused our credentials even after a fresh token and a forced re-read "
            "of the secret. Runbook: README.md#cerveauthfailed",
        )
        self._alarm(
            "IdempotencyKeyReused",
            po_metric("IdempotencyKeyReused", "Sum", period),
            thresholds.idempotency_key_reused,
            "Cerve saw one Idempotency-Key with two different PO bodies: an engineering "
            "fault, page the developers. Runbook: README.md#idempotencykeyreused",
        )
        self._alarm(
            "CerveCallsFailing",
            po_metric("PriceSyncFailures", "Sum", period),
            1,
            "Supplier prices could not be fetched for some SKUs: Cerve down or refusing. "
            "Without fresh prices generation cannot order. Runbook: README.md#cervecallsfailing",
        )
        self._alarm(
            "SkusAtRiskOfStockout",
            po_metric("SkusAtRiskOfStockout", "Maximum", period),
            1,
            "Generation found SKUs that need stock but that no supplier can bring in time "
            "(or no fresh price). Runbook: README.md#skusatriskofstockout",
        )
        self._alarm(
            "WebhookDeadLetters",
            dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            1,
            "A Cerve event failed 5 times and waits in the DLQ for inspection and redrive. "
            "Runbook: README.md#webhookdeadletters",
        )
        for fn in functions:
            name = fn.spec.name
            self._alarm(
                f"{fn.node.id}Errors",
                fn.function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
                1,
                f"{fn.function_name} raised errors. Runbook: README.md#function-errors",
                alarm_name=f"{name}-errors",
            )
            self._alarm(
                f"{fn.node.id}Throttles",
                fn.function.metric_throttles(period=Duration.minutes(5), statistic="Sum"),
                1,
                f"{fn.function_name} was throttled. Runbook: README.md#function-throttles",
                alarm_name=f"{name}-throttles",
            )
        for label, machine in state_machines.items():
            mid = machine.node.id
            self._alarm(
                f"{mid}ExecutionsFailed",
                machine.metric_failed(period=Duration.minutes(5), statistic="Sum"),
                1,
                f"A {label} workflow execution failed. Runbook: README.md#executions-failed",
                alarm_name=f"{label}-executions-failed",
            )
            self._alarm(
                f"{mid}ExecutionsTimedOut",
                machine.metric_timed_out(period=Duration.minutes(5), statistic="Sum"),
                1,
                f"A {label} workflow execution timed out. Runbook: README.md#executions-timed-out",
                alarm_name=f"{label}-executions-timed-out",
            )

        self.dashboard = self._dashboard()

    def _alarm(
        self,
        cid: str,
        metric: cloudwatch.IMetric,
        threshold: int,
        description: str,
        *,
        alarm_name: str | None = None,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            cid,
            alarm_name=resource_name(self._stage, alarm_name or cid),
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=_AT_LEAST,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(_NamedAlarm(alarm, resource_name(self._stage, alarm_name or cid)))
        return alarm

    def _dashboard(self) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=resource_name(self._stage, "purchase-orders"),
            default_interval=Duration.days(7),
        )
        day = Duration.days(1)
        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title=name,
                left=[po_metric(name, statistic, day)],
                width=8,
                height=6,
            )
            for name, statistic in BUSINESS_METRICS
        ]
        dashboard.add_widgets(*widgets)
        # Alarms by name, not by reference: the dashboard does not wait on 30 alarms, and
        # CloudFormation engines without alarm support (moto) can still create it.
        by_name = [
            cloudwatch.Alarm.from_alarm_name(self, f"Ref{i}", alarm.alarm_name_literal)
            for i, alarm in enumerate(self.alarms)
        ]
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=by_name, width=24)
        )
        return dashboard
