"""Builds the `core` Lambda layer on this machine with pip, without Docker.

pip downloads the Lambda platform's wheels (manylinux2014 aarch64, CPython 3.12) whatever
machine runs the synth, so an x86 laptop or CI produces a layer that imports on Graviton.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, DockerImage, IgnoreMode, ILocalBundling
from aws_cdk import aws_lambda as lambda_

LAMBDA_PYTHON_VERSION = "3.12"
# The python3.12 runtime is Amazon Linux 2023 (glibc 2.34): manylinux2014 wheels and the
# manylinux_2_28 ones (numpy >= 2.3 ships only those for aarch64) both run there.
LAMBDA_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
# The Lambda runtime ships boto3/botocore; pip pulls botocore in through aws-xray-sdk, and
# it would be ~80 MB of the layer's 250 MB budget.
PROVIDED_BY_RUNTIME = ("boto3", "botocore", "s3transfer")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache")


class LayerBundlingError(RuntimeError):
    """pip could not build the layer for the Lambda platform."""


def pip_install_command(requirements: Path, target: Path) -> list[str]:
    return [
        sys.executable, "-m", "pip", "install",
        "--requirement", str(requirements),
        *[arg for platform in LAMBDA_PLATFORMS for arg in ("--platform", platform)],
        "--implementation", "cp",
        "--python-version", LAMBDA_PYTHON_VERSION,
        "--only-binary=:all:",
        "--target", str(target),
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
    ]  # fmt: skip


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """`ILocalBundling` for a layer directory holding `requirements.txt` and `python/<pkg>`."""

    def __init__(self, layer_dir: Path, package: str) -> None:
        self._layer_dir = layer_dir
        self._package = package

    def try_bundle(self, output_dir: str, *, image: object = None, **_options: object) -> bool:
        target = Path(output_dir) / "python"
        target.mkdir(parents=True, exist_ok=True)
        requirements = self._layer_dir / "requirements.txt"
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            pip_install_command(requirements, target),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LayerBundlingError(
                f"pip could not install {requirements} for {'/'.join(LAMBDA_PLATFORMS)}, CPython "
                f"{LAMBDA_PYTHON_VERSION}:\n{result.stderr.strip()}"
            )
        for path in target.iterdir():
            if path.name.split("-")[0] in PROVIDED_BY_RUNTIME:
                shutil.rmtree(path)
        shutil.copytree(
            self._layer_dir / "python" / self._package,
            target / self._package,
            ignore=_IGNORE,
            dirs_exist_ok=True,
        )
        return True


def core_layer_code(layer_dir: Path, *, bundle: bool) -> lambda_.Code:
    """The layer's code: pip-bundled for deployment, or the plain source tree for tests."""
    excludes = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.mypy_cache"]
    if not bundle:
        # The source directory already has the layer layout (`python/po_automation`);
        # third-party packages are missing, which template tests do not need.
        return lambda_.Code.from_asset(
            str(layer_dir), exclude=[*excludes, "requirements.txt"], ignore_mode=IgnoreMode.GLOB
        )
    return lambda_.Code.from_asset(
        str(layer_dir),
        exclude=excludes,
        ignore_mode=IgnoreMode.GLOB,
        bundling=BundlingOptions(
            # Never used: local bundling always succeeds or raises, so Docker is not needed.
            image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.12"),
            local=LocalPipBundling(layer_dir, "po_automation"),
        ),
    )
