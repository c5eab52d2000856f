"""The whole reconstruction: decode -> mask -> reconstruct -> (decimate) -> encode, with a report of what was done;
and the mask preview: decode -> mask -> PNG."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import cv2
import numpy as np

from .backends import Backend, BackendName, Quality, ReconstructionInput
from .backends.shapes import SHAPES, ShapeChoice
from .deadline import Deadline
from .decimate import MAX_TARGET_FACES, MIN_TARGET_FACES, decimate
from .decode import DecodedImage, decode_png
from .encode import PlyFormat, encode_ply
from .errors import BackendUnavailableError, InvalidRequestError
from .export import ENCODERS, MESH_FORMATS, MeshFormat
from .limits import ImageLimits
from .mask import Box, ObjectMask, Point, PromptPoint, Prompts, object_mask
from .segmenter import LearnedSegmenter

Task = Literal["reconstruct", "mask"]
MAX_POINTS = 64
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
        # maskKey is the sidecar's business: it sends the mask itself, never the key.
        known = {
            "task",
            "backend",
            "quality",
            "point",
            "points",
            "box",
            "seed",
            "plyFormat",
            "formats",
            "targetFaces",
            "shape",
        }
        unknown = set(raw) - known
        if unknown:
            raise InvalidRequestError(f"unknown options: {', '.join(sorted(unknown))}")
        task = raw.get("task", "reconstruct")
        if task not in ("reconstruct", "mask"):
            raise InvalidRequestError(f"task must be 'reconstruct' or 'mask'; got {task!r}")
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
                _is_pixel(point[k]) for k in ("x", "y")
            ):
                raise InvalidRequestError("point must be {x, y} with non-negative integer pixel coordinates")
            parsed_point = Point(point["x"], point["y"])
        seed = raw.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31:
            raise InvalidRequestError("seed must be an integer from 0 to 2^31-1")
        target_faces = raw.get("targetFaces")
        if target_faces is not None and (
            not isinstance(target_faces, int)
            or isinstance(target_faces, bool)
            or not MIN_TARGET_FACES <= target_faces <= MAX_TARGET_FACES
        ):
            raise InvalidRequestError(
                f"targetFaces must be an integer from {MIN_TARGET_FACES} to {MAX_TARGET_FACES}"
            )
        shape = raw.get("shape", "auto")
        if shape not in ("auto", *SHAPES):
            raise InvalidRequestError(f"shape must be auto, inflate, revolve or slab; got {shape!r}")
        return cls(
            shape=shape,
            backend=backend,
            quality=quality,
            point=parsed_point,
            points=_parse_points(raw.get("points", [])),
            box=_parse_box(raw.get("box")),
            seed=seed,
            ply_format=ply_format,
            formats=_parse_formats(raw.get("formats", ["ply"])),
            target_faces=target_faces,
            task=task,
        )


def _is_pixel(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _parse_points(raw: object) -> tuple[PromptPoint, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_POINTS:
        raise InvalidRequestError(f"points must be a list of at most {MAX_POINTS} {{x, y, label}}")
    points = []
    for item in raw:
        if not (
            isinstance(item, dict)
            and set(item) == {"x", "y", "label"}
            and _is_pixel(item["x"])
            and _is_pixel(item["y"])
            and item["label"] in (0, 1)
            and not isinstance(item["label"], bool)
        ):
            raise InvalidRequestError(
                "each point is {x, y, label}: pixel coordinates and label 1 (object) or 0 (background)"
            )
        points.append(PromptPoint(item["x"], item["y"], item["label"] == 1))
    return tuple(points)


def _parse_box(raw: object) -> Box | None:
    if raw is None:
        return None
    if not (
        isinstance(raw, dict)
        and set(raw) == {"x0", "y0", "x1", "y1"}
        and all(_is_pixel(raw[k]) for k in ("x0", "y0", "x1", "y1"))
        and raw["x0"] < raw["x1"]
        and raw["y0"] < raw["y1"]
    ):
        raise InvalidRequestError(
            "box must be {x0, y0, x1, y1}: pixels, x0 < x1 and y0 < y1 (x1, y1 exclusive)"
        )
    return Box(raw["x0"], raw["y0"], raw["x1"], raw["y1"])


def _parse_formats(raw: object) -> tuple[MeshFormat, ...]:
    if not isinstance(raw, list) or not raw or len(set(map(str, raw))) != len(raw):
        raise InvalidRequestError(
            f"formats must be a non-empty list without repeats of {', '.join(MESH_FORMATS)}"
        )
    formats: list[MeshFormat] = []
    for name in raw:
        if name not in MESH_FORMATS:
            raise InvalidRequestError(f"unknown format {name!r}; known: {', '.join(MESH_FORMATS)}")
        formats.append(name)
    return tuple(formats)


@dataclass(frozen=True)
class JobOutput:
    files: dict[MeshFormat, bytes]  # in the order asked for
    report: dict[str, Any]
    timings_ms: dict[str, float] = field(default_factory=dict)

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
        # Which path made the mask (classic: the weight-free hypotheses; learned: the model), and the model
        # installed, if any: the report, the email and the web page say so.
        report["segmenter"] = {"path": found.path, **({"model": found.model} if found.model else {})}
    return report


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

    def _decode(self, png: bytes, user_mask_png: bytes | None) -> tuple[DecodedImage, DecodedImage | None]:
        image = decode_png(png, self.limits)
        user_mask = decode_png(user_mask_png, self.limits) if user_mask_png is not None else None
        return image, user_mask

    def mask(
        self,
        png: bytes,
        options: JobOptions,
        user_mask_png: bytes | None = None,
        deadline: Deadline | None = None,
    ) -> MaskOutput:
        """The object mask the reconstruction would use, at the picture's size, as a PNG (the preview)."""
        laps = _Laps(deadline or Deadline.none())
        with laps.stage("decode"):
            image, user_mask = self._decode(png, user_mask_png)
        scale = min(1.0, MASK_PREVIEW_LONG_SIDE / max(image.width, image.height))
        size = (max(8, round(image.width * scale)), max(8, round(image.height * scale)))
        with laps.stage("mask"):
            found = object_mask(
                image, size, options.prompts, user_mask, laps.deadline, learned=self.segmenter
            )
        with laps.stage("encode"):
            plane = found.mask.astype(np.uint8) * 255
            if size != (image.width, image.height):
                smooth = cv2.resize(plane, (image.width, image.height), interpolation=cv2.INTER_LINEAR)
                plane = np.where(smooth >= 128, 255, 0).astype(np.uint8)
            ok, encoded = cv2.imencode(".png", plane, [cv2.IMWRITE_PNG_COMPRESSION, 1])
            if not ok:  # pragma: no cover - OpenCV encodes any 8-bit plane
                raise RuntimeError("PNG encoding failed")
        report = {
            "task": "mask",
            "image": {"width": image.width, "height": image.height, "mode": image.header.kind},
            "mask": mask_report(found, image, size),
            "timingsMs": laps.total(),
        }
        return MaskOutput(png=encoded.tobytes(), report=report)

    def run(
        self,
        png: bytes,
        options: JobOptions,
        user_mask_png: bytes | None = None,
        deadline: Deadline | None = None,
    ) -> JobOutput:
        backend = self.backends.get(options.backend)
        if backend is None:
            raise BackendUnavailableError(
                f"the {options.backend!r} backend is not loaded on this worker (loaded: {', '.join(self.backends)})"
            )
        laps = _Laps(deadline or Deadline.none())
        with laps.stage("decode"):
            image, user_mask = self._decode(png, user_mask_png)
        grid = backend.grid_size(image.width, image.height, options.quality)
        with laps.stage("mask"):
            found = object_mask(
                image, grid, options.prompts, user_mask, laps.deadline, learned=self.segmenter
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
        report: dict[str, Any] = {
            "backend": backend.name,
            "method": result.method,
            "image": {"width": image.width, "height": image.height, "mode": image.header.kind},
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
        return JobOutput(files=files, report=report, timings_ms=laps.total())
