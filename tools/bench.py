"""`make bench`: every benchmark in one run, merged into build/bench.json.

Parts (each a function; one failing is reported and the others still run):
price_sync (issue #3), generation, webhook_burst, cold_start (issue #6), evaluation.
`--quick` scales the slow parts down for a fast look; `--only NAME` runs some parts.

    python -m tools.bench [--quick] [--only price_sync --only cold_start]
"""

from __future__ import annotations

import argparse
import io
import json
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench.json"

Part = Callable[[dict[str, Any], bool], None]


def price_sync(results: dict[str, Any], quick: bool) -> None:
    from tools import bench_price_sync  # noqa: PLC0415

    if quick:
        bench_price_sync.run(results, n_skus=200, repeats=1)
    else:
        bench_price_sync.run(results)


def generation(results: dict[str, Any], quick: bool) -> None:
    from tools import bench_generation  # noqa: PLC0415

    if quick:
        bench_generation.run(results, skus=2000, repeats=1)
    else:
        bench_generation.run(results)


def webhook_burst(results: dict[str, Any], quick: bool) -> None:
    from tools.bench_webhooks import run_burst  # noqa: PLC0415

    n_events, n_pos = (500, 50) if quick else (5000, 500)
    burst = run_burst(n_events=n_events, n_pos=n_pos)
    results["webhook_burst"] = burst
    print(
        f"webhook_burst: {burst['events']} deliveries ({burst['unique_events']} distinct, "
        f"{burst['duplicates_sent']} duplicates) for {burst['pos']} POs in "
        f"{burst['seconds']} s = {burst['events_per_s']} events/s; lost {burst['lost']}, "
        f"applied twice {burst['applied_twice']}, wrong final status "
        f"{burst['wrong_final_status']}"
    )


def cold_start(results: dict[str, Any], quick: bool) -> None:
    from tools import bench_cold_start  # noqa: PLC0415

    bench_cold_start.run(results, runs=3 if quick else 5, layer=not quick)


def evaluation(results: dict[str, Any], quick: bool) -> None:
    from tools import evaluate  # noqa: PLC0415

    out = ROOT / "build" / "evaluation.json"
    captured = io.StringIO()
    with redirect_stdout(captured):  # its tables stay in `make evaluate`; key figures here
        evaluate.main(["--out", str(out)])
    report = json.loads(out.read_text())
    ours, base = report["policies"]["ours"], report["policies"]["par_level"]
    figures = {
        "fill_rate": ours["fill_rate"],
        "fill_rate_par_level": base["fill_rate"],
        "waste_units": ours["waste_units"],
        "waste_units_par_level": base["waste_units"],
        "emergency_orders": ours["emergency_orders"],
        "purchase_cost": ours["purchase_cost"],
        "cost_vs_par_level": round(ours["purchase_cost"] / base["purchase_cost"] - 1, 4),
        "forecast_mase": report["forecast"]["mase"],
        "forecast_mase_seasonal_naive": report["forecast"]["seasonal_naive_mase"],
        "checks": report["checks"],
    }
    results["evaluation"] = figures
    passed = sum(report["checks"].values())
    print(
        f"evaluation: fill rate {figures['fill_rate']:.2%} (par level "
        f"{figures['fill_rate_par_level']:.2%}), cost {figures['cost_vs_par_level']:+.1%} vs "
        f"par level, MASE {figures['forecast_mase']} (seasonal naive "
        f"{figures['forecast_mase_seasonal_naive']}); {passed}/{len(report['checks'])} checks "
        f"pass; full report {out.relative_to(ROOT)}"
    )


PARTS: dict[str, Part] = {
    "price_sync": price_sync,
    "generation": generation,
    "webhook_burst": webhook_burst,
    "cold_start": cold_start,
    "evaluation": evaluation,
}


def _write(results: dict[str, Any]) -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, default=str) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs for a fast look")
    parser.add_argument("--only", action="append", choices=sorted(PARTS), help="run only these")
    args = parser.parse_args(argv)
    # Earlier figures of parts not run this time stay; the parts run now replace theirs.
    results: dict[str, Any] = json.loads(OUT.read_text()) if OUT.exists() else {}
    failures: dict[str, str] = {}
    timings: dict[str, float] = {}
    for name in args.only or list(PARTS):
        print(f"== {name}{' (quick)' if args.quick else ''}", flush=True)
        started = time.perf_counter()
        results.pop(name, None)
        try:
            PARTS[name](results, args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failures[name] = f"{type(exc).__name__}: {exc}"
            results[name] = {"error": failures[name]}
        timings[name] = round(time.perf_counter() - started, 1)
        print(f"   ({timings[name]} s)", flush=True)
        results["_run"] = {"quick": args.quick, "part_seconds": timings, "failed": failures}
        _write(results)  # after every part, so a late failure keeps the early figures
    print(
        f"Wrote {OUT.relative_to(ROOT)}" + (f"; FAILED: {', '.join(failures)}" if failures else "")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
