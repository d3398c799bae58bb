"""`cdk synth`, in-process, with asset bundling off: the template and the asset files it cites."""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk

StackBuilder = Callable[[cdk.App], cdk.Stack]

# The CLI passes these; an in-process App must be told. An empty bundling-stacks list is what
# `cdk synth --exclusively` style runs use to skip bundling: asset code is the source tree.
SYNTH_CONTEXT: dict[str, Any] = {
    "aws:cdk:bundling-stacks": [],
    "aws:cdk:enable-path-metadata": False,
    "aws:cdk:enable-asset-metadata": True,
}


@dataclass(frozen=True)
class AssetFile:
    """One file asset from the cloud assembly's asset manifest."""

    asset_hash: str
    source: Path
    packaging: str  # "zip" (a directory) or "file"
    bucket_name: str  # may hold ${AWS::AccountId} / ${AWS::Region} placeholders
    object_key: str

    def bucket_for(self, account_id: str, region: str) -> str:
        return (
            self.bucket_name.replace("${AWS::AccountId}", account_id)
            .replace("${AWS::Region}", region)
            .replace("${AWS::Partition}", "aws")
        )

    def body(self) -> bytes:
        if self.packaging == "file":
            return self.source.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(self.source.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(self.source).as_posix())
        return buffer.getvalue()


@dataclass(frozen=True)
class SynthesizedStack:
    stack_name: str
    template: dict[str, Any]
    assets: dict[str, AssetFile]  # by object key, as the template's S3Key cites them
    outdir: Path

    def asset_for_key(self, object_key: str) -> AssetFile | None:
        return self.assets.get(object_key)


def synthesize(
    build: StackBuilder, *, outdir: Path | None = None, context: dict[str, Any] | None = None
) -> SynthesizedStack:
    """Build one stack with `build(app)` and synthesize it, as `cdk synth` would."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")
    out = outdir or Path(tempfile.mkdtemp(prefix="local-aws-cdk-out-"))
    app = cdk.App(outdir=str(out), context={**SYNTH_CONTEXT, **(context or {})})
    stack = build(app)
    assembly = app.synth()
    artifact = assembly.get_stack_artifact(stack.artifact_id)
    template = json.loads(Path(artifact.template_full_path).read_text())
    return SynthesizedStack(
        stack_name=artifact.stack_name,
        template=template,
        assets=_read_asset_manifest(Path(assembly.directory), artifact.id),
        outdir=Path(assembly.directory),
    )


def _read_asset_manifest(directory: Path, stack_artifact_id: str) -> dict[str, AssetFile]:
    manifest_path = directory / f"{stack_artifact_id}.assets.json"
    if not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text())
    assets: dict[str, AssetFile] = {}
    for asset_hash, entry in manifest.get("files", {}).items():
        for destination in entry["destinations"].values():
            asset = AssetFile(
                asset_hash=asset_hash,
                source=directory / entry["source"]["path"],
                packaging=entry["source"].get("packaging", "file"),
                bucket_name=destination["bucketName"],
                object_key=destination["objectKey"],
            )
            assets[asset.object_key] = asset
    return assets
