"""Deploy rehearsal: the real CDK CLI deploys the stack into moto on loopback, then destroys it.

    .venv/bin/python tools/deploy_rehearsal.py [--stage dev] [--keep]

What it proves: the synthesized template, its assets and the CLI's bootstrap/deploy/destroy
path work end to end against a CloudFormation engine, with no AWS account. moto's
CloudFormation does not model every resource type; the types it skips are reported (they
still pass cfn-lint and cdk-nag in tests/infrastructure). Nothing here reaches the internet:
the layer is not pip-bundled unless `--bundle-layer` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from aws_cdk import App
from moto.server import ThreadedMotoServer

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from infrastructure.app_builder import build_stack  # noqa: E402

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-2"
CLI_TIMEOUT_S = 600
# moto 5.2's CloudFormation fails creating an AWS::KMS::Key that has Tags (its tagger
# expects KMS's TagKey/TagValue shape); the rehearsal leaves keys untagged.
MOTO_UNTAGGABLE = ["AWS::KMS::Key"]


class RehearsalError(RuntimeError):
    """A rehearsal step failed; the message says which and shows the CLI's output."""


@dataclass
class RehearsalReport:
    stack_name: str
    template_types: dict[str, int] = field(default_factory=dict)
    deployed: dict[str, list[str]] = field(default_factory=dict)  # kind -> names found
    missing: list[str] = field(default_factory=list)
    skipped_types: list[str] = field(default_factory=list)  # not modelled by moto's CFN
    destroyed: bool = False

    def summary(self) -> str:
        lines = [f"stack {self.stack_name}: deployed into moto through the CDK CLI"]
        for kind, names in self.deployed.items():
            lines.append(f"  {kind}: {len(names)} ({', '.join(sorted(names))})")
        if self.skipped_types:
            lines.append(
                "  skipped by moto's CloudFormation (not modelled): "
                + ", ".join(sorted(self.skipped_types))
            )
        if self.missing:
            lines.append("  MISSING: " + ", ".join(self.missing))
        lines.append(f"  destroyed: {self.destroyed}")
        return "\n".join(lines)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto on loopback; yields the endpoint the CLI and boto3 use."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        # moto's CloudFormation resolves the S3 template URL that the CLI builds from the
        # endpoint only when the host is spelled `localhost` (moto.cloudformation.utils).
        yield f"http://localhost:{port}"
    finally:
        server.stop()


def cli_environment(endpoint: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k not in {"CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION"}
    }
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's dummy credentials
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        CDK_DISABLE_VERSION_CHECK="1",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        CI="true",  # no interactive prompts, no colour codes
        FORCE_COLOR="0",
    )
    return env


def cdk_cli() -> Path:
    """The CLI pinned in package.json, installed with `npm ci` when missing."""
    cli = REPO_ROOT / "node_modules" / ".bin" / "cdk"
    if not cli.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RehearsalError("npm is not installed; the CDK CLI comes from package.json")
        subprocess.run(  # noqa: S603
            [npm, "ci", "--no-audit", "--no-fund"], cwd=REPO_ROOT, check=True
        )
    return cli


def run_cli(args: list[str], env: dict[str, str], step: str) -> str:
    result = subprocess.run(  # noqa: S603
        [str(cdk_cli()), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise RehearsalError(f"`cdk {step}` failed (exit {result.returncode}):\n{output}")
    return output


def synthesize(
    outdir: Path, stage: str, lambdas_root: Path | None, bundle_layer: bool
) -> tuple[str, dict]:
    """Synthesize in this process (cdk-nag included) into `outdir`; returns stack + template."""
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context.update(stage=stage, bundle_layer=bundle_layer, untagged_resource_types=MOTO_UNTAGGABLE)
    app = App(context=context, outdir=str(outdir))
    stack = build_stack(app, lambdas_root=lambdas_root)
    app.synth()
    template = json.loads((outdir / f"{stack.stack_name}.template.json").read_text())
    return stack.stack_name, template


def verify(endpoint: str, stage: str, template: dict, report: RehearsalReport) -> None:
    """Look the deployed resources up by their physical names, as an operator would."""

    def client(service: str):  # type: ignore[no-untyped-def]
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106
        )

    props = [r.get("Properties", {}) for r in template["Resources"].values()]
    by_type: dict[str, list[dict]] = {}
    for resource in template["Resources"].values():
        by_type.setdefault(resource["Type"], []).append(resource.get("Properties", {}))
    del props

    tables = [p["TableName"] for p in by_type.get("AWS::DynamoDB::Table", [])]
    existing_tables = set(client("dynamodb").list_tables()["TableNames"])
    queues = [p["QueueName"] for p in by_type.get("AWS::SQS::Queue", [])]
    existing_queues = {
        url.rsplit("/", 1)[-1] for url in client("sqs").list_queues().get("QueueUrls", [])
    }
    functions = [p["FunctionName"] for p in by_type.get("AWS::Lambda::Function", [])]
    existing_functions = {f["FunctionName"] for f in client("lambda").list_functions()["Functions"]}
    machines = [p["StateMachineName"] for p in by_type.get("AWS::StepFunctions::StateMachine", [])]
    existing_machines = {
        m["name"] for m in client("stepfunctions").list_state_machines()["stateMachines"]
    }
    for kind, wanted, existing in (
        ("tables", tables, existing_tables),
        ("queues", queues, existing_queues),
        ("functions", functions, existing_functions),
        ("state machines", machines, existing_machines),
    ):
        report.deployed[kind] = [n for n in wanted if n in existing]
        report.missing.extend(f"{kind[:-1]} {n}" for n in wanted if n not in existing)
    stack = client("cloudformation").describe_stacks(StackName=report.stack_name)["Stacks"][0]
    if not stack["StackStatus"].endswith("_COMPLETE"):
        report.missing.append(f"stack status {stack['StackStatus']}")


def rehearse(
    *,
    stage: str = "dev",
    lambdas_root: Path | None = None,
    bundle_layer: bool = False,
    keep: bool = False,
) -> RehearsalReport:
    with tempfile.TemporaryDirectory(prefix="fc-po-rehearsal-") as tmp:
        outdir = Path(tmp) / "cdk.out"
        stack_name, template = synthesize(outdir, stage, lambdas_root, bundle_layer)
        report = RehearsalReport(stack_name=stack_name)
        for resource in template["Resources"].values():
            t = resource["Type"]
            report.template_types[t] = report.template_types.get(t, 0) + 1

        with moto_server() as endpoint, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            env = cli_environment(endpoint)
            common = ["--app", str(outdir), "--no-notices", "--no-version-reporting"]
            run_cli(["bootstrap", f"aws://{ACCOUNT}/{REGION}", *common], env, "bootstrap")
            run_cli(
                [
                    "deploy",
                    stack_name,
                    *common,
                    "--method=direct",
                    "--require-approval",
                    "never",
                    "--progress",
                    "events",
                ],
                env,
                "deploy",
            )
            verify(endpoint, stage, template, report)
            if not keep:
                run_cli(["destroy", stack_name, "--force", *common], env, "destroy")
                report.destroyed = True
            report.skipped_types = sorted(
                {
                    str(w.message).split("Tried to parse ")[1].split(" ")[0]
                    for w in caught
                    if "Tried to parse" in str(w.message)
                }
            )
        return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--lambdas-root", type=Path, default=None)
    parser.add_argument("--bundle-layer", action="store_true", help="pip-bundle the layer")
    parser.add_argument("--keep", action="store_true", help="skip `cdk destroy`")
    args = parser.parse_args(argv)
    try:
        report = rehearse(
            stage=args.stage,
            lambdas_root=args.lambdas_root,
            bundle_layer=args.bundle_layer,
            keep=args.keep,
        )
    except RehearsalError as exc:
        print(f"rehearsal failed: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 1 if report.missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
