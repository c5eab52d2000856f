"""What a photo job costs the worker with the learned segmenter: wall and CPU time of whole 1024² jobs (one that
needs the model, one the fast path keeps), and the process's peak memory with the model loaded, after single jobs
and with four jobs at once (threads sharing one segmenter, as the embedded host's four job slots do).

Measured in a fresh process (`python bench/photo_costs.py`, what `bench_photos.py --costs` runs), so the peak is
the worker's own and not the benchmark's. Targets (issue 16): a 1024² job <= 1.5 s with the model, <= 0.3 s on the
fast path; peak <= 1.5 GB with the model loaded, <= 3 GB with four jobs at once. Time targets are printed, not
enforced: on a shared machine the CPU time beside each wall time is the honest figure.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_photos import PHOTOS, photo_of, png_of
from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.pipeline import JobInput, JobOptions, Reconstructor
from gen3d_worker.segmenter import load_segmenter

SIDE = 1024
REPEAT = 3
# A tuning photo the model must see (a cluttered table) and one the fast path keeps (a disc on a plain backdrop).
LEARNED_PHOTO = "coffee"
FAST_PHOTO = "logo"
FOUR_PHOTOS = ("coffee", "astronaut", "chelsea", "coins")
TARGETS = {"learned_s": 1.5, "fast_s": 0.3, "loaded_gb": 1.5, "four_jobs_gb": 3.0}


def peak_gb() -> float:
    """The process's peak resident memory so far (VmHWM), in GB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) * 1024 / 1e9, 3)
    raise RuntimeError("no VmHWM in /proc/self/status")


def square_png(entry: dict[str, Any]) -> bytes:
    return png_of(cv2.resize(photo_of(entry), (SIDE, SIDE), interpolation=cv2.INTER_CUBIC))


def timed_jobs(reconstructor: Reconstructor, png: bytes) -> dict[str, Any]:
    """Median and best wall time and the median CPU time of REPEAT whole jobs (after one warm-up), and the median
    wall and CPU time of REPEAT mask requests (the preview: the segmentation alone)."""
    reconstructor.run(JobInput(png))
    walls, cpus, mask_walls, mask_cpus, path = [], [], [], [], None
    for _ in range(REPEAT):
        started, cpu = time.perf_counter(), time.process_time()
        out = reconstructor.run(JobInput(png))
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        path = out.report["mask"].get("segmenter", {}).get("path")
        started, cpu = time.perf_counter(), time.process_time()
        reconstructor.mask(JobInput(png, JobOptions(task="mask")))
        mask_walls.append(time.perf_counter() - started)
        mask_cpus.append(time.process_time() - cpu)
    return {
        "path": path,
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_best_s": round(min(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
        "mask_wall_median_s": round(statistics.median(mask_walls), 3),
        "mask_cpu_median_s": round(statistics.median(mask_cpus), 3),
    }


def four_at_once(reconstructor: Reconstructor, pngs: list[bytes]) -> float:
    """Seconds until four whole jobs started together have all finished."""
    threads = [threading.Thread(target=reconstructor.run, args=(JobInput(png),)) for png in pngs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(time.perf_counter() - started, 3)


def child() -> dict[str, Any]:
    """Runs in the fresh process: every figure of the costs, in order (peaks only grow)."""
    entries = {e["name"]: e for e in json.loads((PHOTOS / "manifest.json").read_text("utf-8"))["photos"]}
    segmenter = load_segmenter()
    reconstructor = Reconstructor({"inflate": InflateBackend()}, segmenter=segmenter)
    costs: dict[str, Any] = {"model": segmenter.card.name if segmenter else None, "peak_loaded_gb": peak_gb()}
    costs["learned_job"] = timed_jobs(reconstructor, square_png(entries[LEARNED_PHOTO]))
    costs["fast_job"] = timed_jobs(reconstructor, square_png(entries[FAST_PHOTO]))
    costs["peak_one_job_gb"] = peak_gb()
    costs["four_jobs_s"] = four_at_once(reconstructor, [square_png(entries[n]) for n in FOUR_PHOTOS])
    costs["peak_four_jobs_gb"] = peak_gb()
    costs["load_average"] = round(os.getloadavg()[0], 2)
    return costs


def measure_costs(env: dict[str, str]) -> dict[str, Any]:
    """The costs, measured in a fresh process with `env` (the segmenter's settings), printed and returned."""
    done = subprocess.run(
        [sys.executable, __file__], env=env, check=True, capture_output=True, text=True, timeout=900
    )
    costs: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    learned, fast = costs["learned_job"], costs["fast_job"]
    costs["targets"] = TARGETS
    for job, photo, target in ((learned, LEARNED_PHOTO, "learned_s"), (fast, FAST_PHOTO, "fast_s")):
        print(
            f"1024² whole job, {job['path']} path ({photo}): wall median {job['wall_median_s']} s, best "
            f"{job['wall_best_s']} s, CPU {job['cpu_median_s']} s (target <= {TARGETS[target]} s); mask request: "
            f"wall {job['mask_wall_median_s']} s, CPU {job['mask_cpu_median_s']} s"
        )
    print(
        f"peak memory: {costs['peak_loaded_gb']} GB with the model loaded, {costs['peak_one_job_gb']} GB after "
        f"single jobs (target <= {TARGETS['loaded_gb']}), {costs['peak_four_jobs_gb']} GB with four jobs at once "
        f"(target <= {TARGETS['four_jobs_gb']}; they took {costs['four_jobs_s']} s); load average "
        f"{costs['load_average']}"
    )
    return costs


if __name__ == "__main__":
    print(json.dumps(child()))
