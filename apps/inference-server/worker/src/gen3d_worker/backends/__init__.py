"""Reconstruction backends: each turns an image and its object mask into a closed coloured mesh."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from ..deadline import Deadline
from ..mesh import Mesh

BackendName = Literal["inflate", "sam3d"]
Quality = Literal["fast", "standard", "high"]


@dataclass(frozen=True)
class ReconstructionInput:
    rgb: npt.NDArray[np.uint8]  # full-resolution image, H x W x 3
    mask: npt.NDArray[np.bool_]  # cleaned object mask at the backend's working grid
    quality: Quality = "standard"
    seed: int = 0
    deadline: Deadline = field(default_factory=Deadline.none)  # checked between the backend's own stages
    # Which shape hypothesis the geometric backend uses (decision 0027): "auto" lets it choose from the picture.
    shape: str = "auto"


@dataclass(frozen=True)
class Reconstruction:
    mesh: Mesh
    method: str  # honest, human-readable name of what produced the mesh
    timings_ms: dict[str, float] = field(default_factory=dict)
    # model = (grid - centre) / scale, with grid = (column, -row, z) in mask pixels; lets tests project back.
    grid_centre: tuple[float, float, float] = (0.0, 0.0, 0.0)
    grid_scale: float = 1.0
    # The shape hypothesis used, why, and the evidence (the geometric backend; None for a learned one).
    shape: dict[str, object] | None = None


class Backend(Protocol):
    @property
    def name(self) -> BackendName: ...

    @property
    def method(self) -> str: ...

    def grid_size(self, width: int, height: int, quality: Quality) -> tuple[int, int]:
        """The working size (width, height) of the mask this backend wants for an image of this size."""
        ...

    def reconstruct(self, job: ReconstructionInput) -> Reconstruction: ...
