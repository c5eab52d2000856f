"""The learned models' own masks on the real photographs, side by side: each model card given, and the average of
their probabilities, each thresholded at LEARNED_THRESHOLD with no combining rule (docs/benchmarks.md, "Third
round"). A study tool for candidate models, not a judge: it prints every split, the judged one included, and
exits 0.

    .venv/bin/python apps/inference-server/worker/bench/compare_models.py CARD [CARD ...] [--split NAME]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from gen3d_worker.mask import LEARNED_THRESHOLD
from gen3d_worker.model_card import ModelCard
from gen3d_worker.segmenter import LearnedSegmenter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_photos import PHOTOS, SPLIT_LABELS, iou, photo_of, truth_of


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("cards", nargs="+", help="installed model cards (card.json beside its model file)")
    parser.add_argument("--split", action="append", help="only this split (repeatable)")
    args = parser.parse_args()
    models = [LearnedSegmenter(ModelCard.load(Path(card))) for card in args.cards]
    names = [m.card.name for m in models] + (["average"] if len(models) > 1 else [])
    manifest = json.loads((PHOTOS / "manifest.json").read_text("utf-8"))
    scores: dict[str, dict[str, list[float]]] = {}
    print("| photo | split | " + " | ".join(names) + " |")
    print("| --- | --- |" + " --- |" * len(names))
    for entry in manifest["photos"]:
        if args.split and entry["split"] not in args.split:
            continue
        rgb = photo_of(entry)
        truth = truth_of(entry, rgb)
        if truth is None:
            continue
        softs = [m.predict(rgb) for m in models]
        if len(softs) > 1:
            softs.append(np.mean(softs, axis=0))
        row = [iou(soft >= LEARNED_THRESHOLD, truth) for soft in softs]
        for name, score in zip(names, row, strict=True):
            scores.setdefault(entry["split"], {}).setdefault(name, []).append(score)
        print(f"| {entry['name']} | {entry['split']} | " + " | ".join(f"{s:.3f}" for s in row) + " |")
    for split, by_model in scores.items():
        figures = ", ".join(
            f"{name} {statistics.fmean(s):.3f} / {min(s):.3f}" for name, s in by_model.items()
        )
        print(
            f"{SPLIT_LABELS.get(split, split)} ({len(next(iter(by_model.values())))} photos), mean / worst: {figures}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
