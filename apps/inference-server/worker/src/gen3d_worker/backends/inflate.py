"""The geometric backend: a closed solid whose outline is the object mask, as thick as its shape hypothesis says.

Not a learned model. A hypothesis (backends/shapes.py: a balloon, a surface of revolution or a flat slab, chosen
from the picture or by the user) gives a half-thickness h(x, y), mirrored front and back; the solid {|z| < h(x, y)}
is meshed by marching cubes, which gives a closed, 2-manifold surface: the front half and the middle layer by
marching cubes, the back as the front's mirror image (with_mirrored_back). Front vertices take the image's colour;
the back takes the mirrored front colour.
"""

from __future__ import annotations

import math
import time
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage
from skimage.measure import marching_cubes

from ..grid import scaled_to_long_side
from ..mesh import Mesh
from . import Quality, Reconstruction, ReconstructionInput
from .inflation import Inflation
from .shapes import INFLATION, SHAPES, ShapeName, choose_shape, half_thickness

GRID_LONG_SIDE: dict[Quality, int] = {"fast": 128, "standard": 224, "high": 384}
PAD = 2
MIN_FIELD = np.float32(0.02)
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
# The surface's vertices, N x 3: (column, row, z) in pixels of the object mask.
GridPoints = npt.NDArray[np.floating]


METHODS: dict[ShapeName, str] = {
    "inflate": "silhouette inflation (geometric, no learned model)",
    "revolve": "surface of revolution from the silhouette (geometric, no learned model)",
    "slab": "flat slab from the silhouette (geometric, no learned model)",
}


class InflateBackend:
    name: Final = "inflate"
    method = METHODS["inflate"]

    def __init__(self, inflation: Inflation = INFLATION) -> None:
        self.inflation = inflation

    def grid_size(self, width: int, height: int, quality: Quality) -> tuple[int, int]:
        return scaled_to_long_side(width, height, GRID_LONG_SIDE[quality])

    def reconstruct(self, job: ReconstructionInput) -> Reconstruction:
        started = time.perf_counter()
        requested = job.shape if job.shape in ("auto", *SHAPES) else "auto"
        decision = choose_shape(job.rgb, job.mask, requested)  # type: ignore[arg-type]
        mask = np.pad(job.mask, PAD)
        height_field = half_thickness(mask, decision.shape, self.inflation)
        job.deadline.check("reconstruction (height field)")
        volume, band = front_volume(height_field)
        job.deadline.check("reconstruction (volume)")
        after_field = time.perf_counter()
        # allow_degenerate: front_volume keeps every sample off the surface, so every vertex lies strictly inside
        # its cell edge and no triangle has two corners at one position: skimage's pass that removes such
        # triangles (a third of marching cubes' time) would find none.
        vertices, faces, _normals, _values = marching_cubes(
            volume, level=0.0, allow_degenerate=True, mask=band
        )
        vertices, faces = with_mirrored_back(vertices, faces)
        job.deadline.check("reconstruction (surface)")
        after_mesh = time.perf_counter()
        # Marching cubes gives (row, column, z) in padded volume cells (z: 0 at z = -1/2, 1 at z = +1/2): back to
        # (column, row, z) in mask pixels.
        grid = np.stack(
            [vertices[:, 1] - PAD, vertices[:, 0] - PAD, vertices[:, 2] - np.float32(0.5)], axis=1
        )
        colours = sample_colours(job.rgb, job.mask, grid)
        mesh, centre, scale = normalised_mesh(grid, faces, colours)
        done = time.perf_counter()
        return Reconstruction(
            mesh=mesh,
            method=METHODS[decision.shape],
            shape={
                "shape": decision.shape,
                "chosenBy": decision.chosen_by,
                "reason": decision.reason,
                "evidence": decision.evidence,
            },
            grid_centre=centre,
            grid_scale=scale,
            timings_ms={
                "height_field": 1000 * (after_field - started),
                "marching_cubes": 1000 * (after_mesh - after_field),
                "colours": 1000 * (done - after_mesh),
            },
        )


def front_depths(heights: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """|z| of the front half's samples: z = -1/2 (the middle layer of cells' back), then 1/2, 3/2, ... to past the
    highest h. Samples at half steps: none lies on z = 0, and the back half mirrors the front exactly."""
    layers = max(4, math.ceil(float(heights.max())) + PAD)
    front = np.arange(layers, dtype=np.float32) + np.float32(0.5)
    return np.concatenate([front[:1], front])


def front_volume(heights: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """f(x, y, z) = h(x, y) - |z| over the middle layer of cells and all in front of it (front_depths), and the
    band of samples marching cubes must visit there (surface_band)."""
    depth = front_depths(heights)
    volume = heights[:, :, None] - depth[None, None, :]
    # A sample on (or within float noise of) the surface puts a marching-cubes vertex on a grid corner, where
    # the vertices of the neighbouring edges land too: distinct vertices at one position, which every mesh tool
    # merges on load into a non-manifold pinch. Keeping |f| >= MIN_FIELD keeps every vertex at least ~1 % of a
    # cell away from every corner (the surface moves by at most MIN_FIELD, a fiftieth of a pixel).
    # A sample exactly on the surface counts as inside, so a one-pixel-thin part stays a (thin) solid.
    # |z| runs in whole steps from a half, so a column has at most one |z| that near its h: found per column (a
    # plane, not the volume). Sample k + 1 is at |z| = k + 1/2, and so is sample 0 for k = 0.
    level = np.rint(heights - np.float32(0.5)).astype(np.intp)
    rows, cols = np.nonzero((level >= 0) & (level < len(depth) - 1))
    level = level[rows, cols]
    values = heights[rows, cols] - depth[level + 1]
    near = (values > -MIN_FIELD) & (values < MIN_FIELD)  # few: fix them in place
    if near.any():
        rows, cols, level = rows[near], cols[near], level[near]
        fixed = np.where(values[near] >= 0.0, MIN_FIELD, -MIN_FIELD)
        volume[rows, cols, level + 1] = fixed
        middle = level == 0
        volume[rows[middle], cols[middle], 0] = fixed[middle]
    return volume, surface_band(heights, depth)


def surface_band(heights: npt.NDArray[np.float32], depth: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """The samples (at these |z|) that can touch the surface: |f| no larger than f's steepest step to a neighbour
    (plus one z step and a half).

    f = h(x, y) - |z| changes by at most max|h - h(neighbour)| across x/y and by 1 across z, so a cell whose corners
    straddle f = 0 has every corner inside this band. Marching cubes then skips the solid interior and the empty
    outside (about a third of its time here) and gives exactly the same mesh. Built from the plane of h and the
    row of |z| (|z| within reach of h), not from the volume: no volume-sized float temporaries.
    """
    padded = np.pad(heights, 1, mode="edge")
    rows, cols = heights.shape
    step = np.zeros_like(heights)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dx or dy:
                neighbour = padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + cols]
                np.maximum(step, np.abs(heights - neighbour), out=step)
    reach = step + np.float32(1.5)
    band: npt.NDArray[np.bool_] = depth[None, None, :] >= (heights - reach)[:, :, None]
    band &= depth[None, None, :] <= (heights + reach)[:, :, None]
    return band


def with_mirrored_back(
    vertices: npt.NDArray[np.float32], faces: npt.NDArray[np.int32]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32]]:
    """The closed surface from marching cubes over front_volume (z index 0 at z = -1/2, 1 at z = +1/2): the
    triangles in front of the middle layer of cells, mirrored through z = 0 and wound the other way, close it at the
    back. The solid is mirror-symmetric, so this is the mesh of the whole volume but for which diagonal some cells
    of the back take (the front is the same triangle for triangle), at half the marching cubes.

    The middle layer's vertices lie in its two planes (f has the same value at z = -1/2 and +1/2, so no vertical
    edge is crossed), at the same (row, column) in both: a mirrored vertex of the plane z = +1/2 is the middle
    layer's vertex of the plane z = -1/2 there."""
    z = vertices[:, 2]
    back_plane, front_plane, front = (np.flatnonzero(side) for side in (z == 0, z == 1, z > 1))
    back_keys, front_keys = _plane_keys(vertices, back_plane), _plane_keys(vertices, front_plane)
    order = np.argsort(back_keys)
    place = np.minimum(np.searchsorted(back_keys, front_keys, sorter=order), max(0, len(order) - 1))
    if len(back_plane) != len(front_plane) or not np.array_equal(
        back_keys.take(order.take(place)), front_keys
    ):
        raise RuntimeError("marching cubes gave different vertices on the two planes of the middle layer")
    mirror = np.arange(len(vertices), dtype=np.int32)
    mirror[front_plane] = back_plane.take(order.take(place))
    mirror[front] = np.arange(len(vertices), len(vertices) + len(front), dtype=np.int32)
    all_vertices = np.concatenate([vertices, vertices[front]])
    all_vertices[len(vertices) :, 2] = 1 - all_vertices[len(vertices) :, 2]  # z -> -z: index 1 + k -> -k
    # The triangles of the middle layer touch its back plane; all others are in front of it.
    # skimage's faces are a reversed view: a contiguous copy is quicker to read.
    faces = np.ascontiguousarray(faces, np.int32)
    on_back = np.zeros(len(vertices), np.uint8)
    on_back[back_plane] = 1
    touching = on_back.take(faces)
    in_front = np.flatnonzero((touching[:, 0] | touching[:, 1] | touching[:, 2]) == 0)
    all_faces = np.empty((len(faces) + len(in_front), 3), np.int32)
    all_faces[: len(faces)] = faces
    np.take(mirror, faces.take(in_front, axis=0)[:, ::-1], out=all_faces[len(faces) :])
    return all_vertices, all_faces


def _plane_keys(vertices: npt.NDArray[np.float32], which: npt.NDArray[np.intp]) -> npt.NDArray[np.uint64]:
    """(row, column) of the vertices `which`, as one exact number each (their float32 bits side by side)."""
    rows = np.ascontiguousarray(vertices[which, 0], np.float32).view(np.uint32).astype(np.uint64)
    cols = np.ascontiguousarray(vertices[which, 1], np.float32).view(np.uint32).astype(np.uint64)
    keys: npt.NDArray[np.uint64] = (rows << np.uint64(32)) | cols
    return keys


def sample_colours(
    rgb: npt.NDArray[np.uint8], mask: npt.NDArray[np.bool_], grid: GridPoints
) -> npt.NDArray[np.uint8]:
    """Bilinear image colour under each vertex, with the object's colours extended past its edge."""
    cols, rows = grid[:, 0], grid[:, 1]
    grid_h, grid_w = mask.shape
    image_h, image_w = rgb.shape[:2]
    # Sample at up to twice the grid resolution: finer than the mesh, far cheaper than the full image.
    scale = min(1.0, 2.0 * grid_w / image_w)
    width, height = max(1, round(image_w * scale)), max(1, round(image_h * scale))
    small = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA) if scale < 1.0 else rgb
    inside = cv2.resize(mask.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) > 0
    if inside.sum() > 64:  # eroded by one pixel (4-neighbours, the outside counts as background)
        inside = cv2.erode(inside.astype(np.uint8), _CROSS, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    if inside.any():
        near_r, near_c = ndimage.distance_transform_edt(~inside, return_distances=False, return_indices=True)
        small = small[near_r, near_c]
    map_x = ((cols + 0.5) * (width / grid_w) - 0.5).astype(np.float32)
    map_y = ((rows + 0.5) * (height / grid_h) - 0.5).astype(np.float32)
    colours: npt.NDArray[np.uint8] = bilinear(small, map_x, map_y)
    return colours


def normalised_mesh(
    grid: GridPoints, faces: npt.NDArray[np.int32], colours: npt.NDArray[np.uint8]
) -> tuple[Mesh, tuple[float, float, float], float]:
    """Image axes to model axes (x right, y up, z towards the viewer), centred, largest extent 1."""
    points = grid.copy()
    points[:, 1] *= -1  # rows grow downwards; y grows upwards
    # Over a contiguous row per axis: a tenth of the time of reducing an N x 3 array along its first axis.
    columns = np.ascontiguousarray(points.T)
    low, high = columns.min(axis=1), columns.max(axis=1)
    centre = (low + high) / 2.0
    scale = float((high - low).max())
    points = (points - centre) / scale
    mesh = Mesh(vertices=points.astype(np.float32), faces=np.ascontiguousarray(faces), colours=colours)
    if mesh.signed_volume() < 0:
        mesh = Mesh(vertices=mesh.vertices, faces=np.ascontiguousarray(faces[:, ::-1]), colours=colours)
    return mesh, (float(centre[0]), float(centre[1]), float(centre[2])), scale


def bilinear(
    image: npt.NDArray[np.uint8], x: npt.NDArray[np.float32], y: npt.NDArray[np.float32]
) -> npt.NDArray[np.uint8]:
    """Bilinear samples of an H x W x C image at float pixel positions (clamped to the image)."""
    # cv2.remap wants 2-D maps under 32767 a side: lay the points out in rows of 1024.
    count = len(x)
    padded = -(-count // 1024) * 1024
    map_x = np.zeros(padded, np.float32)
    map_y = np.zeros(padded, np.float32)
    map_x[:count], map_y[:count] = x, y
    sampled = cv2.remap(
        np.ascontiguousarray(image),
        map_x.reshape(-1, 1024),
        map_y.reshape(-1, 1024),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.asarray(sampled, np.uint8).reshape(-1, image.shape[2])[:count]
