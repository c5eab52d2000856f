"""Tuning aid for the photo segmentation (decision 0026): the model's soft masks of every photo that may be studied
are computed once and cached, then `segment_photo` runs on them (the weight-free path for real, the model replayed
from the cache), so a change to how the two paths are combined is measured in seconds, photo by photo.

The judged split (bench_photos.JUDGED_SPLIT) is never loaded here: it is measured once, by bench_photos.py, after
the rules are fixed. Splits studied by default: tuning and every split whose results were already published.
The 24 composites of bench/segmentation_cases.py are measured too (`--composites`), since the rules serve them.

    .venv/bin/python apps/inference-server/worker/bench/tune_photos.py [--split NAME] [--composites]
        [--cache DIR] [--sheet JPG] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_photos import (
    JUDGED_SPLIT,
    PHOTOS,
    ROOT,
    Bool,
    Rgb,
    bench_env,
    contact_sheet,
    iou,
    overlay,
    photo_of,
    truth_of,
)
from gen3d_worker.grid import scaled_to_long_side
from gen3d_worker.mask import Prompts, segment_photo
from gen3d_worker.pipeline import MASK_PREVIEW_LONG_SIDE
from gen3d_worker.segmenter import LearnedSegmenter, load_segmenter

STUDIED = ("tuning", "held-out", "held-out-2")


class ReplayedSegmenter:
    """Stands in for the learned segmenter: its soft mask of each picture, from the cache (computed on a miss)."""

    def __init__(self, model: LearnedSegmenter, cache: Path) -> None:
        self.card = model.card
        self.model = model
        self.cache = cache
        self.key = ""

    def predict(self, rgb: Rgb) -> npt.NDArray[np.float32]:
        path = self.cache / f"{self.key}.npy"
        if path.exists():
            soft: npt.NDArray[np.float32] = np.load(path).astype(np.float32)
            if soft.shape == rgb.shape[:2]:
                return soft
        soft = self.model.predict(rgb)
        np.save(path, soft.astype(np.float16))
        return soft


def studied_entries(splits: list[str] | None) -> list[dict[str, Any]]:
    manifest = json.loads((PHOTOS / "manifest.json").read_text("utf-8"))
    wanted = [s for s in (splits or STUDIED) if s != JUDGED_SPLIT]
    return [e for e in manifest["photos"] if e["split"] in wanted]


def composite_entries() -> list[tuple[str, Rgb, Bool]]:
    from bench.segmentation_cases import all_cases  # noqa: PLC0415

    return [(c.name, c.rgb, c.truth) for c in all_cases()]


def measure(replay: ReplayedSegmenter, name: str, rgb: Rgb, truth: Bool | None) -> dict[str, Any]:
    replay.key = name
    size = scaled_to_long_side(rgb.shape[1], rgb.shape[0], MASK_PREVIEW_LONG_SIDE)
    started = time.process_time()
    found = segment_photo(rgb, size, Prompts(), None, replay)  # type: ignore[arg-type]
    cpu = time.process_time() - started
    mask = cv2.resize(found.mask.astype(np.uint8), rgb.shape[1::-1], interpolation=cv2.INTER_NEAREST) > 0
    score = None if truth is None else iou(mask, truth)
    return {"name": name, "iou": score, "path": found.path, "scores": found.scores, "cpu": cpu, "mask": mask}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", action="append")
    parser.add_argument("--composites", action="store_true")
    parser.add_argument("--cache", default=str(ROOT / "dist/bench/soft-masks"))
    parser.add_argument("--sheet")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    env = bench_env()
    model = load_segmenter(env)
    assert model is not None, "no learned segmenter installed (npm run setup)"
    cache = Path(args.cache) / model.card.name
    cache.mkdir(parents=True, exist_ok=True)
    replay = ReplayedSegmenter(model, cache)
    groups: dict[str, list[dict[str, Any]]] = {}
    tiles = []
    for entry in studied_entries(args.split):
        rgb = photo_of(entry)
        row = measure(replay, f"photo-{entry['name']}", rgb, truth_of(entry, rgb))
        groups.setdefault(entry["split"], []).append(row)
        label = f"{entry['name']} {row['path']}" + ("" if row["iou"] is None else f" {row['iou']:.3f}")
        tiles.append(overlay(rgb, row["mask"], truth_of(entry, rgb), label))
    if args.composites:
        for name, rgb, truth in composite_entries():
            groups.setdefault("composites", []).append(measure(replay, f"composite-{name}", rgb, truth))
    for split, rows in groups.items():
        scores = [r["iou"] for r in rows if r["iou"] is not None]
        print(
            f"{split}: mean {statistics.fmean(scores):.3f}, worst {min(scores):.3f} ({len(scores)} with truth)"
        )
        for r in rows:
            shown = "—" if r["iou"] is None else f"{r['iou']:.3f}"
            extra = f" {r['scores']}" if args.verbose else ""
            print(f"  {r['name']:<40} {shown:>6} {r['path']:<8} {r['cpu']:.2f} s{extra}")
    if args.sheet and tiles:
        cv2.imwrite(
            args.sheet, cv2.cvtColor(contact_sheet(tiles), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
