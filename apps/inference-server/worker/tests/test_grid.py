"""The working grid: the one rule the preview, the weight-free segmentation and the geometric backend size by."""

from __future__ import annotations

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.grid import MIN_GRID_SIDE, scaled_to_long_side


def test_a_large_picture_is_scaled_down_to_the_long_side_keeping_its_aspect() -> None:
    assert scaled_to_long_side(4000, 3000, 1024) == (1024, 768)
    assert scaled_to_long_side(300, 1200, 224) == (56, 224)


def test_a_small_picture_is_never_scaled_up() -> None:
    assert scaled_to_long_side(200, 100, 1024) == (200, 100)


def test_a_thin_picture_keeps_a_few_cells_across() -> None:
    assert scaled_to_long_side(4000, 10, 128) == (128, MIN_GRID_SIDE)


def test_the_geometric_backend_sizes_its_grid_by_quality() -> None:
    backend = InflateBackend()
    assert backend.grid_size(1000, 500, "fast") == (128, 64)
    assert backend.grid_size(1000, 500, "high") == (384, 192)
