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
# Edges shorter than this (the mesh is about 1 across) are collapsed after decimation.
SHORT_EDGE = 1e-6
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
        if (
            candidate is not None
            and _distinct_positions(candidate.vertices)
            and candidate.is_watertight()
            and candidate.signed_volume() > 0
        ):
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
    points = np.asarray(points, np.float64)
    faces = _merged_short_edges(points, np.asarray(faces, np.int64))
    faces = _without_pinches(points, _without_fins(faces))
    if len(faces) == 0:
        return None
    used, inverse = np.unique(faces, return_inverse=True)
    vertices = np.asarray(points, np.float32)[used]
    _, nearest = cKDTree(mesh.vertices).query(vertices)
    colours: npt.NDArray[np.uint8] = mesh.colours[nearest]
    return Mesh(vertices=vertices, faces=inverse.reshape(-1, 3).astype(np.int32), colours=colours)


def _distinct_positions(vertices: npt.NDArray[np.float32]) -> bool:
    """No two vertices that a mesh tool would merge on load (trimesh rounds to 1e-8; we ask for 1e-7 apart)."""
    keys = np.round(vertices.astype(np.float64) * 1e7).astype(np.int64)
    return len(np.unique(keys, axis=0)) == len(keys)


def _merged_short_edges(
    points: npt.NDArray[np.float64], faces: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Edges the collapse left at (nearly) zero length are collapsed too: their two ends become one vertex and the
    faces on them, now degenerate, go (a tool would merge those ends on load and leave a hole)."""
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    lengths = np.linalg.norm(points[edges[:, 0]] - points[edges[:, 1]], axis=1)
    short = edges[lengths < SHORT_EDGE]
    if len(short) == 0:
        return faces
    parent = np.arange(int(faces.max()) + 1)

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = int(parent[v])
        return v

    for a, b in short.tolist():
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([root(v) for v in range(len(parent))])
    merged = roots[faces]
    keep = (merged[:, 0] != merged[:, 1]) & (merged[:, 1] != merged[:, 2]) & (merged[:, 0] != merged[:, 2])
    kept: npt.NDArray[np.int64] = merged[keep]
    return kept


def _without_fins(faces: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Drops every face whose vertex set another face also has (both of the pair), and degenerate faces."""
    ordered = np.sort(faces, axis=1)
    degenerate = (ordered[:, 0] == ordered[:, 1]) | (ordered[:, 1] == ordered[:, 2])
    _, index, counts = np.unique(ordered, axis=0, return_inverse=True, return_counts=True)
    duplicated = counts[index.ravel()] > 1
    kept: npt.NDArray[np.int64] = faces[~(degenerate | duplicated)]
    return kept


def _without_pinches(points: npt.NDArray[np.float64], faces: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Where two sheets were collapsed onto one edge (four faces on it), flips that edge in one of the sheets: its
    two faces (a, b, c) and (b, a, d) become (a, d, c) and (d, b, c), so the edge belongs to the other sheet only."""
    starts = faces.ravel()
    ends = faces[:, [1, 2, 0]].ravel()
    n = np.int64(max(1, int(faces.max()) + 1))
    undirected = np.minimum(starts, ends) * n + np.maximum(starts, ends)
    keys, counts = np.unique(undirected, return_counts=True)
    pinched = keys[counts == 4]
    if len(pinched) == 0:
        return faces
    faces = faces.copy()
    corner = np.arange(len(undirected)) // 3
    for key in pinched.tolist():
        a, b = divmod(int(key), int(n))
        rows = np.unique(corner[undirected == key])
        forward = [r for r in rows.tolist() if _has_edge(faces[r], a, b)]
        backward = [r for r in rows.tolist() if _has_edge(faces[r], b, a)]
        if len(forward) != 2 or len(backward) != 2:
            continue
        # The sheet whose two faces are most nearly coplanar is flipped (it is the flatter one at that edge).
        pairs = [(f, g) for f in forward for g in backward]
        f, g = max(
            pairs,
            key=lambda pair: float(np.dot(_normal(points, faces[pair[0]]), _normal(points, faces[pair[1]]))),
        )
        c = _third(faces[f], a, b)
        d = _third(faces[g], a, b)
        faces[f] = (a, d, c)
        faces[g] = (d, b, c)
    return faces


def _has_edge(face: npt.NDArray[np.int64], start: int, end: int) -> bool:
    return any(int(face[i]) == start and int(face[(i + 1) % 3]) == end for i in range(3))


def _third(face: npt.NDArray[np.int64], a: int, b: int) -> int:
    return next(int(v) for v in face.tolist() if v not in (a, b))


def _normal(points: npt.NDArray[np.float64], face: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    p0, p1, p2 = points[face]
    normal = np.cross(p1 - p0, p2 - p0)
    length = float(np.linalg.norm(normal))
    unit: npt.NDArray[np.float64] = normal / length if length > 0 else normal
    return unit
