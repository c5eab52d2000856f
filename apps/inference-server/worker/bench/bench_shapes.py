"""The shape benchmark: known meshes rendered front-on, reconstructed through the worker, scored in 3D.

Each case of bench/shape_cases.py is rendered by our own renderer (alpha = the silhouette), sent through the worker
as a job is (`Reconstructor.run`, shape auto unless --shape), and the PLY compared with the true mesh after both are
centred and scaled by the silhouette (its box in x and y; z centred on the mesh's own depth), so that the depth
behind the outline is what is judged: Chamfer distance, and F-score at 2 % and 5 % of the silhouette's size.
Targets, on the held-out split (organic shapes frozen 2026-12-07) and on the seen split (the first held-out one) alike:
mean F-score at 5 % >= 0.85, no case below 0.5 (exit 1 when one is missed). A contact sheet shows each truth beside
its reconstruction, both turned 40 degrees to show their depth.

`--inflation balloon` runs the balloon as it was before its refit (decision 0027), for comparison.

    .venv/bin/python apps/inference-server/worker/bench/bench_shapes.py [--json OUT] [--sheet PNG] [--shape S]
        [--inflation fitted|balloon]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import trimesh
from scipy.spatial import cKDTree

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.backends.inflation import BALLOON
from gen3d_worker.backends.shapes import ShapeChoice
from gen3d_worker.pipeline import JobInput, JobOptions, Reconstructor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.shape_cases import CASES, ShapeCase, render

ROOT = Path(__file__).resolve().parents[4]
HELD_OUT_MEAN_F5 = 0.85
HELD_OUT_WORST_F5 = 0.5
SAMPLES = 20_000


def normalised_points(mesh: trimesh.Trimesh, count: int = SAMPLES) -> npt.NDArray[np.float64]:
    """Surface samples, centred on the silhouette's box (x, y) and the mesh's depth (z), scaled by the silhouette's
    longer side."""
    points, _ = trimesh.sample.sample_surface(mesh, count, seed=0)
    vertices = np.asarray(mesh.vertices)
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    centre = (low + high) / 2
    size = float(max(high[0] - low[0], high[1] - low[1]))
    normalised: npt.NDArray[np.float64] = (np.asarray(points) - centre) / size
    return normalised


def scores(truth: trimesh.Trimesh, made: trimesh.Trimesh) -> dict[str, float]:
    a, b = normalised_points(truth), normalised_points(made)
    to_truth = cKDTree(a).query(b)[0]
    to_made = cKDTree(b).query(a)[0]
    result = {"chamfer": float((to_truth.mean() + to_made.mean()) / 2)}
    for tau, label in ((0.02, "f2"), (0.05, "f5")):
        precision, recall = float((to_truth < tau).mean()), float((to_made < tau).mean())
        result[label] = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    truth_depth = np.ptp(np.asarray(truth.vertices)[:, 2]) / max(
        np.ptp(np.asarray(truth.vertices)[:, :2], axis=0)
    )
    made_depth = np.ptp(np.asarray(made.vertices)[:, 2]) / max(
        np.ptp(np.asarray(made.vertices)[:, :2], axis=0)
    )
    result["depth_ratio"] = float(made_depth / truth_depth)
    return {k: round(v, 4) for k, v in result.items()}


def png_of(rgba: npt.NDArray[np.uint8]) -> bytes:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    assert ok
    return encoded.tobytes()


def tile(picture: npt.NDArray[np.uint8], label: str) -> npt.NDArray[np.uint8]:
    shown = picture[..., :3].copy()
    shown[picture[..., 3] == 0] = (245, 245, 245)
    small: npt.NDArray[np.uint8] = cv2.resize(shown, (220, 220), interpolation=cv2.INTER_AREA)
    cv2.putText(small, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (20, 20, 20), 1, cv2.LINE_AA)
    return small


def run_case(
    reconstructor: Reconstructor, case: ShapeCase, shape: ShapeChoice
) -> tuple[dict[str, Any], list[Any]]:
    truth = case.make()
    picture = render(truth, case.colour)
    started = time.perf_counter()
    output = reconstructor.run(JobInput(png_of(picture), JobOptions(quality="standard", shape=shape)))
    seconds = time.perf_counter() - started
    made = trimesh.load(io.BytesIO(output.ply), file_type="ply", process=False)
    chosen = output.report.get("shape", {})
    row = {
        "name": case.name,
        "split": case.split,
        "expected": case.expected,
        "shape": chosen.get("shape"),
        "evidence": chosen.get("evidence"),
        "reason": chosen.get("reason"),
        "seconds": round(seconds, 3),
        **scores(truth, made),
    }
    colour = case.colour
    if made.visual.kind == "vertex":
        mean = np.asarray(made.visual.vertex_colors)[:, :3].mean(axis=0)
        colour = (int(mean[0]), int(mean[1]), int(mean[2]))
    shown = trimesh.Trimesh(made.vertices, made.faces, process=False)
    tiles = [
        tile(
            render(truth, case.colour, yaw_degrees=40, pitch_degrees=20), f"{case.name} ({case.split}): truth"
        ),
        tile(
            render(shown, colour, yaw_degrees=40, pitch_degrees=20),
            f"{row['shape']} F5 {row['f5']:.2f}",
        ),
    ]
    return row, tiles


def split_summary(rows: list[dict[str, Any]], split: str) -> dict[str, Any]:
    f5 = [r["f5"] for r in rows if r["split"] == split]
    mean, worst = statistics.fmean(f5), min(f5)
    met = mean >= HELD_OUT_MEAN_F5 and worst >= HELD_OUT_WORST_F5
    return {"cases": len(f5), "f5_mean": round(mean, 4), "f5_worst": round(worst, 4), "met": met}


def print_table(rows: list[dict[str, Any]]) -> None:
    print("| case | split | fits | chosen | F@2% | F@5% | Chamfer | depth ratio | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['name']} | {r['split']} | {r['expected']} | {r['shape']} | {r['f2']:.3f} | {r['f5']:.3f} | "
            f"{r['chamfer']:.4f} | {r['depth_ratio']:.2f} | {r['seconds']:.2f} |"
        )


def write_sheet(tiles: list[npt.NDArray[np.uint8]], path: str, columns: int = 3) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    while len(tiles) % columns:
        tiles.append(np.full_like(tiles[0], 255))
    sheet = np.vstack([np.hstack(tiles[i : i + columns]) for i in range(0, len(tiles), columns)])
    cv2.imwrite(path, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--sheet", default=str(ROOT / "dist/bench/shapes.png"))
    parser.add_argument("--shape", default="auto", choices=["auto", "inflate", "revolve", "slab"])
    parser.add_argument("--inflation", default="fitted", choices=["fitted", "balloon"])
    args = parser.parse_args()
    started = time.perf_counter()
    backend = InflateBackend(BALLOON) if args.inflation == "balloon" else InflateBackend()
    reconstructor = Reconstructor({"inflate": backend})
    rows, tiles = [], []
    for case in CASES:
        row, pair = run_case(reconstructor, case, args.shape)
        rows.append(row)
        tiles.append(np.hstack(pair))
    print(
        f"shape benchmark ({len(os.sched_getaffinity(0))} CPUs), shape={args.shape}, inflation={args.inflation}, "
        "quality=standard"
    )
    print_table(rows)
    summary = {split: split_summary(rows, split) for split in ("training", "seen", "held-out")}
    for split in ("seen", "held-out"):
        s = summary[split]
        print(
            f"{split} ({s['cases']} cases): mean F@5% {s['f5_mean']:.3f} (target >= {HELD_OUT_MEAN_F5}), "
            f"worst {s['f5_worst']:.3f} (target >= {HELD_OUT_WORST_F5}): {'met' if s['met'] else 'MISSED'}"
        )
    met = summary["seen"]["met"] and summary["held-out"]["met"]
    seconds = time.perf_counter() - started
    print(f"training mean F@5% {summary['training']['f5_mean']:.3f}; whole benchmark {seconds:.0f} s")
    write_sheet(tiles, args.sheet)
    if args.json:
        document = {"summary": {**summary, "met": met, "seconds": round(seconds, 1)}, "rows": rows}
        Path(args.json).write_text(json.dumps(document, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
