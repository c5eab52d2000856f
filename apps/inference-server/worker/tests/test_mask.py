"""Object masks: alpha, user mask, segmentation with and without a point prompt, cleaning, no-object errors."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from gen3d_worker.decode import decode_png
from gen3d_worker.errors import InvalidRequestError, NoObjectFoundError
from gen3d_worker.mask import PromptPoint, Prompts, clean_mask, object_mask

from .pngs import encode, rgb, rgba
from .shapes import SIZE, disk, photo, ring, square, two_blobs, two_tone_rgba

GRID = (SIZE, SIZE)


def iou(a: npt.NDArray[np.bool_], b: npt.NDArray[np.bool_]) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_meaningful_alpha_is_used() -> None:
    found = object_mask(decode_png(rgba(two_tone_rgba(square()))), GRID)
    assert found.source == "alpha"
    assert iou(found.mask, square() > 0) > 0.99


def test_opaque_alpha_falls_back_to_segmentation() -> None:
    image = np.dstack([photo(disk()), np.full((SIZE, SIZE), 255, np.uint8)])
    assert object_mask(decode_png(rgba(image)), GRID).source == "segmentation"


@pytest.mark.parametrize("shape", [disk, square, ring])
def test_segmentation_finds_the_object_on_a_plain_background(shape: object) -> None:
    truth = shape() > 0  # type: ignore[operator]
    found = object_mask(decode_png(rgb(photo(truth.astype(np.uint8) * 255))), GRID)
    assert found.source == "segmentation"
    assert iou(found.mask, truth) > 0.9


def test_point_prompt_picks_the_object_under_it() -> None:
    truth = two_blobs()
    image = decode_png(rgb(photo(truth)))
    default = object_mask(image, GRID)
    prompted = object_mask(image, GRID, Prompts(points=(PromptPoint(200, 128, True),)))
    assert default.mask[128, 80] and not default.mask[128, 200]
    assert prompted.mask[128, 200] and not prompted.mask[128, 80]


def test_point_outside_the_image_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="outside"):
        object_mask(decode_png(rgb(photo(disk()))), GRID, Prompts(points=(PromptPoint(SIZE, 3, True),)))


def test_user_mask_wins_over_alpha_and_must_match_the_size() -> None:
    image = decode_png(rgba(two_tone_rgba(disk())))
    user = decode_png(encode(square(), greyscale=True, bitdepth=8))
    found = object_mask(image, GRID, user_mask=user)
    assert found.source == "user-mask" and iou(found.mask, square() > 0) > 0.99
    small = decode_png(encode(np.zeros((8, 8), np.uint8), greyscale=True, bitdepth=8))
    with pytest.raises(InvalidRequestError, match="mask is 8x8"):
        object_mask(image, GRID, user_mask=small)


def test_fully_transparent_image_has_no_object() -> None:
    with pytest.raises(NoObjectFoundError):
        object_mask(decode_png(rgba(np.zeros((SIZE, SIZE, 4), np.uint8))), GRID)


def test_plain_picture_has_no_object() -> None:
    with pytest.raises(NoObjectFoundError):
        object_mask(decode_png(rgb(np.full((SIZE, SIZE, 3), 128, np.uint8))), GRID)


def test_mask_covering_everything_is_not_an_object() -> None:
    user = decode_png(encode(np.full((SIZE, SIZE), 255, np.uint8), greyscale=True, bitdepth=8))
    with pytest.raises(NoObjectFoundError, match="whole picture"):
        object_mask(decode_png(rgb(photo(disk()))), GRID, user_mask=user)


def test_cleaning_removes_specks_and_small_holes_but_keeps_big_holes() -> None:
    mask = ring() > 0
    noisy = mask.copy()
    noisy[10:12, 10:12] = True  # a speck far away
    noisy[128, 200] = False  # a pinhole in the ring's body
    cleaned = clean_mask(noisy)
    assert not cleaned[10, 10]
    assert cleaned[128, 200]
    assert not cleaned[128, 128], "the ring's big hole stays"


def test_an_object_split_by_a_background_coloured_stripe_keeps_both_halves() -> None:
    # Like a two-colour logo cut by a white band: two halves of one object, close to each other.
    left, right = np.zeros((SIZE, SIZE), bool), np.zeros((SIZE, SIZE), bool)
    left[60:196, 60:124] = True
    right[60:196, 130:196] = True
    kept = clean_mask(left | right)
    assert kept[128, 90] and kept[128, 160]
    far = np.zeros((SIZE, SIZE), bool)
    far[10:30, 226:246] = True  # a small speck of clutter far away is still dropped
    assert not clean_mask(left | right | far)[20, 236]
