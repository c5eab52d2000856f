"""Known 3D objects for the shape benchmark, and a small renderer of our own (no graphics stack).

Each case is a closed mesh made with trimesh, in model axes (x right, y up, z towards the viewer), with a colour
and a split: `training` (the shape constants of backends/shapes.py were fitted on these), `seen` (the first held-out
split, 2026-12-06: never fitted on, but its results were published before inflation was refitted, so it is no longer
unseen) or `held-out` (organic shapes defined and frozen on 2026-12-07, before the refitted inflation ran on them). The renderer draws a mesh orthographically, front-on or turned, with Lambert shading from the upper
left, into an RGBA picture whose alpha is the silhouette: the worker then takes the outline from the alpha, so the
benchmark judges the shape behind it, not the segmentation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import trimesh
from skimage.measure import marching_cubes

Rgba = npt.NDArray[np.uint8]
MeshMaker = Callable[[], trimesh.Trimesh]


@dataclass(frozen=True)
class ShapeCase:
    name: str
    split: str  # training | seen | held-out
    expected: str  # the hypothesis that fits it: inflate | revolve | slab
    colour: tuple[int, int, int]
    make: MeshMaker


def _lathe(profile: list[tuple[float, float]], sections: int = 64) -> trimesh.Trimesh:
    """A closed surface of revolution about the y axis from (radius, height) points, bottom to top."""
    points = np.asarray(profile, np.float64)
    mesh = trimesh.creation.revolve(points, sections=sections)
    # trimesh revolves about z: stand it up (z -> y).
    mesh.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))
    return mesh


def _standing(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """A trimesh primitive made along z, stood up along y."""
    mesh.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))
    return mesh


def _vase() -> trimesh.Trimesh:
    return _lathe(
        [(0, -1.0), (0.45, -1.0), (0.7, -0.5), (0.72, 0.0), (0.5, 0.5), (0.32, 0.8), (0.4, 1.0), (0, 1.0)]
    )


def _bottle() -> trimesh.Trimesh:
    return _lathe([(0, -1.0), (0.42, -1.0), (0.45, -0.9), (0.45, 0.2), (0.2, 0.55), (0.15, 0.95), (0, 0.95)])


def _egg() -> trimesh.Trimesh:
    mesh = trimesh.creation.icosphere(subdivisions=4)
    mesh.apply_scale([0.75, 1.0, 0.75])
    return mesh


def _bunny(yaw_degrees: float) -> Callable[[], trimesh.Trimesh]:
    """The Stanford bunny (bench/meshes/bunny.json: npm bunny@1.0.1, public domain), turned about its up axis."""

    def make() -> trimesh.Trimesh:
        data = json.loads((Path(__file__).resolve().parent / "meshes/bunny.json").read_text("utf-8"))
        mesh = trimesh.Trimesh(np.asarray(data["positions"]), np.asarray(data["cells"]), process=False)
        mesh.apply_transform(trimesh.transformations.rotation_matrix(np.radians(yaw_degrees), [0, 1, 0]))
        return mesh

    return make


def _blobs(parts: list[tuple[tuple[float, float, float], tuple[float, float, float]]]) -> trimesh.Trimesh:
    """A closed organic shape: the union of ellipsoids (centre, radii), meshed by marching cubes on their distance."""
    step = 0.03
    low = np.min([np.subtract(c, r) for c, r in parts], axis=0) - 2 * step
    high = np.max([np.add(c, r) for c, r in parts], axis=0) + 2 * step
    axes = [np.arange(lo, hi, step) for lo, hi in zip(low, high, strict=True)]
    x, y, z = np.meshgrid(*axes, indexing="ij")
    field = np.full(x.shape, np.inf)
    for (cx, cy, cz), (rx, ry, rz) in parts:
        scaled = np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 + ((z - cz) / rz) ** 2)
        field = np.minimum(field, (scaled - 1.0) * min(rx, ry, rz))
    vertices, faces, _, _ = marching_cubes(field, 0.0, spacing=(step, step, step))
    mesh = trimesh.Trimesh(vertices + low, faces[:, ::-1], process=True)
    return mesh


def _duck() -> trimesh.Trimesh:
    """A bath duck seen from the side: body, head, beak, tail."""
    return _blobs(
        [
            ((0.0, 0.0, 0.0), (1.0, 0.6, 0.7)),
            ((0.55, 0.75, 0.0), (0.42, 0.42, 0.4)),
            ((1.0, 0.7, 0.0), (0.25, 0.1, 0.18)),
            ((-0.9, 0.3, 0.0), (0.3, 0.25, 0.3)),
        ]
    )


def _teddy() -> trimesh.Trimesh:
    """A seated toy seen from the front: body, head, ears, arms, legs."""
    return _blobs(
        [
            ((0.0, 0.0, 0.0), (0.6, 0.75, 0.5)),
            ((0.0, 1.0, 0.05), (0.45, 0.42, 0.42)),
            ((-0.35, 1.35, 0.0), (0.15, 0.15, 0.1)),
            ((0.35, 1.35, 0.0), (0.15, 0.15, 0.1)),
            ((-0.65, 0.1, 0.1), (0.2, 0.45, 0.2)),
            ((0.65, 0.1, 0.1), (0.2, 0.45, 0.2)),
            ((-0.3, -0.75, 0.25), (0.22, 0.22, 0.4)),
            ((0.3, -0.75, 0.25), (0.22, 0.22, 0.4)),
        ]
    )


def _turned(make: MeshMaker, yaw_degrees: float) -> MeshMaker:
    """The same object turned about its up axis (a front or three-quarter view of an animal seen from the side)."""

    def turned() -> trimesh.Trimesh:
        mesh = make()
        mesh.apply_transform(trimesh.transformations.rotation_matrix(np.radians(yaw_degrees), [0, 1, 0]))
        return mesh

    return turned


Blob = tuple[tuple[float, float, float], tuple[float, float, float]]


def _four_legs(length: float, half_width: float, height: float, leg: tuple[float, float]) -> list[Blob]:
    """Four legs (radius, length) under a body `length` long and `half_width` wide whose belly is at `height`."""
    radius, long = leg
    x, z = 0.6 * length, 0.7 * half_width
    return [
        ((sx * x, height - long / 2, sz * z), (radius, long / 2, radius)) for sx in (-1, 1) for sz in (-1, 1)
    ]


def _pig() -> trimesh.Trimesh:
    """A pig seen from the side: a long round body, head and snout, ears, short legs."""
    return _blobs(
        [
            ((0.0, 0.0, 0.0), (1.0, 0.55, 0.55)),
            ((1.0, 0.15, 0.0), (0.38, 0.36, 0.36)),
            ((1.38, 0.08, 0.0), (0.12, 0.13, 0.13)),
            ((0.95, 0.5, 0.17), (0.1, 0.14, 0.05)),
            ((0.95, 0.5, -0.17), (0.1, 0.14, 0.05)),
            *_four_legs(1.0, 0.45, -0.35, (0.13, 0.5)),
        ]
    )


def _cat() -> trimesh.Trimesh:
    """A cat sitting, facing the viewer: body running back, head, ears, front legs, tail curled round."""
    return _blobs(
        [
            ((0.0, 0.0, -0.2), (0.45, 0.6, 0.65)),
            ((0.0, 0.75, 0.15), (0.36, 0.32, 0.32)),
            ((-0.2, 1.05, 0.12), (0.09, 0.14, 0.05)),
            ((0.2, 1.05, 0.12), (0.09, 0.14, 0.05)),
            ((-0.16, -0.3, 0.35), (0.1, 0.35, 0.1)),
            ((0.16, -0.3, 0.35), (0.1, 0.35, 0.1)),
            ((0.35, -0.55, -0.5), (0.4, 0.08, 0.1)),
        ]
    )


def _fish() -> trimesh.Trimesh:
    """A fish seen from the side: a flat body, tail and fins."""
    return _blobs(
        [
            ((0.0, 0.0, 0.0), (1.0, 0.45, 0.22)),
            ((-1.05, 0.0, 0.0), (0.25, 0.38, 0.05)),
            ((0.0, 0.45, 0.0), (0.35, 0.15, 0.04)),
        ]
    )


def _potato() -> trimesh.Trimesh:
    """A lumpy potato, a little turned."""
    return _blobs(
        [
            ((0.0, 0.0, 0.0), (1.0, 0.55, 0.65)),
            ((0.5, 0.1, 0.1), (0.45, 0.45, 0.5)),
            ((-0.55, -0.05, -0.05), (0.4, 0.42, 0.45)),
        ]
    )


def _dog() -> trimesh.Trimesh:
    """Held-out (frozen 2026-12-07): a dog seen from the side: body, chest, head, muzzle, ears, long legs, tail."""
    return _blobs(
        [
            ((0.0, 0.0, 0.0), (0.85, 0.35, 0.33)),
            ((0.6, 0.1, 0.0), (0.35, 0.38, 0.34)),
            ((0.95, 0.6, 0.0), (0.3, 0.28, 0.26)),
            ((1.3, 0.5, 0.0), (0.22, 0.12, 0.12)),
            ((0.85, 0.75, 0.2), (0.08, 0.2, 0.06)),
            ((0.85, 0.75, -0.2), (0.08, 0.2, 0.06)),
            ((-0.95, 0.22, 0.0), (0.3, 0.07, 0.07)),
            *_four_legs(0.9, 0.3, -0.25, (0.1, 0.75)),
        ]
    )


def _hen() -> trimesh.Trimesh:
    """Held-out (frozen 2026-12-07): a hen seen from the side: round body, neck and head, comb, beak, tail, legs."""
    return _blobs(
        [
            ((0.0, 0.0, 0.0), (0.7, 0.5, 0.45)),
            ((0.55, 0.55, 0.0), (0.22, 0.3, 0.2)),
            ((0.62, 0.9, 0.0), (0.2, 0.18, 0.17)),
            ((0.6, 1.1, 0.0), (0.14, 0.08, 0.03)),
            ((0.85, 0.87, 0.0), (0.1, 0.04, 0.04)),
            ((-0.7, 0.35, 0.0), (0.25, 0.35, 0.12)),
            ((0.05, -0.65, 0.15), (0.05, 0.25, 0.05)),
            ((0.05, -0.65, -0.15), (0.05, 0.25, 0.05)),
        ]
    )


def _frog() -> trimesh.Trimesh:
    """Held-out (frozen 2026-12-07): a frog facing the viewer: a wide squat body, eyes, folded legs either side."""
    return _blobs(
        [
            ((0.0, 0.0, 0.0), (0.6, 0.35, 0.75)),
            ((-0.28, 0.33, 0.45), (0.14, 0.12, 0.12)),
            ((0.28, 0.33, 0.45), (0.14, 0.12, 0.12)),
            ((-0.7, -0.2, -0.3), (0.25, 0.18, 0.45)),
            ((0.7, -0.2, -0.3), (0.25, 0.18, 0.45)),
            ((-0.35, -0.3, 0.55), (0.1, 0.1, 0.2)),
            ((0.35, -0.3, 0.55), (0.1, 0.1, 0.2)),
        ]
    )


def _seal() -> trimesh.Trimesh:
    """Held-out (frozen 2026-12-07): a seal lying down: a long tapering body, head raised, flippers."""
    return _blobs(
        [
            ((0.0, 0.0, 0.0), (1.0, 0.38, 0.42)),
            ((-1.0, -0.1, 0.0), (0.45, 0.22, 0.25)),
            ((0.8, 0.45, 0.0), (0.26, 0.26, 0.24)),
            ((-1.45, -0.15, 0.0), (0.15, 0.06, 0.3)),
            ((0.35, -0.3, 0.4), (0.25, 0.05, 0.15)),
            ((0.35, -0.3, -0.4), (0.25, 0.05, 0.15)),
        ]
    )


def _card() -> trimesh.Trimesh:
    return trimesh.creation.box(extents=[1.6, 1.0, 0.06])


def _split(split: str, *rows: tuple[str, str, tuple[int, int, int], MeshMaker]) -> tuple[ShapeCase, ...]:
    """The cases of one split, from rows of (name, expected hypothesis, colour, mesh maker)."""
    return tuple(ShapeCase(name, split, expected, colour, make) for name, expected, colour, make in rows)


CASES: tuple[ShapeCase, ...] = (
    *_split(
        "training",  # the constants were fitted on these
        ("ball", "inflate", (200, 60, 50), lambda: trimesh.creation.icosphere(subdivisions=4)),
        ("coin", "slab", (200, 170, 80), lambda: trimesh.creation.cylinder(1.0, 0.14, sections=96)),
        ("vase", "revolve", (70, 110, 190), _vase),
        ("capsule", "revolve", (90, 170, 90), lambda: _standing(trimesh.creation.capsule(1.0, 0.45))),
        ("brick", "slab", (170, 80, 60), lambda: trimesh.creation.box(extents=[2.0, 1.0, 0.6])),
        ("ring", "inflate", (210, 150, 60), lambda: trimesh.creation.torus(1.0, 0.3, 64, 32)),
        ("duck", "inflate", (240, 200, 40), _duck),
        ("teddy", "inflate", (150, 100, 60), _teddy),
        # Organic shapes added 2026-12-07 to refit inflation: seen from the side, from the front and in between.
        ("duck-front", "inflate", (240, 200, 40), _turned(_duck, 90)),
        ("teddy-side", "inflate", (150, 100, 60), _turned(_teddy, 90)),
        ("pig", "inflate", (235, 160, 160), _pig),
        ("pig-front", "inflate", (235, 160, 160), _turned(_pig, 90)),
        ("pig-turned", "inflate", (235, 160, 160), _turned(_pig, 40)),
        ("cat", "inflate", (120, 120, 130), _cat),
        ("cat-side", "inflate", (120, 120, 130), _turned(_cat, 90)),
        ("fish", "inflate", (90, 150, 200), _fish),
        ("potato", "inflate", (180, 140, 90), _turned(_potato, 30)),
    ),
    *_split(
        "seen",  # the first held-out split (2026-12-06): never fitted on, but its results were published
        ("egg", "revolve", (230, 220, 190), _egg),
        ("bottle", "revolve", (60, 140, 80), _bottle),
        ("badge", "slab", (180, 60, 160), lambda: trimesh.creation.cylinder(0.8, 0.1, sections=6)),
        (
            "can",
            "revolve",
            (190, 40, 40),
            lambda: _standing(trimesh.creation.cylinder(0.55, 1.6, sections=96)),
        ),
        ("cone", "revolve", (230, 140, 40), lambda: _standing(trimesh.creation.cone(0.7, 1.6, sections=96))),
        ("card", "slab", (40, 90, 170), _card),
        ("bunny-side", "inflate", (200, 180, 150), _bunny(0)),
        ("bunny-front", "inflate", (200, 180, 150), _bunny(90)),
    ),
    *_split(
        "held-out",  # organic shapes, defined and frozen 2026-12-07 before the refitted inflation ran on them
        ("dog", "inflate", (160, 110, 70), _dog),
        ("dog-front", "inflate", (160, 110, 70), _turned(_dog, 90)),
        ("dog-turned", "inflate", (160, 110, 70), _turned(_dog, -35)),
        ("hen", "inflate", (225, 215, 200), _hen),
        ("hen-front", "inflate", (225, 215, 200), _turned(_hen, 90)),
        ("frog", "inflate", (90, 170, 70), _frog),
        ("seal", "inflate", (110, 110, 120), _turned(_seal, 60)),
    ),
)


def render(
    mesh: trimesh.Trimesh,
    colour: tuple[int, int, int],
    *,
    size: int = 384,
    yaw_degrees: float = 0.0,
    pitch_degrees: float = 0.0,
    fill: float = 0.8,
) -> Rgba:
    """Orthographic, looking along -z after turning the mesh (yaw about y, then pitch about x), Lambert shading
    from the upper left, on transparent; the object fills `fill` of the frame's longer side."""
    turned = mesh.copy()
    turned.apply_transform(trimesh.transformations.rotation_matrix(np.radians(yaw_degrees), [0, 1, 0]))
    turned.apply_transform(trimesh.transformations.rotation_matrix(np.radians(pitch_degrees), [1, 0, 0]))
    vertices = np.asarray(turned.vertices, np.float64)
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    scale = fill * size / max(high[0] - low[0], high[1] - low[1])
    centre = (low + high) / 2
    x = (vertices[:, 0] - centre[0]) * scale + size / 2
    y = size / 2 - (vertices[:, 1] - centre[1]) * scale
    z = vertices[:, 2]
    normals = np.asarray(turned.face_normals, np.float64)
    light = np.array([-0.45, 0.55, 0.7])
    light /= np.linalg.norm(light)
    shade = 0.25 + 0.75 * np.clip(normals @ light, 0.0, 1.0)
    nearest = _rasterise(np.stack([x, y, z], axis=1)[np.asarray(turned.faces)], size)
    image = np.zeros((size, size, 4), np.uint8)
    drawn = nearest >= 0
    colours = np.asarray(colour, np.float64)[None, :] * shade[nearest[drawn], None]
    image[drawn, :3] = np.clip(colours, 0, 255).astype(np.uint8)
    image[drawn, 3] = 255
    return image


def _rasterise(triangles: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.int64]:
    """The nearest face under each pixel centre (-1 where none; on a tie in depth the first face), for N x 3 x 3
    triangles of (column, row, depth). Vectorised over triangles of like size: a reconstruction has a million."""
    low = np.clip(np.floor(triangles[:, :, :2].min(axis=1)), 0, size - 1).astype(np.int64)
    high = np.clip(np.ceil(triangles[:, :, :2].max(axis=1)), 0, size - 1).astype(np.int64)
    reach = (high - low).max(axis=1) + 1
    buffer = DepthBuffer(size, np.full(size * size, -np.inf), np.full(size * size, -1, np.int64))
    drawable = (triangles[:, :, :2].max(axis=1) >= 0).all(axis=1)
    floor = 0
    for window in (2, 4, 8, 16, 32, 64):
        faces = np.flatnonzero(drawable & (reach > floor) & (reach <= window))
        floor = window
        for chunk in np.array_split(faces, max(1, faces.size * window * window // 4_000_000)):
            if chunk.size:
                _draw(triangles[chunk], low[chunk], chunk, window, buffer)
    for face in np.flatnonzero(drawable & (reach > floor)):  # few: each in a window of its own size
        one = np.array([face])
        _draw(triangles[one], low[one], one, int(reach[face]), buffer)
    return buffer.face.reshape(size, size)


@dataclass(frozen=True)
class DepthBuffer:
    """Per pixel of a size x size picture (flattened): the nearest depth drawn so far and its face."""

    size: int
    depth: npt.NDArray[np.float64]
    face: npt.NDArray[np.int64]


def _draw(
    triangles: npt.NDArray[np.float64],
    low: npt.NDArray[np.int64],
    faces: npt.NDArray[np.int64],
    window: int,
    buffer: DepthBuffer,
) -> None:
    """Keep, per pixel, the nearest of these triangles if it is nearer than what is there (ties: the lower face)."""
    size = buffer.size
    offsets = np.arange(window)
    px = low[:, 0, None, None] + offsets[None, None, :]
    py = low[:, 1, None, None] + offsets[None, :, None]
    (ax, bx, cx), (ay, by, cy), zs = (triangles[:, :, k].T[:, :, None, None] for k in range(3))
    area = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay)
    with np.errstate(divide="ignore", invalid="ignore"):  # a degenerate triangle draws nothing
        w0 = ((bx - (px + 0.5)) * (cy - (py + 0.5)) - (cx - (px + 0.5)) * (by - (py + 0.5))) / area
        w1 = ((cx - (px + 0.5)) * (ay - (py + 0.5)) - (ax - (px + 0.5)) * (cy - (py + 0.5))) / area
        w2 = 1.0 - w0 - w1
        inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0) & (np.abs(area) >= 1e-12) & (px < size) & (py < size)
        tri, row, col = np.nonzero(inside)
        z = (w0 * zs[0] + w1 * zs[1] + w2 * zs[2])[tri, row, col]
    pixel = py[tri, row, 0] * size + px[tri, 0, col]
    face = faces[tri]
    order = np.lexsort((face, -z, pixel))
    pixel, z, face = pixel[order], z[order], face[order]
    first = np.ones(pixel.size, bool)
    first[1:] = pixel[1:] != pixel[:-1]
    pixel, z, face = pixel[first], z[first], face[first]
    there, there_face = buffer.depth[pixel], buffer.face[pixel]
    better = (z > there) | ((z == there) & (face < there_face))
    buffer.depth[pixel[better]] = z[better]
    buffer.face[pixel[better]] = face[better]
