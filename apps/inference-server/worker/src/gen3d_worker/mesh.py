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
        """Every edge is shared by exactly two faces, once in each direction (closed and consistently oriented).

        One sort: each directed edge becomes (undirected key, direction bit); sorted, the keys must come in pairs
        of the same edge with both directions, and no edge may appear a third time."""
        if len(self.faces) == 0:
            return False
        faces = self.faces.astype(np.int64)
        starts = faces.ravel()
        ends = faces[:, [1, 2, 0]].ravel()
        n = np.int64(len(self.vertices))
        keys = (np.minimum(starts, ends) * n + np.maximum(starts, ends)) * 2 + (starts > ends)
        keys.sort()
        if len(keys) % 2:
            return False
        first, second = keys[0::2], keys[1::2]
        paired = (
            np.array_equal(first >> 1, second >> 1) and not np.any(first & 1) and bool(np.all(second & 1))
        )
        return paired and not np.any((second[:-1] >> 1) == (first[1:] >> 1))
