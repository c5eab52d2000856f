"""JobOptions.from_dict: the message each bad option gets (what the sidecar's 400 says), nulls, and defaults."""

from __future__ import annotations

import re

import pytest

from gen3d_worker.errors import InvalidRequestError
from gen3d_worker.mask import Box, Point, PromptPoint
from gen3d_worker.pipeline import JobOptions

EACH_POINT = "each point is {x, y, label}: pixel coordinates and label 1 (object) or 0 (background)"
BOX = "box must be {x0, y0, x1, y1}: pixels, x0 < x1 and y0 < y1 (x1, y1 exclusive)"
FORMATS = "formats must be a non-empty list without repeats of ply, glb, stl, 3mf, obj"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"colour": "red", "size": 1}, "unknown options: colour, size"),
        ({"maskKey": "users/u1/masks/m.png"}, "unknown options: maskKey"),
        ({"task": "paint"}, "task must be 'reconstruct' or 'mask'; got 'paint'"),
        ({"backend": "nerf"}, "backend must be 'inflate' or 'sam3d'; got 'nerf'"),
        ({"quality": None}, "quality must be 'fast', 'standard' or 'high'; got None"),
        ({"plyFormat": "text"}, "plyFormat must be 'binary' or 'ascii'; got 'text'"),
        ({"shape": "cube"}, "shape must be 'auto', 'inflate', 'revolve' or 'slab'; got 'cube'"),
        ({"point": {"x": 1}}, "point must be {x, y} with non-negative integer pixel coordinates"),
        ({"point": {"x": 1, "y": True}}, "point must be {x, y} with non-negative integer pixel coordinates"),
        ({"seed": 2**31}, "seed must be an integer from 0 to 2^31-1"),
        ({"seed": None}, "seed must be an integer from 0 to 2^31-1"),
        ({"targetFaces": 99}, "targetFaces must be an integer from 100 to 5000000"),
        ({"targetFaces": False}, "targetFaces must be an integer from 100 to 5000000"),
        ({"points": None}, "points must be a list of at most 64 {x, y, label}"),
        (
            {"points": [{"x": 1, "y": 2, "label": 1}] * 65},
            "points must be a list of at most 64 {x, y, label}",
        ),
        ({"points": [{"x": 1, "y": -2, "label": 1}]}, EACH_POINT),
        ({"box": {"x0": 0, "y0": 0, "x1": 4}}, BOX),
        ({"box": {"x0": 0, "y0": 9, "x1": 4, "y1": 9}}, BOX),
        ({"formats": ["ply", "ply"]}, FORMATS),
        ({"formats": None}, FORMATS),
        ({"formats": ["ply", "fbx"]}, "unknown format 'fbx'; known: ply, glb, stl, 3mf, obj"),
        # Several bad options: the first in the order task, backend, quality, plyFormat, point, seed, targetFaces,
        # shape, points, box, formats is the one reported.
        ({"formats": [], "seed": -1, "task": 1}, "task must be 'reconstruct' or 'mask'; got 1"),
        ({"formats": [], "box": 1, "targetFaces": 1}, "targetFaces must be an integer from 100 to 5000000"),
    ],
)
def test_a_bad_option_is_refused_with_a_message_that_names_it(raw: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRequestError, match=f"^{re.escape(message)}$"):
        JobOptions.from_dict(raw)


def test_null_point_box_and_target_faces_mean_absent() -> None:
    assert JobOptions.from_dict({"point": None, "box": None, "targetFaces": None}) == JobOptions()


def test_absent_options_take_the_defaults() -> None:
    options = JobOptions.from_dict({})
    assert options == JobOptions()
    assert (options.task, options.backend, options.quality, options.shape) == (
        "reconstruct",
        "inflate",
        "standard",
        "auto",
    )
    assert (options.seed, options.ply_format, options.formats, options.points) == (0, "binary", ("ply",), ())


def test_every_option_is_read_into_its_field() -> None:
    options = JobOptions.from_dict(
        {
            "task": "mask",
            "backend": "sam3d",
            "quality": "fast",
            "plyFormat": "ascii",
            "shape": "slab",
            "point": {"x": 0, "y": 99_999},
            "seed": 2**31 - 1,
            "targetFaces": 5_000_000,
            "points": [{"x": 3, "y": 4, "label": 0}],
            "box": {"x0": 1, "y0": 2, "x1": 3, "y1": 4},
            "formats": ["obj", "3mf", "ply"],
        }
    )
    assert options == JobOptions(
        task="mask",
        backend="sam3d",
        quality="fast",
        ply_format="ascii",
        shape="slab",
        point=Point(0, 99_999),
        seed=2**31 - 1,
        target_faces=5_000_000,
        points=(PromptPoint(3, 4, False),),
        box=Box(1, 2, 3, 4),
        formats=("obj", "3mf", "ply"),
    )
