"""Triangles to pixels in numpy, for the thumbnail (thumbnail.py): back faces culled, a z-buffer, and for each
drawn pixel the triangle it shows with the barycentric weights of its centre.

Vectorised over all triangles at once (meshes have up to a million faces, most smaller than a pixel). Faces that
cannot draw a pixel are dropped first: back faces, and faces whose box holds no pixel centre (a fifth of the front
faces of a dense mesh). A small face (a box of up to 3 x 3 pixel centres: nearly every face of a dense mesh) is a
splat: all the centres of its box are tested at once, the faces of one box shape together as one 2-D array. A
larger face is cut into its rows of pixel centres, each row into the run of centres where all three barycentric
weights are >= 0, and the runs into pixels. The nearest fragment of each pixel wins.
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
# Faces whose box is at most this many pixel centres wide and high are drawn as splats.
_SPLAT = 3
# Faces are culled and drawn this many at a time: a chunk's arrays stay in the processor's cache, and the allocator
# reuses them rather than mapping fresh pages for each (the fastest of 2**13 to 2**16 on the benchmark's meshes).
_CHUNK = 1 << 15

# (pixel, drawn face, w0, w1, depth) of each pixel centre inside a drawn face
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
    front: Ints  # the face each shows, an index into `corners` and `normals`
    w0: Floats  # the barycentric weight of the face's first corner at the pixel centre
    w1: Floats  # of its second (the third is 1 - w0 - w1)
    corners: Ints  # the corners (vertex indices) of the front faces that cover a pixel centre, 3 x F
    normals: Floats  # their normals in camera axes (x right, y up, z towards the camera), 3 x F, not unit


@dataclass(frozen=True)
class _Faces:
    """The front faces whose box holds a pixel centre, one array per quantity (columns of numbers are faster to
    work on than rows of them). Linear across a face: the weights w1, w2 of its second and third corners and the
    depth, given at the first pixel centre of its box (`start`) with their steps one pixel right (`step_x`) and
    down (`step_y`). The box is clipped to the frame."""

    corners: Ints
    normals: Floats
    first: Ints  # the box's first pixel (top * side + left)
    columns: Ints
    heights: Ints
    # Faces are ordered by box shape: the splat shapes (columns - 1) * _SPLAT + heights - 1 first, the larger boxes
    # last; ends[key] is where each shape's faces end.
    ends: Ints
    start: tuple[Floats, Floats, Floats]
    step_x: tuple[Floats, Floats, Floats]
    step_y: tuple[Floats, Floats, Floats]


def rasterize(screen: Screen, faces: npt.NDArray[np.int32]) -> Raster:
    """Every pixel whose centre is inside a front-facing triangle, showing the nearest."""
    parts = [_chunk(screen, faces[first : first + _CHUNK]) for first in range(0, len(faces), _CHUNK)]
    if not parts:
        parts = [_chunk(screen, faces)]
    # The chunks' drawn faces follow each other: offset each chunk's indices into them.
    offsets = np.cumsum([0] + [drawn.corners.shape[1] for _, drawn in parts[:-1]])
    pixel, face, w0, w1, depth = (
        np.concatenate(
            [
                fragments[k] + offset if k == 1 else fragments[k]
                for (fragments, _), offset in zip(parts, offsets, strict=True)
            ]
        )
        for k in range(5)
    )
    nearest = np.full(screen.side * screen.side, -np.inf, np.float32)
    np.maximum.at(nearest, pixel, depth)  # depth grows towards the camera
    # Fragments as near as the nearest: one per pixel but for exact ties, which draw the same pixel twice.
    winner = np.flatnonzero(depth == nearest.take(pixel))
    corners = np.concatenate([drawn.corners for _, drawn in parts], axis=1)
    normals = np.concatenate([drawn.normals for _, drawn in parts], axis=1)
    pixel, face, w0, w1 = (values.take(winner) for values in (pixel, face, w0, w1))
    return Raster(screen.side, pixel, face, w0, w1, corners, normals)


def _chunk(screen: Screen, faces: npt.NDArray[np.int32]) -> tuple[_Fragments, _Faces]:
    """The fragments of a chunk of faces (its arrays stay small: in the processor's cache, and reused by the
    allocator rather than mapped afresh), and its drawn faces."""
    drawn = _drawable_faces(screen, faces)
    large = np.arange(drawn.ends[-2], drawn.ends[-1])
    parts = [_splats(drawn, screen.side), _runs(drawn, large, screen.side)]
    fragments = tuple(np.concatenate([part[k] for part in parts]) for k in range(5))
    return fragments, drawn  # type: ignore[return-value]


def _drawable_faces(screen: Screen, faces: npt.NDArray[np.int32]) -> _Faces:
    """The front faces whose box (clipped to the frame) holds a pixel centre: the others draw nothing."""
    side = screen.side
    a, b, c = np.ascontiguousarray(faces.T, dtype=np.intp)
    # Vertices shifted by half a pixel, so that pixel i's centre is at i (in-place operations from here on: fewer
    # and smaller temporaries, the same numbers).
    u, v = screen.x - np.float32(0.5), screen.y - np.float32(0.5)
    ua, ub, uc, va, vb, vc = u.take(a), u.take(b), u.take(c), v.take(a), v.take(b), v.take(c)
    # The pixel centres of the box: columns left..right, rows top..bottom.
    left, right = np.minimum(ua, ub), np.maximum(ua, ub)
    top, bottom = np.minimum(va, vb), np.maximum(va, vb)
    for low, high, third in ((left, right, uc), (top, bottom, vc)):
        np.maximum(np.ceil(np.minimum(low, third, out=low), out=low), 0, out=low)
        np.minimum(np.floor(np.maximum(high, third, out=high), out=high), side - 1, out=high)
    abx, aby, acx, acy = np.subtract(ub, ua, out=ub), np.subtract(vb, va, out=vb), uc - ua, vc - va
    # Twice the signed area; counter-clockwise seen from outside (y up) is negative with y down: a front face.
    area = abx * acy
    area -= acx * aby
    right -= left
    bottom -= top
    kept = np.flatnonzero((area < 0) & (right >= 0) & (bottom >= 0))
    # Ordered by box shape (a stable sort of small keys: a radix sort), so that each shape is a slice.
    columns, heights = right.take(kept), bottom.take(kept)  # less one
    small = (columns < _SPLAT) & (heights < _SPLAT)
    shape = np.where(small, columns * _SPLAT + heights, _SPLAT * _SPLAT).astype(np.uint8)
    kept = kept.take(np.argsort(shape, kind="stable"))
    a, b, c, ua, va, area, left, top = (q.take(kept) for q in (a, b, c, ua, va, area, left, top))
    abx, aby, acx, acy = (q.take(kept) for q in (abx, aby, acx, acy))
    za = screen.depth.take(a)
    abz, acz = screen.depth.take(b) - za, screen.depth.take(c) - za
    # From the box's first pixel centre p: w1 = area(a, p, c) / area, w2 = area(a, b, p) / area.
    inverse = np.float32(1) / area
    w1x, w1y, w2x, w2y = acy * inverse, acx * -inverse, aby * -inverse, abx * inverse
    px, py = left - ua, top - va
    w1, w2 = px * w1x + py * w1y, px * w2x + py * w2y
    zx, zy = w1x * abz + w2x * acz, w1y * abz + w2y * acz
    return _Faces(
        corners=np.stack([a, b, c]),
        normals=np.stack([abz * acy - aby * acz, abz * acx - abx * acz, -area]),
        first=(top * side + left).astype(np.intp),
        columns=(right.take(kept) + 1).astype(np.intp),
        heights=(bottom.take(kept) + 1).astype(np.intp),
        ends=np.cumsum(np.bincount(shape, minlength=_SPLAT * _SPLAT + 1)),
        start=(w1, w2, za + px * zx + py * zy),
        step_x=(w1x, w2x, zx),
        step_y=(w1y, w2y, zy),
    )


def _splats(drawn: _Faces, side: int) -> _Fragments:
    """The fragments of the small faces (boxes of at most _SPLAT x _SPLAT centres), one box shape at a time."""
    parts = []
    for key in range(_SPLAT * _SPLAT):
        first, end = (int(drawn.ends[key - 1]) if key else 0), int(drawn.ends[key])
        if end > first:
            parts.append(_splat_shape(drawn, slice(first, end), key // _SPLAT + 1, key % _SPLAT + 1, side))
    if not parts:
        return _no_fragments()
    return tuple(np.concatenate([part[k] for part in parts]) for k in range(5))  # type: ignore[return-value]


def _splat_shape(drawn: _Faces, which: slice, columns: int, heights: int, side: int) -> _Fragments:
    """The fragments of the faces `which`, whose boxes are all `columns` x `heights` centres: a row per centre of
    the box, a column per face (the long axis last, where numpy's loops are quick)."""
    dx = np.tile(np.arange(columns, dtype=np.float32), heights).reshape(-1, 1)
    dy = np.repeat(np.arange(heights, dtype=np.float32), columns).reshape(-1, 1)
    w1, w2, depth = (
        drawn.start[k][which] + drawn.step_x[k][which] * dx + drawn.step_y[k][which] * dy for k in range(3)
    )
    inside = np.flatnonzero((w1 >= -_SLACK) & (w2 >= -_SLACK) & (w1 + w2 <= 1 + _SLACK))
    centre, face = np.divmod(inside, w1.shape[1])
    w1, w2 = w1.take(inside), w2.take(inside)
    offset = (dy * side + dx).astype(np.intp).ravel()
    pixel = drawn.first[which].take(face) + offset.take(centre)
    return pixel, face + which.start, 1 - w1 - w2, w1, depth.take(inside)


def _runs(drawn: _Faces, which: Ints, side: int) -> _Fragments:
    """The fragments of the faces `which`: each cut into rows of pixel centres, each row into the run of centres its
    edges leave, and the runs into pixels."""
    if len(which) == 0:
        return _no_fragments()
    w1, w2 = (drawn.start[k][which] for k in range(2))
    w1x, w2x = (drawn.step_x[k][which] for k in range(2))
    w1y, w2y = (drawn.step_y[k][which] for k in range(2))
    low, high = _run_bounds(((1 - w1 - w2, -w1x - w2x, -w1y - w2y), (w1, w1x, w1y), (w2, w2x, w2y)))
    triangle, dy = _expand(drawn.heights[which])
    rows = dy.astype(np.float32)
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
    columns = drawn.columns[which]
    last = np.minimum(np.floor(np.fmax(np.fmin(upper, side), -1)).astype(np.intp), columns[triangle] - 1)
    row, place = _expand(np.maximum(last - first + 1, 0))
    dx = first[row] + place
    face, dy = which[triangle[row]], dy[row]
    fx, fy = dx.astype(np.float32), dy.astype(np.float32)
    w1, w2, depth = (
        drawn.start[k][face] + drawn.step_x[k][face] * fx + drawn.step_y[k][face] * fy for k in range(3)
    )
    pixel = drawn.first[face] + dy * side + dx
    return pixel, face, 1 - w1 - w2, w1, depth


def _run_bounds(
    weights: tuple[tuple[Floats, Floats, Floats], ...],
) -> tuple[tuple[Floats, ...], tuple[Floats, ...]]:
    """For each edge's weight w = start + step_x * dx + step_y * dy (dx, dy: offsets in the box), the bounds it sets
    on the column offset of a row, as a function of the row offset (`low`: dx >= l0 + l1 * dy, `high`:
    dx <= h0 + h1 * dy; an edge that bounds the other side gives NaN, which fmax and fmin pass over)."""
    low: list[Floats] = []
    high: list[Floats] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for start, step_x, step_y in weights:
            # w >= 0 bounds dx below where step_x > 0, above where < 0. The other bound gets NaN (sqrt of a
            # negative): np.where would do the same at a tenth of the speed. A zero step (a level edge, which
            # bounds no row of the box) becomes a tiny one: its bound is then far outside the box.
            step = step_x + _TINY
            offset, slope = -(start + _SLACK) / step, -step_y / step
            low += [np.asarray(offset + np.sqrt(step) * 0, np.float32), np.asarray(slope, np.float32)]
            high += [np.asarray(offset + np.sqrt(-step) * 0, np.float32), np.asarray(slope, np.float32)]
    return tuple(low), tuple(high)


def _no_fragments() -> _Fragments:
    empty = np.zeros(0, np.float32)
    return np.zeros(0, np.intp), np.zeros(0, np.intp), empty, empty, empty


def _expand(counts: Ints) -> tuple[Ints, Ints]:
    """For items with these counts: each slot's item, and the slot's place within its item (0, 1, ...)."""
    item = np.repeat(np.arange(len(counts)), counts)
    place = np.arange(len(item)) - (np.cumsum(counts) - counts)[item]
    return item, place
