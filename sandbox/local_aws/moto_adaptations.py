# ruff: noqa: PLC0415 - moto backends and the layer are imported lazily, once mocked
"""Every change the local AWS makes to moto's behaviour, in one place, pinned to one version.

moto 5.2.5 runs state machines and deploys CloudFormation templates, but a CDK template
needs a few things it does not do. Each adaptation below says what moto lacks and why the
replacement is faithful to AWS. They are installed only inside `adapted_moto()` (entered by
`LocalAws`), so other tests that use plain `mock_aws` see moto unchanged.

`tests/integration/test_local_aws_moto_contract.py` fails when a moto upgrade moves the
attributes patched here or starts supporting what we fill in, so each adaptation can be
re-checked (and deleted if moto caught up) rather than silently misbehaving.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any
from unittest import mock

import moto
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.cloudformation import parsing
from moto.moto_api._internal import mock_random
from moto.stepfunctions.models import StateMachine

MOTO_VERSION = "5.2.5"

# (payload, errored, logs): what `LambdaFunction._invoke_lambda` returns in moto 5.2.5.
InvokeResult = tuple[str, bool, str]
InProcessInvoker = Callable[[LambdaFunction, Any], InvokeResult]


class MotoVersionError(RuntimeError):
    pass


def check_moto_version() -> None:
    """Refuse to patch a moto these adaptations were not written (and tested) for."""
    if moto.__version__ != MOTO_VERSION:
        raise MotoVersionError(
            f"sandbox.local_aws adapts moto {MOTO_VERSION} but moto {moto.__version__} is "
            "installed. Install moto=={MOTO_VERSION} (requirements.txt), or re-check every "
            "adaptation in sandbox/local_aws/moto_adaptations.py against the new moto, run "
            "tests/integration/test_local_aws_moto_contract.py, then update MOTO_VERSION."
        )


# --- 1. Lambda invoke runs our handler in-process -------------------------------------


def _in_process_invoke_lambda(invoker: InProcessInvoker) -> Callable[..., InvokeResult]:
    """moto lacks: running Lambda code without Docker (its `_invoke_lambda` starts a container).

    `_invoke_lambda(self, event)` is the single point every invocation path goes through
    (boto3 `Invoke`, Step Functions `lambda:invoke` tasks, SNS/EventBridge targets, custom
    resources), after moto has parsed the payload and before it shapes the response, so
    replacing it keeps moto's request/response handling (FunctionError header, payload) and
    only swaps the container for an in-process call with the same environment.
    """

    def _invoke_lambda(self: LambdaFunction, event: Any = None) -> InvokeResult:
        return invoker(self, {} if event is None else event)

    return _invoke_lambda


# --- 2. State machines from CloudFormation land in the engine that runs them -------------


def _state_machine_backend(account_id: str, region_name: str) -> Any:
    # The same selection moto's Step Functions API makes, so `execute_state_machine` is honoured.
    from moto.stepfunctions.responses import get_backend

    return get_backend(account_id, region_name)


def _definition_from_properties(properties: dict[str, Any]) -> str:
    definition = properties.get("DefinitionString") or properties.get("Definition") or ""
    if isinstance(definition, dict):
        definition = json.dumps(definition)
    for key, value in (properties.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace("${" + key + "}", str(value))
    return _tolerated_percentage_as_decimal(str(definition))


def _tolerated_percentage_as_decimal(definition: str) -> str:
    """moto lacks: an integer `ToleratedFailurePercentage` (AWS takes any number 0-100).

    moto's ASL grammar reads the percentage only as a decimal (`25.0`), so the price-sync
    Distributed Map's `25` failed the deploy; the value is unchanged.
    """
    integer = r'("ToleratedFailurePercentage"\s*:\s*)(\d+)(?=\s*[,}])'
    return re.sub(integer, r"\g<1>\2.0", definition)


def _create_state_machine_from_cfn(
    cls: type[StateMachine],
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> StateMachine:
    """moto lacks: CloudFormation state machines in the executing backend.

    With `execute_state_machine`, moto's API serves state machines from its parser backend,
    but `StateMachine.create_from_cloudformation_json` writes to the plain backend, so a
    deployed machine was invisible to `StartExecution`. AWS also applies
    `DefinitionSubstitutions` (CDK uses them), which moto ignores. This creates the machine
    where the API looks, with substitutions applied; the parser backend also validates the
    definition, as AWS does at deploy time.
    """
    from moto.cloudformation.exceptions import ValidationError

    properties = cloudformation_json["Properties"]
    name = properties.get("StateMachineName", resource_name)
    tags = [{"key": t["Key"], "value": t["Value"]} for t in properties.get("Tags", [])]
    try:
        return _state_machine_backend(account_id, region_name).create_state_machine(  # type: ignore[no-any-return]
            name=name,
            definition=_definition_from_properties(properties),
            roleArn=properties.get("RoleArn", ""),
            tags=tags,
            sm_type=properties.get("StateMachineType"),
        )
    except Exception as exc:
        # The parser's error would reach CloudFormation's XML response as unparsable JSON.
        detail = getattr(exc, "message", None) or str(exc)
        raise ValidationError(
            message=f"state machine {name}: invalid definition: {detail}"
        ) from exc


def _delete_state_machine_from_cfn(
    cls: type[StateMachine],
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
) -> None:
    _state_machine_backend(account_id, region_name).delete_state_machine(resource_name)


# --- 3. Resource types moto's CloudFormation skips -------------------------------------


class _FilledResource:
    """What moto's CloudFormation needs of a resource: ids, attributes, create and delete.

    Deliberately not a `CloudFormationModel` subclass: moto registers those globally, and
    these types must stay unsupported outside `adapted_moto()`.
    """

    cf_resource_type: str
    logical_resource_id: str

    def __init__(self, physical_resource_id: str, attributes: dict[str, Any]) -> None:
        self.physical_resource_id = physical_resource_id
        self._attributes = attributes

    def is_created(self) -> bool:
        return True

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self._attributes.get(attribute_name)

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        return None


def _generate_secret_string(spec: dict[str, Any]) -> str:
    from moto.secretsmanager.utils import random_password

    password = random_password(
        password_length=int(spec.get("PasswordLength", 32)),
        exclude_characters=spec.get("ExcludeCharacters", ""),
        exclude_numbers=bool(spec.get("ExcludeNumbers", False)),
        exclude_punctuation=bool(spec.get("ExcludePunctuation", False)),
        exclude_uppercase=bool(spec.get("ExcludeUppercase", False)),
        exclude_lowercase=bool(spec.get("ExcludeLowercase", False)),
        include_space=bool(spec.get("IncludeSpace", False)),
        require_each_included_type=bool(spec.get("RequireEachIncludedType", True)),
    )
    template = spec.get("SecretStringTemplate")
    if template and spec.get("GenerateStringKey"):
        document = json.loads(template)
        document[spec["GenerateStringKey"]] = password
        return json.dumps(document)
    return password


class SecretResource(_FilledResource):
    """moto lacks: `AWS::SecretsManager::Secret` in CloudFormation (skipped with a warning).

    Without it every `Ref` to the secret resolves to nothing and moto drops the environment
    variable that names it (CERVE_SECRET_NAME), so functions could not find their secret.
    This creates the secret in moto's Secrets Manager from the template's own properties
    (`Name`, `SecretString` or `GenerateSecretString`, `Description`, `KmsKeyId`, `Tags`).
    As in AWS, `Ref` is the ARN (name plus a six-character suffix, which moto generates), so
    CDK's `secretName` expression (split the ARN, drop the suffix) resolves to the name.
    """

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::Secret"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SecretResource:
        from moto.secretsmanager.models import secretsmanager_backends

        properties = cloudformation_json.get("Properties", {})
        if "SecretString" in properties:
            secret_string = str(properties["SecretString"])
        else:
            secret_string = _generate_secret_string(properties.get("GenerateSecretString", {}))
        backend = secretsmanager_backends[account_id][region_name]
        created = json.loads(
            backend.create_secret(
                name=properties.get("Name", resource_name),
                secret_string=secret_string,
                secret_binary=None,
                description=properties.get("Description"),
                tags=properties.get("Tags"),
                kms_key_id=properties.get("KmsKeyId"),
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )
        )
        return cls(created["ARN"], {"Id": created["ARN"]})

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        from moto.secretsmanager.models import secretsmanager_backends

        secretsmanager_backends[account_id][region_name].delete_secret(
            secret_id=resource_name,
            recovery_window_in_days=None,
            force_delete_without_recovery=True,
        )


def _epoch_seconds(value: str | None) -> int | None:
    # CloudFormation takes ISO 8601 dates; moto's scheduler takes what boto3 parsed: epoch.
    if not value:
        return None
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


class ScheduleResource(_FilledResource):
    """moto lacks: `AWS::Scheduler::Schedule` in CloudFormation (skipped with a warning).

    The schedules are how most functions are triggered in AWS; creating them in moto's
    EventBridge Scheduler (which has the API, not the CloudFormation model) lets tests check
    each function's schedule and target as deployed. Nothing fires them locally: tests
    invoke the target themselves, as a schedule would.
    """

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Scheduler::Schedule"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ScheduleResource:
        from moto.scheduler.models import scheduler_backends

        properties = cloudformation_json.get("Properties", {})
        name = (
            properties.get("Name")
            or f"{kwargs.get('LogicalId', 'schedule')}-{mock_random.get_random_string(8)}"
        )
        group = properties.get("GroupName") or "default"
        backend = scheduler_backends[account_id][region_name]
        if group not in backend.schedule_groups:
            backend.create_schedule_group(name=group, tags=[])
        schedule = backend.create_schedule(
            description=properties.get("Description", ""),
            end_date=_epoch_seconds(properties.get("EndDate")),  # type: ignore[arg-type]
            flexible_time_window=properties.get("FlexibleTimeWindow", {"Mode": "OFF"}),
            group_name=group,
            kms_key_arn=properties.get("KmsKeyArn", ""),
            name=name,
            schedule_expression=properties["ScheduleExpression"],
            schedule_expression_timezone=properties.get("ScheduleExpressionTimezone", ""),
            start_date=_epoch_seconds(properties.get("StartDate")),  # type: ignore[arg-type]
            state=properties.get("State", "ENABLED"),
            target=properties["Target"],
            action_after_completion=properties.get("ActionAfterCompletion"),
        )
        return cls(name, {"Arn": schedule.arn})


class AlarmResource(_FilledResource):
    """moto lacks: `AWS::CloudWatch::Alarm` in CloudFormation (skipped with a warning).

    Creates the alarm through moto's CloudWatch `PutMetricAlarm` from the template's own
    properties, so tests can see which failures are alarmed and with which threshold.
    """

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> AlarmResource:
        from moto.cloudwatch.models import cloudwatch_backends

        p = cloudformation_json.get("Properties", {})
        name = p.get("AlarmName") or resource_name
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p.get("ComparisonOperator"),
            evaluation_periods=int(p.get("EvaluationPeriods", 1)),
            period=int(p.get("Period", 300)),
            threshold=float(p.get("Threshold", 0)),
            statistic=p.get("Statistic"),
            description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions", [])],
            alarm_actions=p.get("AlarmActions", []),
            datapoints_to_alarm=p.get("DatapointsToAlarm"),
            ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []),
            treat_missing_data=p.get("TreatMissingData"),
        )
        return cls(name, {"Arn": alarm.alarm_arn})


class ApiStageResource(_FilledResource):
    """moto lacks: `AWS::ApiGateway::Stage` in CloudFormation (skipped with a warning).

    CDK deploys a REST API as Deployment + Stage; without the stage, `Ref` to it (the API's
    URL output, `api.url`) resolves to "None". This creates the stage through moto's API
    Gateway `CreateStage`; `Ref` is the stage name, as in AWS.
    """

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGateway::Stage"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ApiStageResource:
        from moto.apigateway.models import apigateway_backends

        p = cloudformation_json.get("Properties", {})
        stage = apigateway_backends[account_id][region_name].create_stage(
            function_id=p["RestApiId"],
            stage_name=p["StageName"],
            deploymentId=p.get("DeploymentId", ""),
            variables=p.get("Variables"),
            description=p.get("Description", ""),
            tracing_enabled=p.get("TracingEnabled"),
        )
        return cls(str(stage.name), {})


FILLED_RESOURCE_TYPES: dict[str, type[_FilledResource]] = {
    cls.cloudformation_type(): cls
    for cls in (SecretResource, ScheduleResource, AlarmResource, ApiStageResource)
}

# --- 3b. `Ref` values moto's models do not provide ----------------------------------------


# moto resolves `Ref` to `physical_resource_id` and, when a model has none, to the model
# object itself, which then ends up in environment variables and ARNs as its repr. These are
# the values AWS documents as each type's `Ref` return value.
def _ref_values() -> dict[str, tuple[type[Any], Callable[[Any], str]]]:
    from moto.apigateway.models import Deployment
    from moto.awslambda.models import LayerVersion
    from moto.events.models import EventBus

    return {
        "AWS::Events::EventBus": (EventBus, lambda bus: bus.name),
        "AWS::Lambda::LayerVersion": (LayerVersion, lambda layer: layer.arn),
        "AWS::ApiGateway::Deployment": (Deployment, lambda deployment: deployment.id),
    }


def _resource_class_from_type(original: Callable[[str], Any]) -> Callable[[str], Any]:
    def resource_class_from_type(resource_type: str) -> Any:
        filled = FILLED_RESOURCE_TYPES.get(resource_type)
        return filled if filled is not None else original(resource_type)

    return resource_class_from_type


# --- 3c. KMS keys with tags ---------------------------------------------------------------


def _kms_key_with_cfn_tags(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto lacks: CloudFormation-shaped tags on `AWS::KMS::Key`.

    moto passes the template's `Tags` (`Key`/`Value`, the CloudFormation shape) straight to
    KMS's tagger, which expects the KMS API shape (`TagKey`/`TagValue`) and raises KeyError,
    failing the whole stack whenever a key is tagged (CDK tags every taggable resource when
    the app applies `Tags.of(...)`). The tags are translated, then moto's own code runs.
    """

    def create_from_cloudformation_json(
        cls: type[Any],
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        properties = dict(cloudformation_json.get("Properties", {}))
        properties["Tags"] = [
            {"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t
            for t in properties.get("Tags", [])
        ]
        return original(
            resource_name,
            {**cloudformation_json, "Properties": properties},
            account_id,
            region_name,
            **kwargs,
        )

    return create_from_cloudformation_json


# --- 4. SQS is delivered by the local event source mapping, not pushed by moto ----------


def _create_event_source_mapping_without_push(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto lacks: a faithful SQS event source mapping.

    moto invokes the function synchronously inside `SendMessage`, one message per call,
    deletes the batch unless the call errored (ignoring `ReportBatchItemFailures`) and
    reports `ApproximateReceiveCount` as "1". Our applier relies on partial batch failures
    and the redrive policy, so the mapping is kept (it is listed, with its batch size) but
    detached from the queue; `LocalAws.drain_queue_to` then delivers batches as Lambda's
    poller does.
    """

    def create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        esm = original(self, spec)
        from moto.sqs.models import sqs_backends

        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            if queue.queue_arn == esm.event_source_arn:
                queue.lambda_event_source_mappings.pop(esm.function_arn, None)
        return esm

    return create_event_source_mapping


# --- 5. CDK's own custom-resource providers ----------------------------------------------


def acknowledge_custom_resource(event: dict[str, Any], account_id: str, region_name: str) -> None:
    """moto lacks: a way for in-process code to answer a custom resource.

    moto's CloudFormation invokes the provider function (on a thread) and waits for it to
    PUT to a response URL on moto's server, which does not run in-process. The only custom
    resources in a CDK stack come from CDK's own providers (S3 auto-delete, log retention,
    ...), which manage AWS-side details the local AWS does not model, so they are answered
    SUCCESS with no data, exactly as moto would record a successful response.
    """
    from moto.cloudformation.models import cloudformation_backends

    stack = cloudformation_backends[account_id][region_name].get_stack(event["StackId"])
    stack.get_custom_resource(event["LogicalResourceId"]).set_data({})
    stack.verify_readiness()


def is_custom_resource_event(event: Any) -> bool:
    return isinstance(event, dict) and {"RequestType", "ResponseURL", "StackId"} <= event.keys()


class _DropUnsupportedTypeNotices(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No Moto CloudFormation support for")


# --- installation -----------------------------------------------------------------------


@contextmanager
def adapted_moto(invoker: InProcessInvoker) -> Iterator[None]:
    """Install every adaptation for the duration of the block; moto is restored after it."""
    check_moto_version()
    with ExitStack() as stack:
        stack.enter_context(
            mock.patch.object(LambdaFunction, "_invoke_lambda", _in_process_invoke_lambda(invoker))
        )
        stack.enter_context(
            mock.patch.object(
                StateMachine,
                "create_from_cloudformation_json",
                classmethod(_create_state_machine_from_cfn),
            )
        )
        stack.enter_context(
            mock.patch.object(
                StateMachine,
                "delete_from_cloudformation_json",
                classmethod(_delete_state_machine_from_cfn),
            )
        )
        stack.enter_context(
            mock.patch.object(
                parsing,
                "resource_class_from_type",
                _resource_class_from_type(parsing.resource_class_from_type),
            )
        )
        stack.enter_context(
            mock.patch.object(
                LambdaBackend,
                "create_event_source_mapping",
                _create_event_source_mapping_without_push(
                    LambdaBackend.create_event_source_mapping
                ),
            )
        )
        from moto.kms.models import Key

        stack.enter_context(
            mock.patch.object(
                Key,
                "create_from_cloudformation_json",
                classmethod(_kms_key_with_cfn_tags(Key.create_from_cloudformation_json)),
            )
        )
        for model, ref_value in _ref_values().values():
            stack.enter_context(
                mock.patch.object(model, "physical_resource_id", property(ref_value), create=True)
            )
        moto_logger = logging.getLogger("moto")
        quiet = _DropUnsupportedTypeNotices()
        moto_logger.addFilter(quiet)
        stack.callback(moto_logger.removeFilter, quiet)
        with warnings.catch_warnings():
            # The types still skipped (bucket/queue/topic policies, API stage/account,
            # CDK metadata) carry no state our code reads; `LocalAws.skipped_resources`
            # lists them instead of a warning per resource.
            warnings.filterwarnings("ignore", message="Tried to parse AWS::")
            yield
