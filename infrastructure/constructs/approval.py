"""The approval and decision workflows (docs/architecture.md, "State machines").

Approval: one Standard execution per draft, named after the draft. Auto-approved drafts go
straight to submission; the others wait on a task token until procurement decides or the
supplier's cut-off passes. Decision: a short workflow that records a decision and resumes
the waiting approval execution, so a decision made in the console is audited like any other.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
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

# Lambda errors worth retrying: the service's own, throttling, and Cerve being down.
# `CerveUnavailable` is the error type submit_po raises (the exception's class name).
LAMBDA_TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.TooManyRequestsException",
]
# Cerve was unreachable, or may have applied the PO without our hearing: both are retried
# with the same Idempotency-Key, which makes a retry safe.
TRANSIENT_ERRORS = [*LAMBDA_TRANSIENT_ERRORS, "CerveUnavailable", "AmbiguousOutcome"]
# Retrying these cannot help: a person or an engineer must act (each raises an alarm).
FINAL_ERRORS = ["IdempotencyKeyReused", "CerveAuthError", "NotApproved"]
BUYING_RULES = (
    "currency",
    "auto_approve_max_total",
    "price_flag_ratio",
    "quantity_flag_ratio",
    "timezone",
)
CERVE = (
    "cerve_base_url",
    "cerve_auth_url",
    "cerve_secret_name",
    "cerve_rate_limit_per_s",
    "cerve_timeout_s",
)


class ApprovalWorkflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        ctx: FunctionContext,
        storage: Storage,
        secrets: Secrets,
        notifications: Notifications,
        event_bus: events.EventBus,
        event_bus_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        stage = ctx.stage
        ctx = with_settings(ctx, event_bus_name=event_bus_name)
        approval_name = resource_name(stage, "approval")
        # By name, not reference: the machine refers to this function, so a reference from
        # the function's policy back to the machine would be a dependency cycle.
        approval_arn = Stack.of(self).format_arn(
            service="states",
            resource="stateMachine",
            resource_name=approval_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

        self.request_approval = PoFunction(
            self,
            "RequestApprovalFn",
            ctx=ctx,
            spec=FunctionSpec(
                name="request_approval",
                timeout=Duration.seconds(30),
                description="Approval workflow: prepare, await a decision, expire a draft",
                settings=(
                    "po_table_name",
                    "procurement_topic_arn",
                    "event_bus_name",
                    *BUYING_RULES,
                ),
            ),
        )
        self.request_approval.read_write_table(storage.purchase_orders, has_indexes=True)
        self.request_approval.publish_to(notifications.procurement, notifications.key)
        self.request_approval.put_events(event_bus)
        # await_decision delivers a decision that was recorded before the token was stored
        # (record_decision found no token to answer): SendTaskSuccess only.
        self.request_approval.role.add_to_policy(
            iam.PolicyStatement(actions=["states:SendTaskSuccess"], resources=[approval_arn])
        )

        self.submit_po = PoFunction(
            self,
            "SubmitPoFn",
            # A fallback draft (another supplier has the stock) gets its own approval.
            ctx=with_settings(ctx, approval_state_machine_arn=approval_arn),
            spec=FunctionSpec(
                name="submit_po",
                timeout=Duration.seconds(120),
                description="Sends an approved draft to Cerve with its Idempotency-Key",
                settings=(
                    "po_table_name",
                    "procurement_topic_arn",
                    "event_bus_name",
                    "price_cache_table_name",
                    "price_cache_ttl_minutes",
                    "approval_state_machine_arn",
                    "currency",
                    "timezone",
                    *CERVE,
                ),
            ),
        )
        self.submit_po.read_write_table(storage.purchase_orders, has_indexes=True)
        self.submit_po.read_secret(secrets.name, secrets.key)
        self.submit_po.publish_to(notifications.procurement, notifications.key)
        self.submit_po.put_events(event_bus)  # submitted / needs correction reach SAP too
        # Supplier fallback: the next-best offers, and an approval for the fallback draft.
        self.submit_po.read_table(storage.price_cache)
        self.submit_po.role.add_to_policy(
            iam.PolicyStatement(actions=["states:StartExecution"], resources=[approval_arn])
        )

        self.approval = self._approval_state_machine(approval_name, ctx)
        ctx = with_settings(ctx, approval_state_machine_arn=self.approval.state_machine_arn)

        self.record_decision = PoFunction(
            self,
            "RecordDecisionFn",
            ctx=ctx,
            spec=FunctionSpec(
                name="record_decision",
                timeout=Duration.seconds(30),
                description="Decision workflow: applies a decision, resumes the approval",
                settings=(
                    "po_table_name",
                    "procurement_topic_arn",
                    "event_bus_name",
                    "approval_state_machine_arn",
                    *BUYING_RULES,
                ),
            ),
        )
        self.record_decision.read_write_table(storage.purchase_orders, has_indexes=True)
        self.record_decision.publish_to(notifications.procurement, notifications.key)
        self.record_decision.put_events(event_bus)
        self.record_decision.send_task_response(self.approval)
        # A draft corrected after Cerve's 422 gets a fresh approval execution.
        self.record_decision.start_execution(self.approval)

        self.decision = self._decision_state_machine(stage, ctx)

    def _log_group(self, cid: str, name: str, ctx: FunctionContext) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            cid,
            log_group_name=f"/aws/vendedlogs/states/{name}",
            retention=ctx.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _state_machine(
        self,
        cid: str,
        name: str,
        definition: sfn.IChainable,
        timeout: Duration,
        ctx: FunctionContext,
    ) -> sfn.StateMachine:
        machine = sfn.StateMachine(
            self,
            cid,
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=timeout,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self._log_group(f"{cid}Logs", name, ctx),
                level=sfn.LogLevel.ALL,
                # Execution data holds task tokens: anyone reading the logs could decide.
                include_execution_data=False,
            ),
        )
        acknowledge(
            machine.role,
            "IAM5",
            "Step Functions log delivery and X-Ray actions support no resource-level "
            "permissions (AWS documentation); CDK adds exactly these.",
            finding="Resource::*",
        )
        return machine

    def _invoke_wildcard(self, machine: sfn.StateMachine, fn: PoFunction) -> None:
        logical_id = Stack.of(self).get_logical_id(fn.function.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            machine.role,
            "IAM5",
            "Invoking any version or alias of this one function (CDK's LambdaInvoke grant).",
            finding=f"Resource::<{logical_id}.Arn>:*",
        )

    def _approval_state_machine(self, name: str, ctx: FunctionContext) -> sfn.StateMachine:
        draft = {"draft_id": sfn.JsonPath.string_at("$.draft_id")}
        prepare = tasks.LambdaInvoke(
            self,
            "PrepareApproval",
            lambda_function=self.request_approval.function,
            payload=sfn.TaskInput.from_object({"action": "prepare", **draft}),
            payload_response_only=True,
            comment="Records auto-approval and returns the seconds left until the cut-off",
        )
        wait = tasks.LambdaInvoke(
            self,
            "WaitForDecision",
            lambda_function=self.request_approval.function,
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            payload=sfn.TaskInput.from_object(
                {"action": "await_decision", **draft, "task_token": sfn.JsonPath.task_token}
            ),
            task_timeout=sfn.Timeout.at("$.seconds_until_cutoff"),
            result_path="$.decision",
            comment="Stores the task token on the draft and notifies procurement",
        )
        expire = tasks.LambdaInvoke(
            self,
            "ExpireDraft",
            lambda_function=self.request_approval.function,
            payload=sfn.TaskInput.from_object({"action": "expire", **draft}),
            payload_response_only=True,
            result_path="$.expiry",
        )
        submit = tasks.LambdaInvoke(
            self,
            "SubmitPurchaseOrder",
            lambda_function=self.submit_po.function,
            payload=sfn.TaskInput.from_object(draft),
            payload_response_only=True,
            result_path="$.submission",
            retry_on_service_exceptions=False,  # replaced by the explicit retry below
        )
        submit.add_retry(errors=FINAL_ERRORS, max_attempts=0)
        # No supplier has the stock yet: try again every 15 minutes; the fifth attempt (the
        # service's last chance, SupplierFallback.max_holds) sends what can be served.
        submit.add_retry(
            errors=["NoSupplierAvailable"],
            interval=Duration.minutes(15),
            max_attempts=4,
            backoff_rate=1,
            jitter_strategy=sfn.JitterType.FULL,
        )
        submit.add_retry(
            errors=TRANSIENT_ERRORS,
            interval=Duration.seconds(5),
            max_attempts=4,
            backoff_rate=2,
            jitter_strategy=sfn.JitterType.FULL,
        )
        # A crash (a DynamoDB error, a timeout after Cerve answered) is retried too: the
        # same key replays Cerve's answer, so the PO is still created once.
        submit.add_retry(
            errors=["States.ALL"],
            interval=Duration.seconds(10),
            max_attempts=3,
            backoff_rate=2,
            jitter_strategy=sfn.JitterType.FULL,
        )
        failed = sfn.Fail(
            self,
            "SubmissionFailed",
            cause="submit_po failed after retries; see the execution's error output",
            error="SubmissionFailed",
        )
        submit.add_catch(failed, errors=["States.ALL"], result_path="$.error")
        submitted = sfn.Succeed(self, "Submitted")
        rejected = sfn.Succeed(self, "Rejected", comment="Procurement rejected the draft")
        expired = sfn.Succeed(self, "Expired", comment="No decision before the cut-off")
        wait.add_catch(expire, errors=["States.Timeout"], result_path="$.timeout")
        expire.next(expired)
        submit.next(submitted)

        decided = (
            sfn.Choice(self, "CheckDecision")
            .when(sfn.Condition.string_equals("$.decision.decision", "approve"), submit)
            .when(sfn.Condition.string_equals("$.decision.decision", "reject"), rejected)
            .otherwise(
                sfn.Fail(
                    self,
                    "UnknownDecision",
                    error="UnknownDecision",
                    cause="decision must be approve or reject",
                )
            )
        )
        wait.next(decided)
        auto = (
            sfn.Choice(self, "CheckAutoApproval")
            .when(sfn.Condition.boolean_equals("$.auto_approved", True), submit)
            .otherwise(wait)
        )
        machine = self._state_machine(
            "Approval",
            name,
            prepare.next(auto),
            Duration.days(7),
            ctx,
        )
        self._invoke_wildcard(machine, self.request_approval)
        self._invoke_wildcard(machine, self.submit_po)
        return machine

    def _decision_state_machine(self, stage: str, ctx: FunctionContext) -> sfn.StateMachine:
        record = tasks.LambdaInvoke(
            self,
            "RecordDecision",
            lambda_function=self.record_decision.function,
            payload_response_only=True,
            comment="Applies the decision and resumes the waiting approval execution",
        )
        machine = self._state_machine(
            "Decision",
            resource_name(stage, "decision"),
            record,
            Duration.minutes(5),
            ctx,
        )
        self._invoke_wildcard(machine, self.record_decision)
        return machine
