"""Builds the CDK app for one stage; `app.py` and the tests share it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import App, Environment

from infrastructure.nag import apply_aws_solutions_checks
from infrastructure.stack import PoAutomationStack, stack_name
from infrastructure.stage_settings import load_stage_settings

_FALSE = {"false", "0", "no", "off"}


def context_flag(value: Any, *, default: bool) -> bool:
    """A boolean from `-c key=value` (always a string) or cdk.json (a JSON boolean)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in _FALSE


def build_stack(
    app: App,
    *,
    lambdas_root: Path | None = None,
    nag: bool = True,
) -> PoAutomationStack:
    """Add the stack for the `stage` context value to `app`, validated, with cdk-nag."""
    stage = app.node.try_get_context("stage")
    settings = load_stage_settings(app.node.try_get_context("stages"), stage)
    stack = PoAutomationStack(
        app,
        stack_name(stage),
        stage=stage,
        settings=settings,
        bundle_layer=context_flag(app.node.try_get_context("bundle_layer"), default=True),
        lambdas_root=lambdas_root,
        untagged_types=tuple(app.node.try_get_context("untagged_resource_types") or ()),
        env=Environment(account=settings.account, region=settings.region),
        description=f"FreshConnect PO automation ({stage})",
    )
    if nag:
        apply_aws_solutions_checks(app)
    return stack
