"""The thumbnail's rasterizer (rasterize.py) against a pixel-by-pixel reference: which pixel centres a triangle
covers, which triangle wins where two overlap, and the barycentric weights it reports."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gen3d_worker.rasterize import Raster, Screen, rasterize

SIDE = 48


def draw(points: list[tuple[float, float, float]], faces: list[tuple[int, int, int]]) -> Raster:
    xyz = np.asarray(points, np.float32)
    return rasterize(Screen(xyz[:, 0], xyz[:, 1], xyz[:, 2], SIDE), np.asarray(faces, np.int32))


def reference_inside(corners: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Pixel centres inside the triangle, and those too close to an edge to call (left out of the comparison)."""
    ys, xs = np.mgrid[0:SIDE, 0:SIDE] + 0.5
    (ax, ay), (bx, by), (cx, cy) = corners[:, :2]
    area = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay)
    w1 = ((xs - ax) * (cy - ay) - (cx - ax) * (ys - ay)) / area
    w2 = ((bx - ax) * (ys - ay) - (xs - ax) * (by - ay)) / area
    weights = np.stack([1 - w1 - w2, w1, w2])
    return np.all(weights >= 0, axis=0), np.any(np.abs(weights) < 1e-3, axis=0)


def assert_covers_centres_inside(corners: npt.NDArray[np.float64]) -> None:
    """The triangle, turned to face the viewer, covers exactly the pixel centres inside it (where it is sure)."""
    # Counter-clockwise as seen (y up) is clockwise with y down: the front side.
    (ax, ay), (bx, by), (cx, cy) = corners
    if (bx - ax) * (cy - ay) - (cx - ax) * (by - ay) > 0:
        corners = corners[[0, 2, 1]]
    points = [(x, y, 0.0) for x, y in corners]
    drawn = np.zeros(SIDE * SIDE, bool)
    drawn[draw(points, [(0, 1, 2)]).pixel] = True
    inside, unsure = reference_inside(np.asarray(points))
    assert np.array_equal(drawn.reshape(SIDE, SIDE)[~unsure], inside[~unsure])


def test_a_triangle_covers_the_pixel_centres_inside_it() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        corners = rng.uniform(-4, SIDE + 4, (3, 2))
        assert_covers_centres_inside(corners)


def test_a_back_face_draws_nothing() -> None:
    front = [(5.0, 5.0, 0.0), (5.0, 40.0, 0.0), (40.0, 5.0, 0.0)]
    assert len(draw(front, [(0, 1, 2)]).pixel) > 400
    assert len(draw(front, [(0, 2, 1)]).pixel) == 0


def test_the_nearer_triangle_wins_where_two_overlap() -> None:
    far = [(2.0, 2.0, -5.0), (2.0, 46.0, -5.0), (46.0, 2.0, -5.0)]
    near = [(10.0, 10.0, 3.0), (10.0, 30.0, 3.0), (30.0, 10.0, 3.0)]
    for order in ([far, near], [near, far]):
        raster = draw(order[0] + order[1], [(0, 1, 2), (3, 4, 5)])
        near_index = 0 if order[0] is near else 1
        shown = dict(zip(raster.pixel.tolist(), raster.front.tolist(), strict=True))
        assert shown[15 * SIDE + 15] == near_index  # inside both
        assert shown[3 * SIDE + 3] == 1 - near_index  # inside the far one only
        assert len(shown) == len(raster.pixel)  # one fragment per pixel


def test_the_weights_locate_the_pixel_centre_and_the_depth_between_the_corners() -> None:
    points = [(3.5, 4.0, 0.0), (9.0, 44.0, 0.0), (45.0, 12.5, 0.0)]
    raster = draw(points, [(0, 1, 2)])
    corners = np.asarray(points)[:, :2]
    w0, w1 = raster.w0.astype(np.float64), raster.w1.astype(np.float64)
    located = w0[:, None] * corners[0] + w1[:, None] * corners[1] + (1 - w0 - w1)[:, None] * corners[2]
    centres = np.stack([raster.pixel % SIDE + 0.5, raster.pixel // SIDE + 0.5], axis=1)
    assert np.abs(located - centres).max() < 1e-3


def test_a_tiled_square_has_no_cracks_and_nothing_outside() -> None:
    # A 40 x 40 square from 10 x 10 cells, two triangles each, corners off the pixel grid.
    n, step, origin = 10, 4.03, 3.7
    points = [(origin + i * step, origin + j * step, 0.0) for j in range(n + 1) for i in range(n + 1)]
    faces = []
    for j in range(n):
        for i in range(n):
            a, b, c, d = (
                j * (n + 1) + i,
                j * (n + 1) + i + 1,
                (j + 1) * (n + 1) + i,
                (j + 1) * (n + 1) + i + 1,
            )
            faces += [(a, c, b), (b, c, d)]  # clockwise with y down: the front
    raster = draw(points, faces)
    low, high = origin, origin + n * step
    centres = np.arange(SIDE) + 0.5
    inside = (centres >= low) & (centres <= high)
    expected = {int(y) * SIDE + int(x) for y in np.nonzero(inside)[0] for x in np.nonzero(inside)[0]}
    assert set(raster.pixel.tolist()) == expected


def test_small_triangles_drawn_as_splats_cover_the_pixel_centres_inside_them() -> None:
    # Boxes of 1 x 1 up to 4 x 4 pixel centres: the splats (up to 3 x 3) and the smallest runs.
    rng = np.random.default_rng(11)
    for _ in range(400):
        corners = rng.uniform(2, SIDE - 2, 2) + rng.uniform(-1.8, 1.8, (3, 2))
        assert_covers_centres_inside(corners)


def test_splat_weights_locate_the_pixel_centre() -> None:
    points = [(10.2, 10.1, 0.0), (10.4, 12.9, 1.0), (12.8, 10.3, 2.0)]
    raster = draw(points, [(0, 1, 2)])
    assert len(raster.pixel) >= 3
    corners = np.asarray(points)
    w0, w1 = raster.w0.astype(np.float64), raster.w1.astype(np.float64)
    located = (
        w0[:, None] * corners[0, :2] + w1[:, None] * corners[1, :2] + (1 - w0 - w1)[:, None] * corners[2, :2]
    )
    centres = np.stack([raster.pixel % SIDE + 0.5, raster.pixel // SIDE + 0.5], axis=1)
    assert np.abs(located - centres).max() < 1e-3


def test_a_finely_tiled_square_has_no_cracks_and_nothing_outside() -> None:
    # Cells of 0.73 pixels: most triangles hold no pixel centre or one, and are drawn as splats.
    n, step, origin = 50, 0.73, 5.3
    points = [(origin + i * step, origin + j * step, 0.0) for j in range(n + 1) for i in range(n + 1)]
    faces = []
    for j in range(n):
        for i in range(n):
            a, b = j * (n + 1) + i, j * (n + 1) + i + 1
            c, d = a + n + 1, b + n + 1
            faces += [(a, c, b), (b, c, d)]
    raster = draw(points, faces)
    centres = np.arange(SIDE) + 0.5
    inside = np.nonzero((centres >= origin) & (centres <= origin + n * step))[0]
    assert set(raster.pixel.tolist()) == {int(y) * SIDE + int(x) for y in inside for x in inside}
