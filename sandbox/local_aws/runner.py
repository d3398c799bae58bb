# ruff: noqa: PLC0415 - moto backends and the layer are imported lazily, once mocked
"""Runs a Lambda handler in this process, as the Lambda runtime would run it in a container.

Each invocation sees exactly its function's environment (the template's variables plus the
variables the Lambda runtime sets), a realistic context object, a JSON-decoded event, and
has its result marshalled to JSON the way the Python runtime does. Handler modules are
loaded once per function under a unique module name (every function's file is
`handler.py`) and kept, like a warm container, until `cold_start()`.

Invocations are serialised by one re-entrant lock: `os.environ` is process-wide and moto's
Step Functions engine calls functions from its own threads. Code outside an invocation
that reads the environment concurrently (the test thread) can observe a function's
environment; create clients with an explicit region (`LocalAws.client`).
"""

from __future__ import annotations

import decimal
import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

# Host variables an invocation keeps: the interpreter and moto need them; nothing else of the
# developer's shell (stale table names, real AWS profiles) may leak into a function.
_PASSTHROUGH = ("PATH", "HOME", "TMPDIR", "LANG", "VIRTUAL_ENV", "SYSTEMROOT")
_PASSTHROUGH_PREFIXES = ("MOTO_", "PYTHON", "LC_")


@dataclass(frozen=True)
class FunctionConfig:
    """A deployed function as the runtime sees it (read from moto at invoke time)."""

    function_name: str
    function_arn: str
    handler: str
    runtime: str
    timeout_s: int
    memory_mb: int
    environment: Mapping[str, str]
    region: str


@dataclass
class LambdaContext:
    """The context object the Python runtime passes (the attributes Powertools reads)."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline_ms: int
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


class LambdaMarshalError(TypeError):
    """The handler returned something the runtime cannot serialise (Runtime.MarshalError)."""


def _decimal_serializer(value: Any) -> Any:
    # The Python runtime's marshaller turns Decimal into a JSON number, and nothing else.
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def marshal(result: Any) -> str:
    try:
        return json.dumps(result, default=_decimal_serializer)
    except (TypeError, ValueError) as exc:
        raise LambdaMarshalError(f"Unable to marshal response: {exc}") from exc


def error_payload(exc: BaseException, request_id: str) -> str:
    """The payload Lambda returns for an unhandled exception (Step Functions reads errorType)."""
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_tb(exc.__traceback__),
        }
    )


@dataclass
class _LoadedFunction:
    module: ModuleType
    entry: Callable[[Any, Any], Any]


@dataclass
class InProcessRunner:
    """Holds each function's source directory and runs its handler under its own environment.

    `code_dirs` maps deployed function name -> directory holding the handler module.
    `layer_paths` are put on `sys.path` (as /opt/python is in Lambda) while the runner is open.
    `resets` run before every invocation so process-wide caches (settings, Powertools
    parameters) are rebuilt from the invoked function's environment.
    """

    code_dirs: dict[str, Path]
    layer_paths: tuple[Path, ...]
    resets: tuple[Callable[[], None], ...] = ()
    _loaded: dict[str, _LoadedFunction] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _added_paths: list[str] = field(default_factory=list)

    @property
    def lock(self) -> threading.RLock:
        """Held while a function runs with its environment in `os.environ`. Code on other
        threads that reads the environment (creating a boto3 client does) takes it too."""
        return self._lock

    def open(self) -> None:
        for path in self.layer_paths:
            entry = str(path)
            if entry not in sys.path:
                sys.path.insert(0, entry)
                self._added_paths.append(entry)

    def close(self) -> None:
        self.cold_start()
        for entry in self._added_paths:
            if entry in sys.path:
                sys.path.remove(entry)
        self._added_paths.clear()

    def cold_start(self, function_name: str | None = None) -> None:
        """Forget loaded handler modules, so the next invocation imports them afresh."""
        with self._lock:
            names = [function_name] if function_name else list(self._loaded)
            for name in names:
                loaded = self._loaded.pop(name, None)
                if loaded is not None:
                    sys.modules.pop(loaded.module.__name__, None)

    def knows(self, function_name: str) -> bool:
        return function_name in self.code_dirs

    def invoke(self, config: FunctionConfig, event: Any, request_id: str | None = None) -> Any:
        """Run the handler; return its JSON-decoded result or raise its exception."""
        request_id = request_id or str(uuid.uuid4())
        decoded_event = json.loads(json.dumps(event, default=_decimal_serializer))
        with self._lock, self._environment(config, request_id):
            for reset in self.resets:
                reset()
            loaded = self._load(config)
            context = self._context(config, request_id)
            result = loaded.entry(decoded_event, context)
        return json.loads(marshal(result))

    def invoke_for_moto(self, config: FunctionConfig, event: Any) -> tuple[str, bool, str]:
        """The `(payload, errored, logs)` triple moto's `_invoke_lambda` returns."""
        request_id = str(uuid.uuid4())
        try:
            return marshal(self.invoke(config, event, request_id)), False, ""
        except Exception as exc:
            return error_payload(exc, request_id), True, "".join(traceback.format_exception(exc))

    # -- internals --------------------------------------------------------------------

    def runtime_environment(self, config: FunctionConfig, request_id: str) -> dict[str, str]:
        """What the Lambda runtime adds to the template's variables (template wins on clashes)."""
        log_stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{request_id.replace('-', '')}"
        runtime_env = {
            "AWS_LAMBDA_FUNCTION_NAME": config.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": config.region,
            "_HANDLER": config.handler,
            "LAMBDA_TASK_ROOT": str(self.code_dirs[config.function_name]),
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            # Fake credentials, as moto expects: a function must never reach real AWS.
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            # No X-Ray daemon locally; the template may still switch tracing on explicitly.
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        return {**runtime_env, **{k: str(v) for k, v in config.environment.items()}}

    @contextmanager
    def _environment(self, config: FunctionConfig, request_id: str) -> Iterator[None]:
        saved = dict(os.environ)
        kept = {
            k: v
            for k, v in saved.items()
            if k in _PASSTHROUGH or k.startswith(_PASSTHROUGH_PREFIXES)
        }
        os.environ.clear()
        os.environ.update({**kept, **self.runtime_environment(config, request_id)})
        try:
            with _no_dotenv():
                yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def _context(self, config: FunctionConfig, request_id: str) -> LambdaContext:
        return LambdaContext(
            function_name=config.function_name,
            function_version="$LATEST",
            invoked_function_arn=config.function_arn,
            memory_limit_in_mb=config.memory_mb,
            aws_request_id=request_id,
            log_group_name=os.environ["AWS_LAMBDA_LOG_GROUP_NAME"],
            log_stream_name=os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
            deadline_ms=int(time.time() * 1000) + config.timeout_s * 1000,
        )

    def _load(self, config: FunctionConfig) -> _LoadedFunction:
        loaded = self._loaded.get(config.function_name)
        if loaded is not None:
            return loaded
        code_dir = self.code_dirs[config.function_name]
        module_path, _, attribute = config.handler.rpartition(".")
        source = code_dir / (module_path.replace(".", "/") + ".py")
        unique = "_local_aws_fn_" + "".join(c if c.isalnum() else "_" for c in config.function_name)
        spec = importlib.util.spec_from_file_location(unique, source)
        if spec is None or spec.loader is None:
            raise FileNotFoundError(f"{config.function_name}: no handler module at {source}")
        module = importlib.util.module_from_spec(spec)
        # The function's directory is its /var/task: its own modules import as top-level ones.
        sys.path.insert(0, str(code_dir))
        sys.modules[unique] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(unique, None)
            raise
        finally:
            sys.path.remove(str(code_dir))
        entry = getattr(module, attribute, None)
        if not callable(entry):
            raise AttributeError(f"{source} has no handler function {attribute!r}")
        loaded = _LoadedFunction(module=module, entry=entry)
        self._loaded[config.function_name] = loaded
        return loaded


@contextmanager
def _no_dotenv() -> Iterator[None]:
    """A deployed function has no `.env` file; stop pydantic-settings reading the developer's."""
    try:
        from po_automation.settings import Settings
    except ImportError:
        yield
        return
    original = Settings.model_config.get("env_file")
    Settings.model_config["env_file"] = None
    try:
        yield
    finally:
        Settings.model_config["env_file"] = original


def default_resets() -> tuple[Callable[[], None], ...]:
    """Caches a function would not share with another function in AWS (separate containers)."""

    def clear_settings() -> None:
        try:
            from po_automation.settings import get_settings
        except ImportError:
            return
        get_settings.cache_clear()

    def clear_powertools_parameters() -> None:
        try:
            from aws_lambda_powertools.utilities import parameters
        except ImportError:
            return
        parameters.clear_caches()

    return (clear_settings, clear_powertools_parameters)
