"""How deep a balloon is behind its silhouette: the `inflate` hypothesis's half-thickness (decision 0027).

h = k * r * (1 - (1 - d/r)^2)^e over the mask, with d the distance to the outline and:

- r, the radius each point is rounded by: r_local^a * R^(1 - a), where r_local is the largest disc inside the
  silhouette that covers the point and R the largest of all. a = 0 is the old balloon (every part as thick as the
  body allows: a limb comes out a slab as deep as the body); a = 1 rounds each part by its own width (a limb is a
  tube, the body a ball).
- e, the cross-section: 0.5 is a circle, less is fuller (flatter front, steeper sides).
- k = depth * (H / W)^tallness, with W x H the outline's box (clamped to 1:4 either way). Animals stand with their
  length level: seen from the side an outline is wide and the body about as deep as it is high; seen end-on (a duck
  or a pig from the front) it is narrow and the body runs back from the view. (A roundness cue, k from how round the
  outline's thick core is, was tried first: it lowered the training score at every setting, so it is not used.)

The constants are fitted on the 3D benchmark's training split only (bench/fit_inflation.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float32]

RADIUS_LEVELS = 32
# The local radius steps where a part meets a wider one (a leg under a body): blurred by this many pixels, so the
# surface bends there instead of showing a ridge (seen on the training pig before the blur).
ROUNDING_BLUR = 2.0


@dataclass(frozen=True)
class Inflation:
    depth: float
    tallness: float
    locality: float
    exponent: float


# The balloon before the refit (decision 0027, 2026-12-06): k = 1 everywhere, rounded by the largest disc, circular.
BALLOON = Inflation(depth=1.0, tallness=0.0, locality=0.0, exponent=0.5)


def inflated(signed: Floats, mask: Mask, inflation: Inflation) -> Floats:
    """The balloon's half-thickness inside the mask (0 outside), from the signed distance to the outline."""
    radius = max(1.0, float(signed.max()))
    inside = np.clip(signed, 0.0, None)
    rounding = radius
    if inflation.locality > 0:
        local = cv2.GaussianBlur(local_radius(inside, radius), (0, 0), ROUNDING_BLUR)
        rounding = np.maximum(local, inside) ** inflation.locality * radius ** (1 - inflation.locality)
    ratio = np.clip(inside / rounding, 0.0, 1.0)
    depth = inflation.depth * tallness(mask) ** inflation.tallness
    profile = depth * rounding * (1.0 - (1.0 - ratio) ** 2) ** inflation.exponent
    return np.where(mask, profile, 0.0).astype(np.float32)


def local_radius(inside: Floats, radius: float) -> Floats:
    """Per pixel, the radius of the largest disc inside the silhouette that covers it (at least its own distance
    to the outline): the discs of each radius level are the centres at least that deep, grown by that radius."""
    covered = np.maximum(inside, 1.0).astype(np.float32)
    for level in np.geomspace(1.0, radius, RADIUS_LEVELS):
        centres = inside >= level
        if not centres.any():
            break
        away = cv2.distanceTransform((~centres).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        covered = np.where(away <= level, np.maximum(covered, level), covered)
    return np.maximum(covered, inside)


def tallness(mask: Mask) -> float:
    """The outline's box, height over width, clamped to [1/4, 4]."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return 1.0
    height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
    return float(np.clip(height / width, 0.25, 4.0))
