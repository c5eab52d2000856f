"""Worker benchmark: time and peak memory per image size, and the ratio to the floor (decode PNG + write PLY).

    python bench/bench_worker.py [--sizes 256,512,1024,2048] [--repeat 3] [--json OUT.json]

Each (size, kind) runs in a fresh process so its peak RSS is its own. Kinds: `rgba` (mask from alpha) and
`rgb` (an opaque photo, mask by segmentation). Quality: standard (the default).

The machine may be shared: besides the wall time (median and best of --repeat) each job's CPU time (all threads
of the process) is printed, with the load average. On a busy machine the CPU time is the honest figure for what
a job costs; the wall time is what it costs there and then.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.decode import decode_png
from gen3d_worker.pipeline import JobInput, Reconstructor


def picture(size: int, kind: str) -> bytes:
    """A blob-like object (ellipse + bumps) with texture; on transparency (rgba) or a noisy plain backdrop (rgb)."""
    rng = np.random.default_rng(size)
    mask = np.zeros((size, size), np.uint8)
    c = size // 2
    cv2.ellipse(mask, (c, c), (int(size * 0.3), int(size * 0.38)), 20, 0, 360, 255, -1)
    cv2.circle(mask, (int(size * 0.7), int(size * 0.3)), int(size * 0.12), 255, -1)
    texture = rng.integers(0, 255, (size // 16 + 1, size // 16 + 1, 3), dtype=np.uint8)
    obj = cv2.resize(texture, (size, size), interpolation=cv2.INTER_CUBIC)
    if kind == "rgba":
        image = np.dstack([obj, mask])
        ok, data = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA))
    else:
        backdrop = np.full((size, size, 3), (228, 226, 220), np.float32) + rng.normal(0, 3, (size, size, 3))
        image = np.where(mask[:, :, None] > 0, obj.astype(np.float32), backdrop).clip(0, 255).astype(np.uint8)
        ok, data = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    assert ok
    return bytes(data)


def measure(size: int, kind: str, repeat: int) -> dict[str, Any]:
    png = picture(size, kind)
    reconstructor = Reconstructor({"inflate": InflateBackend()})
    reconstructor.run(JobInput(png))  # warm-up: imports, allocator, caches
    times, floors, cpu = [], [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        output = reconstructor.run(JobInput(png))
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        # The floor: what any pipeline must do for this job: decode the PNG and write this PLY.
        started = time.perf_counter()
        decode_png(png)
        _rewrite(output)
        floors.append(time.perf_counter() - started)
    return {
        "size": size,
        "kind": kind,
        "seconds": statistics.median(times),
        "best_seconds": min(times),
        "cpu_seconds": statistics.median(cpu),
        "floor_seconds": statistics.median(floors),
        "ratio_to_floor": statistics.median(times) / statistics.median(floors),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "faces": output.report["mesh"]["faces"],
        "stages_ms": output.timings_ms,
    }


def _rewrite(output: Any) -> bytes:
    """Re-encodes the job's mesh from its PLY bytes' arrays: the cost of writing the PLY, nothing else."""
    from gen3d_worker.encode import encode_ply  # noqa: PLC0415
    from gen3d_worker.mesh import Mesh  # noqa: PLC0415

    header_end = output.ply.index(b"end_header\n") + len(b"end_header\n")
    n_vertices, n_faces = output.report["mesh"]["vertices"], output.report["mesh"]["faces"]
    vertex_dtype = np.dtype([("p", "<f4", (3,)), ("c", "u1", (3,))])
    vertices = np.frombuffer(output.ply, vertex_dtype, n_vertices, header_end)
    faces = np.frombuffer(
        output.ply,
        np.dtype([("n", "u1"), ("v", "<i4", (3,))]),
        n_faces,
        header_end + vertex_dtype.itemsize * n_vertices,
    )
    mesh = Mesh(vertices=vertices["p"].copy(), faces=faces["v"].copy(), colours=vertices["c"].copy())
    return encode_ply(mesh)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="256,512,1024,2048")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: size,kind measured in this process
    args = parser.parse_args()
    if args.one:
        size, kind = args.one.split(",")
        print(json.dumps(measure(int(size), kind, args.repeat)))
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for kind in ("rgba", "rgb"):
            out = subprocess.run(
                [sys.executable, __file__, "--one", f"{size},{kind}", "--repeat", str(args.repeat)],
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(json.loads(out.stdout))
    print(
        f"worker benchmark on {platform.machine()} ({platform.python_version()}, {len(os.sched_getaffinity(0))} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}), quality=standard, median of {args.repeat}"
    )
    print(
        "| image | mask from | time (s) | best (s) | CPU (s) | floor (s) | ratio | peak RSS (MiB) | faces |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        source = "alpha" if r["kind"] == "rgba" else "segmentation"
        print(
            f"| {r['size']}² {r['kind'].upper()} | {source} | {r['seconds']:.3f} | {r['best_seconds']:.3f} | "
            f"{r['cpu_seconds']:.3f} | {r['floor_seconds']:.3f} | {r['ratio_to_floor']:.1f}x | "
            f"{r['peak_rss_mib']:.0f} | {r['faces']} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
