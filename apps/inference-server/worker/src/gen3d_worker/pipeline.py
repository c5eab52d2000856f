"""The whole reconstruction: decode -> mask -> reconstruct -> encode, with a report of what was done."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .backends import Backend, BackendName, Quality, ReconstructionInput
from .decode import decode_png
from .encode import PlyFormat, encode_ply
from .errors import BackendUnavailableError, InvalidRequestError
from .limits import ImageLimits
from .mask import Point, object_mask


@dataclass(frozen=True)
class JobOptions:
    backend: BackendName = "inflate"
    quality: Quality = "standard"
    point: Point | None = None
    seed: int = 0
    ply_format: PlyFormat = "binary"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> JobOptions:
        """Parses options as the sidecar sends them (libs/events JobOptions); unknown keys are an error."""
        # maskKey is the sidecar's business: it sends the mask itself, never the key.
        known = {"backend", "quality", "point", "seed", "plyFormat"}
        unknown = set(raw) - known
        if unknown:
            raise InvalidRequestError(f"unknown options: {', '.join(sorted(unknown))}")
        backend = raw.get("backend", "inflate")
        if backend not in ("inflate", "sam3d"):
            raise InvalidRequestError(f"backend must be 'inflate' or 'sam3d'; got {backend!r}")
        quality = raw.get("quality", "standard")
        if quality not in ("fast", "standard", "high"):
            raise InvalidRequestError(f"quality must be 'fast', 'standard' or 'high'; got {quality!r}")
        ply_format = raw.get("plyFormat", "binary")
        if ply_format not in ("binary", "ascii"):
            raise InvalidRequestError(f"plyFormat must be 'binary' or 'ascii'; got {ply_format!r}")
        point = raw.get("point")
        parsed_point = None
        if point is not None:
            if not (isinstance(point, dict) and set(point) == {"x", "y"}) or not all(
                isinstance(point[k], int) and not isinstance(point[k], bool) and point[k] >= 0
                for k in ("x", "y")
            ):
                raise InvalidRequestError("point must be {x, y} with non-negative integer pixel coordinates")
            parsed_point = Point(point["x"], point["y"])
        seed = raw.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31:
            raise InvalidRequestError("seed must be an integer from 0 to 2^31-1")
        return cls(backend=backend, quality=quality, point=parsed_point, seed=seed, ply_format=ply_format)


@dataclass(frozen=True)
class JobOutput:
    ply: bytes
    report: dict[str, Any]
    timings_ms: dict[str, float] = field(default_factory=dict)


class Reconstructor:
    """Holds the configured backends (loaded once, at start-up) and runs jobs through them."""

    def __init__(self, backends: dict[BackendName, Backend], limits: ImageLimits | None = None) -> None:
        self.backends = backends
        self.limits = limits or ImageLimits()

    def run(self, png: bytes, options: JobOptions, user_mask_png: bytes | None = None) -> JobOutput:
        backend = self.backends.get(options.backend)
        if backend is None:
            raise BackendUnavailableError(
                f"the {options.backend!r} backend is not loaded on this worker (loaded: {', '.join(self.backends)})"
            )
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = round(1000 * (now - clock), 3)
            clock = now

        image = decode_png(png, self.limits)
        user_mask = decode_png(user_mask_png, self.limits) if user_mask_png is not None else None
        lap("decode")
        grid = backend.grid_size(image.width, image.height, options.quality)
        found = object_mask(image, grid, options.point, user_mask)
        lap("mask")
        result = backend.reconstruct(
            ReconstructionInput(rgb=image.rgb, mask=found.mask, quality=options.quality, seed=options.seed)
        )
        lap("reconstruct")
        watertight = result.mesh.is_watertight()
        ply = encode_ply(
            result.mesh,
            options.ply_format,
            comments=(f"Gen3D {backend.name}: {result.method}", f"source image {image.width}x{image.height}"),
        )
        lap("encode")
        timings["total"] = round(sum(timings.values()), 3)
        report: dict[str, Any] = {
            "backend": backend.name,
            "method": result.method,
            "image": {"width": image.width, "height": image.height, "mode": image.header.kind},
            "mask": {
                "source": found.source,
                # In pixels of the uploaded image, estimated from the working grid the mask was computed on.
                "area": round(int(found.mask.sum()) * (image.width * image.height) / (grid[0] * grid[1])),
                "grid": list(grid),
            },
            "mesh": {
                "vertices": len(result.mesh.vertices),
                "faces": len(result.mesh.faces),
                "watertight": watertight,
                "bytes": len(ply),
            },
            "timingsMs": {
                **timings,
                **{f"reconstruct.{k}": round(v, 3) for k, v in result.timings_ms.items()},
            },
        }
        return JobOutput(ply=ply, report=report, timings_ms=timings)
