"""Shape hypotheses of the geometric backend: how thick an object is behind its silhouette (decision 0027).

Each hypothesis is a half-thickness field h(x, y) >= 0 over the mask (the solid is |z| <= h, front and back
mirrored), so one meshing path (marching cubes on h - |z|) makes every shape closed and 2-manifold:

- `inflate`: a rounded balloon (backends/inflation.py), h = k r (1 - (1 - d/r)^2)^e with d the distance to the outline,
  r the radius of the largest inscribed disc around the point (blended with the largest of all) and k deeper for a
  round silhouette than for a long one. For organic shapes: animals, toys, fruit, people.
- `revolve`: a surface of revolution about the silhouette's vertical mirror axis: the cross-section at height y is
  a disc as wide as the silhouette's row, h = sqrt(w(y)^2 - (x - c)^2). For vases, bottles, cups, eggs.
- `slab`: a flat plate with rounded edges, h = t where the outline is farther than t, rounding down to 0 at the
  outline. For coins, badges, logos, cards: thin objects seen face-on.

`choose_shape` picks one from the picture and says why: thin when the object is lit evenly across its face (a
curved surface shades from its middle to its rim); a surface of revolution when the silhouette is its own mirror
image about a vertical axis with one span per row; otherwise inflation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from ..errors import NoObjectFoundError
from .inflation import Inflation, inflated

ShapeName = Literal["inflate", "revolve", "slab"]
ShapeChoice = Literal["auto", "inflate", "revolve", "slab"]
SHAPES: tuple[ShapeName, ...] = ("inflate", "revolve", "slab")

Mask = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float32]

# Fitted on the 3D benchmark's training split only (bench/fit_inflation.py; decision 0027): mean F@5% of its 13
# organic cases inflated 0.711 with the old balloon (depth 1, tallness 0, locality 0, exponent 0.5), 0.732 with these
# (worst 0.410 -> 0.473). Fitted while a floor at the outline distance clipped the profile; with the floor limited to
# one pixel no benchmark case moves. A refit with that floor (depth 1.1, tallness 0.5, locality 1.0, exponent 0.5:
# 0.735) makes quadric decimation of the astronaut's mesh refuse every closed result, so it is not used.
INFLATION = Inflation(depth=1.1, tallness=0.25, locality=0.75, exponent=0.45)
# A slab's half-thickness, as a share of the silhouette's largest inscribed radius (a coin: 0.07). Fitted on the
# training split by the mean of F@2% and F@5% (0.08: coin 1.00, brick 0.19; 0.15: 0.62 and 0.23).
SLAB_HALF_THICKNESS = 0.08
# Choosing: mirror symmetry (IoU of the silhouette with its mirror image) and rows of one span, for a revolution.
REVOLVE_SYMMETRY = 0.93
REVOLVE_SINGLE_SPAN_ROWS = 0.97
# Choosing: the range of the shading across the face (shading_range), as a share of its mean brightness, below which
# the face is flat (a slab seen face-on). Training split: flat faces 0.02-0.06, curved 0.15 and above.
FLAT_SHADING = 0.1


@dataclass(frozen=True)
class ShapeDecision:
    shape: ShapeName
    reason: str
    evidence: dict[str, float] = field(default_factory=dict)
    chosen_by: Literal["auto", "user"] = "auto"


def half_thickness(mask: Mask, shape: ShapeName, inflation: Inflation = INFLATION) -> Floats:
    """The signed field the volume is built from: h(x, y) inside (>= the distance to the outline, so thin parts
    stay solid), minus the distance to the object outside."""
    inside = mask.astype(np.uint8)
    if not inside.any():
        raise NoObjectFoundError("the mask is empty")
    d_in = cv2.distanceTransform(inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    d_out = cv2.distanceTransform(1 - inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    # Pixel centres sit half a pixel from the outline: shift so the zero level runs along pixel edges.
    signed = np.where(mask, d_in - 0.5, 0.5 - d_out).astype(np.float32)
    radius = max(1.0, float(signed.max()))
    profile: Floats
    if shape == "inflate":
        # The floor only keeps one-pixel parts solid: a full floor at the outline distance would undo the flattening
        # of a wide outline (depth factor below 1) along its middle and leave a ridge there.
        profile = inflated(signed, mask, inflation)
        return np.where(mask, np.maximum(profile, np.minimum(signed, 1.0)), signed).astype(np.float32)
    elif shape == "slab":
        thickness = max(1.0, SLAB_HALF_THICKNESS * radius)
        edge = np.clip(signed, 0.0, thickness)
        profile = np.sqrt(np.maximum(0.0, thickness**2 - (thickness - edge) ** 2))
        return np.where(mask, np.maximum(profile, np.minimum(signed, thickness)), signed).astype(np.float32)
    else:
        profile = _revolution(mask)
    heights = np.where(mask, np.maximum(profile, signed), signed)
    return heights.astype(np.float32)


def _revolution(mask: Mask) -> Floats:
    """h = sqrt(w(y)^2 - (x - c)^2): per row, the half-width of its span about the silhouette's mirror axis."""
    rows, cols = np.nonzero(mask)
    axis = _mirror_axis(mask)
    half = np.zeros(mask.shape[0], np.float32)
    np.maximum.at(half, rows, np.abs(cols.astype(np.float32) - axis) + 0.5)
    x = np.arange(mask.shape[1], dtype=np.float32)[None, :] - axis
    profile: Floats = np.sqrt(np.maximum(0.0, half[:, None] ** 2 - x**2)).astype(np.float32)
    return profile


def _mirror_axis(mask: Mask) -> float:
    """The vertical axis the silhouette is (most nearly) symmetric about: the mean of its rows' span centres."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return mask.shape[1] / 2.0
    left = np.full(mask.shape[0], np.inf, np.float32)
    right = np.full(mask.shape[0], -np.inf, np.float32)
    np.minimum.at(left, rows, cols.astype(np.float32))
    np.maximum.at(right, rows, cols.astype(np.float32))
    used = np.isfinite(left)
    centres = (left[used] + right[used]) / 2.0
    widths = right[used] - left[used] + 1.0
    return float((centres * widths).sum() / widths.sum())


def symmetry(mask: Mask) -> tuple[float, float]:
    """The silhouette's mirror symmetry about its axis (IoU with its mirror image) and the share of its rows that
    are one span."""
    axis = _mirror_axis(mask)
    rows, cols = np.nonzero(mask)
    mirrored = np.zeros_like(mask)
    flipped = np.round(2 * axis - cols).astype(np.int64)
    keep = (flipped >= 0) & (flipped < mask.shape[1])
    mirrored[rows[keep], flipped[keep]] = True
    iou = float((mask & mirrored).sum() / max(1, (mask | mirrored).sum()))
    runs = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    starts = (runs == 1).sum(axis=1)
    used = starts > 0
    single = float((starts[used] == 1).mean()) if used.any() else 0.0
    return iou, single


def shading_range(rgb: npt.NDArray[np.uint8], mask: Mask) -> float:
    """How much the object's brightness varies across its face at the scale of its shape: the lightness blurred by
    2 % of the picture (print, emboss and fur are finer), its 5th to 95th percentile range inside the eroded mask, as
    a share of its mean. A curved surface shades from its middle to its rim, and lumps shade each on its own; a flat
    face seen face-on is evenly lit."""
    height, width = mask.shape
    small = (
        cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA) if rgb.shape[:2] != mask.shape else rgb
    )
    erosion = max(1, min(height, width) // 40)
    core = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=erosion) > 0
    if core.sum() < 30:
        return 1.0
    light = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)
    blurred = cv2.GaussianBlur(light, (0, 0), max(1.0, 0.02 * max(height, width)))[core]
    low, high = np.percentile(blurred, [5, 95])
    return float((high - low) / max(1.0, float(blurred.mean())))


def choose_shape(rgb: npt.NDArray[np.uint8], mask: Mask, requested: ShapeChoice = "auto") -> ShapeDecision:
    """The hypothesis for this object, and why (said in the report)."""
    mirror, single = symmetry(mask)
    shading = shading_range(rgb, mask)
    evidence = {
        "symmetry": round(mirror, 3),
        "singleSpanRows": round(single, 3),
        "shading": round(shading, 3),
    }
    if requested != "auto":
        return ShapeDecision(requested, "chosen by the user", evidence, "user")
    if shading < FLAT_SHADING:
        return ShapeDecision("slab", "evenly lit across its face: a thin, flat object seen face-on", evidence)
    if mirror >= REVOLVE_SYMMETRY and single >= REVOLVE_SINGLE_SPAN_ROWS:
        return ShapeDecision(
            "revolve", "its outline mirrors itself about a vertical axis: turned like a vase", evidence
        )
    return ShapeDecision("inflate", "an organic outline: rounded like a balloon", evidence)
