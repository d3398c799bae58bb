"""Cold-start import structure: what a handler's import loads, and that laziness loses nothing.

Each structural check runs in a fresh interpreter, since `sys.modules` and X-Ray patching
are process-wide.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib import import_module
from pathlib import Path

import pytest

import po_automation.cerve as cerve

LAYER = Path(__file__).resolve().parents[2] / "layers" / "core" / "python"


def _run(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "POWERTOOLS_"))}
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**base, "PYTHONPATH": str(LAYER), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout.strip()


def test_every_public_cerve_name_resolves_to_its_submodule_object() -> None:
    assert sorted(cerve.__all__) == sorted(cerve._SUBMODULE)
    for name in cerve.__all__:
        module = import_module(f"po_automation.cerve.{cerve._SUBMODULE[name]}")
        assert getattr(cerve, name) is getattr(module, name)


def test_unknown_cerve_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        cerve.no_such_name  # noqa: B018


def test_webhook_verification_does_not_load_the_http_client() -> None:
    loaded = _run(
        """
        import sys
        from po_automation.cerve.webhooks import verify_webhook
        print(sorted(m for m in ("po_automation.cerve.client", "requests", "tenacity")
                     if m in sys.modules))
        """
    )
    assert loaded == "[]"


def test_tracer_loads_xray_at_the_first_traced_call_and_still_patches() -> None:
    report = _run(
        """
        import sys
        from po_automation.observability import tracer
        at_import = "aws_xray_sdk.core" in sys.modules

        @tracer.capture_lambda_handler
        def handler(event, context):
            return {"ok": event["n"] + 1}

        result = handler({"n": 1}, None)
        from aws_xray_sdk.core import xray_recorder
        from aws_xray_sdk.core.patcher import _PATCHED_MODULES
        print(at_import, result, tracer.disabled, "botocore" in _PATCHED_MODULES,
              xray_recorder.streaming_threshold)
        """,
        LAMBDA_TASK_ROOT="/var/task",
        AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR",
    )
    assert report == "False {'ok': 2} False True 0"


def test_disabled_tracer_patches_nothing() -> None:
    report = _run(
        """
        from po_automation.observability import tracer

        @tracer.capture_method
        def double(n):
            return n * 2

        from aws_xray_sdk.core.patcher import _PATCHED_MODULES
        print(double(21), tracer.disabled, sorted(_PATCHED_MODULES))
        """,
        POWERTOOLS_TRACE_DISABLED="1",
    )
    assert report == "42 True []"
