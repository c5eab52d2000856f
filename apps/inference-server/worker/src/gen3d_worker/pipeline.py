"""The whole reconstruction: decode -> mask -> reconstruct -> (decimate) -> encode, with a report of what was done;
and the mask preview: decode -> mask -> PNG."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .backends import Backend, BackendName, Quality, ReconstructionInput
from .backends.shapes import ShapeChoice
from .deadline import Deadline
from .decimate import decimate
from .decode import DecodedImage, decode_png
from .encode import PlyFormat, encode_ply
from .errors import BackendUnavailableError
from .export import ENCODERS, MeshFormat
from .extras import Extra, mask_png
from .grid import scaled_to_long_side
from .limits import ImageLimits
from .mask import Box, ObjectMask, Point, PromptPoint, Prompts, object_mask
from .mesh import Mesh
from .option_fields import Task, read_options
from .segmenter import LearnedSegmenter
from .thumbnail import thumbnail_png

# The mask preview is computed at most this many pixels on the long side, then scaled to the picture's size.
MASK_PREVIEW_LONG_SIDE = 1024


@dataclass(frozen=True)
class JobOptions:
    backend: BackendName = "inflate"
    quality: Quality = "standard"
    point: Point | None = None  # the seed's single point: same as one positive point
    points: tuple[PromptPoint, ...] = ()
    box: Box | None = None
    seed: int = 0
    ply_format: PlyFormat = "binary"
    formats: tuple[MeshFormat, ...] = ("ply",)
    target_faces: int | None = None
    task: Task = "reconstruct"
    # The shape hypothesis of the geometric backend (decision 0027): auto (chosen from the picture), inflate,
    # revolve or slab.
    shape: ShapeChoice = "auto"

    @property
    def prompts(self) -> Prompts:
        legacy = () if self.point is None else (PromptPoint(self.point.x, self.point.y, True),)
        return Prompts(box=self.box, points=legacy + self.points)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> JobOptions:
        """Parses options as the sidecar sends them (PROTOCOL.md); unknown keys are an error."""
        return cls(**read_options(raw))


@dataclass(frozen=True)
class JobInput:
    """What `Reconstructor.mask` and `Reconstructor.run` take: the picture, its options, the mask sent with it (if
    any) and the caller's time budget (none: no limit)."""

    png: bytes
    options: JobOptions = field(default_factory=JobOptions)
    user_mask_png: bytes | None = None
    deadline: Deadline | None = None


@dataclass(frozen=True)
class JobOutput:
    files: dict[MeshFormat, bytes]  # in the order asked for
    report: dict[str, Any]
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The extras asked for (extras.py), in that order.
    extras: dict[Extra, bytes] = field(default_factory=dict)

    @property
    def ply(self) -> bytes:
        return self.files["ply"]


@dataclass(frozen=True)
class MaskOutput:
    png: bytes  # 8-bit greyscale, the picture's size, 255 on the object
    report: dict[str, Any]


class _Laps:
    def __init__(self, deadline: Deadline) -> None:
        self.timings: dict[str, float] = {}
        self.deadline = deadline
        self.clock = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.deadline.check(name)
        yield
        now = time.perf_counter()
        self.timings[name] = round(1000 * (now - self.clock), 3)
        self.clock = now

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": round(sum(self.timings.values()), 3)}


def _preview_size(width: int, height: int) -> tuple[int, int]:
    """The mask preview's working grid: the picture's size, at most MASK_PREVIEW_LONG_SIDE on the long side."""
    return scaled_to_long_side(width, height, MASK_PREVIEW_LONG_SIDE)


def _image_report(image: DecodedImage) -> dict[str, Any]:
    return {"width": image.width, "height": image.height, "mode": image.header.kind}


def mask_report(found: ObjectMask, image: DecodedImage, grid: tuple[int, int]) -> dict[str, Any]:
    report: dict[str, Any] = {
        "source": found.source,
        # In pixels of the uploaded image, estimated from the working grid the mask was computed on.
        "area": round(int(found.mask.sum()) * (image.width * image.height) / (grid[0] * grid[1])),
        "grid": list(grid),
    }
    if found.hypothesis is not None:
        report["hypothesis"] = found.hypothesis
        report["score"] = found.score
        report["hypotheses"] = found.scores
    if found.path is not None:
        # Which path made the mask (classic: the weight-free hypotheses; learned: the model), the model installed,
        # if any, and where it ran when it did (the GPU image's CUDA provider, or the CPU's): the report, the email
        # and the web page say which path; the provider shows that a GPU deployment uses its GPU.
        report["segmenter"] = {
            "path": found.path,
            **({"model": found.model} if found.model else {}),
            **({"provider": found.provider} if found.provider else {}),
        }
    return report


def _extra_files(
    extras: tuple[Extra, ...], mesh: Mesh, found: ObjectMask, image: DecodedImage, laps: _Laps
) -> dict[Extra, bytes]:
    """The extras asked for, each timed as its own stage: timingsMs.thumbnail and timingsMs.maskPng ("mask" is the
    segmentation's)."""
    files: dict[Extra, bytes] = {}
    for extra in extras:
        with laps.stage("thumbnail" if extra == "thumbnail" else "maskPng"):
            if extra == "thumbnail":
                files[extra] = thumbnail_png(mesh)
            else:
                files[extra] = mask_png(found.mask, image.width, image.height)
    return files


class Reconstructor:
    """Holds the configured backends (loaded once, at start-up) and runs jobs through them."""

    def __init__(
        self,
        backends: dict[BackendName, Backend],
        limits: ImageLimits | None = None,
        segmenter: LearnedSegmenter | None = None,
    ) -> None:
        self.backends = backends
        self.limits = limits or ImageLimits()
        # The learned segmenter (one ONNX Runtime session for the process), or None for the weight-free path only.
        self.segmenter = segmenter

    def _find_object(
        self, job: JobInput, laps: _Laps, grid_of: Callable[[int, int], tuple[int, int]]
    ) -> tuple[DecodedImage, ObjectMask, tuple[int, int]]:
        """The stages `mask` and `run` share: decode the picture (and the mask sent with it), then find the object
        on the working grid `grid_of(width, height)` gives."""
        with laps.stage("decode"):
            image = decode_png(job.png, self.limits)
            user_mask = decode_png(job.user_mask_png, self.limits) if job.user_mask_png is not None else None
        grid = grid_of(image.width, image.height)
        with laps.stage("mask"):
            found = object_mask(
                image, grid, job.options.prompts, user_mask, laps.deadline, learned=self.segmenter
            )
        return image, found, grid

    def mask(self, job: JobInput) -> MaskOutput:
        """The object mask the reconstruction would use, at the picture's size, as a PNG (the preview)."""
        laps = _Laps(job.deadline or Deadline.none())
        image, found, size = self._find_object(job, laps, _preview_size)
        with laps.stage("encode"):
            encoded = mask_png(found.mask, image.width, image.height)
        report = {
            "task": "mask",
            "image": _image_report(image),
            "mask": mask_report(found, image, size),
            "timingsMs": laps.total(),
        }
        return MaskOutput(png=encoded, report=report)

    def run(self, job: JobInput, extras: tuple[Extra, ...] = ()) -> JobOutput:
        """The job; with `extras`, also the thumbnail of the mesh and the mask it used (extras.py), each timed as
        its own stage."""
        options = job.options
        backend = self.backends.get(options.backend)
        if backend is None:
            raise BackendUnavailableError(
                f"the {options.backend!r} backend is not loaded on this worker (loaded: {', '.join(self.backends)})"
            )
        laps = _Laps(job.deadline or Deadline.none())
        image, found, grid = self._find_object(
            job, laps, lambda width, height: backend.grid_size(width, height, options.quality)
        )
        with laps.stage("reconstruct"):
            result = backend.reconstruct(
                ReconstructionInput(
                    rgb=image.rgb,
                    mask=found.mask,
                    quality=options.quality,
                    seed=options.seed,
                    deadline=laps.deadline,
                    shape=options.shape,
                )
            )
        mesh_report: dict[str, Any] = {}
        mesh = result.mesh
        if options.target_faces is not None:
            with laps.stage("decimate"):
                decimation = decimate(mesh, options.target_faces)
            mesh = decimation.mesh
            mesh_report["decimation"] = {
                "targetFaces": decimation.requested,
                "originalFaces": decimation.original_faces,
                "applied": decimation.applied,
                "note": decimation.note,
            }
        with laps.stage("encode"):
            watertight = mesh.is_watertight()
            description = f"Gen3D {backend.name}: {result.method}"
            files: dict[MeshFormat, bytes] = {}
            for fmt in options.formats:
                laps.deadline.check(f"encode {fmt}")
                if fmt == "ply":
                    files[fmt] = encode_ply(
                        mesh,
                        options.ply_format,
                        comments=(description, f"source image {image.width}x{image.height}"),
                    )
                else:
                    files[fmt] = ENCODERS[fmt](mesh, description)
        extra_files = _extra_files(extras, mesh, found, image, laps)
        report: dict[str, Any] = {
            "backend": backend.name,
            "method": result.method,
            "image": _image_report(image),
            "mask": mask_report(found, image, grid),
            **({"shape": result.shape} if result.shape is not None else {}),
            "mesh": {
                "vertices": len(mesh.vertices),
                "faces": len(mesh.faces),
                "watertight": watertight,
                # The first format's size (the PLY's when it is asked for, as before); every size in `formats`.
                "bytes": len(files["ply"] if "ply" in files else next(iter(files.values()))),
                "formats": {fmt: len(data) for fmt, data in files.items()},
                **mesh_report,
            },
            "timingsMs": {
                **laps.total(),
                **{f"reconstruct.{k}": round(v, 3) for k, v in result.timings_ms.items()},
            },
        }
        return JobOutput(files=files, report=report, timings_ms=laps.total(), extras=extra_files)
