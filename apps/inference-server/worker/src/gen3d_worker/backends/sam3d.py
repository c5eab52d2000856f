"""Adapter for SAM 3D Objects (Meta) through its published inference API.

    inference = Inference(config_path, compile=False)      # notebook/inference.py of the sam-3d-objects repo
    output = inference(image, mask, seed=seed)              # image: H x W x 3 uint8, mask: H x W bool
    output["glb"]                                           # trimesh mesh (or scene), glTF axes: y up

Checkpoints mirror gen3d-model-bucket/sam3d-model/: `checkpoints/pipeline.yaml` (+ weights) and `config/`.
It needs CUDA and at least 32 GB of GPU memory; `load` refuses to start with one clear message otherwise.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from ..errors import BackendUnavailableError, WorkerError
from ..grid import scaled_to_long_side
from ..mesh import Mesh
from . import Quality, Reconstruction, ReconstructionInput

MIN_GPU_MEMORY_BYTES = 32 * 1024**3
MAX_INPUT_SIDE = 2048


class Sam3dOutputError(WorkerError):
    type_name = "InternalError"


@dataclass(frozen=True)
class Sam3dSettings:
    checkpoint_dir: Path  # mirror of s3://gen3d-model-bucket/sam3d-model/
    code_dir: Path | None  # a checkout of sam-3d-objects, whose notebook/ holds inference.py

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Sam3dSettings:
        source = os.environ if env is None else env
        checkpoints = source.get("GEN3D_SAM3D_MODEL_DIR", "")
        if not checkpoints:
            raise BackendUnavailableError(
                "sam3d: GEN3D_SAM3D_MODEL_DIR is not set (a copy of s3://gen3d-model-bucket/sam3d-model/)"
            )
        code = source.get("GEN3D_SAM3D_CODE_DIR")
        return cls(checkpoint_dir=Path(checkpoints), code_dir=Path(code) if code else None)

    @property
    def config_path(self) -> Path:
        return self.checkpoint_dir / "checkpoints" / "pipeline.yaml"


def check_environment(settings: Sam3dSettings, torch_module: Any | None = None) -> None:
    """Every precondition, checked before anything heavy loads; the first one missing is the message."""
    if not settings.checkpoint_dir.is_dir():
        raise BackendUnavailableError(f"sam3d: model directory {settings.checkpoint_dir} does not exist")
    if not settings.config_path.is_file():
        raise BackendUnavailableError(
            f"sam3d: {settings.config_path} is missing (copy sam3d-model/checkpoints/ from the model bucket)"
        )
    if not (settings.checkpoint_dir / "config").is_dir():
        raise BackendUnavailableError(f"sam3d: {settings.checkpoint_dir / 'config'} is missing")
    torch = torch_module
    if torch is None:
        try:
            torch = importlib.import_module("torch")
        except ImportError as error:
            raise BackendUnavailableError("sam3d: PyTorch is not installed in this environment") from error
    if not torch.cuda.is_available():
        raise BackendUnavailableError("sam3d: CUDA is not available (SAM 3D Objects needs an NVIDIA GPU)")
    memory = int(torch.cuda.get_device_properties(0).total_memory)
    if memory < MIN_GPU_MEMORY_BYTES:
        raise BackendUnavailableError(
            f"sam3d: the GPU has {memory / 1024**3:.1f} GiB; SAM 3D Objects needs at least 32 GiB"
        )


def import_inference_class(settings: Sam3dSettings) -> Callable[..., Any]:
    """Imports `Inference` from the sam-3d-objects checkout (its notebook/ folder is not a package)."""
    if settings.code_dir is not None:
        notebook = settings.code_dir / "notebook"
        if not (notebook / "inference.py").is_file():
            raise BackendUnavailableError(f"sam3d: {notebook / 'inference.py'} is missing")
        sys.path.insert(0, str(notebook))
    try:
        module = importlib.import_module("inference")
    except ImportError as error:
        raise BackendUnavailableError(
            f"sam3d: cannot import SAM 3D Objects' inference module: {error}"
        ) from error
    inference_class: Callable[..., Any] = module.Inference
    return inference_class


class Sam3dBackend:
    name: Final = "sam3d"
    method = "SAM 3D Objects (Meta), learned single-image 3D reconstruction"

    def __init__(self, inference: Callable[..., Any]) -> None:
        self._inference = inference

    @classmethod
    def load(cls, settings: Sam3dSettings) -> Sam3dBackend:
        check_environment(settings)
        inference_class = import_inference_class(settings)
        return cls(inference_class(str(settings.config_path), compile=False))

    def grid_size(self, width: int, height: int, quality: Quality) -> tuple[int, int]:
        return scaled_to_long_side(width, height, MAX_INPUT_SIDE)

    def reconstruct(self, job: ReconstructionInput) -> Reconstruction:
        height, width = job.mask.shape
        image = job.rgb
        if image.shape[:2] != (height, width):
            import cv2  # noqa: PLC0415 - only needed when the image is larger than the model input

            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        # The model call itself cannot be interrupted: the budget is checked before it and after it.
        job.deadline.check("sam3d inference")
        started = time.perf_counter()
        output = self._inference(np.ascontiguousarray(image), job.mask.astype(bool), seed=job.seed)
        inferred = time.perf_counter()
        job.deadline.check("sam3d mesh conversion")
        mesh = mesh_from_output(output)
        return Reconstruction(
            mesh=mesh,
            method=self.method,
            timings_ms={
                "inference": 1000 * (inferred - started),
                "convert": 1000 * (time.perf_counter() - inferred),
            },
        )


def mesh_from_output(output: Any) -> Mesh:
    """SAM 3D's `glb` output (a trimesh Trimesh or Scene) as our Mesh: centred, largest extent 1, vertex colours."""
    glb = output.get("glb") if isinstance(output, dict) else None
    if glb is None:
        raise Sam3dOutputError("sam3d returned no mesh ('glb'): enable mesh decoding in pipeline.yaml")
    geometries = list(glb.geometry.values()) if hasattr(glb, "geometry") else [glb]
    if not geometries:
        raise Sam3dOutputError("sam3d returned an empty scene")
    vertices_parts, faces_parts, colour_parts = [], [], []
    offset = 0
    for geometry in geometries:
        vertices = np.asarray(geometry.vertices, dtype=np.float64)
        faces = np.asarray(geometry.faces, dtype=np.int64)
        visual = geometry.visual
        colours = (
            visual.to_color().vertex_colors
            if getattr(visual, "kind", None) == "texture"
            else visual.vertex_colors
        )
        colours = np.asarray(colours, dtype=np.uint8)[:, :3]
        if len(colours) != len(vertices):
            colours = np.full((len(vertices), 3), 200, np.uint8)
        vertices_parts.append(vertices)
        faces_parts.append(faces + offset)
        colour_parts.append(colours)
        offset += len(vertices)
    vertices = np.concatenate(vertices_parts)
    if len(vertices) == 0:
        raise Sam3dOutputError("sam3d returned a mesh without vertices")
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    extent = float((high - low).max()) or 1.0
    normalised = (vertices - (low + high) / 2.0) / extent
    return Mesh(
        vertices=normalised.astype(np.float32),
        faces=np.concatenate(faces_parts).astype(np.int32),
        colours=np.concatenate(colour_parts),
    )
