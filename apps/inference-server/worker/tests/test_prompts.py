"""SAM-style prompts (box, positive and negative points) and alpha channels that carry no shape."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from bench.segmentation_cases import build_case, truth_box

from gen3d_worker.decode import decode_png
from gen3d_worker.errors import InvalidRequestError
from gen3d_worker.mask import Box, PromptPoint, Prompts, object_mask
from gen3d_worker.pipeline import JobOptions

from .pngs import rgb, rgba
from .shapes import SIZE, disk, photo, two_blobs

GRID = (SIZE, SIZE)


def iou(a: npt.NDArray[np.bool_], b: npt.NDArray[np.bool_]) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_options_carry_points_box_formats_and_target_faces() -> None:
    options = JobOptions.from_dict(
        {
            "point": {"x": 1, "y": 2},
            "points": [{"x": 5, "y": 6, "label": 1}, {"x": 7, "y": 8, "label": 0}],
            "box": {"x0": 0, "y0": 1, "x1": 30, "y1": 40},
            "formats": ["glb", "ply"],
            "targetFaces": 5000,
            "task": "mask",
        }
    )
    assert options.prompts == Prompts(
        box=Box(0, 1, 30, 40),
        points=(PromptPoint(1, 2, True), PromptPoint(5, 6, True), PromptPoint(7, 8, False)),
    )
    assert options.formats == ("glb", "ply") and options.target_faces == 5000 and options.task == "mask"


@pytest.mark.parametrize(
    "raw",
    [
        {"points": [{"x": 1, "y": 2}]},
        {"points": [{"x": 1, "y": 2, "label": 2}]},
        {"points": [{"x": 1, "y": 2, "label": True}]},
        {"points": {"x": 1}},
        {"box": {"x0": 5, "y0": 0, "x1": 5, "y1": 9}},
        {"box": [0, 0, 4, 4]},
        {"formats": []},
        {"formats": ["ply", "ply"]},
        {"formats": ["fbx"]},
        {"targetFaces": 10},
        {"targetFaces": 1.5},
        {"task": "paint"},
    ],
)
def test_malformed_prompts_and_output_options_are_refused(raw: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError):
        JobOptions.from_dict(raw)


def test_a_box_outside_the_picture_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="box"):
        object_mask(decode_png(rgb(photo(disk()))), GRID, Prompts(box=Box(10, 10, SIZE + 1, 50)))


def test_a_negative_point_removes_what_the_automatic_mask_kept() -> None:
    image = decode_png(rgb(photo(two_blobs())))
    automatic = object_mask(image, GRID)
    assert automatic.mask[128, 80], "by itself it keeps the big blob"
    steered = object_mask(
        image, GRID, Prompts(points=(PromptPoint(80, 128, False), PromptPoint(200, 128, True)))
    )
    assert not steered.mask[128, 80] and steered.mask[128, 200]


def test_a_box_finds_what_no_automatic_guess_can() -> None:
    # The slide's white glass on a white backdrop: no outline there. A box around the ring settles it.
    case = build_case("ring-ihc-on-white")
    image = decode_png(rgb(case.rgb))
    automatic = object_mask(image, (1024, 1024))
    boxed = object_mask(image, (1024, 1024), Prompts(box=Box(*truth_box(case))))
    assert iou(automatic.mask, case.truth) < 0.8
    assert iou(boxed.mask, case.truth) > 0.95
    assert boxed.hypothesis == "box"


def test_an_almost_opaque_alpha_is_segmented_not_refused() -> None:
    # A PNG exported with alpha, every pixel opaque but a transparent corner: the alpha carries no shape.
    image = np.dstack([photo(disk()), np.full((SIZE, SIZE), 255, np.uint8)])
    image[:3, :3, 3] = 0
    found = object_mask(decode_png(rgba(image)), GRID)
    assert found.source == "segmentation" and iou(found.mask, disk() > 0) > 0.9


def test_an_all_transparent_alpha_with_a_picture_under_it_is_segmented() -> None:
    image = np.dstack([photo(disk()), np.zeros((SIZE, SIZE), np.uint8)])
    found = object_mask(decode_png(rgba(image)), GRID)
    assert found.source == "segmentation" and iou(found.mask, disk() > 0) > 0.9


def test_a_box_around_an_object_that_crosses_the_frame_takes_the_background_from_outside_it() -> None:
    # The object touches the left and bottom edges: the border's colours include its own, the box's outside does not.
    truth = np.zeros((SIZE, SIZE), np.uint8)
    truth[70:, :150] = 255
    image = decode_png(rgb(photo(truth)))
    boxed = object_mask(image, GRID, Prompts(box=Box(0, 60, 160, SIZE)))
    assert iou(boxed.mask, truth > 0) > 0.9


def test_the_users_points_stay_on_their_side_of_the_outline() -> None:
    # A positive point on the backdrop's colour and a negative one on the object: the mask obeys both.
    truth = disk()
    image = decode_png(rgb(photo(truth)))
    found = object_mask(
        image, (1024, 1024), Prompts(points=(PromptPoint(128, 128, True), PromptPoint(150, 128, False)))
    )
    assert found.mask[512, 512], "the positive point is object"
    assert not found.mask[512, 600], "the negative point is background"


def test_when_grabcut_from_the_box_finds_nothing_the_other_seedings_run_inside_it() -> None:
    # scikit-image's cameraman with a box around him: GrabCut from this box alone collapses to nothing.
    from skimage import data  # noqa: PLC0415

    picture = np.dstack([data.camera()] * 3)
    found = object_mask(decode_png(rgb(picture)), (512, 512), Prompts(box=Box(0, 40, 262, 512)))
    assert found.hypothesis != "box" and found.scores["box"] == -1.0
    assert 0.2 < found.mask.mean() < 0.4 and found.mask[300, 100], "the man's coat"
    assert not found.mask[:, 262:].any(), "nothing outside the box"
