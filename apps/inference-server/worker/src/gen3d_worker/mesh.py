"""The triangle mesh every backend returns, and its checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Mesh:
    vertices: npt.NDArray[np.float32]  # N x 3, y up, centred, largest extent 1
    faces: npt.NDArray[np.int32]  # M x 3, counter-clockwise seen from outside
    colours: npt.NDArray[np.uint8]  # N x 3, sRGB

    def __post_init__(self) -> None:
        if self.vertices.ndim != 2 or self.vertices.shape[1] != 3:
            raise ValueError("vertices must be N x 3")
        if self.faces.ndim != 2 or self.faces.shape[1] != 3:
            raise ValueError("faces must be M x 3")
        if self.colours.shape != self.vertices.shape:
            raise ValueError("colours must be N x 3, one per vertex")

    def signed_volume(self) -> float:
        a, b, c = (self.vertices[self.faces[:, i]].astype(np.float64) for i in range(3))
        return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)

    def is_watertight(self) -> bool:
        """Every edge is shared by exactly two faces, once in each direction (closed and consistently oriented)."""
        if len(self.faces) == 0:
            return False
        directed = np.concatenate([self.faces[:, [0, 1]], self.faces[:, [1, 2]], self.faces[:, [2, 0]]])
        n = np.int64(len(self.vertices))
        forward = directed[:, 0].astype(np.int64) * n + directed[:, 1]
        backward = directed[:, 1].astype(np.int64) * n + directed[:, 0]
        forward_sorted = np.sort(forward)
        if np.any(forward_sorted[1:] == forward_sorted[:-1]):
            return False  # an edge used twice in the same direction: not manifold or flipped faces
        return bool(np.array_equal(forward_sorted, np.sort(backward)))
