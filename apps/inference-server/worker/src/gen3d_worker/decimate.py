"""Quadric edge-collapse decimation to a face budget (fast-simplification: Garland & Heckbert's quadric error
metric, as in Sven Forstmann's Fast-Quadric-Mesh-Simplification), keeping the mesh closed.

Edge collapses can leave a "fin" (two triangles on the same three vertices, back to back): those pairs are removed,
and the result must pass the same closed-mesh checks as the full mesh; a budget that cannot be met closed is
retried a little larger, and if still not closed the full mesh is kept and the report says so (docs/decisions/0014).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .mesh import Mesh

MIN_TARGET_FACES = 100
MAX_TARGET_FACES = 5_000_000
# Budgets tried, as multiples of the one asked for, before giving up on decimating.
_RETRY_FACTORS = (1.0, 1.03, 0.97, 1.08, 1.15)


@dataclass(frozen=True)
class Decimation:
    mesh: Mesh
    requested: int
    original_faces: int
    applied: bool  # False: the full mesh was kept (already small enough, or no closed result)
    note: str


def decimate(mesh: Mesh, target_faces: int) -> Decimation:
    """At most about `target_faces` faces, closed and consistently wound; vertex colours from the nearest
    vertex of the full mesh."""
    original = len(mesh.faces)
    if original <= target_faces:
        return Decimation(mesh, target_faces, original, False, "already within the budget")
    for factor in _RETRY_FACTORS:
        budget = min(original - 1, max(MIN_TARGET_FACES, round(target_faces * factor)))
        candidate = _collapse(mesh, budget)
        if candidate is not None and candidate.is_watertight() and candidate.signed_volume() > 0:
            return Decimation(
                candidate, target_faces, original, True, f"quadric decimation to {budget} faces"
            )
    return Decimation(mesh, target_faces, original, False, "no closed mesh at this budget: full mesh kept")


def _collapse(mesh: Mesh, budget: int) -> Mesh | None:
    # Imported here: only jobs that ask for a face budget pay for loading them.
    import fast_simplification  # noqa: PLC0415
    from scipy.spatial import cKDTree  # noqa: PLC0415

    points, faces = fast_simplification.simplify(
        mesh.vertices.astype(np.float64), mesh.faces.astype(np.int32), target_count=budget
    )
    faces = _without_fins(np.asarray(faces, np.int64))
    if len(faces) == 0:
        return None
    used, inverse = np.unique(faces, return_inverse=True)
    vertices = np.asarray(points, np.float32)[used]
    _, nearest = cKDTree(mesh.vertices).query(vertices)
    colours: npt.NDArray[np.uint8] = mesh.colours[nearest]
    return Mesh(vertices=vertices, faces=inverse.reshape(-1, 3).astype(np.int32), colours=colours)


def _without_fins(faces: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Drops every face whose vertex set another face also has (both of the pair), and degenerate faces."""
    ordered = np.sort(faces, axis=1)
    degenerate = (ordered[:, 0] == ordered[:, 1]) | (ordered[:, 1] == ordered[:, 2])
    _, index, counts = np.unique(ordered, axis=0, return_inverse=True, return_counts=True)
    duplicated = counts[index.ravel()] > 1
    kept: npt.NDArray[np.int64] = faces[~(degenerate | duplicated)]
    return kept
