"""The thumbnail renderer (thumbnail.py): the frame, the view, the light and the colours, on meshes whose picture is
known. Timing is measured by bench/bench_thumbnail.py, not here."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import trimesh

from gen3d_worker.mesh import Mesh
from gen3d_worker.thumbnail import ThumbnailView, render_thumbnail, thumbnail_png

BACKGROUND = ThumbnailView().background
# Each face of a cube: its outward normal and two edges u, v with u x v = normal (counter-clockwise from outside).
CUBE_FACES = {
    "+x": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "-x": ((-1, 0, 0), (0, 0, 1), (0, 1, 0)),
    "+y": ((0, 1, 0), (0, 0, 1), (1, 0, 0)),
    "-y": ((0, -1, 0), (1, 0, 0), (0, 0, 1)),
    "+z": ((0, 0, 1), (1, 0, 0), (0, 1, 0)),
    "-z": ((0, 0, -1), (0, 1, 0), (1, 0, 0)),
}
FACE_COLOURS = {
    "+x": (230, 30, 30),
    "-x": (30, 230, 230),
    "+y": (30, 230, 30),
    "-y": (230, 30, 230),
    "+z": (30, 30, 230),
    "-z": (230, 230, 30),
}


def cube(colours: dict[str, tuple[int, int, int]]) -> Mesh:
    """A unit cube, each face its own colour (4 vertices a face, so colours do not blend across edges)."""
    vertices: list[npt.NDArray[np.float64]] = []
    faces: list[tuple[int, int, int]] = []
    rgb: list[tuple[int, int, int]] = []
    for name, (normal, u, v) in CUBE_FACES.items():
        n, du, dv = (np.asarray(a, np.float32) for a in (normal, u, v))
        first = len(vertices)
        vertices += [(n - du - dv) / 2, (n + du - dv) / 2, (n + du + dv) / 2, (n - du + dv) / 2]
        faces += [(first, first + 1, first + 2), (first, first + 2, first + 3)]
        rgb += [colours[name]] * 4
    return Mesh(np.array(vertices, np.float32), np.array(faces, np.int32), np.array(rgb, np.uint8))


def sphere(colour_of: object = None) -> Mesh:
    ball = trimesh.creation.icosphere(subdivisions=4)
    vertices = np.asarray(ball.vertices, np.float32) / 2
    colours: npt.NDArray[np.uint8] = np.full((len(vertices), 3), 200, np.uint8)
    if callable(colour_of):
        colours = np.asarray([colour_of(v) for v in vertices], np.uint8)
    return Mesh(vertices.astype(np.float32), np.asarray(ball.faces, np.int32), colours)


def object_pixels(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    drawn: npt.NDArray[np.bool_] = np.any(image != np.asarray(BACKGROUND, np.uint8), axis=2)
    return drawn


def test_the_frame_is_square_with_the_background_at_the_corners_and_the_object_in_the_middle() -> None:
    image = render_thumbnail(cube(dict.fromkeys(CUBE_FACES, (200, 40, 40))))
    assert image.shape == (512, 512, 3) and image.dtype == np.uint8
    for corner in (image[:8, :8], image[:8, -8:], image[-8:, :8], image[-8:, -8:]):
        assert np.all(corner == BACKGROUND)
    drawn = object_pixels(image)
    assert drawn[236:276, 236:276].all()
    rows, columns = np.nonzero(drawn)
    # Fitted to the frame with its margin (8% a side), and centred.
    assert max(rows.max() - rows.min(), columns.max() - columns.min()) == pytest.approx(512 * 0.84, abs=4)
    assert (rows.min() + rows.max()) / 2 == pytest.approx(255.5, abs=3)
    assert (columns.min() + columns.max()) / 2 == pytest.approx(255.5, abs=3)


def test_a_red_cube_is_red_and_its_three_visible_faces_are_lit_differently() -> None:
    image = render_thumbnail(cube(dict.fromkeys(CUBE_FACES, (200, 40, 40))))
    pixels = image[object_pixels(image)].astype(int)
    red, green, blue = pixels.mean(axis=0)
    assert red > green + 60 and red > blue + 60
    # A three-quarter view from above shows three faces; Lambert gives each its own brightness.
    levels = np.unique(pixels[:, 0] // 12)
    assert len(levels) >= 3
    assert pixels[:, 0].std() > 10


def test_the_view_shows_the_front_the_right_side_and_the_top_never_the_faces_behind() -> None:
    image = render_thumbnail(cube(FACE_COLOURS))
    pixels = image[object_pixels(image)].astype(int)

    def share(colour: tuple[int, int, int]) -> float:
        # Hue decides: light changes brightness, not which channels dominate.
        dominant = np.asarray(colour) > 128
        return float(np.mean(np.all((pixels > pixels.mean(axis=1, keepdims=True)) == dominant, axis=1)))

    seen = {name: share(colour) for name, colour in FACE_COLOURS.items()}
    assert seen["+z"] > 0.25 and seen["+x"] > 0.1 and seen["+y"] > 0.1, seen
    assert seen["-z"] < 0.01 and seen["-x"] < 0.01 and seen["-y"] < 0.01, seen


def test_the_top_is_up_and_lit_more_than_the_bottom() -> None:
    # A grey ball: the key light is above, so its upper half is brighter.
    image = render_thumbnail(sphere())
    drawn = object_pixels(image)
    rows = np.nonzero(drawn.any(axis=1))[0]
    top, bottom = rows.min(), rows.max()
    third = (bottom - top) // 3
    brightness = image.astype(float).mean(axis=2)
    upper = brightness[top : top + third][drawn[top : top + third]].mean()
    lower = brightness[bottom - third : bottom][drawn[bottom - third : bottom]].mean()
    assert upper > lower + 20
    # And the model's up (+y, red here) is the picture's up: the ball's red cap is at the top of the picture.
    capped = render_thumbnail(sphere(lambda v: (220, 30, 30) if v[1] > 0.35 else (30, 30, 220)))
    reddish = np.nonzero((capped[:, :, 0].astype(int) > capped[:, :, 2].astype(int) + 50).any(axis=1))[0]
    assert reddish.max() < (top + bottom) / 2


def test_colours_are_interpolated_between_the_vertices() -> None:
    # A slab facing the camera, red on its left edge and blue on its right: the middle is a blend of both.
    box = trimesh.creation.box(extents=(1.0, 0.6, 0.05))
    vertices = np.asarray(box.vertices, np.float32)
    colours = np.where(vertices[:, :1] < 0, [[230, 20, 20]], [[20, 20, 230]]).astype(np.uint8)
    image = render_thumbnail(
        Mesh(vertices, np.asarray(box.faces, np.int32), colours), ThumbnailView(yaw_deg=0, pitch_deg=0)
    )
    row = image[256].astype(int)
    drawn = np.nonzero(object_pixels(image)[256])[0]
    left, middle, right = row[drawn.min() + 6], row[(drawn.min() + drawn.max()) // 2], row[drawn.max() - 6]
    assert left[0] > left[2] + 100 and right[2] > right[0] + 100
    assert abs(middle[0] - middle[2]) < 40 and middle[0] > 60


def test_the_png_is_the_rendered_image() -> None:
    mesh = cube(FACE_COLOURS)
    decoded = cv2.imdecode(np.frombuffer(thumbnail_png(mesh), np.uint8), cv2.IMREAD_UNCHANGED)
    assert decoded is not None and decoded.shape == (512, 512, 3)
    assert np.array_equal(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB), render_thumbnail(mesh))


def test_a_smaller_frame_and_an_empty_mesh() -> None:
    small = render_thumbnail(sphere(), ThumbnailView(size=128))
    assert small.shape == (128, 128, 3) and object_pixels(small)[64, 64]
    empty = Mesh(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int32), np.zeros((0, 3), np.uint8))
    assert np.all(render_thumbnail(empty) == BACKGROUND)


def test_a_closed_ball_has_no_holes() -> None:
    drawn = object_pixels(render_thumbnail(sphere()))
    filled = drawn.copy().astype(np.uint8)
    contours, _ = cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(filled, contours, -1, 1, thickness=-1)
    assert len(contours) == 1 and np.array_equal(filled.astype(bool), drawn)


def subdivided_cube(cells: int) -> Mesh:
    """The cube of `cube(FACE_COLOURS)`, each face cut into cells x cells squares (two triangles each)."""
    vertices: list[npt.NDArray[np.float32]] = []
    faces: list[npt.NDArray[np.int64]] = []
    rgb: list[npt.NDArray[np.uint8]] = []
    steps = np.linspace(-0.5, 0.5, cells + 1, dtype=np.float32)
    s, t = (g.ravel() for g in np.meshgrid(steps, steps))  # s along u, t along v; row t, column s
    for name, (normal, u, v) in CUBE_FACES.items():
        n, du, dv = (np.asarray(a, np.float32) for a in (normal, u, v))
        first = sum(len(p) for p in vertices)
        vertices.append((n / 2 + s[:, None] * du + t[:, None] * dv).astype(np.float32))
        rows, columns = np.mgrid[0:cells, 0:cells]
        corner = (first + rows * (cells + 1) + columns).ravel()
        right, up = corner + 1, corner + cells + 1
        # u x v = normal: (corner, corner + u, corner + u + v) is counter-clockwise from outside.
        faces += [np.stack([corner, right, up + 1], 1), np.stack([corner, up + 1, up], 1)]
        rgb.append(np.tile(np.asarray(FACE_COLOURS[name], np.uint8), (len(s), 1)))
    return Mesh(
        np.concatenate(vertices),
        np.concatenate(faces).astype(np.int32),
        np.concatenate(rgb),
    )


def test_a_mesh_of_sub_pixel_triangles_renders_as_its_coarse_version() -> None:
    # 120,000 faces, cells of about 0.5 pixel (drawn as splats), against the 12 large faces of the same cube (drawn
    # as runs of pixels): the same outline, and the same colours and light.
    view = ThumbnailView(size=128)
    coarse = render_thumbnail(cube(FACE_COLOURS), view)
    dense = render_thumbnail(subdivided_cube(100), view)
    outline = object_pixels(coarse)
    assert np.mean(object_pixels(dense) != outline) < 0.002
    both = outline & object_pixels(dense)
    assert np.abs(dense[both].astype(int) - coarse[both].astype(int)).mean() < 0.5
