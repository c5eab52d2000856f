"""Known 3D objects for the shape benchmark, and a small renderer of our own (no graphics stack).

Each case is a closed mesh made with trimesh, in model axes (x right, y up, z towards the viewer), with a colour
and a split: `training` (the shape constants of backends/shapes.py were fitted on these) or `held-out` (never used
to fit anything). The renderer draws a mesh orthographically, front-on or turned, with Lambert shading from the upper
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
    split: str  # training | held-out
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
    ),
    *_split(
        "held-out",  # never used to fit anything
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
    image = np.zeros((size, size, 4), np.uint8)
    depth = np.full((size, size), -np.inf)
    base = np.asarray(colour, np.float64)
    for face, brightness in zip(np.asarray(turned.faces), shade, strict=True):
        _fill_triangle(image, depth, (x[face], y[face], z[face]), base * brightness)
    return image


def _fill_triangle(
    image: Rgba,
    depth: npt.NDArray[np.float64],
    triangle: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]],
    colour: npt.NDArray[np.float64],
) -> None:
    xs, ys, zs = triangle
    size = image.shape[0]
    x0, x1 = max(0, int(np.floor(xs.min()))), min(size - 1, int(np.ceil(xs.max())))
    y0, y1 = max(0, int(np.floor(ys.min()))), min(size - 1, int(np.ceil(ys.max())))
    if x1 < x0 or y1 < y0:
        return
    px, py = np.meshgrid(np.arange(x0, x1 + 1) + 0.5, np.arange(y0, y1 + 1) + 0.5)
    (ax, bx, cx), (ay, by, cy) = xs, ys
    area = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay)
    if abs(area) < 1e-12:
        return
    w0 = ((bx - px) * (cy - py) - (cx - px) * (by - py)) / area
    w1 = ((cx - px) * (ay - py) - (ax - px) * (cy - py)) / area
    w2 = 1.0 - w0 - w1
    inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
    if not inside.any():
        return
    z = w0 * zs[0] + w1 * zs[1] + w2 * zs[2]
    window = depth[y0 : y1 + 1, x0 : x1 + 1]
    nearer = inside & (z > window)
    window[nearer] = z[nearer]
    pixels = image[y0 : y1 + 1, x0 : x1 + 1]
    pixels[nearer, :3] = np.clip(colour, 0, 255).astype(np.uint8)
    pixels[nearer, 3] = 255
