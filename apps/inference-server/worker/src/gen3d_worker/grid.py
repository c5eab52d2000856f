"""Working grids: the size a picture is worked on, smaller than the picture when it is large."""

from __future__ import annotations

MIN_GRID_SIDE = 8


def scaled_to_long_side(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(width, height) scaled down, never up, so that the longer side is at most `long_side`; each side at least
    MIN_GRID_SIDE."""
    scale = min(1.0, long_side / max(width, height))
    return max(MIN_GRID_SIDE, round(width * scale)), max(MIN_GRID_SIDE, round(height * scale))
