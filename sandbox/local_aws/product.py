"""The product stack (`infrastructure.app_builder.build_stack`) as a `LocalAws` stack builder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from .synth import StackBuilder

REPO_ROOT = Path(__file__).resolve().parents[2]


def product_context(stage: str = "dev") -> dict[str, Any]:
    """cdk.json's context, for `stage`, with layer bundling off (the layer runs from source)."""
    context = json.loads((REPO_ROOT / "cdk.json").read_text()).get("context", {})
    return {**context, "stage": stage, "bundle_layer": "false"}


def product_stack(*, nag: bool = False, lambdas_root: Path | None = None) -> StackBuilder:
    """A builder for the real stack; cdk-nag is off by default (it checks, it deploys nothing)."""

    def build(app: cdk.App) -> cdk.Stack:
        from infrastructure.app_builder import build_stack  # noqa: PLC0415 - only when synthesizing

        return build_stack(app, nag=nag, lambdas_root=lambdas_root)

    return build
