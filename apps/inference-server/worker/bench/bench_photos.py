"""Segmentation on real photographs, against outlines drawn by looking at them (bench/photos/manifest.json).

Each photo goes through the worker as a job does (PNG in, the object mask out, `Reconstructor.mask`), with the
learned segmenter when one is installed (GEN3D_SEGMENTATION_MODEL, or the set-up's .gen3d/models/isnet-medium).
Splits (the manifest's `splits` says when each was frozen): the **judged** split (`held-out-3`) was chosen and its
outlines drawn before the segmenter it judges ran on it; its targets: mean IoU >= 0.95, none below 0.85. The older
held-out splits (`held-out`, `held-out-2`) have been **seen** (their results were published): measured and
labelled, not judged. The tuning split is reported, not judged. A contact sheet of every mask over its photo is written for docs/benchmarks.md. Exit 1
when a judged target is missed. `--split NAME` (repeatable) measures only those splits (tuning work: `--split
tuning`); `--costs` also times whole 1024² jobs and measures the worker's peak memory (photo_costs.py).

    .venv/bin/python apps/inference-server/worker/bench/bench_photos.py [--json OUT] [--sheet PNG] [--split NAME]
        [--costs]
"""

from __future__ import annotations

import argparse
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
from skimage import data

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.mask import LEARNED_THRESHOLD
from gen3d_worker.pipeline import JobInput, JobOptions, Reconstructor
from gen3d_worker.segmenter import LearnedSegmenter, load_segmenter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
PHOTOS = HERE / "photos"
INSTALLED_MODEL = ROOT / ".gen3d/models/isnet-medium/card.json"


def bench_env() -> dict[str, str]:
    """This process's environment, with the set-up's installed model as the learned segmenter unless one is named."""
    env = dict(os.environ)
    if not env.get("GEN3D_SEGMENTATION_MODEL") and INSTALLED_MODEL.exists():
        env["GEN3D_SEGMENTATION_MODEL"] = str(INSTALLED_MODEL)
    return env


HELD_OUT_MEAN = 0.95
HELD_OUT_WORST = 0.85
# The split that judges the segmenter, and how each split is labelled in the tables.
JUDGED_SPLIT = "held-out-3"
SPLIT_LABELS = {
    "held-out-3": "held-out (judged)",
    "held-out-2": "seen (held-out-2)",
    "held-out": "seen (first held-out)",
    "tuning": "tuning",
}

Rgb = npt.NDArray[np.uint8]
Bool = npt.NDArray[np.bool_]


def photo_of(entry: dict[str, Any]) -> Rgb:
    if "skimage" in entry:
        name = entry["skimage"]
        image = data.stereo_motorcycle()[0] if name == "motorcycle_left" else getattr(data, name)()
        if image.dtype == bool:
            image = np.where(image, 255, 0).astype(np.uint8)  # the horse: False on the horse (black on white)
        if image.ndim == 2:
            image = np.dstack([image] * 3)
        return np.ascontiguousarray(image[..., :3])
    bgr = cv2.imread(str(PHOTOS / entry["file"]), cv2.IMREAD_COLOR)
    rgb: Rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return rgb


def truth_of(entry: dict[str, Any], rgb: Rgb) -> Bool | None:
    truth = entry.get("truth")
    if truth is None:
        return None
    height, width = rgb.shape[:2]
    if truth["kind"] == "silhouette":
        return np.asarray(rgb[..., 0] < 128, bool)
    if truth["kind"] == "matte":
        matte = cv2.imread(str(PHOTOS / truth["file"]), cv2.IMREAD_GRAYSCALE)
        assert matte is not None, truth["file"]
        return np.asarray(np.asarray(matte) >= 128, bool)
    # Drawn outlines, rasterised at 4x sub-pixel precision with anti-aliasing, thresholded at half.
    canvas = np.zeros((height, width), np.uint8)
    if truth["kind"] == "polygons":
        for polygon in truth["polygons"]:
            points = np.round(np.asarray(polygon, np.float64) * 16).astype(np.int32)
            cv2.fillPoly(canvas, [points], 255, cv2.LINE_AA, 4)
    elif truth["kind"] == "circles":
        for x, y, r in truth["circles"]:
            cv2.circle(canvas, (round(x * 16), round(y * 16)), round(r * 16), 255, -1, cv2.LINE_AA, 4)
    return np.asarray(canvas >= 128, bool)


def png_of(rgb: Rgb) -> bytes:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return encoded.tobytes()


def iou(a: Bool, b: Bool) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def overlay(rgb: Rgb, mask: Bool, truth: Bool | None, label: str, width: int = 300) -> Rgb:
    shown = rgb.copy()
    shown[~mask] = (shown[~mask] * 0.3).astype(np.uint8)
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(shown, contours, -1, (255, 60, 60), 2)
    if truth is not None:
        drawn, _ = cv2.findContours(truth.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(shown, drawn, -1, (60, 255, 60), 1)
    height = round(shown.shape[0] * width / shown.shape[1])
    small: Rgb = cv2.resize(shown, (width, height), interpolation=cv2.INTER_AREA)
    cv2.rectangle(small, (0, 0), (width, 18), (0, 0, 0), -1)
    cv2.putText(small, label, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 0), 1, cv2.LINE_AA)
    return small


def contact_sheet(tiles: list[Rgb], columns: int = 4) -> Rgb:
    height = max(t.shape[0] for t in tiles)
    padded = [cv2.copyMakeBorder(t, 0, height - t.shape[0], 0, 4, cv2.BORDER_CONSTANT) for t in tiles]
    while len(padded) % columns:
        padded.append(np.zeros_like(padded[0]))
    rows = [np.hstack(padded[i : i + columns]) for i in range(0, len(padded), columns)]
    sheet: Rgb = np.vstack([cv2.copyMakeBorder(r, 0, 4, 0, 0, cv2.BORDER_CONSTANT) for r in rows])
    return sheet


def model_alone(segmenter: LearnedSegmenter | None, rgb: Rgb, truth: Bool | None) -> float | None:
    """IoU of the learned model's own mask (its probability >= LEARNED_THRESHOLD, no rule applied): what the
    combining rules of decision 0026 add or cost is the difference to the job's mask."""
    if segmenter is None or truth is None:
        return None
    return round(iou(segmenter.predict(rgb) >= LEARNED_THRESHOLD, truth), 4)


def measure_photos(
    reconstructor: Reconstructor, entries: list[dict[str, Any]], segmenter: LearnedSegmenter | None = None
) -> tuple[list[dict[str, Any]], list[Rgb]]:
    """Each photo's mask request: IoU against its truth, the path that made it, wall and CPU seconds; with a
    segmenter, also the IoU of its mask alone (`model_alone`, measured after the timed request)."""
    rows: list[dict[str, Any]] = []
    tiles: list[Rgb] = []
    for entry in entries:
        rgb = photo_of(entry)
        truth = truth_of(entry, rgb)
        started, cpu = time.perf_counter(), time.process_time()
        out = reconstructor.mask(JobInput(png_of(rgb), JobOptions(task="mask")))
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        plane = cv2.imdecode(np.frombuffer(out.png, np.uint8), cv2.IMREAD_GRAYSCALE)
        assert plane is not None
        mask = np.asarray(np.asarray(plane) >= 128, bool)
        score = iou(mask, truth) if truth is not None else None
        segmenter_report = out.report["mask"].get("segmenter", {})
        rows.append(
            {
                "name": entry["name"],
                "split": entry["split"],
                "iou": None if score is None else round(score, 4),
                "model_alone": model_alone(segmenter, rgb, truth),
                "path": segmenter_report.get("path", "classic"),
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu_seconds, 3),
                "size": [rgb.shape[1], rgb.shape[0]],
            }
        )
        label = f"{entry['name']} [{entry['split']}] {rows[-1]['path']}" + (
            "" if score is None else f" IoU {score:.3f}"
        )
        tiles.append(overlay(rgb, mask, truth, label))
    return rows, tiles


def split_summaries(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per split: how many photos have a truth, their mean and worst IoU."""
    summaries: dict[str, dict[str, Any]] = {}
    for split in dict.fromkeys(r["split"] for r in rows):
        scores = [float(r["iou"]) for r in rows if r["split"] == split and r["iou"] is not None]
        alone = [
            float(r["model_alone"]) for r in rows if r["split"] == split and r.get("model_alone") is not None
        ]
        worst = min(scores, default=0.0)
        summaries[split] = {
            "label": SPLIT_LABELS.get(split, split),
            "cases": len(scores),
            "iou_mean": round(statistics.fmean(scores), 4) if scores else 0.0,
            "iou_worst": round(worst, 4),
            "worst_photo": next((r["name"] for r in rows if r["split"] == split and r["iou"] == worst), None),
            "model_alone_mean": round(statistics.fmean(alone), 4) if alone else None,
        }
    return summaries


def print_table(segmenter: LearnedSegmenter | None, rows: list[dict[str, Any]]) -> None:
    model = segmenter.card.name if segmenter else "none (weight-free path only)"
    print(f"segmentation on real photos: model {model}, {len(os.sched_getaffinity(0))} CPUs")
    print("| photo | split | IoU | model alone | path | seconds | CPU seconds | size |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        shown = "—" if r["iou"] is None else f"{r['iou']:.3f}"
        alone = "—" if r.get("model_alone") is None else f"{r['model_alone']:.3f}"
        print(
            f"| {r['name']} | {SPLIT_LABELS.get(r['split'], r['split'])} | {shown} | {alone} | {r['path']} "
            f"| {r['seconds']:.2f} "
            f"| {r['cpu_seconds']:.2f} | {r['size'][0]}x{r['size'][1]} |"
        )


def judge(summaries: dict[str, dict[str, Any]]) -> bool | None:
    """Prints each split's figures; whether the judged split met its targets (None when it was not measured)."""
    for s in summaries.values():
        print(
            f"{s['label']}: {s['cases']} photos, mean IoU {s['iou_mean']}, worst {s['iou_worst']} ({s['worst_photo']})"
            + ("" if s["model_alone_mean"] is None else f"; the model alone: mean {s['model_alone_mean']}")
        )
    judged = summaries.get(JUDGED_SPLIT)
    if judged is None or not judged["cases"]:
        print(f"{JUDGED_SPLIT} not measured: no target judged")
        return None
    met = bool(judged["iou_mean"] >= HELD_OUT_MEAN and judged["iou_worst"] >= HELD_OUT_WORST)
    print(
        f"{JUDGED_SPLIT}: mean IoU {judged['iou_mean']} (target >= {HELD_OUT_MEAN}), worst {judged['iou_worst']} "
        f"(target >= {HELD_OUT_WORST}): {'met' if met else 'MISSED'}"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--sheet", default=str(ROOT / "dist/bench/segmentation-photos.png"))
    parser.add_argument("--split", action="append", help="measure only this split (repeatable)")
    parser.add_argument("--costs", action="store_true", help="also time 1024² jobs and measure peak memory")
    args = parser.parse_args()
    env = bench_env()
    segmenter = load_segmenter(env)
    reconstructor = Reconstructor({"inflate": InflateBackend()}, segmenter=segmenter)
    manifest = json.loads((PHOTOS / "manifest.json").read_text("utf-8"))
    entries = [e for e in manifest["photos"] if not args.split or e["split"] in args.split]
    rows, tiles = measure_photos(reconstructor, entries, segmenter)
    print_table(segmenter, rows)
    summaries = split_summaries(rows)
    met = judge(summaries)
    summary: dict[str, Any] = {
        "model": segmenter.card.name if segmenter else None,
        "judged_split": JUDGED_SPLIT,
        "splits": summaries,
        "targets": {"mean": HELD_OUT_MEAN, "worst": HELD_OUT_WORST, "met": met},
        "cpus": len(os.sched_getaffinity(0)),
        "load_average": round(os.getloadavg()[0], 2),
    }
    if args.costs:
        sys.path.insert(0, str(HERE.parent))
        from bench.photo_costs import measure_costs  # noqa: PLC0415 - it imports this module

        summary["costs"] = measure_costs(env)
    Path(args.sheet).parent.mkdir(parents=True, exist_ok=True)
    # A .jpg sheet (docs/images/segmentation-photos.jpg) at quality 80: a tenth of the PNG, details still readable.
    cv2.imwrite(
        args.sheet, cv2.cvtColor(contact_sheet(tiles), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80]
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))
    return 1 if met is False else 0


if __name__ == "__main__":
    sys.exit(main())
