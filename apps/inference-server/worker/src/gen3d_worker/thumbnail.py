"""A product thumbnail of a mesh: a shaded three-quarter view in its vertex colours on a plain background (PNG).

A small software renderer in numpy (no GPU, no extra library; rasterize.py draws the triangles): an orthographic
camera turned `yaw_deg` around the object and looking `pitch_deg` down on it, the object fitted to the frame, back
faces culled, a z-buffer, the vertex colours interpolated across each triangle, and one key light (Lambert plus
ambient, in linear light) on each face, smoothed over the object's pixels so that a dense mesh reads as a smooth
surface. The outline is smoothed over the pixels on either side of it. It costs about as much as one pass over the
faces; bench/bench_thumbnail.py measures it on the jobs of 1024 x 1024 photos.

Meshes are in model axes (x right, y up, z towards the photographer: the photographed side is the front), faces
counter-clockwise seen from outside (gen3d_worker.mesh).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from .mesh import Mesh
from .rasterize import Floats, Raster, Screen, rasterize

Rgb = npt.NDArray[np.uint8]

# sRGB is close enough to a 2.2 power law here: lighting an sRGB value c by s in linear light is c * s ** (1 / 2.2).
_GAMMA = 2.2


@dataclass(frozen=True)
class ThumbnailView:
    """How the thumbnail looks: the frame, the camera and the light."""

    size: int = 512  # pixels, square
    yaw_deg: float = 35.0  # the camera turned this far to the object's right, around the vertical
    pitch_deg: float = 22.0  # and looking this far down on it
    margin: float = 0.08  # empty border on each side, as a fraction of the size
    background: tuple[int, int, int] = (242, 242, 242)  # sRGB
    # Towards the key light, in camera axes (x right, y up, z towards the camera): above, left and in front.
    light: tuple[float, float, float] = (-0.45, 0.75, 0.55)
    # Linear light everywhere; the key light adds up to 1 - ambient on a face turned to it.
    ambient: float = 0.3


def render_thumbnail(mesh: Mesh, view: ThumbnailView | None = None) -> Rgb:
    """The thumbnail as an RGB array (size x size x 3). An empty mesh gives the plain background.

    >>> render_thumbnail(mesh, ThumbnailView(size=256)).shape
    (256, 256, 3)
    """
    view = view or ThumbnailView()
    raster = rasterize(_screen(_camera_vertices(mesh.vertices, view), view.size, view.margin), mesh.faces)
    # Tiled, not assigned by broadcasting: a third of the time.
    image = np.tile(np.asarray(view.background, np.uint8), view.size * view.size).reshape(-1, 3)
    if len(raster.pixel) == 0:
        return image.reshape(view.size, view.size, 3)
    covered = np.zeros(view.size * view.size, np.uint8)
    covered[raster.pixel] = 1
    light = _smoothed_on_object(_face_light(raster.normals, view).take(raster.front), raster, covered)
    shaded = _shaded_colours(mesh, raster, light ** np.float32(1.0 / _GAMMA))
    image[raster.pixel] = np.clip(shaded, 0, 255, out=shaded)
    return _smooth_edges(image.reshape(view.size, view.size, 3), covered.reshape(view.size, view.size))


def thumbnail_png(mesh: Mesh, view: ThumbnailView | None = None) -> bytes:
    """The thumbnail as PNG bytes (8-bit RGB)."""
    bgr = cv2.cvtColor(render_thumbnail(mesh, view), cv2.COLOR_RGB2BGR)
    # Run-length deflate: smaller than the default strategy on a plain background and smooth shading, and quicker.
    options = [cv2.IMWRITE_PNG_COMPRESSION, 3, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    ok, encoded = cv2.imencode(".png", bgr, options)
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit RGB image
        raise RuntimeError("PNG encoding failed")
    return encoded.tobytes()


def _camera_vertices(vertices: npt.NDArray[np.float32], view: ThumbnailView) -> Floats:
    """Model axes to camera axes, 3 x N: turn by yaw around y, then tilt the top towards the camera by pitch."""
    yaw, pitch = math.radians(view.yaw_deg), math.radians(view.pitch_deg)
    turn = np.array(
        [[math.cos(yaw), 0.0, -math.sin(yaw)], [0.0, 1.0, 0.0], [math.sin(yaw), 0.0, math.cos(yaw)]]
    )
    tilt = np.array(
        [[1.0, 0.0, 0.0], [0.0, math.cos(pitch), -math.sin(pitch)], [0.0, math.sin(pitch), math.cos(pitch)]]
    )
    rotation = (tilt @ turn).astype(np.float32)
    # Written out, not a matrix product: BLAS threads contend on a busy machine, and the sum is memory-bound anyway.
    x, y, z = (np.asarray(vertices[:, k], np.float32) for k in range(3))
    return np.stack([row[0] * x + row[1] * y + row[2] * z for row in rotation])


def _screen(camera: Floats, side: int, margin: float) -> Screen:
    """Camera axes to pixels (x right, y down, depth towards the camera, all in pixels), the outline centred and
    filling the frame but for the margin."""
    if camera.shape[1] == 0:
        return Screen(camera[0], camera[1], camera[2], side)
    low, high = camera[:2].min(axis=1), camera[:2].max(axis=1)
    scale = side * (1.0 - 2.0 * margin) / float(max(high[0] - low[0], high[1] - low[1], 1e-9))
    centre = (low + high) / 2.0
    x = (camera[0] - centre[0]) * np.float32(scale) + np.float32(side / 2.0)
    y = (centre[1] - camera[1]) * np.float32(scale) + np.float32(side / 2.0)
    return Screen(x, y, camera[2] * np.float32(scale), side)


def _face_light(normals: Floats, view: ThumbnailView) -> Floats:
    """Linear light on each face: ambient plus Lambert from the key light (written out, not BLAS: see above)."""
    lx, ly, lz = (np.float32(v) for v in np.asarray(view.light) / np.linalg.norm(view.light))
    nx, ny, nz = normals
    facing = (nx * lx + ny * ly + nz * lz) / np.maximum(
        np.sqrt(nx * nx + ny * ny + nz * nz), np.float32(1e-12)
    )
    light: Floats = np.float32(view.ambient) + np.float32(1.0 - view.ambient) * np.clip(facing, 0.0, 1.0)
    return light


def _shaded_colours(mesh: Mesh, raster: Raster, brightness: Floats) -> Floats:
    """Each drawn pixel's colour (sRGB, rounded up by half a level): its face's corner colours, weighted by where the
    pixel centre lies, times the pixel's brightness. One channel at a time, each a contiguous row of numbers
    (numpy is slow on rows of 3)."""
    # np.take, not fancy indexing: several times faster for rows of a 2-D array.
    corners = np.take(raster.corners, raster.front, axis=1)
    channels = mesh.colours.T.astype(np.float32)
    shaded = np.empty((len(raster.pixel), 3), np.float32)
    for channel, values in enumerate(channels):
        first, second, third = (values.take(corners[k]) for k in range(3))
        first -= third
        first *= raster.w0
        second -= third
        second *= raster.w1
        third += first
        third += second
        third *= brightness
        shaded[:, channel] = third + np.float32(0.5)
    return shaded


def _smoothed_on_object(values: Floats, raster: Raster, covered: npt.NDArray[np.uint8]) -> Floats:
    """Values of the drawn pixels, each averaged with its drawn neighbours (a Gaussian of 5 x 5 pixels).

    Faces are lit flat, and the light is smoothed so: a mesh of pixel-sized facets reads as the smooth surface it
    approximates, and a coarse one keeps its facets, with softened edges."""
    shape = (raster.side, raster.side)
    plane = np.zeros(raster.side * raster.side, np.float32)
    plane[raster.pixel] = values
    total = cv2.GaussianBlur(plane.reshape(shape), (5, 5), 1.2).ravel()[raster.pixel]
    weight = cv2.GaussianBlur(covered.reshape(shape).astype(np.float32), (5, 5), 1.2).ravel()[raster.pixel]
    return np.asarray(total / weight, np.float32)


def _smooth_edges(image: Rgb, covered: npt.NDArray[np.uint8]) -> Rgb:
    """The pixels on either side of the object's outline take a 3 x 3 Gaussian of their neighbourhood: the
    outline is smoothed, not stair-stepped, and the rest stays sharp."""
    ring = cv2.morphologyEx(covered, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    np.copyto(image, cv2.GaussianBlur(image, (3, 3), 0.8), where=ring[:, :, None])
    return image
