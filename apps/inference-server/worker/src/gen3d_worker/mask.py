"""Object mask: from a meaningful alpha channel, a user mask, or GrabCut seeded from the border colours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage

from .decode import DecodedImage
from .errors import InvalidRequestError, NoObjectFoundError

Mask = npt.NDArray[np.bool_]
MaskSource = Literal["alpha", "segmentation", "user-mask"]

ALPHA_THRESHOLD = 128
# An alpha channel whose every pixel is this opaque carries no shape: segment the colours instead.
OPAQUE_ALPHA = 250
# Holes smaller than this share of the object are filled (specks of glare, GrabCut misses); larger ones
# are real (a ring, a handle) and kept.
SMALL_HOLE_SHARE = 0.02
# Objects smaller than this share of the frame, or covering nearly all of it, are not an object.
MIN_OBJECT_SHARE = 0.001
MAX_OBJECT_SHARE = 0.995


@dataclass(frozen=True)
class Point:
    x: int
    y: int


@dataclass(frozen=True)
class ObjectMask:
    mask: Mask  # at the working resolution given to `object_mask`
    source: MaskSource


def _scaled(mask_or_image: npt.NDArray[np.uint8], size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    width, height = size
    if mask_or_image.shape[1] == width and mask_or_image.shape[0] == height:
        return mask_or_image
    resized: npt.NDArray[np.uint8] = cv2.resize(mask_or_image, (width, height), interpolation=cv2.INTER_AREA)
    return resized


def mask_from_alpha(alpha: npt.NDArray[np.uint8], size: tuple[int, int]) -> Mask | None:
    """The alpha channel as a mask at `size`, or None when it is not meaningful (all opaque)."""
    if int(alpha.min()) >= OPAQUE_ALPHA:
        return None
    return _scaled(alpha, size) >= ALPHA_THRESHOLD


def mask_from_user(user_mask: DecodedImage, image: DecodedImage, size: tuple[int, int]) -> Mask:
    """A user-drawn mask: white (or opaque, when it has alpha) is the object. Must match the image size."""
    if (user_mask.width, user_mask.height) != (image.width, image.height):
        raise InvalidRequestError(
            f"the mask is {user_mask.width}x{user_mask.height} but the image is {image.width}x{image.height}"
        )
    plane = user_mask.alpha if user_mask.alpha is not None and user_mask.alpha.min() < OPAQUE_ALPHA else None
    if plane is None:
        plane = user_mask.rgb.max(axis=2)
    return _scaled(np.ascontiguousarray(plane), size) >= 128


def segment(rgb: npt.NDArray[np.uint8], point: tuple[int, int] | None, iterations: int = 4) -> Mask:
    """GrabCut at the size of `rgb`, seeded from a border colour model and an optional point on the object."""
    height, width = rgb.shape[:2]
    band = max(2, round(0.02 * max(width, height)))
    seeds = np.full((height, width), cv2.GC_PR_FGD, np.uint8)
    border = np.zeros((height, width), bool)
    border[:band, :] = border[-band:, :] = border[:, :band] = border[:, -band:] = True

    # Pixels whose colour is close to the border's colours start as probable background.
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    border_colours = lab[border]
    centres = _colour_centres(border_colours, 4)
    distance = np.min(np.linalg.norm(lab[:, :, None, :] - centres[None, None, :, :], axis=3), axis=2)
    seeds[distance < 12.0] = cv2.GC_PR_BGD
    seeds[border] = cv2.GC_BGD
    if point is not None:
        x, y = point
        cv2.circle(seeds, (x, y), max(2, round(0.02 * max(width, height))), int(cv2.GC_FGD), -1)
    if not np.any((seeds == cv2.GC_PR_FGD) | (seeds == cv2.GC_FGD)):
        raise NoObjectFoundError("every pixel has the background's colour")

    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    cv2.grabCut(bgr, seeds, None, bgd_model, fgd_model, iterations, cv2.GC_INIT_WITH_MASK)
    result: Mask = (seeds == cv2.GC_FGD) | (seeds == cv2.GC_PR_FGD)
    return result


def _colour_centres(colours: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.float32]:
    """A few representative border colours (k-means), so a two-tone or gradient background is still background."""
    sample = colours[:: max(1, len(colours) // 4000)]
    k = min(k, len(sample))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    _, _, centres = cv2.kmeans(sample, k, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    return np.asarray(centres, np.float32)


def clean_mask(mask: Mask, point: tuple[int, int] | None = None) -> Mask:
    """Keeps the component under the point (or the largest), removes specks, fills small holes."""
    opened = ndimage.binary_opening(mask, structure=np.ones((3, 3), bool)) if mask.sum() > 64 else mask
    labels, count = ndimage.label(opened if opened.any() else mask)
    if count == 0:
        raise NoObjectFoundError("the mask is empty: no pixel belongs to an object")
    if point is not None and labels[point[1], point[0]] > 0:
        keep = labels[point[1], point[0]]
    else:
        sizes = ndimage.sum_labels(np.ones_like(labels), labels, index=np.arange(1, count + 1))
        keep = int(np.argmax(sizes)) + 1
    component = labels == keep
    holes = ndimage.binary_fill_holes(component) & ~component
    hole_labels, hole_count = ndimage.label(holes)
    if hole_count:
        hole_sizes = ndimage.sum_labels(
            np.ones_like(hole_labels), hole_labels, index=np.arange(1, hole_count + 1)
        )
        small = np.flatnonzero(hole_sizes < SMALL_HOLE_SHARE * component.sum()) + 1
        component |= np.isin(hole_labels, small)
    return np.asarray(component, dtype=bool)


def object_mask(
    image: DecodedImage,
    size: tuple[int, int],
    point: Point | None = None,
    user_mask: DecodedImage | None = None,
) -> ObjectMask:
    """The cleaned object mask at `size` (width, height): user mask, else meaningful alpha, else segmentation."""
    scale_x, scale_y = size[0] / image.width, size[1] / image.height
    if point is not None and not (0 <= point.x < image.width and 0 <= point.y < image.height):
        raise InvalidRequestError(
            f"the point ({point.x}, {point.y}) is outside the {image.width}x{image.height} image"
        )
    scaled_point = (
        None
        if point is None
        else (min(size[0] - 1, int(point.x * scale_x)), min(size[1] - 1, int(point.y * scale_y)))
    )
    source: MaskSource
    if user_mask is not None:
        raw, source = mask_from_user(user_mask, image, size), "user-mask"
    else:
        from_alpha = None if image.alpha is None else mask_from_alpha(image.alpha, size)
        if from_alpha is not None:
            raw, source = from_alpha, "alpha"
        else:
            raw, source = segment(_scaled(image.rgb, size), scaled_point), "segmentation"
    share = float(raw.mean())
    if share < MIN_OBJECT_SHARE:
        raise NoObjectFoundError(f"no object found ({source}): the mask covers {share:.2%} of the picture")
    if share > MAX_OBJECT_SHARE:
        raise NoObjectFoundError(f"no object found ({source}): the mask covers the whole picture")
    return ObjectMask(mask=clean_mask(raw, scaled_point), source=source)
