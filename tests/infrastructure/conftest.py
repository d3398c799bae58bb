"""One synthesized `dev` stack per test session (synth takes seconds), cdk-nag included."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from infrastructure.app_builder import build_stack
from infrastructure.stage_settings import FUNCTION_NAMES

REPO_ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass(frozen=True)
class Synthesized:
    template: dict[str, Any]
    template_path: Path
    nag_error: str | None  # the synth error when cdk-nag reported findings
    validation_report: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == cfn_type}


def lambdas_root(tmp: Path) -> Path:
    """The real handlers, or placeholders when some are not written yet."""
    real = REPO_ROOT / "lambdas"
    if all((real / name / "handler.py").is_file() for name in FUNCTION_NAMES):
        return real
    for name in FUNCTION_NAMES:
        (tmp / name).mkdir(parents=True, exist_ok=True)
        (tmp / name / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    return tmp


def synthesize(outdir: Path, root: Path, stage: str = "dev") -> Synthesized:
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context.update(stage=stage, bundle_layer="false")  # as `-c bundle_layer=false`
    app = App(context=context, outdir=str(outdir))
    stack = build_stack(app, lambdas_root=root)
    error = None
    try:
        app.synth()
    except Exception as exc:  # cdk-nag findings interrupt synthesis
        error = str(exc)
    report_path = outdir / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    template_path = outdir / f"{stack.stack_name}.template.json"
    template = json.loads(template_path.read_text()) if template_path.exists() else {}
    return Synthesized(template, template_path, error, report)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    root = lambdas_root(tmp_path_factory.mktemp("lambdas"))
    return synthesize(tmp_path_factory.mktemp("cdk.out"), root)


@pytest.fixture(scope="session")
def template(synthesized: Synthesized) -> dict[str, Any]:
    assert synthesized.template, f"synth wrote no template: {synthesized.nag_error}"
    return synthesized.template


@pytest.fixture(scope="session")
def prod_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = lambdas_root(tmp_path_factory.mktemp("lambdas-prod"))
    synthesized = synthesize(tmp_path_factory.mktemp("cdk.out-prod"), root, stage="prod")
    assert synthesized.template, f"synth wrote no template: {synthesized.nag_error}"
    return synthesized.template
