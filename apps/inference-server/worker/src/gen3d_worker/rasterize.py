"""Triangles to pixels in numpy, for the thumbnail (thumbnail.py): back faces culled, a z-buffer, and for each
drawn pixel the triangle it shows with the barycentric weights of its centre.

Vectorised over all triangles at once (meshes have up to a million faces, most smaller than a pixel): each front
triangle whose box holds a pixel centre is cut into its rows of pixel centres, each row into the run of centres
where all three barycentric weights are >= 0, and the runs into pixels; the nearest fragment of each pixel wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.intp]

# A pixel centre this little outside a triangle (in barycentric weight) still counts as inside: rounding leaves no
# crack between neighbours (a centre on their shared edge is in both, and the z-buffer picks one).
_SLACK = np.float32(1e-5)
_TINY = np.float32(1e-20)
# Faces are drawn this many at a time: the arrays of a chunk stay in the processor's cache (twice as fast as all
# at once on a million faces).
_CHUNK = 1 << 14

# (pixel, front face, w0, w1, depth) of each pixel centre inside a front face
_Fragments = tuple[Ints, Ints, Floats, Floats, Floats]


@dataclass(frozen=True)
class Screen:
    """Vertices in pixels: x right, y down (pixel centres at .5), depth towards the camera in the same unit."""

    x: Floats
    y: Floats
    depth: Floats
    side: int  # the frame is side x side pixels


@dataclass(frozen=True)
class Raster:
    side: int
    pixel: Ints  # the drawn pixels (row * side + column)
    front: Ints  # the front face each shows, an index into `faces` and `normals`
    w0: Floats  # the barycentric weight of the face's first corner at the pixel centre
    w1: Floats  # of its second (the third is 1 - w0 - w1)
    corners: Ints  # the front faces' corners (vertex indices), 3 x F
    normals: Floats  # their normals in camera axes (x right, y up, z towards the camera), 3 x F, not unit


@dataclass(frozen=True)
class _Triangles:
    """The front faces, with what drawing them needs, one array per quantity (columns of numbers are faster to
    work on than rows of them). Linear across a triangle: the weights w0, w1 and the depth, given at the first
    pixel centre of its box with their steps one pixel right (x) and down (y); and the bounds on the column
    offset that each of its three edges sets on a row, as a function of the row offset (`low`: dx >= l0 + l1 * dy,
    `high`: dx <= h0 + h1 * dy; an edge that bounds the other side gives -inf or +inf)."""

    face: Ints
    left: Ints
    top: Ints
    columns: Ints
    heights: Ints
    linear: tuple[Floats, ...]  # w0, w1, depth at the first centre; then their x steps; then their y steps
    low: tuple[Floats, ...]  # l0, l1 of each edge
    high: tuple[Floats, ...]  # h0, h1 of each edge


def rasterize(screen: Screen, faces: npt.NDArray[np.int32]) -> Raster:
    """Every pixel whose centre is inside a front-facing triangle, showing the nearest."""
    parts = [_chunk(screen, faces[first : first + _CHUNK]) for first in range(0, len(faces), _CHUNK)]
    if not parts:
        parts = [_chunk(screen, faces)]
    # The chunks' front faces follow each other: offset each chunk's indices into them.
    offsets = np.cumsum([0] + [corners.shape[1] for _, corners, _ in parts[:-1]])
    pixel, front, w0, w1, depth = (
        np.concatenate(
            [
                fragments[k] + (offset if k == 1 else 0)
                for (fragments, _, _), offset in zip(parts, offsets, strict=True)
            ]
        )
        for k in range(5)
    )
    nearest = np.full(screen.side * screen.side, -np.inf, np.float32)
    np.maximum.at(nearest, pixel, depth)  # depth grows towards the camera
    # Fragments as near as the nearest: one per pixel but for exact ties, which draw the same pixel twice.
    winner = np.flatnonzero(depth == nearest[pixel])
    corners = np.concatenate([corners for _, corners, _ in parts], axis=1)
    normals = np.concatenate([normals for _, _, normals in parts], axis=1)
    return Raster(screen.side, pixel[winner], front[winner], w0[winner], w1[winner], corners, normals)


def _chunk(screen: Screen, faces: npt.NDArray[np.int32]) -> tuple[_Fragments, Ints, Floats]:
    triangles, corners, normals = _front_triangles(screen, faces)
    return _fragments(triangles, screen.side), corners, normals


def _front_triangles(screen: Screen, faces: npt.NDArray[np.int32]) -> tuple[_Triangles, Ints, Floats]:
    """The front faces as _Triangles, their corners and their normals. Boxes are clipped to the frame."""
    side, half = screen.side, np.float32(0.5)
    a, b, c = np.ascontiguousarray(faces.T, dtype=np.intp)
    xa, ya = screen.x[a], screen.y[a]
    abx, aby, acx, acy = screen.x[b] - xa, screen.y[b] - ya, screen.x[c] - xa, screen.y[c] - ya
    # Twice the signed area; counter-clockwise seen from outside (y up) is negative with y down: a front face.
    area = abx * acy - acx * aby
    front = np.flatnonzero(area < 0)
    a, b, c, xa, ya, area = a[front], b[front], c[front], xa[front], ya[front], area[front]
    abx, aby, acx, acy = abx[front], aby[front], acx[front], acy[front]
    left = np.maximum(np.ceil(xa + np.minimum(np.minimum(abx, acx), 0) - half), 0)
    top = np.maximum(np.ceil(ya + np.minimum(np.minimum(aby, acy), 0) - half), 0)
    right = np.minimum(np.floor(xa + np.maximum(np.maximum(abx, acx), 0) - half), side - 1)
    bottom = np.minimum(np.floor(ya + np.maximum(np.maximum(aby, acy), 0) - half), side - 1)
    za = screen.depth[a]
    abz, acz = screen.depth[b] - za, screen.depth[c] - za
    normals = np.stack([abz * acy - aby * acz, abz * acx - abx * acz, -area])
    # From the box's first pixel centre p: w1 = area(a, p, c) / area, w2 = area(a, b, p) / area, w0 = 1 - both.
    px, py = left + half - xa, top + half - ya
    w1, w2 = (px * acy - acx * py) / area, (abx * py - px * aby) / area
    w1x, w1y, w2x, w2y = acy / area, -acx / area, -aby / area, abx / area
    w0, w0x, w0y = 1 - w1 - w2, -w1x - w2x, -w1y - w2y
    low: list[Floats] = []
    high: list[Floats] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for start, step_x, step_y in ((w0, w0x, w0y), (w1, w1x, w1y), (w2, w2x, w2y)):
            # w = start + step_x * dx + step_y * dy >= 0 bounds dx below where step_x > 0, above where < 0. An
            # edge that bounds the other side gets NaN (sqrt of a negative), which fmax and fmin pass over:
            # np.where would do the same at a tenth of the speed. A zero step (a level edge, which bounds no row
            # of the box) becomes a tiny one: its bound is then far outside the box.
            step = step_x + _TINY
            offset, slope = -(start + _SLACK) / step, -step_y / step
            low += [offset + np.sqrt(step) * 0, slope]
            high += [offset + np.sqrt(-step) * 0, slope]
    linear = (
        w0,
        w1,
        za + w1 * abz + w2 * acz,
        w0x,
        w1x,
        w1x * abz + w2x * acz,
        w0y,
        w1y,
        w1y * abz + w2y * acz,
    )
    triangles = _Triangles(
        face=front,
        left=left.astype(np.intp),
        top=top.astype(np.intp),
        columns=(right - left + 1).astype(np.intp),
        heights=np.maximum(bottom - top + 1, 0).astype(np.intp),
        linear=tuple(np.asarray(v, np.float32) for v in linear),
        low=tuple(np.asarray(v, np.float32) for v in low),
        high=tuple(np.asarray(v, np.float32) for v in high),
    )
    return triangles, np.stack([a, b, c]), normals


def _fragments(triangles: _Triangles, side: int) -> _Fragments:
    """(pixel, front face, w0, w1, depth) of every pixel centre inside its triangle: each triangle is cut into rows of
    pixel centres, each row into the run of centres its edges leave, and the runs into pixels."""
    triangle, dy = _expand(triangles.heights)
    rows = dy.astype(np.float32)
    low, high = triangles.low, triangles.high
    lower = np.fmax(
        np.fmax(low[0][triangle] + low[1][triangle] * rows, low[2][triangle] + low[3][triangle] * rows),
        low[4][triangle] + low[5][triangle] * rows,
    )
    upper = np.fmin(
        np.fmin(high[0][triangle] + high[1][triangle] * rows, high[2][triangle] + high[3][triangle] * rows),
        high[4][triangle] + high[5][triangle] * rows,
    )
    # Clamped to the frame (NaN, where no edge bounds a side, is passed over the same way).
    first = np.ceil(np.fmin(np.fmax(lower, 0), side)).astype(np.intp)
    last = np.minimum(
        np.floor(np.fmax(np.fmin(upper, side), -1)).astype(np.intp), triangles.columns[triangle] - 1
    )
    row, place = _expand(np.maximum(last - first + 1, 0))
    dx = first[row] + place
    which, dy = triangle[row], dy[row]
    fx, fy = dx.astype(np.float32), dy.astype(np.float32)
    w0, w1, depth = (
        triangles.linear[k][which] + triangles.linear[3 + k][which] * fx + triangles.linear[6 + k][which] * fy
        for k in range(3)
    )
    pixel = (triangles.top[which] + dy) * side + triangles.left[which] + dx
    return pixel, which, w0, w1, depth


def _expand(counts: Ints) -> tuple[Ints, Ints]:
    """For items with these counts: each slot's item, and the slot's place within its item (0, 1, ...)."""
    item = np.repeat(np.arange(len(counts)), counts)
    place = np.arange(len(item)) - (np.cumsum(counts) - counts)[item]
    return item, place
