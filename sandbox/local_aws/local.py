# ruff: noqa: PLC0415 - moto backends and the layer are imported lazily, once mocked
"""`LocalAws`: the synthesized CDK stack deployed into moto, with Lambda code run in-process.

    with LocalAws(build_stack) as local:
        local.invoke("generate_drafts", {})
        arn = local.start_execution("approval", {"draft_id": "d-1"}, name="d-1")
        local.wait_for_execution(arn, until_state="WaitForDecision")

Deployment follows `cdk deploy`: the bootstrap bucket and version parameter exist first, the
assets from the cloud assembly are uploaded to it, and the stack is created through
CloudFormation's `CreateStack`. moto's gaps are filled by `moto_adaptations` only.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from moto import mock_aws

from . import moto_adaptations
from .events import api_gateway_proxy_event, sqs_record
from .runner import FunctionConfig, InProcessRunner, default_resets
from .synth import StackBuilder, SynthesizedStack, synthesize

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LAMBDAS_ROOT = REPO_ROOT / "lambdas"
DEFAULT_LAYER_PATHS = (REPO_ROOT / "layers" / "core" / "python",)
MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}}
TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
_INVOCATIONS_ARN = re.compile(r"functions/(arn:[^/]+)/invocations")
_UNRESOLVED = re.compile(r"\$\{Token\[|\bRef\b|Fn::|<moto\.|^None$")


class LocalAwsError(RuntimeError):
    pass


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    resource_type: str
    physical_id: str


@dataclass(frozen=True)
class DeployedFunction:
    name: str  # the `lambdas/<name>` directory, or the deployed name for code not from there
    function_name: str
    logical_id: str
    code_dir: Path
    from_source_tree: bool  # False: runs the synthesized asset copy (no lambdas/ match)


@dataclass
class DrainResult:
    """What one `drain_queue_to` delivered: message ids per outcome, per delivery."""

    batches: int = 0
    succeeded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # one entry per failed delivery
    errors: list[str] = field(default_factory=list)  # handler exceptions (whole batch failed)


@dataclass(frozen=True)
class ExecutionSnapshot:
    status: str
    current_state: str | None  # entered and not yet exited
    waiting_for_callback: bool  # a waitForTaskToken task has handed out its token
    output: Any
    history: list[dict[str, Any]]


class LocalAws:
    """Deploys a stack into moto for the duration of a `with` block.

    `stack`: a builder `(app) -> Stack` (synthesized on enter) or an already
    `SynthesizedStack` (synthesize once per test session, deploy per test: deploy is the
    cheap part). Functions' code comes from `lambdas_root/<dir>` (the directory whose
    handler file matches the asset's) and the layer from `layer_paths`.
    """

    def __init__(
        self,
        stack: StackBuilder | SynthesizedStack,
        *,
        region: str = "eu-west-2",
        account_id: str = "123456789012",
        lambdas_root: Path = DEFAULT_LAMBDAS_ROOT,
        layer_paths: Iterable[Path] = DEFAULT_LAYER_PATHS,
        resets: Iterable[Callable[[], None]] = (),
        synth_context: Mapping[str, Any] | None = None,
    ) -> None:
        moto_adaptations.check_moto_version()
        self._stack_source = stack
        self.region = region
        self.account_id = account_id
        self.lambdas_root = Path(lambdas_root)
        self._layer_paths = tuple(Path(p) for p in layer_paths)
        self._extra_resets = tuple(resets)
        self._synth_context = dict(synth_context or {})
        self._mock: Any = None
        self._adaptations: Any = None
        self.synthesized: SynthesizedStack
        self.runner: InProcessRunner
        self.resources: dict[str, StackResource] = {}
        self.outputs: dict[str, str] = {}
        self.functions: dict[str, DeployedFunction] = {}
        self.deploy_seconds = 0.0
        self._clients: dict[str, Any] = {}

    # -- lifecycle --------------------------------------------------------------------

    def __enter__(self) -> LocalAws:
        if isinstance(self._stack_source, SynthesizedStack):
            self.synthesized = self._stack_source
        else:
            self.synthesized = synthesize(self._stack_source, context=self._synth_context)
        self.runner = InProcessRunner(
            code_dirs={},
            layer_paths=self._layer_paths,
            resets=(*default_resets(), *self._extra_resets),
        )
        self._mock = mock_aws(config=MOTO_CONFIG)
        self._mock.start()
        try:
            self._adaptations = moto_adaptations.adapted_moto(self._invoke_for_moto)
            self._adaptations.__enter__()
            self.runner.open()
            _reset_shared_clients()
            started = time.perf_counter()
            self._deploy()
            self.deploy_seconds = time.perf_counter() - started
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop_executions()
        if getattr(self, "runner", None) is not None:
            self.runner.close()
        _reset_shared_clients()
        self._clients.clear()
        if self._adaptations is not None:
            self._adaptations.__exit__(None, None, None)
            self._adaptations = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    # -- deployed resources -----------------------------------------------------------

    def client(self, service: str) -> Any:
        """A client pinned to the region, made once. Creating a client reads `os.environ`,
        which a function running on a Step Functions thread swaps for its own, so clients
        are made under the runner's lock and then reused."""
        with self._env_lock():
            if service not in self._clients:
                self._clients[service] = boto3.client(  # type: ignore[call-overload]
                    service, region_name=self.region
                )
            return self._clients[service]

    def resource(self, service: str) -> Any:
        """A boto3 resource (e.g. DynamoDB tables), made and cached like `client`."""
        with self._env_lock():
            key = f"resource:{service}"
            if key not in self._clients:
                self._clients[key] = boto3.resource(  # type: ignore[call-overload]
                    service, region_name=self.region
                )
            return self._clients[key]

    def exclusive(self) -> Any:
        """Hold this while running product code on the caller's thread (the `fc-po` CLI, a
        store) that may create clients: no function swaps the environment meanwhile."""
        return self._env_lock()

    def _env_lock(self) -> Any:
        runner = getattr(self, "runner", None)
        return runner.lock if runner is not None else contextlib.nullcontext()

    @property
    def stack_name(self) -> str:
        return self.synthesized.stack_name

    @property
    def skipped_resources(self) -> dict[str, str]:
        """Template resources moto did not create (logical id -> type), even with adaptations."""
        return {
            logical_id: resource["Type"]
            for logical_id, resource in self.synthesized.template["Resources"].items()
            if logical_id not in self.resources
        }

    def resources_of_type(self, resource_type: str) -> dict[str, str]:
        """Logical id -> physical id of every created resource of one CloudFormation type."""
        return {
            r.logical_id: r.physical_id
            for r in self.resources.values()
            if r.resource_type == resource_type
        }

    def physical_id(self, logical_id: str) -> str:
        return self.resources[logical_id].physical_id

    @property
    def table_names(self) -> list[str]:
        return sorted(self.resources_of_type("AWS::DynamoDB::Table").values())

    @property
    def queue_urls(self) -> list[str]:
        return sorted(self.resources_of_type("AWS::SQS::Queue").values())

    @property
    def bucket_names(self) -> list[str]:
        return sorted(self.resources_of_type("AWS::S3::Bucket").values())

    @property
    def state_machine_arns(self) -> list[str]:
        return sorted(self.resources_of_type("AWS::StepFunctions::StateMachine").values())

    @property
    def function_names(self) -> dict[str, str]:
        """Short name (`lambdas/<name>`) -> deployed function name."""
        return {f.name: f.function_name for f in self.functions.values()}

    def state_machine_arn(self, name: str) -> str:
        """The ARN of the machine whose name is `name` or ends with `-<name>` ("approval")."""
        if name.startswith("arn:"):
            return name
        matches = [
            arn
            for arn in self.state_machine_arns
            if arn.rsplit(":", 1)[-1] in (name,) or arn.endswith(f"-{name}")
        ]
        if len(matches) != 1:
            raise LocalAwsError(f"state machine {name!r}: found {matches or 'none'}")
        return matches[0]

    def queue_url(self, name: str) -> str:
        """The URL of the queue whose name is `name` or ends with `-<name>` ("webhook")."""
        matches = [
            url
            for url in self.queue_urls
            if url.rsplit("/", 1)[-1] == name or url.endswith(f"-{name}")
        ]
        if len(matches) != 1:
            raise LocalAwsError(f"queue {name!r}: found {matches or 'none'}")
        return matches[0]

    # -- Lambda -----------------------------------------------------------------------

    def function(self, name: str) -> DeployedFunction:
        """Look a function up by short name, deployed name, logical id or ARN."""
        key = (
            name.rsplit(":function:", 1)[-1].split(":", maxsplit=1)[0]
            if name.startswith("arn:")
            else name
        )
        for function in self.functions.values():
            if key in (function.name, function.function_name, function.logical_id):
                return function
        raise LocalAwsError(f"no deployed function {name!r}; have {sorted(self.function_names)}")

    def function_env(self, name: str) -> dict[str, str]:
        """The function's environment variables as deployed (template values, resolved)."""
        return dict(self._config(self.function(name).function_name).environment)

    def invoke(self, name: str, event: Any = None, *, request_id: str | None = None) -> Any:
        """Run the function's handler in-process; return its result, or raise its exception."""
        function = self.function(name)
        config = self._config(function.function_name)
        return self.runner.invoke(config, {} if event is None else event, request_id)

    def cold_start(self, name: str | None = None) -> None:
        """Drop loaded handler modules (one function's or all), as a new container would."""
        self.runner.cold_start(self.function(name).function_name if name else None)

    def _config(self, function_name: str) -> FunctionConfig:
        from moto.awslambda.models import lambda_backends

        fn = lambda_backends[self.account_id][self.region].get_function(function_name)
        return _config_from_moto(fn)

    def _invoke_for_moto(self, fn: Any, event: Any) -> tuple[str, bool, str]:
        if self.runner.knows(fn.function_name):
            return self.runner.invoke_for_moto(_config_from_moto(fn), event)
        if moto_adaptations.is_custom_resource_event(event):
            moto_adaptations.acknowledge_custom_resource(event, fn.account_id, fn.region)
            return json.dumps({"Status": "SUCCESS"}), False, ""
        message = f"no local code for Lambda function {fn.function_name}"
        return json.dumps({"errorMessage": message, "errorType": "LocalAwsError"}), True, ""

    # -- SQS --------------------------------------------------------------------------

    def drain_queue_to(
        self,
        function_name: str,
        queue_url: str,
        batch_size: int = 10,
        *,
        max_batches: int | None = None,
    ) -> DrainResult:
        """Deliver the queue's messages to the function, as its SQS event source mapping does.

        Batches of up to `batch_size` records, shaped as Lambda shapes them. With
        `ReportBatchItemFailures` on the mapping, the ids in `batchItemFailures` stay on the
        queue and the rest are deleted; an exception (or an invalid failure list) leaves the
        whole batch. Messages left behind become visible again at once (in AWS: after the
        visibility timeout) and are redelivered until the queue's redrive policy moves them
        to the DLQ, so one call drains the queue; `max_batches` stops earlier.
        """
        sqs = self.client("sqs")
        function = self.function(function_name)
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        reports_failures = self._reports_batch_item_failures(function.function_name, queue_arn)
        result = DrainResult()
        while max_batches is None or result.batches < max_batches:
            messages = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=batch_size,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not messages:
                break
            result.batches += 1
            ids = [m["MessageId"] for m in messages]
            failed = self._deliver(function, messages, queue_arn, reports_failures, result)
            for message in messages:
                handle = message["ReceiptHandle"]
                if message["MessageId"] in failed:
                    sqs.change_message_visibility(
                        QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                    )
                else:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=handle)
            result.failed.extend(i for i in ids if i in failed)
            result.succeeded.extend(i for i in ids if i not in failed)
        return result

    def _deliver(
        self,
        function: DeployedFunction,
        messages: list[dict[str, Any]],
        queue_arn: str,
        reports_failures: bool,
        result: DrainResult,
    ) -> set[str]:
        ids = {m["MessageId"] for m in messages}
        event = {"Records": [sqs_record(m, queue_arn, self.region) for m in messages]}
        try:
            response = self.invoke(function.function_name, event)
        except Exception as exc:
            result.errors.append(f"{type(exc).__name__}: {exc}")
            return ids
        if not reports_failures or not isinstance(response, dict):
            return set()
        failures = response.get("batchItemFailures") or []
        failed = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
        if len(failed) != len(failures) or not failed <= ids:
            # Lambda treats a malformed failure list as a failure of the whole batch.
            return ids
        return {i for i in failed if i}

    def _reports_batch_item_failures(self, function_name: str, queue_arn: str) -> bool:
        mappings = self.client("lambda").list_event_source_mappings(
            FunctionName=function_name, EventSourceArn=queue_arn
        )["EventSourceMappings"]
        return any(
            "ReportBatchItemFailures" in m.get("FunctionResponseTypes", []) for m in mappings
        )

    # -- Step Functions ---------------------------------------------------------------

    def start_execution(self, state_machine: str, input: Any, name: str | None = None) -> str:
        kwargs: dict[str, Any] = {
            "stateMachineArn": self.state_machine_arn(state_machine),
            "input": json.dumps(input),
        }
        # moto names every unnamed execution "None", so a second one would collide; AWS
        # names it with a UUID, and so do we.
        kwargs["name"] = name or uuid.uuid4().hex
        return str(self.client("stepfunctions").start_execution(**kwargs)["executionArn"])

    def execution_history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
            events.extend(page["events"])
        return events

    def execution_state(self, execution_arn: str) -> ExecutionSnapshot:
        description = self.client("stepfunctions").describe_execution(executionArn=execution_arn)
        history = self.execution_history(execution_arn)
        current: str | None = None
        waiting = False
        for event in history:
            kind = event["type"]
            if kind.endswith("StateEntered"):
                current = event["stateEnteredEventDetails"]["name"]
                waiting = False
            elif kind.endswith("StateExited"):
                current = None
                waiting = False
            elif kind == "TaskSubmitted" and current is not None:
                waiting = "waitForTaskToken" in event["taskSubmittedEventDetails"].get(
                    "resource", ""
                )
            elif kind in ("TaskSucceeded", "TaskFailed", "TaskTimedOut"):
                waiting = False
        output = description.get("output")
        return ExecutionSnapshot(
            status=description["status"],
            current_state=current,
            waiting_for_callback=waiting,
            output=json.loads(output) if output else None,
            history=history,
        )

    def wait_for_execution(
        self,
        execution_arn: str,
        until_status: str | Iterable[str] = TERMINAL_STATUSES,
        *,
        until_state: str | None = None,
        timeout_s: float = 30.0,
    ) -> ExecutionSnapshot:
        """Poll until the execution has one of the statuses, or (with `until_state`) is
        waiting for its task token in that state. Raises `TimeoutError` naming where it is."""
        wanted = {until_status} if isinstance(until_status, str) else set(until_status)
        deadline = time.monotonic() + timeout_s
        while True:
            snapshot = self.execution_state(execution_arn)
            if until_state is not None:
                if snapshot.current_state == until_state and snapshot.waiting_for_callback:
                    return snapshot
                if snapshot.status in TERMINAL_STATUSES:
                    raise LocalAwsError(
                        f"execution ended {snapshot.status} before waiting in {until_state}"
                    )
            elif snapshot.status in wanted:
                return snapshot
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"execution {execution_arn} is {snapshot.status} in "
                    f"{snapshot.current_state}; wanted {until_state or sorted(wanted)}"
                )
            time.sleep(0.05)

    def _stop_executions(self) -> None:
        # Background execution threads outlive the block otherwise (waiting on task tokens).
        if self._mock is None or not self.resources:
            return
        sfn = self.client("stepfunctions")
        for arn in self.state_machine_arns:
            for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")[
                "executions"
            ]:
                sfn.stop_execution(executionArn=execution["executionArn"])

    # -- API Gateway ------------------------------------------------------------------

    def api_invoke(
        self,
        path: str,
        headers: Mapping[str, str] | None = None,
        body: str | bytes | Mapping[str, Any] | None = None,
        *,
        method: str = "POST",
        query: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Call the REST API's Lambda proxy integration for `method path`; return the proxy
        response (`statusCode`, `headers`, `body`). A handler exception propagates (API
        Gateway would answer 502), so a test sees the traceback."""
        apigw = self.client("apigateway")
        for api in apigw.get_rest_apis()["items"]:
            for resource in apigw.get_resources(restApiId=api["id"], limit=500)["items"]:
                if resource["path"] != path or method not in resource.get("resourceMethods", {}):
                    continue
                integration = apigw.get_integration(
                    restApiId=api["id"], resourceId=resource["id"], httpMethod=method
                )
                match = _INVOCATIONS_ARN.search(integration.get("uri", ""))
                if match is None:
                    raise LocalAwsError(f"{method} {path} is not a Lambda proxy integration")
                event = api_gateway_proxy_event(
                    method=method,
                    path=path,
                    resource_path=resource["path"],
                    headers=headers,
                    body=body,
                    query=query,
                    stage=self._api_stage(),
                    api_id=api["id"],
                    account_id=self.account_id,
                    resource_id=resource["id"],
                )
                return dict(self.invoke(match.group(1), event))
        raise LocalAwsError(f"no API route {method} {path}")

    def _api_stage(self) -> str:
        for resource in self.synthesized.template["Resources"].values():
            if resource["Type"] == "AWS::ApiGateway::Stage":
                return str(resource["Properties"].get("StageName", "prod"))
        return "prod"

    # -- deployment -------------------------------------------------------------------

    def _deploy(self) -> None:
        template = self.synthesized.template
        self._bootstrap(template)
        s3 = self.client("s3")
        for asset in self.synthesized.assets.values():
            s3.put_object(
                Bucket=asset.bucket_for(self.account_id, self.region),
                Key=asset.object_key,
                Body=asset.body(),
            )
        cloudformation = self.client("cloudformation")
        cloudformation.create_stack(
            StackName=self.stack_name,
            TemplateBody=json.dumps(template),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        self._wait_for_stack(cloudformation)
        self._read_stack(cloudformation)
        self._register_functions()
        self._check_environments()

    def _check_environments(self) -> None:
        """Every variable the template gives a function must arrive as a plain string.

        moto drops a variable whose `Ref` it cannot resolve and passes model objects through
        for others; either would make a function misbehave far from the cause.
        """
        problems: list[str] = []
        template_resources = self.synthesized.template["Resources"]
        for function in self.functions.values():
            declared = (
                template_resources[function.logical_id]["Properties"]
                .get("Environment", {})
                .get("Variables", {})
            )
            deployed = self.function_env(function.function_name)
            for key in declared:
                value = deployed.get(key)
                if not isinstance(value, str) or _UNRESOLVED.search(value):
                    problems.append(f"{function.function_name}: {key}={value!r}")
        if problems:
            raise LocalAwsError("unresolved environment values: " + "; ".join(problems))

    def _bootstrap(self, template: Mapping[str, Any]) -> None:
        """What `cdk bootstrap` leaves behind: the asset bucket and the version parameter."""
        s3 = self.client("s3")
        for bucket in {
            a.bucket_for(self.account_id, self.region) for a in self.synthesized.assets.values()
        }:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region}
            )
        parameter = template.get("Parameters", {}).get("BootstrapVersion", {})
        if parameter.get("Default", "").startswith("/cdk-bootstrap/"):
            self.client("ssm").put_parameter(
                Name=parameter["Default"], Value="30", Type="String", Overwrite=True
            )

    def _wait_for_stack(self, cloudformation: Any, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            stack = cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"][0]
            if stack["StackStatus"] == "CREATE_COMPLETE":
                return
            if not stack["StackStatus"].endswith("IN_PROGRESS") or time.monotonic() > deadline:
                raise LocalAwsError(f"stack {self.stack_name} is {stack['StackStatus']}")
            time.sleep(0.05)

    def _read_stack(self, cloudformation: Any) -> None:
        for page in cloudformation.get_paginator("list_stack_resources").paginate(
            StackName=self.stack_name
        ):
            for summary in page["StackResourceSummaries"]:
                self.resources[summary["LogicalResourceId"]] = StackResource(
                    logical_id=summary["LogicalResourceId"],
                    resource_type=summary["ResourceType"],
                    physical_id=summary.get("PhysicalResourceId", ""),
                )
        stack = cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"][0]
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def _register_functions(self) -> None:
        template_resources = self.synthesized.template["Resources"]
        for logical_id, physical_id in self.resources_of_type("AWS::Lambda::Function").items():
            code = template_resources[logical_id]["Properties"].get("Code", {})
            asset = self.synthesized.asset_for_key(str(code.get("S3Key", "")))
            if asset is None:
                continue  # inline code (CDK providers): answered by moto_adaptations
            handler = template_resources[logical_id]["Properties"].get("Handler", "index.handler")
            source = _matching_source_dir(asset.source, handler, self.lambdas_root)
            function = DeployedFunction(
                name=source.name if source else physical_id,
                function_name=physical_id,
                logical_id=logical_id,
                code_dir=source or asset.source,
                from_source_tree=source is not None,
            )
            self.functions[logical_id] = function
            self.runner.code_dirs[physical_id] = function.code_dir


def _handler_file(handler: str) -> str:
    return handler.rpartition(".")[0].replace(".", "/") + ".py"


def _matching_source_dir(asset_dir: Path, handler: str, lambdas_root: Path) -> Path | None:
    """The `lambdas/<dir>` the asset was copied from (same handler file), so coverage and
    tracebacks point at the source tree and edits need no re-synth."""
    staged = asset_dir / _handler_file(handler)
    if not staged.is_file() or not lambdas_root.is_dir():
        return None
    content = staged.read_bytes()
    for candidate in sorted(lambdas_root.iterdir()):
        source = candidate / _handler_file(handler)
        if source.is_file() and source.read_bytes() == content:
            return candidate
    return None


def _config_from_moto(fn: Any) -> FunctionConfig:
    return FunctionConfig(
        function_name=fn.function_name,
        function_arn=fn.function_arn,
        handler=fn.handler,
        runtime=fn.run_time,
        timeout_s=int(fn.timeout),
        memory_mb=int(fn.memory_size),
        environment=dict(fn.environment_vars),
        region=fn.region,
    )


def _reset_shared_clients() -> None:
    """Clients created outside the mock would talk to real AWS; the layer caches them."""
    try:
        from po_automation.aws import reset_clients
    except ImportError:
        return
    reset_clients()
