"""EventBridge Scheduler schedules, read in the stage's time zone (Europe/London).

A schedule invokes a function, or (price sync) starts a state machine execution.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infrastructure.nag import acknowledge


def _role(scope: Construct, construct_id: str, what: str) -> iam.Role:
    """Each schedule gets its own role, allowed to reach only its one target."""
    return iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
        description=f"Lets the {what}",
    )


def _schedule(
    scope: Construct,
    construct_id: str,
    *,
    target: scheduler.IScheduleTarget,
    expression: str,
    timezone: str,
    name: str,
    description: str,
) -> scheduler.Schedule:
    return scheduler.Schedule(
        scope,
        construct_id,
        schedule_name=name,
        description=description,
        schedule=scheduler.ScheduleExpression.expression(expression, TimeZone.of(timezone)),
        target=target,
    )


# A run that could not start within the hour is superseded by the next one.
MAX_EVENT_AGE = Duration.hours(1)
RETRY_ATTEMPTS = 2


def schedule_function(
    scope: Construct,
    construct_id: str,
    *,
    function: lambda_.IFunction,
    expression: str,
    timezone: str,
    name: str,
    description: str,
) -> scheduler.Schedule:
    """Invoke `function` on `expression`; Events rules would read cron in UTC instead."""
    role = _role(scope, construct_id, f"{name} schedule invoke its one function")
    acknowledge(
        role,
        "IAM5",
        "Invoking any version or alias of this one function (CDK's LambdaInvoke grant).",
        finding=f"Resource::<{Stack.of(scope).get_logical_id(function.node.default_child)}.Arn>:*",  # type: ignore[arg-type]
    )
    target = targets.LambdaInvoke(
        function, role=role, retry_attempts=RETRY_ATTEMPTS, max_event_age=MAX_EVENT_AGE
    )
    return _schedule(
        scope,
        construct_id,
        target=target,
        expression=expression,
        timezone=timezone,
        name=name,
        description=description,
    )


def schedule_state_machine(
    scope: Construct,
    construct_id: str,
    *,
    state_machine: sfn.IStateMachine,
    expression: str,
    timezone: str,
    name: str,
    description: str,
) -> scheduler.Schedule:
    """Start an execution of `state_machine` (empty input) on `expression`."""
    role = _role(scope, construct_id, f"{name} schedule start its one state machine")
    target = targets.StepFunctionsStartExecution(
        state_machine,
        role=role,
        input=scheduler.ScheduleTargetInput.from_object({}),
        retry_attempts=RETRY_ATTEMPTS,
        max_event_age=MAX_EVENT_AGE,
    )
    return _schedule(
        scope,
        construct_id,
        target=target,
        expression=expression,
        timezone=timezone,
        name=name,
        description=description,
    )
