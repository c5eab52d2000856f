"""Mesh quality of the inflate backend on made-up shapes: closed, manifold, outward, silhouette and colours right."""

from __future__ import annotations

import io

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import trimesh

from gen3d_worker.backends import Reconstruction, ReconstructionInput
from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.decode import decode_png
from gen3d_worker.encode import encode_ply
from gen3d_worker.mask import object_mask

from .pngs import rgba
from .shapes import SHAPES, SIZE, two_tone_rgba

BACKEND = InflateBackend()


def reconstruct(
    mask_u8: npt.NDArray[np.uint8], quality: str = "fast"
) -> tuple[Reconstruction, npt.NDArray[np.bool_]]:
    image = decode_png(rgba(two_tone_rgba(mask_u8)))
    grid = BACKEND.grid_size(image.width, image.height, quality)  # type: ignore[arg-type]
    found = object_mask(image, grid)
    result = BACKEND.reconstruct(ReconstructionInput(rgb=image.rgb, mask=found.mask, quality=quality))  # type: ignore[arg-type]
    return result, found.mask


def silhouette(result: Reconstruction, shape: tuple[int, ...], supersample: int = 8) -> npt.NDArray[np.bool_]:
    """Orthographic projection of the mesh along z, rasterised finely, then averaged onto the mask's grid."""
    grid = result.mesh.vertices.astype(np.float64) * result.grid_scale + np.asarray(result.grid_centre)
    cols, rows = grid[:, 0], -grid[:, 1]
    shift = 4  # fixed-point fraction bits for cv2.fillPoly
    scale = supersample * 2**shift
    # Grid pixel centres are integers; in the fine raster pixel i covers [i/s - 1/2, (i+1)/s - 1/2).
    points = np.stack([(cols + 0.5) * scale - 2**shift / 2, (rows + 0.5) * scale - 2**shift / 2], axis=1)
    fine = np.zeros((shape[0] * supersample, shape[1] * supersample), np.uint8)
    for triangle in points.round().astype(np.int32)[result.mesh.faces]:
        cv2.fillConvexPoly(fine, triangle, 255, lineType=cv2.LINE_8, shift=shift)
    coverage = cv2.resize(fine, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    return np.asarray(coverage >= 128)


def iou(a: npt.NDArray[np.bool_], b: npt.NDArray[np.bool_]) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_mesh_is_closed_manifold_and_outward(name: str) -> None:
    result, _ = reconstruct(SHAPES[name]())
    mesh = trimesh.Trimesh(result.mesh.vertices, result.mesh.faces, process=False)
    assert result.mesh.is_watertight()
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume > 0, "normals must point outwards"
    assert len(mesh.split(only_watertight=False)) == 1, "one solid"


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_silhouette_matches_the_cleaned_mask(name: str) -> None:
    result, mask = reconstruct(SHAPES[name]())
    assert iou(silhouette(result, mask.shape), mask) >= 0.95


def test_ring_keeps_its_hole() -> None:
    result, mask = reconstruct(SHAPES["ring"]())
    mesh = trimesh.Trimesh(result.mesh.vertices, result.mesh.faces, process=False)
    assert mesh.euler_number == 0, "a ring is a torus (genus 1)"
    centre = mask.shape[0] // 2
    assert not mask[centre, centre]


def test_two_blobs_keep_the_largest() -> None:
    result, mask = reconstruct(SHAPES["two_blobs"]())
    assert not mask[mask.shape[0] // 2, int(mask.shape[1] * 200 / SIZE)], "the small blob is dropped"
    assert trimesh.Trimesh(result.mesh.vertices, result.mesh.faces, process=False).euler_number == 2


def test_mesh_is_y_up_centred_and_unit_scaled() -> None:
    result, _ = reconstruct(SHAPES["l_shape"]())
    vertices = result.mesh.vertices
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    np.testing.assert_allclose((low + high) / 2, 0, atol=1e-5)
    assert float((high - low).max()) == pytest.approx(1.0, abs=1e-5)
    # The L's foot is at the bottom of the picture: in y-up model space its wide part has the lowest y.
    bottom = vertices[vertices[:, 1] < low[1] + 0.1]
    top = vertices[vertices[:, 1] > high[1] - 0.1]
    assert np.ptp(bottom[:, 0]) > 2 * np.ptp(top[:, 0])


def test_front_colours_match_the_image() -> None:
    result, _ = reconstruct(SHAPES["disk"]())
    v, c = result.mesh.vertices, result.mesh.colours
    front = v[:, 2] > 0.3 * v[:, 2].max()
    left, right = front & (v[:, 0] < -0.1), front & (v[:, 0] > 0.1)
    assert np.abs(c[left].mean(axis=0) - (220, 30, 30)).max() < 8
    assert np.abs(c[right].mean(axis=0) - (30, 40, 220)).max() < 8


def test_back_is_the_mirrored_front() -> None:
    result, _ = reconstruct(SHAPES["disk"]())
    v, c = result.mesh.vertices, result.mesh.colours
    back_left = (v[:, 2] < -0.3 * v[:, 2].max()) & (v[:, 0] < -0.1)
    assert np.abs(c[back_left].mean(axis=0) - (220, 30, 30)).max() < 8


def test_quality_trades_detail_for_speed() -> None:
    fast, _ = reconstruct(SHAPES["disk"](), "fast")
    standard, _ = reconstruct(SHAPES["disk"](), "standard")
    assert len(standard.mesh.faces) > 2 * len(fast.mesh.faces)


@pytest.mark.parametrize("fmt", ["binary", "ascii"])
def test_ply_is_read_back_by_trimesh_with_colours(fmt: str) -> None:
    result, _ = reconstruct(SHAPES["square"]())
    data = encode_ply(result.mesh, fmt, comments=("made by a test",))  # type: ignore[arg-type]
    assert data.startswith(b"ply\nformat " + (b"binary_little_endian" if fmt == "binary" else b"ascii"))
    loaded = trimesh.load(io.BytesIO(data), file_type="ply", process=False)
    assert len(loaded.vertices) == len(result.mesh.vertices) and len(loaded.faces) == len(result.mesh.faces)
    np.testing.assert_allclose(loaded.vertices, result.mesh.vertices, atol=1e-5)
    np.testing.assert_array_equal(loaded.visual.vertex_colors[:, :3], result.mesh.colours)
    assert loaded.is_watertight


def test_a_one_pixel_thin_mask_still_gives_a_closed_solid() -> None:
    # A sample exactly on the surface counts as inside: a 1-pixel line was once an empty volume (marching cubes
    # refused it with "Surface level must be within volume data range").
    mask = np.zeros((64, 64), bool)
    mask[10:54, 30] = True
    result = BACKEND.reconstruct(ReconstructionInput(rgb=np.zeros((64, 64, 3), np.uint8), mask=mask))
    merged = trimesh.Trimesh(result.mesh.vertices, result.mesh.faces)  # merges coincident vertices
    assert merged.is_watertight and merged.is_winding_consistent and merged.volume > 0
