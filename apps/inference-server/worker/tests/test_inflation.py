"""The balloon's depth profile (backends/inflation.py, decision 0027): each part rounded by its own width when asked,
deeper for a tall outline than for a wide one, the old balloon when the constants say so."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from gen3d_worker.backends.inflation import BALLOON, Inflation, inflated, local_radius, tallness
from gen3d_worker.backends.shapes import half_thickness

Mask = npt.NDArray[np.bool_]


def signed_distance(mask: Mask) -> npt.NDArray[np.float32]:
    inside = mask.astype(np.uint8)
    d_in = cv2.distanceTransform(inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    d_out = cv2.distanceTransform(1 - inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return np.where(mask, d_in - 0.5, 0.5 - d_out).astype(np.float32)


def body_with_a_leg() -> Mask:
    """A disc of radius 40 (a body) with a bar 12 pixels wide (a leg) hanging from it."""
    mask = np.zeros((200, 120), np.uint8)
    cv2.circle(mask, (60, 50), 40, 1, -1)
    mask[80:190, 54:66] = 1
    return mask > 0


def test_the_balloon_makes_a_disc_a_ball() -> None:
    yy, xx = np.mgrid[:101, :101]
    disc = (xx - 50) ** 2 + (yy - 50) ** 2 <= 40**2
    ball = half_thickness(disc, "inflate", BALLOON)
    assert abs(float(ball.max()) - 40) < 1.5
    # Halfway out from the centre a ball's half-thickness is sqrt(40^2 - 20^2).
    assert abs(float(ball[50, 70]) - np.sqrt(40**2 - 20**2)) < 1.5


def test_local_radius_is_the_width_of_the_part_a_pixel_is_in() -> None:
    mask = body_with_a_leg()
    signed = signed_distance(mask)
    local = local_radius(np.clip(signed, 0, None), float(signed.max()))
    assert abs(float(local[50, 60]) - 39.5) < 2.0  # the body
    assert abs(float(local[170, 60]) - 5.5) < 1.5  # the leg: half its 12 pixels


def test_a_leg_is_a_tube_when_each_part_is_rounded_by_its_own_width() -> None:
    mask = body_with_a_leg()
    signed = signed_distance(mask)
    balloon = inflated(signed, mask, BALLOON)
    tubes = inflated(signed, mask, Inflation(depth=1.0, tallness=0.0, locality=1.0, exponent=0.5))
    assert abs(float(tubes[170, 60]) - 5.5) < 1.0  # as deep as it is wide
    assert float(balloon[170, 60]) > 3 * float(
        tubes[170, 60]
    )  # the old balloon: a slab as deep as the body allows
    assert abs(float(tubes[50, 60]) - float(balloon[50, 60])) < 1.0  # the body is the same ball


def test_a_tall_outline_is_inflated_deeper_than_a_wide_one() -> None:
    tall, wide = np.zeros((120, 60), bool), np.zeros((60, 120), bool)
    tall[10:110, 10:50] = True
    wide[10:50, 10:110] = True
    assert tallness(tall) == 2.5 and tallness(wide) == 0.4
    shaped = Inflation(depth=1.0, tallness=0.5, locality=0.0, exponent=0.5)
    deep, shallow = (
        inflated(signed_distance(tall), tall, shaped),
        inflated(signed_distance(wide), wide, shaped),
    )
    assert abs(float(deep.max()) / float(shallow.max()) - np.sqrt(2.5 / 0.4)) < 0.05


def test_a_wide_outline_is_flattened_along_its_middle_too_not_floored_at_the_outline_distance() -> None:
    # A 3:1 ellipse: the depth factor is below 1, so its half-thickness along the middle is under the distance to the
    # outline there. A floor at that distance would leave a ridge down the middle (the first fit's defect).
    wide = np.zeros((80, 220), np.uint8)
    cv2.ellipse(wide, (110, 40), (90, 30), 0, 0, 360, 1, -1)
    mask = wide > 0
    heights = half_thickness(mask, "inflate")
    signed = signed_distance(mask)
    centre = signed.max()
    assert float(heights[40, 110]) < 0.9 * float(centre)  # k = 1.1 * (1/3)^0.25 = 0.84
    # Thin parts stay solid: every pixel of the mask is at least a pixel deep, or as deep as it is far in.
    assert bool((heights[mask] >= np.minimum(signed[mask], 1.0) - 1e-6).all())
