"""The geometric backend's meshing shortcuts give what the plain computation gives: the volume and its band, the
whole surface from its front half (backends/inflate.py), the mesh checks (mesh.py)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
import trimesh
from scipy.spatial import cKDTree
from skimage.measure import marching_cubes

from gen3d_worker.backends import ReconstructionInput
from gen3d_worker.backends.inflate import (
    MIN_FIELD,
    PAD,
    InflateBackend,
    front_depths,
    front_volume,
    with_mirrored_back,
)
from gen3d_worker.backends.shapes import SHAPES as SHAPE_NAMES
from gen3d_worker.backends.shapes import half_thickness
from gen3d_worker.mesh import Mesh

from .shapes import SHAPES

Floats = npt.NDArray[np.float32]


def plain_volume(heights: Floats) -> Floats:
    """f = h - |z| over the whole volume (z = -L + 1/2 ... L - 1/2), every sample within MIN_FIELD of the surface
    pushed out to it."""
    layers = max(4, math.ceil(float(heights.max())) + PAD)
    zs = np.arange(-layers, layers, dtype=np.float32) + 0.5
    volume = heights[:, :, None] - np.abs(zs)[None, None, :]
    near = (volume > -MIN_FIELD) & (volume < MIN_FIELD)
    volume[near] = np.where(volume[near] >= 0.0, MIN_FIELD, -MIN_FIELD)
    return np.asarray(volume, np.float32)


def heights_of(name: str, shape: str = "inflate") -> Floats:
    return half_thickness(np.pad(SHAPES[name]()[::2, ::2] > 0, PAD), shape)  # type: ignore[arg-type]


def test_the_front_volume_is_the_plain_one_from_the_middle_layer_on() -> None:
    heights = heights_of("ring")
    # Columns whose h is on a sample, a hair above or below one, or between two: each kind is pushed out or kept.
    heights[10:14, 10:14] = np.float32(3.5)
    heights[20:24, 20:24] = np.float32(3.5) + np.float32(0.01)
    heights[30:34, 30:34] = np.float32(0.5) - np.float32(0.015)
    heights[40:44, 40:44] = np.float32(2.0)
    volume, _ = front_volume(heights)
    whole = plain_volume(heights)
    np.testing.assert_array_equal(volume, whole[:, :, whole.shape[2] // 2 - 1 :])
    assert float(np.abs(volume).min()) >= MIN_FIELD


@pytest.mark.parametrize("shape", SHAPE_NAMES)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_band_holds_every_cell_the_surface_crosses(name: str, shape: str) -> None:
    volume, band = front_volume(heights_of(name, shape))
    inside = volume > 0
    corners = [
        inside[dz : dz + volume.shape[0] - 1, dy : dy + volume.shape[1] - 1, dx : dx + volume.shape[2] - 1]
        for dz in (0, 1)
        for dy in (0, 1)
        for dx in (0, 1)
    ]
    crossed = np.logical_or.reduce(corners) & ~np.logical_and.reduce(corners)
    # skimage visits a cell when the band holds its far corner.
    assert np.all(band[1:, 1:, 1:][crossed])
    assert band.mean() < 0.25, "and skips most of the volume"


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_marching_cubes_leaves_no_degenerate_face_to_remove(name: str) -> None:
    # The backend skips skimage's degenerate-face pass: no triangle may have two corners at one position.
    volume, band = front_volume(heights_of(name))
    kept = marching_cubes(volume, 0.0, allow_degenerate=True, mask=band)
    cleaned = marching_cubes(volume, 0.0, allow_degenerate=False, mask=band)
    for ours, theirs in zip(kept[:2], cleaned[:2], strict=True):
        np.testing.assert_array_equal(ours, theirs)
    mask = SHAPES[name]() > 0
    mesh = InflateBackend().reconstruct(ReconstructionInput(np.zeros((*mask.shape, 3), np.uint8), mask)).mesh
    corners = mesh.vertices[mesh.faces]
    assert not np.any(np.all(corners[:, [0, 1, 2]] == corners[:, [1, 2, 0]], axis=2))


def triangles(faces: npt.NDArray[np.integer]) -> set[tuple[int, int, int]]:
    """Each triangle as its corners, starting at the least, in winding order."""
    turn = np.argmin(faces, axis=1)[:, None]
    rows = np.take_along_axis(faces, (turn + np.arange(3)) % 3, axis=1)
    return {(a, b, c) for a, b, c in rows.tolist()}


def matching(points: npt.NDArray[np.float64], targets: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """For each point, the target at its position (within 1e-4; one point each)."""
    distance, match = cKDTree(targets).query(points)
    assert float(distance.max()) < 1e-4 and len(np.unique(match)) == len(points)
    return np.asarray(match, np.intp)


@pytest.mark.parametrize("shape", SHAPE_NAMES)
@pytest.mark.parametrize("name", ["ring", "l_shape"])
def test_the_mirrored_surface_is_the_whole_volume_s_but_for_diagonals_at_the_back(
    name: str, shape: str
) -> None:
    heights = heights_of(name, shape)
    volume, band = front_volume(heights)
    vertices, faces = with_mirrored_back(*marching_cubes(volume, 0.0, allow_degenerate=True, mask=band)[:2])
    whole = plain_volume(heights)
    plain_vertices, plain_faces = marching_cubes(whole, 0.0, allow_degenerate=True)[:2]
    # In model z (0 in the middle): ours from index 0 at z = -1/2, the plain one from its first sample.
    ours, plain = vertices.astype(np.float64), plain_vertices.astype(np.float64)
    ours[:, 2] -= 0.5
    plain[:, 2] -= whole.shape[2] / 2 - 0.5
    mesh = Mesh(ours.astype(np.float32), faces, np.zeros(ours.shape, np.uint8))
    assert mesh.is_watertight()
    assert len(faces) == len(plain_faces) and len(ours) == len(plain)
    to_plain = matching(ours, plain)  # the same vertices
    front = faces[np.all(ours[faces, 2] > 0.4, axis=1)]
    plain_front = plain_faces[np.all(plain[plain_faces, 2] > 0.4, axis=1)]
    assert triangles(to_plain[front]) == triangles(plain_front), (
        "the front is the same, triangle for triangle"
    )
    plain_mesh = Mesh(plain.astype(np.float32), plain_faces.astype(np.int32), mesh.colours)
    assert mesh.signed_volume() == pytest.approx(plain_mesh.signed_volume(), rel=1e-5)
    mirror = matching(ours * np.array([1.0, 1.0, -1.0]), ours)
    assert triangles(mirror[front][:, ::-1]) <= triangles(faces), "the back is the mirrored front"


def test_a_middle_layer_whose_planes_disagree_is_refused() -> None:
    volume, band = front_volume(heights_of("disk"))
    vertices, faces = marching_cubes(volume, 0.0, allow_degenerate=True, mask=band)[:2]
    vertices[np.flatnonzero(vertices[:, 2] == 0)[0], 0] += 0.25
    with pytest.raises(RuntimeError, match="middle layer"):
        with_mirrored_back(vertices, faces)


def test_the_front_starts_at_the_middle_layer_and_reaches_past_the_highest_column() -> None:
    depth = front_depths(np.array([[0.0, 7.2]], np.float32))
    assert depth[:3].tolist() == [0.5, 0.5, 1.5] and depth[-1] > 7.2 + 1


def mesh_of(solid: trimesh.Trimesh) -> Mesh:
    vertices = np.asarray(solid.vertices, np.float32)
    return Mesh(vertices, np.asarray(solid.faces, np.int32), np.zeros(vertices.shape, np.uint8))


def test_the_signed_volume_is_the_enclosed_volume_and_its_sign_the_orientation() -> None:
    for solid in (trimesh.creation.icosphere(4), trimesh.creation.box((1.0, 2.0, 0.5))):
        mesh = mesh_of(solid)
        assert mesh.signed_volume() == pytest.approx(solid.volume, rel=1e-5)
        inverted = Mesh(mesh.vertices, np.ascontiguousarray(mesh.faces[:, ::-1]), mesh.colours)
        assert inverted.signed_volume() == pytest.approx(-solid.volume, rel=1e-5)


def test_a_mesh_larger_than_a_chunk_has_its_whole_volume() -> None:
    ball = trimesh.creation.icosphere(6)  # 81920 faces: several chunks
    assert len(ball.faces) > 3 * 2**14
    assert mesh_of(ball).signed_volume() == pytest.approx(ball.volume, rel=1e-5)


def faulty_meshes() -> dict[str, Mesh]:
    """Meshes each broken in one way, from a closed box (12 faces)."""
    box = mesh_of(trimesh.creation.box())
    v, f, c = box.vertices, box.faces, box.colours
    flipped = f.copy()
    flipped[3] = flipped[3, ::-1]
    # A second box sharing an edge with the first: that edge has four faces, two in each direction.
    twin = f + len(v)
    shared = np.concatenate([v, v + np.array([1.0, 1.0, 0.0], np.float32)])
    edge = [(i, j) for i in range(8) for j in range(8) if np.allclose(shared[8 + j], v[i])]
    for i, j in edge:
        twin[twin == 8 + j] = i
    return {
        "a face missing": Mesh(v, f[1:], c),
        "a face flipped": Mesh(v, flipped, c),
        "a face twice": Mesh(v, np.concatenate([f, f[:1]]), c),
        "an edge of four faces": Mesh(shared, np.concatenate([f, twin]), np.concatenate([c, c])),
        "no faces": Mesh(v, np.zeros((0, 3), np.int32), c),
    }


def test_watertight_means_closed_and_consistently_oriented() -> None:
    assert mesh_of(trimesh.creation.box()).is_watertight()
    assert mesh_of(trimesh.creation.icosphere(6)).is_watertight()
    assert mesh_of(trimesh.creation.torus(1.0, 0.3)).is_watertight()
    for name, mesh in faulty_meshes().items():
        assert not mesh.is_watertight(), name
