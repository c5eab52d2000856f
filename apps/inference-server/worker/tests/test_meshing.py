"""The geometric backend's meshing shortcuts give what the plain computation gives: the volume and its band
(backends/inflate.py), the mesh checks (mesh.py), the mesh without skimage's degenerate-face pass."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
import trimesh
from skimage.measure import marching_cubes

from gen3d_worker.backends import ReconstructionInput
from gen3d_worker.backends.inflate import MIN_FIELD, PAD, InflateBackend, height_volume, surface_band
from gen3d_worker.backends.shapes import SHAPES as SHAPE_NAMES
from gen3d_worker.backends.shapes import half_thickness
from gen3d_worker.mesh import Mesh

from .shapes import SHAPES

Floats = npt.NDArray[np.float32]


def plain_height_volume(heights: Floats) -> Floats:
    """f = h - |z| over the whole volume, every sample within MIN_FIELD of the surface pushed out to it."""
    layers = max(4, math.ceil(float(heights.max())) + PAD)
    zs = np.arange(-layers, layers, dtype=np.float32) + 0.5
    volume = heights[:, :, None] - np.abs(zs)[None, None, :]
    near = (volume > -MIN_FIELD) & (volume < MIN_FIELD)
    volume[near] = np.where(volume[near] >= 0.0, MIN_FIELD, -MIN_FIELD)
    return np.asarray(volume, np.float32)


def heights_of(name: str, shape: str = "inflate") -> Floats:
    return half_thickness(np.pad(SHAPES[name]()[::2, ::2] > 0, PAD), shape)  # type: ignore[arg-type]


def test_the_volume_is_the_plain_one_with_samples_on_and_beside_the_surface() -> None:
    heights = heights_of("ring")
    # Columns whose h is on a sample, a hair above or below one, or between two: each kind is pushed out or kept.
    heights[10:14, 10:14] = np.float32(3.5)
    heights[20:24, 20:24] = np.float32(3.5) + np.float32(0.01)
    heights[30:34, 30:34] = np.float32(0.5) - np.float32(0.015)
    heights[40:44, 40:44] = np.float32(2.0)
    volume, z_step, z0 = height_volume(heights)
    expected = plain_height_volume(heights)
    assert z_step == 1.0 and z0 == pytest.approx(-(expected.shape[2] / 2 - 0.5))
    np.testing.assert_array_equal(volume, expected)
    assert float(np.abs(volume).min()) >= MIN_FIELD


@pytest.mark.parametrize("shape", SHAPE_NAMES)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_band_holds_every_cell_the_surface_crosses(name: str, shape: str) -> None:
    heights = heights_of(name, shape)
    volume, _, _ = height_volume(heights)
    band = surface_band(heights)
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
def test_the_mesh_is_the_one_with_degenerate_faces_removed(name: str) -> None:
    # The backend skips skimage's degenerate-face pass: no triangle may have two corners at one position.
    heights = heights_of(name)
    volume, _, _ = height_volume(heights)
    kept = marching_cubes(volume, 0.0, allow_degenerate=True, mask=surface_band(heights))
    cleaned = marching_cubes(volume, 0.0, allow_degenerate=False, mask=surface_band(heights))
    for ours, theirs in zip(kept[:2], cleaned[:2], strict=True):
        np.testing.assert_array_equal(ours, theirs)
    mask = SHAPES[name]() > 0
    mesh = InflateBackend().reconstruct(ReconstructionInput(np.zeros((*mask.shape, 3), np.uint8), mask)).mesh
    corners = mesh.vertices[mesh.faces]
    assert not np.any(np.all(corners[:, [0, 1, 2]] == corners[:, [1, 2, 0]], axis=2))


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
