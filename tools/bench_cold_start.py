"""Cold start: each function's import time beside a bare `import boto3`, and the layer size.

Every figure is the median of `runs` fresh interpreters (nothing cached in `sys.modules`),
run from an empty directory so only `layers/core/python` and the function's own directory
are importable, as in Lambda. Byte-code caches are whatever the environment has (the
Makefile sets PYTHONDONTWRITEBYTECODE, so usually none: the pessimistic case, as Lambda's
first import of a layer without .pyc files).

The layer size is the unzipped `core` layer as the stack bundles it
(`infrastructure.layer_bundling.LocalPipBundling`: Lambda-platform wheels, boto3 left to
the runtime), or, when pip cannot reach PyPI, the installed distributions of
`layers/core/requirements.txt` plus the package source.

    python -m tools.bench_cold_start          # merges `cold_start` into build/bench.json
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYER_DIR = ROOT / "layers" / "core"
LAMBDAS = ROOT / "lambdas"
GOAL_RATIO = 1.3
# One line of `python -X importtime`: "import time: self | cumulative | <indent>name".
_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")
_TIMED_IMPORT = (
    "import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
)


def functions() -> list[str]:
    return sorted(p.parent.name for p in LAMBDAS.glob("*/handler.py"))


def _env(function: str | None) -> dict[str, str]:
    paths = [str(LAYER_DIR / "python")] + ([str(LAMBDAS / function)] if function else [])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_", "CERVE"))}
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["AWS_DEFAULT_REGION"] = "eu-west-2"
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        env["PYTHONDONTWRITEBYTECODE"] = os.environ["PYTHONDONTWRITEBYTECODE"]
    return env


def import_ms(module: str, function: str | None, cwd: str) -> float:
    """Milliseconds to import `module` in a fresh interpreter."""
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", _TIMED_IMPORT.format(module=module)],
        env=_env(function),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1])


def import_profile(module: str, function: str | None, cwd: str) -> list[dict[str, Any]]:
    """`python -X importtime` of `module`: every import with its depth and times in ms."""
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=_env(function),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = []
    for line in out.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            self_us, cumulative_us, indent, name = match.groups()
            rows.append(
                {
                    "name": name,
                    "depth": len(indent) // 2,
                    "self_ms": int(self_us) / 1000,
                    "cumulative_ms": int(cumulative_us) / 1000,
                }
            )
    return rows


def heaviest(rows: list[dict[str, Any]], module: str, top: int = 8) -> list[dict[str, Any]]:
    """The biggest imports under `module`, charged to whoever imported them first.

    Direct imports of the module, plus the notable packages below them (one entry per
    top-level package, at its shallowest appearance), so a lazy-import decision can be
    read off directly.
    """
    start = next((i for i, r in enumerate(rows) if r["name"] == module and r["depth"] == 0), 0)
    first_seen: dict[str, dict[str, Any]] = {}
    for row in rows[:start]:
        if row["depth"] == 0:
            continue
        root = row["name"]
        if not root.startswith("po_automation"):
            root = root.split(".")[0]
        if root not in first_seen or row["depth"] < first_seen[root]["depth"]:
            first_seen[root] = row
    return [
        {"module": r["name"], "cumulative_ms": round(r["cumulative_ms"], 1)}
        for r in sorted(first_seen.values(), key=lambda r: -r["cumulative_ms"])[:top]
    ]


def _tree_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1_000_000


def layer_size_mb() -> tuple[float, str, dict[str, float]]:
    """Unzipped size of the core layer: (MB, how it was measured, biggest packages)."""
    with tempfile.TemporaryDirectory(prefix="bench-layer-") as out:
        try:
            from infrastructure.layer_bundling import LocalPipBundling  # noqa: PLC0415

            LocalPipBundling(LAYER_DIR, "po_automation").try_bundle(out)
            target = Path(out) / "python"
            parts = {
                p.name: round(_tree_mb(p), 1)
                for p in target.iterdir()
                if p.is_dir() and not p.name.endswith(".dist-info")
            }
            biggest = dict(sorted(parts.items(), key=lambda kv: -kv[1])[:6])
            return round(_tree_mb(target), 1), "pip bundle for the Lambda platform", biggest
        except Exception as exc:  # PyPI unreachable, CDK missing: measure what is installed
            print(f"cold_start: layer bundling failed ({type(exc).__name__}); sizing installed")
    return _installed_layer_mb()


def _installed_layer_mb() -> tuple[float, str, dict[str, float]]:
    from infrastructure.layer_bundling import PROVIDED_BY_RUNTIME  # noqa: PLC0415

    wanted = [
        re.split(r"[=<>\[ ]", line.strip())[0]
        for line in (LAYER_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    seen: set[str] = set()
    sizes: dict[str, float] = {}
    while wanted:
        name = wanted.pop().lower().replace("_", "-")
        if name in seen or name in PROVIDED_BY_RUNTIME:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        files = [Path(str(dist.locate_file(f))) for f in dist.files or []]
        sizes[name] = sum(f.stat().st_size for f in files if f.is_file()) / 1e6
        for req in dist.requires or []:
            if "extra ==" not in req:
                wanted.append(re.split(r"[=<>!~;\[ (]", req.strip())[0])
    own = _tree_mb(LAYER_DIR / "python" / "po_automation")
    total = sum(sizes.values()) + own
    biggest = {k: round(v, 1) for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])[:6]}
    return round(total, 1), "installed site-packages (x86, this machine)", biggest


def run(results: dict[str, Any], runs: int = 5, layer: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": runs}
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as cwd:
        # Interleaved, so drift on this machine affects every figure alike.
        samples: dict[str, list[float]] = {"boto3": []}
        names = functions()
        # One unrecorded pass: the first reads come from disk, not the page cache.
        import_ms("boto3", None, cwd)
        import_ms("handler", "webhook_receiver", cwd)
        for _ in range(runs):
            samples["boto3"].append(import_ms("boto3", None, cwd))
            for name in names:
                samples.setdefault(name, []).append(import_ms("handler", name, cwd))
        boto3_ms = statistics.median(samples["boto3"])
        out["boto3_ms"] = round(boto3_ms, 1)
        print(f"cold_start: import boto3 {boto3_ms:.0f} ms (median of {runs})")
        for name in names:
            ms = statistics.median(samples[name])
            out[f"{name}_ms"] = round(ms, 1)
            print(f"cold_start: {name:17} {ms:6.0f} ms = {ms / boto3_ms:.2f}x boto3")
        receiver = out["webhook_receiver_ms"] / boto3_ms
        out["webhook_receiver_ratio_to_boto3"] = round(receiver, 2)
        out["goal_ratio"] = GOAL_RATIO
        profile = import_profile("handler", "webhook_receiver", cwd)
        out["webhook_receiver_heaviest"] = heaviest(profile, "handler")
        verdict = "meets" if receiver <= GOAL_RATIO else "MISSES"
        print(
            f"cold_start: webhook_receiver {receiver:.2f}x boto3 ({verdict} the {GOAL_RATIO}x "
            "goal); heaviest imports: "
            + ", ".join(
                f"{h['module']} {h['cumulative_ms']:.0f} ms"
                for h in out["webhook_receiver_heaviest"]
            )
        )
    if layer:
        mb, how, biggest = layer_size_mb()
        out["layer_mb"] = mb
        out["layer_measured_as"] = how
        out["layer_biggest_mb"] = biggest
        print(f"cold_start: core layer {mb} MB unzipped ({how}); biggest: {biggest}")
    results["cold_start"] = out
    return results


if __name__ == "__main__":
    path = ROOT / "build" / "bench.json"
    merged = json.loads(path.read_text()) if path.exists() else {}
    run(merged)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"Wrote {path}")
