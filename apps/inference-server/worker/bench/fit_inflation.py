"""Fits the `inflate` hypothesis's constants (backends/inflation.py) on the shape benchmark's TRAINING split only.

Every training case that inflation is meant for (bench/shape_cases.py, expected `inflate`) is rendered front-on once,
then inflated (shape forced to `inflate`) with each candidate and scored as bench_shapes.py scores it. Coordinate
search from the old balloon: each constant in turn over its grid, keeping the best mean F@5% (ties: the better worst
case), twice round. The `seen` and `held-out` splits are never loaded.

    .venv/bin/python apps/inference-server/worker/bench/fit_inflation.py [--json OUT]
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import statistics
import sys
import time
from pathlib import Path

import trimesh

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.backends.inflation import BALLOON, Inflation
from gen3d_worker.pipeline import JobInput, JobOptions, Reconstructor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_shapes import png_of, scores
from bench.shape_cases import CASES, render

GRIDS: dict[str, tuple[float, ...]] = {
    "depth": (0.8, 0.9, 1.0, 1.1, 1.2, 1.35, 1.5),
    "tallness": (0.0, 0.25, 0.5, 0.75, 1.0, 1.25),
    "locality": (0.0, 0.25, 0.5, 0.75, 1.0),
    "exponent": (0.35, 0.45, 0.5, 0.6, 0.75),
}
Case = tuple[str, trimesh.Trimesh, bytes]


def training_cases() -> list[Case]:
    chosen = [c for c in CASES if c.split == "training" and c.expected == "inflate"]
    return [(c.name, mesh, png_of(render(mesh, c.colour))) for c in chosen for mesh in [c.make()]]


def evaluate(cases: list[Case], inflation: Inflation) -> dict[str, float]:
    """F@5% per case with this inflation."""
    reconstructor = Reconstructor({"inflate": InflateBackend(inflation)})
    result = {}
    for name, truth, png in cases:
        output = reconstructor.run(JobInput(png, JobOptions(quality="standard", shape="inflate")))
        made = trimesh.load(io.BytesIO(output.ply), file_type="ply", process=False)
        result[name] = scores(truth, made)["f5"]
    return result


def merit(per_case: dict[str, float]) -> tuple[float, float]:
    return round(statistics.fmean(per_case.values()), 4), min(per_case.values())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    args = parser.parse_args()
    started = time.perf_counter()
    cases = training_cases()
    best = BALLOON
    tried: dict[Inflation, dict[str, float]] = {best: evaluate(cases, best)}
    print(
        f"balloon {best}: mean F@5% {merit(tried[best])[0]:.3f}, worst {merit(tried[best])[1]:.3f}",
        flush=True,
    )
    for _ in range(2):
        for name, grid in GRIDS.items():
            for value in grid:
                candidate = dataclasses.replace(best, **{name: value})
                if candidate not in tried:
                    tried[candidate] = evaluate(cases, candidate)
                    mean, worst = merit(tried[candidate])
                    print(f"  {name}={value}: mean {mean:.3f} worst {worst:.3f}", flush=True)
            best = max(tried, key=lambda c: merit(tried[c]))
            print(f"after {name}: {best} mean {merit(tried[best])[0]:.3f}", flush=True)
    print("| case | balloon F@5% | fitted F@5% |\n| --- | --- | --- |")
    for name, _, _ in cases:
        print(f"| {name} | {tried[BALLOON][name]:.3f} | {tried[best][name]:.3f} |")
    (old_mean, old_worst), (mean, worst) = merit(tried[BALLOON]), merit(tried[best])
    print(f"training (inflate only, {len(cases)} cases): mean F@5% {old_mean:.3f} -> {mean:.3f}, ", end="")
    print(f"worst {old_worst:.3f} -> {worst:.3f}; fitted {best}; {len(tried)} candidates")
    print(f"{time.perf_counter() - started:.0f} s")
    if args.json:
        rows = [{**dataclasses.asdict(c), "per_case": per} for c, per in tried.items()]
        Path(args.json).write_text(json.dumps({"best": dataclasses.asdict(best), "tried": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
