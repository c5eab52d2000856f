"""Object mask: a user mask, else a meaningful alpha channel, else automatic segmentation (prompts steer it).

Segmentation (docs/decisions/0012) runs GrabCut (Rother et al. 2004) from several seedings and keeps the best by
a score of the outline, as classical salient-object methods do with their candidate regions:

- `border`: the image border is background and pixels of the border's colours are probably background (the
  boundary prior of Wei et al. 2012 and Zhu et al. 2014);
- `box`: GrabCut's own initialisation, a rectangle around the salient region (border-colour contrast times a
  centre prior, as in Achanta et al. 2009 and Cheng et al. 2015), everything outside it background;
- `saliency`: the salient region itself as the probable object, its core as certain;
- each also without its cast shadow (pixels with the background's chromaticity, only darker: Finlayson et al.'s
  chromaticity invariance).

A hypothesis scores by the colour contrast across its outline (an object's edge separates different colours, a
shadow's soft edge does not), less what it cuts off that is not background, less the background it takes in,
less its contact with the picture's frame, plus a little compactness. The winner's outline is then snapped to the
picture's colour edges at the output size. Prompts work as in SAM (Kirillov et al. 2023): a box (outside is
background; GrabCut starts from it), positive and negative points (certain object/background).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage

from .deadline import Deadline
from .decode import DecodedImage
from .errors import InvalidRequestError, NoObjectFoundError
from .grid import scaled_to_long_side

if TYPE_CHECKING:
    from .segmenter import LearnedSegmenter

Mask = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float32]
MaskSource = Literal["alpha", "segmentation", "user-mask"]

ALPHA_THRESHOLD = 128
# An alpha channel carries a shape only when its opaque part is neither (almost) nothing nor (almost) everything:
# a PNG exported with a fully opaque alpha, or with everything transparent, is segmented from its colours.
ALPHA_MIN_SHARE = 0.001
ALPHA_MAX_SHARE = 0.97
# Holes smaller than this share of the object are filled (specks of glare, GrabCut misses); larger ones
# are real (a ring, a handle) and kept.
SMALL_HOLE_SHARE = 0.02
# Objects smaller than this share of the frame, or covering nearly all of it, are not an object.
MIN_OBJECT_SHARE = 0.001
MAX_OBJECT_SHARE = 0.995
GRABCUT_ITERATIONS = 2
# A mask from the user's box that fills less than this share of the box is no answer: the other seedings run.
BOX_MIN_FILL = 0.05
# Other components kept with the largest: at least this share of its size, at most this far (share of the long
# side) from it.
PART_SHARE = 0.33
PART_GAP = 0.04
# Segmentation works at this many pixels on the long side at most, whatever the reconstruction grid.
SEGMENT_LONG_SIDE = 160


@dataclass(frozen=True)
class Point:
    x: int
    y: int


@dataclass(frozen=True)
class PromptPoint:
    x: int
    y: int
    positive: bool  # True: on the object (SAM label 1); False: background (label 0)


@dataclass(frozen=True)
class Box:
    x0: int
    y0: int
    x1: int  # exclusive
    y1: int  # exclusive


@dataclass(frozen=True)
class Prompts:
    """SAM-style prompts, in pixels of the uploaded image (origin top-left)."""

    box: Box | None = None
    points: tuple[PromptPoint, ...] = ()

    @property
    def positives(self) -> tuple[PromptPoint, ...]:
        return tuple(p for p in self.points if p.positive)

    def check_inside(self, width: int, height: int) -> None:
        for p in self.points:
            if not (0 <= p.x < width and 0 <= p.y < height):
                raise InvalidRequestError(f"the point ({p.x}, {p.y}) is outside the {width}x{height} image")
        if self.box is not None:
            b = self.box
            if not (0 <= b.x0 < b.x1 <= width and 0 <= b.y0 < b.y1 <= height):
                raise InvalidRequestError(
                    f"the box ({b.x0}, {b.y0})-({b.x1}, {b.y1}) is empty or outside the {width}x{height} image"
                )

    def scaled(self, sx: float, sy: float, size: tuple[int, int]) -> Prompts:
        width, height = size
        points = tuple(
            PromptPoint(min(width - 1, int(p.x * sx)), min(height - 1, int(p.y * sy)), p.positive)
            for p in self.points
        )
        box = None
        if self.box is not None:
            b = self.box
            x0, y0 = min(width - 1, int(b.x0 * sx)), min(height - 1, int(b.y0 * sy))
            box = Box(
                x0, y0, max(x0 + 1, min(width, round(b.x1 * sx))), max(y0 + 1, min(height, round(b.y1 * sy)))
            )
        return Prompts(box=box, points=points)


@dataclass(frozen=True)
class ObjectMask:
    mask: Mask  # at the working resolution given to `object_mask`
    source: MaskSource
    hypothesis: str | None = None  # which segmentation hypothesis won (segmentation only)
    score: float | None = None  # its score (higher is better; below ~0.5 the mask is doubtful)
    scores: dict[str, float] = field(default_factory=dict)  # every hypothesis tried, for the report
    # Which path made a segmentation: "classic" (the weight-free GrabCut hypotheses, alone or confident enough),
    # or "learned" (the model's mask, steered by the prompts); the model's name when one ran.
    path: str | None = None
    model: str | None = None
    # Where the model ran, when it ran: ONNX Runtime's execution provider (CUDAExecutionProvider on a GPU).
    provider: str | None = None


_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def _erode(mask: Mask, iterations: int = 1) -> Mask:
    """scipy.ndimage.binary_erosion (cross, outside counts as empty), through OpenCV: several times faster."""
    out = cv2.erode(
        mask.astype(np.uint8), _CROSS, iterations=iterations, borderType=cv2.BORDER_CONSTANT, borderValue=0
    )
    return np.asarray(out, bool)


def _dilate(mask: Mask, iterations: int = 1) -> Mask:
    """scipy.ndimage.binary_dilation (cross), through OpenCV."""
    out = cv2.dilate(
        mask.astype(np.uint8), _CROSS, iterations=iterations, borderType=cv2.BORDER_CONSTANT, borderValue=0
    )
    return np.asarray(out, bool)


def _scaled(mask_or_image: npt.NDArray[np.uint8], size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    width, height = size
    if mask_or_image.shape[1] == width and mask_or_image.shape[0] == height:
        return mask_or_image
    resized: npt.NDArray[np.uint8] = cv2.resize(mask_or_image, (width, height), interpolation=cv2.INTER_AREA)
    return resized


def mask_from_alpha(alpha: npt.NDArray[np.uint8], size: tuple[int, int]) -> Mask | None:
    """The alpha channel as a mask at `size`, or None when it carries no shape (nearly all opaque, or nearly all
    transparent): then the picture is segmented from its colours instead."""
    share = float(np.count_nonzero(alpha >= ALPHA_THRESHOLD)) / alpha.size
    if not ALPHA_MIN_SHARE <= share <= ALPHA_MAX_SHARE:
        return None
    return _scaled(alpha, size) >= ALPHA_THRESHOLD


def mask_from_user(user_mask: DecodedImage, image: DecodedImage, size: tuple[int, int]) -> Mask:
    """A user-drawn mask: white (or opaque, when it has alpha) is the object. Must match the image size."""
    if (user_mask.width, user_mask.height) != (image.width, image.height):
        raise InvalidRequestError(
            f"the mask is {user_mask.width}x{user_mask.height} but the image is {image.width}x{image.height}"
        )
    plane = user_mask.alpha if user_mask.alpha is not None and user_mask.alpha.min() < 250 else None
    if plane is None:
        plane = user_mask.rgb.max(axis=2)
    return _scaled(np.ascontiguousarray(plane), size) >= 128


# --- segmentation ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scene:
    """What every hypothesis shares: the picture in Lab, the background's colours, texture, shadow, saliency."""

    rgb: npt.NDArray[np.uint8]
    lab: Floats
    border: Mask
    background_lab: Floats  # k x 3 representative border colours
    background_distance: Floats  # each pixel's Lab distance to the nearest border colour
    shadow_like: Mask  # the background's chromaticity, only darker
    foreign: Mask  # clearly none of the border's colours
    frame: Mask  # the outer 4 % of the picture
    background_like: Mask  # as close to a border colour as the border's own pixels are
    saliency: Floats  # 0..1


def _border_band(height: int, width: int) -> Mask:
    band = max(2, round(0.02 * max(width, height)))
    border = np.zeros((height, width), bool)
    border[:band, :] = border[-band:, :] = border[:, :band] = border[:, -band:] = True
    return border


def _colour_centres(colours: Floats, k: int) -> Floats:
    """A few representative border colours (k-means), so a two-tone or gradient background is still background."""
    sample = np.ascontiguousarray(colours[:: max(1, len(colours) // 3000)], np.float32)
    k = min(k, len(sample))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    _, _, centres = cv2.kmeans(sample, k, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    return np.asarray(centres, np.float32)


def _nearest_distance(pixels: Floats, centres: Floats) -> Floats:
    best = np.full(pixels.shape[:-1], np.inf, np.float32)
    for centre in centres:
        np.minimum(best, np.sqrt(((pixels - centre) ** 2).sum(axis=-1)), out=best)
    return best


def _scene(rgb: npt.NDArray[np.uint8], box: Box | None = None) -> _Scene:
    """With a box prompt, the background's colours are those outside the box (when there is enough of it), not the
    picture's border: an object that crosses the frame has its own colours on the border."""
    height, width = rgb.shape[:2]
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    border = _border_band(height, width)
    if box is not None:
        outside = np.ones((height, width), bool)
        outside[box.y0 : box.y1, box.x0 : box.x1] = False
        if outside.sum() >= 0.02 * outside.size:
            border = outside
    centres = _colour_centres(lab[border], 10)
    distance = _nearest_distance(lab, centres)

    # Shadow: the chromaticity of a background colour (invariant to how much light falls on it), 30-92 % as bright.
    rgb_f = rgb.astype(np.float32) + 1.0
    brightness = rgb_f.sum(axis=2)
    chroma = rgb_f[..., :2] / brightness[..., None]
    border_rgb = _colour_centres(rgb_f[border], 6)
    shadow_like = np.zeros((height, width), bool)
    for centre in border_rgb:
        centre_chroma = centre[:2] / centre.sum()
        ratio = brightness / float(centre.sum())
        close = np.sqrt(((chroma - centre_chroma) ** 2).sum(axis=2)) < 0.025
        shadow_like |= close & (ratio > 0.3) & (ratio < 0.92)

    # Salient: far from every border colour, weighted by a centre prior.
    rows = (np.arange(height, dtype=np.float32) - (height - 1) / 2) / height
    cols = (np.arange(width, dtype=np.float32) - (width - 1) / 2) / width
    centre_prior = np.exp(-(rows[:, None] ** 2 + cols[None, :] ** 2) / (2 * 0.3**2))
    contrast = np.clip(distance / max(1e-3, float(np.percentile(distance, 99))), 0, 1)
    # Texture: the local spread of lightness. A pixel unlike the background in colour or in texture is "foreign".
    lightness = lab[..., 0]
    mean = cv2.blur(lightness, (5, 5))
    spread = np.sqrt(np.maximum(cv2.blur(lightness * lightness, (5, 5)) - mean * mean, 0))
    textured = spread > 2.0 * float(np.percentile(spread[border], 90)) + 4.0
    far = distance > 1.5 * float(np.percentile(distance[border], 90)) + 6.0
    foreign = (far | textured) & ~shadow_like
    # Salient: unlike the border in colour (or in texture), weighted by a centre prior.
    texture_contrast = np.clip(spread / max(1e-3, float(np.percentile(spread, 99))), 0, 1) * textured
    salient = np.maximum(contrast, 0.8 * texture_contrast)
    saliency = cv2.GaussianBlur((salient * (0.4 + 0.6 * centre_prior)).astype(np.float32), (0, 0), 2.0)
    saliency = saliency / max(1e-6, float(saliency.max()))
    frame = np.zeros((height, width), bool)
    inset = max(3, round(0.04 * max(width, height)))
    frame[:inset, :] = frame[-inset:, :] = frame[:, :inset] = frame[:, -inset:] = True
    background_like = distance <= float(np.percentile(distance[border], 90))
    return _Scene(
        rgb,
        lab,
        border,
        centres,
        distance,
        shadow_like,
        foreign,
        frame,
        background_like,
        saliency.astype(np.float32),
    )


def _otsu(values: Floats) -> float:
    scaled = np.clip(values * 255, 0, 255).astype(np.uint8)
    threshold, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(threshold) / 255.0


def _apply_prompts(seeds: npt.NDArray[np.uint8], prompts: Prompts) -> None:
    height, width = seeds.shape
    if prompts.box is not None:
        b = prompts.box
        outside = np.ones_like(seeds, bool)
        outside[b.y0 : b.y1, b.x0 : b.x1] = False
        seeds[outside] = cv2.GC_BGD
    radius = max(2, round(0.015 * max(width, height)))
    for p in prompts.points:
        cv2.circle(seeds, (p.x, p.y), radius, int(cv2.GC_FGD if p.positive else cv2.GC_BGD), -1)


def _grabcut(scene: _Scene, seeds: npt.NDArray[np.uint8], deadline: Deadline) -> Mask | None:
    if not np.any((seeds == cv2.GC_PR_FGD) | (seeds == cv2.GC_FGD)) or not np.any(
        (seeds == cv2.GC_BGD) | (seeds == cv2.GC_PR_BGD)
    ):
        return None
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(scene.rgb[:, :, ::-1])
    labels = seeds.copy()
    try:
        cv2.grabCut(bgr, labels, None, bgd_model, fgd_model, 1, cv2.GC_INIT_WITH_MASK)
        for _ in range(GRABCUT_ITERATIONS - 1):
            deadline.check("segmentation")
            cv2.grabCut(bgr, labels, None, bgd_model, fgd_model, 1, cv2.GC_EVAL)
    except cv2.error:  # a colour model it cannot fit (too few distinct pixels on one side)
        return None
    result: Mask = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    return result


def _border_seeds(scene: _Scene) -> npt.NDArray[np.uint8]:
    seeds = np.full(scene.border.shape, cv2.GC_PR_FGD, np.uint8)
    seeds[scene.background_distance < 12.0] = cv2.GC_PR_BGD
    seeds[scene.border] = cv2.GC_BGD
    return seeds


def _salient_region(scene: _Scene) -> Mask:
    region = scene.saliency > max(0.1, _otsu(scene.saliency))
    labels, count = ndimage.label(region)
    if count == 0:
        return region
    sizes = ndimage.sum_labels(scene.saliency, labels, index=np.arange(1, count + 1))
    keep: Mask = labels == (int(np.argmax(sizes)) + 1)
    return keep


def _box_seeds(scene: _Scene) -> npt.NDArray[np.uint8]:
    height, width = scene.border.shape
    seeds = np.full((height, width), cv2.GC_BGD, np.uint8)
    region = _salient_region(scene)
    if not region.any():
        return seeds
    ys, xs = np.nonzero(region)
    pad_x, pad_y = round(0.05 * width), round(0.05 * height)
    x0, x1 = max(1, xs.min() - pad_x), min(width - 1, xs.max() + 1 + pad_x)
    y0, y1 = max(1, ys.min() - pad_y), min(height - 1, ys.max() + 1 + pad_y)
    seeds[y0:y1, x0:x1] = cv2.GC_PR_FGD
    return seeds


def _saliency_seeds(scene: _Scene) -> npt.NDArray[np.uint8]:
    seeds = np.full(scene.border.shape, cv2.GC_PR_BGD, np.uint8)
    region = _salient_region(scene)
    seeds[region] = cv2.GC_PR_FGD
    core = _erode(region, max(2, round(0.03 * max(region.shape))))
    seeds[core & scene.foreign] = cv2.GC_FGD
    seeds[scene.border] = cv2.GC_BGD
    return seeds


def _local_contrast(scene: _Scene, mask: Mask) -> tuple[float, Mask]:
    """Mean Lab distance between the colours just inside and just outside the outline, compared locally."""
    radius = max(2, round(0.015 * max(mask.shape)))
    eroded = _erode(mask, radius)
    dilated = _dilate(mask, radius)
    outline = mask & ~_erode(mask)
    sigma = 1.5 * radius

    def local_mean(ring: Mask) -> Floats:
        weight = cv2.GaussianBlur(ring.astype(np.float32), (0, 0), sigma) + 1e-6
        total = cv2.GaussianBlur(scene.lab * ring[..., None], (0, 0), sigma)
        mean: Floats = total / weight[..., None]
        return mean

    inside, outside = local_mean(mask & ~eroded), local_mean(dilated & ~mask)
    difference = np.sqrt(((inside - outside) ** 2).sum(axis=2))
    return float(difference[outline].mean()) if outline.any() else 0.0, outline


def _score(scene: _Scene, mask: Mask) -> float:
    """Outline contrast (a true outline separates different colours everywhere; a shadow's edge does not), less
    what it leaves out that does not look like background just around it (a cut through the object), less the
    share of the picture's border it touches, plus a little compactness."""
    area = int(mask.sum())
    if area < MIN_OBJECT_SHARE * mask.size or area > MAX_OBJECT_SHARE * mask.size:
        return -1.0
    contrast, outline = _local_contrast(scene, mask)
    perimeter = max(1, int(outline.sum()))
    filled = ndimage.binary_fill_holes(mask)  # a hole may show anything: it is not "left out"
    band = _dilate(filled, max(3, round(0.05 * max(mask.shape)))) & ~filled
    # Foreign pixels left just outside: a part cut off the object, unless they reach the frame (clutter).
    outside_foreign, count = ndimage.label(scene.foreign & ~filled)
    clutter = np.unique(outside_foreign[scene.frame & (outside_foreign > 0)])
    cut_off = (outside_foreign > 0) & ~np.isin(outside_foreign, clutter)
    left_out = float(cut_off[band].mean()) if band.any() and count else 0.0
    # Contact with the frame: within 4 % of the picture's edge (the border seeding keeps a band of 2 % clear).
    border_contact = float(mask[scene.frame].mean())
    compactness = min(1.0, 4 * np.pi * area / perimeter**2)
    touch = 0.3 if border_contact > 0 else 0.0
    # Background taken in: the share of the mask whose colour is one of the border's (a filled see-through hole).
    taken_in = float(scene.background_like[mask].mean())
    return round(
        contrast / 60.0
        - 4.0 * max(0.0, left_out - 0.04)
        - 1.0 * taken_in
        - touch
        - 1.5 * border_contact
        + 0.05 * compactness,
        4,
    )


def _fills_box(mask: Mask, box: Box) -> bool:
    """Whether a mask is a plausible answer to a box: at least BOX_MIN_FILL of the box."""
    area = (box.x1 - box.x0) * (box.y1 - box.y0)
    return int(mask[box.y0 : box.y1, box.x0 : box.x1].sum()) >= BOX_MIN_FILL * area


def _without_shadow(scene: _Scene, mask: Mask) -> Mask | None:
    """The mask less its cast shadow: the shadow-like pixels, opened so that thin dark parts of the object stay."""
    shadow = ndimage.binary_opening(
        mask & scene.shadow_like & (scene.background_distance > 4.0), iterations=2
    )
    if shadow.sum() < 0.01 * mask.sum():
        return None
    rest = mask & ~shadow
    return rest if rest.any() else None


def fill_opaque_holes(lab: Floats, mask: Mask) -> Mask:
    """`mask` with the holes that do not show what lies around the object filled (`lab`: the picture in Lab at the
    mask's size). A hole is see-through when most of its pixels have one of the colours of a band just outside the
    object."""
    filled = ndimage.binary_fill_holes(mask)
    labels, count = ndimage.label(filled & ~mask)
    if count == 0:
        return mask
    band = _dilate(filled, max(3, round(0.04 * max(mask.shape)))) & ~filled
    if not band.any():
        return np.asarray(filled, bool)
    around = _colour_centres(lab[band], 6)
    band_distance = _nearest_distance(lab[band], around)
    typical = float(np.percentile(band_distance, 90)) + 4.0
    holes = labels > 0
    like_around = np.zeros(mask.shape, np.float32)
    like_around[holes] = _nearest_distance(lab[holes], around) <= typical
    see_through = ndimage.mean(like_around, labels, index=np.arange(1, count + 1))
    fill = np.flatnonzero(np.asarray(see_through) < 0.5) + 1
    return mask | np.isin(labels, fill)


def segment(
    rgb: npt.NDArray[np.uint8], prompts: Prompts | None = None, deadline: Deadline | None = None
) -> ObjectMask:
    """The best of several GrabCut hypotheses at the size of `rgb` (already cleaned)."""
    prompts = prompts or Prompts()
    deadline = deadline or Deadline.none()
    cv2.setRNGSeed(0)  # k-means and GrabCut's colour models start from OpenCV's RNG: same picture, same mask
    scene = _scene(rgb, prompts.box)
    seeders: dict[str, Callable[[_Scene], npt.NDArray[np.uint8]]] = (
        # With a box: GrabCut from the box; if that finds nothing, the other seedings inside it (outside background).
        {"box": _box_seeds_from_prompt(prompts), "border": _border_seeds, "saliency": _saliency_seeds}
        if prompts.box is not None
        else {"border": _border_seeds, "box": _box_seeds, "saliency": _saliency_seeds}
    )
    candidates: dict[str, Mask] = {}
    for name, seeder in seeders.items():
        deadline.check("segmentation")
        seeds = seeder(scene)
        _apply_prompts(seeds, prompts)
        raw = _grabcut(scene, seeds, deadline)
        if raw is None or not raw.any():
            continue
        try:
            candidates[name] = fill_opaque_holes(scene.lab, clean_mask(raw, prompts))
        except NoObjectFoundError:
            continue
        shadowless = _without_shadow(scene, candidates[name])
        if shadowless is not None:
            with contextlib.suppress(NoObjectFoundError):
                candidates[f"{name}-shadowless"] = fill_opaque_holes(
                    scene.lab, clean_mask(shadowless, prompts)
                )
        if prompts.box is not None and name in candidates and _fills_box(candidates[name], prompts.box):
            break  # the user's box found an object: it is GrabCut's own start; the others are only a fallback
    if not candidates:
        raise NoObjectFoundError("no object found (segmentation): every pixel looks like the background")
    scores = {name: _score(scene, mask) for name, mask in candidates.items()}
    best = max(scores, key=lambda name: scores[name])
    return ObjectMask(candidates[best], "segmentation", best, scores[best], scores)


def _box_seeds_from_prompt(prompts: Prompts) -> Callable[[_Scene], npt.NDArray[np.uint8]]:
    """GrabCut from the user's box: inside probably object, except the background's own colours (seen outside the
    box) which are probably background; outside certainly background (_apply_prompts)."""

    def seeds(scene: _Scene) -> npt.NDArray[np.uint8]:
        inside = np.full(scene.border.shape, cv2.GC_PR_FGD, np.uint8)
        inside[scene.background_distance < 8.0] = cv2.GC_PR_BGD
        return inside

    return seeds


def clean_mask(
    mask: Mask, prompts: Prompts | None = None, holes: bool = True, group_share: float | None = None
) -> Mask:
    """Keeps the component(s) under the positive points (or the largest, with the parts near it; with `group_share`,
    every component at least that share of the largest: a group of like objects), removes specks, fills small
    holes."""
    opened = ndimage.binary_opening(mask, structure=np.ones((3, 3), bool)) if mask.sum() > 64 else mask
    labels, count = ndimage.label(opened if opened.any() else mask)
    if count == 0:
        raise NoObjectFoundError("the mask is empty: no pixel belongs to an object")
    chosen = {int(labels[p.y, p.x]) for p in (prompts.positives if prompts else ())} - {0}
    if not chosen and group_share is not None:
        sizes = ndimage.sum_labels(np.ones_like(labels), labels, index=np.arange(1, count + 1))
        typical = float(np.median(sizes[sizes >= group_share * sizes.max()]))
        chosen = {int(i) + 1 for i in np.flatnonzero(sizes >= group_share * typical)}
    if not chosen:
        chosen = _main_parts(labels, count)
    component = np.isin(labels, list(chosen))
    if holes:
        hole_mask = ndimage.binary_fill_holes(component) & ~component
        hole_labels, hole_count = ndimage.label(hole_mask)
        if hole_count:
            hole_sizes = ndimage.sum_labels(
                np.ones_like(hole_labels), hole_labels, index=np.arange(1, hole_count + 1)
            )
            small = np.flatnonzero(hole_sizes < SMALL_HOLE_SHARE * component.sum()) + 1
            component |= np.isin(hole_labels, small)
    return np.asarray(component, dtype=bool)


def _main_parts(labels: npt.NDArray[np.int32], count: int) -> set[int]:
    """The largest component, and any other at least a third its size lying close to it (an object split by a
    stripe of the background's colour, such as a two-colour logo cut by a white band, keeps both halves)."""
    sizes = ndimage.sum_labels(np.ones_like(labels), labels, index=np.arange(1, count + 1))
    largest = int(np.argmax(sizes)) + 1
    chosen = {largest}
    candidates = [i + 1 for i in np.flatnonzero(sizes >= PART_SHARE * sizes.max()) if i + 1 != largest]
    if candidates:
        reach = max(2, round(PART_GAP * max(labels.shape)))
        near_largest = _dilate(labels == largest, reach)
        chosen |= {c for c in candidates if bool(np.any(near_largest & (labels == c)))}
    return chosen


def object_mask(
    image: DecodedImage,
    size: tuple[int, int],
    prompts: Prompts | None = None,
    user_mask: DecodedImage | None = None,
    deadline: Deadline | None = None,
    *,
    learned: LearnedSegmenter | None = None,
) -> ObjectMask:
    """The cleaned object mask at `size` (width, height): user mask, else meaningful alpha, else segmentation
    (the weight-free hypotheses, and the learned model where they are not confident: `segment_photo`)."""
    prompts = prompts or Prompts()
    prompts.check_inside(image.width, image.height)
    scaled = prompts.scaled(size[0] / image.width, size[1] / image.height, size)
    if user_mask is not None:
        found = ObjectMask(_checked(mask_from_user(user_mask, image, size), "user-mask"), "user-mask")
    else:
        from_alpha = None if image.alpha is None else mask_from_alpha(image.alpha, size)
        if from_alpha is None:
            return segment_photo(image.rgb, size, prompts, deadline, learned)
        found = ObjectMask(_checked(from_alpha, "alpha"), "alpha")
    return ObjectMask(clean_mask(found.mask, scaled), found.source)


# Decision 0026: when both paths can run, which mask is kept. Tuned on the tuning split (the 24 composites, the eight
# named scikit-image photos and three photos of subjects filling the frame: raccoon, cookie box, notebook) and, for
# the second revision (PART_OF_MODEL, MODEL_AT_FRAME, hole filling, the typical region's size), on the two seen
# held-out splits too; only held-out-3 (frozen in a9a051b) never informed these numbers.
# The weight-free mask is kept without running the model (the fast path) on a plain backdrop (the 90th percentile
# of the border's distance to its own colours), with nothing object-like left outside it, and a clean outline.
PLAIN_BACKDROP = 3.0
NOTHING_LEFT_OUTSIDE = 0.01
CONFIDENT_CLASSIC_SCORE = 0.6
# Where both ran: masks overlapping this much agree (the model's outline is kept: it follows the picture's detail).
AGREEMENT = 0.85
# Where they disagree, the weight-free mask is kept only when it is sound (a fair score, nothing object-like left
# outside) and the outline score prefers it by this much; otherwise the model's.
SOUND_CLASSIC_SCORE = 0.3
CLASSIC_MARGIN = 0.5
# The model's probability above which a pixel is the object.
LEARNED_THRESHOLD = 0.5
# The model's doubt: its pixels of middling probability (between UNSURE and 1 - UNSURE) per pixel of its mask. A
# model sure of its answer has a thin band of them along the outline (tuning split, IS-Net at 768: 0.01-0.17); one
# that is not (a subject filling the frame, a flat graphic) has half as many as its mask or more (0.50-1.97). When
# it doubts, its regions grow into the connected pixels it still gives GROW_LOW or more (hysteresis, as Canny's
# edges), and a sound weight-free mask needs no margin to be preferred.
UNSURE = 0.1
DOUBTFUL_MODEL = 0.3
GROW_LOW = 0.05
# The model's regions kept together: at least this share of the typical one (the median of those at least this
# share of the largest: like objects that touch merge into one larger region, and the frame cuts others short).
LEARNED_GROUP_SHARE = 0.2
# The weight-free mask is a part of the model's cut short by the frame (`_truncated_by_frame`) when this share of it
# lies inside the model's mask and the model's mask covers this share of the picture's frame (its outer 4 %).
PART_OF_MODEL = 0.9
MODEL_AT_FRAME = 0.05


@dataclass(frozen=True)
class _ClassicVerdict:
    """What the weight-free result says about itself, at the segmentation's working size."""

    mask: ObjectMask
    scene: _Scene
    small: Mask  # the refined mask at the working size
    backdrop: float  # 90th percentile of the border's distance to the border's colours (low: plain)
    left_outside: float  # share of the picture that is object-like, outside the mask and off the frame

    @property
    def confident(self) -> bool:
        return (
            self.backdrop <= PLAIN_BACKDROP
            and self.left_outside <= NOTHING_LEFT_OUTSIDE
            and (self.mask.score or 0.0) >= CONFIDENT_CLASSIC_SCORE
        )


def segment_photo(
    rgb: npt.NDArray[np.uint8],
    size: tuple[int, int],
    prompts: Prompts,
    deadline: Deadline | None,
    learned: LearnedSegmenter | None,
) -> ObjectMask:
    """Segmentation, combining the two paths (decision 0026): the weight-free hypotheses first (fast); when they are
    not confident and a model is installed, the model's mask too, steered by the same prompts; then one of the two
    by their agreement and what each says of itself."""
    deadline = deadline or Deadline.none()
    scaled = prompts.scaled(size[0] / rgb.shape[1], size[1] / rgb.shape[0], size)
    verdict: _ClassicVerdict | None = None
    try:
        rough = segment_at(rgb, size, prompts, deadline)
        refined = refine_outline(rgb, rough.mask, size, scaled)
        classic = replace(rough, mask=_checked(refined, "segmentation"), path="classic")
        if learned is None:
            return classic
        verdict = _verdict(rgb, size, prompts, classic)
        if verdict.confident and not prompts.points and prompts.box is None:
            return replace(classic, model=learned.card.name)
    except NoObjectFoundError:
        if learned is None:
            raise
    deadline.check("learned segmentation")
    soft = cv2.resize(learned.predict(rgb), size, interpolation=cv2.INTER_LINEAR)
    name, provider = learned.card.name, learned.provider
    doubtful = model_doubt(soft) >= DOUBTFUL_MODEL
    try:
        steered = steer_learned(soft, scaled, verdict.mask.mask if verdict else None, grow=doubtful)
        model_mask = _checked(_opaque_holes_filled(rgb, steered, size, scaled), "segmentation")
    except NoObjectFoundError:
        if verdict is None:
            raise
        return replace(verdict.mask, model=name, provider=provider)
    if verdict is None:
        return ObjectMask(model_mask, "segmentation", "learned", None, {}, "learned", name, provider)
    small = (
        cv2.resize(model_mask.astype(np.uint8), verdict.small.shape[::-1], interpolation=cv2.INTER_NEAREST)
        > 0
    )
    model_score = _score(verdict.scene, small)
    classic_score = verdict.mask.score or 0.0
    scores = {**verdict.mask.scores, "learned": model_score, "learned-doubt": round(model_doubt(soft), 3)}
    agreement = float((small & verdict.small).sum()) / max(1, int((small | verdict.small).sum()))
    truncated = _truncated_by_frame(verdict, small)
    if not truncated and prefers_classic(
        agreement, classic_score, verdict.left_outside, model_score, doubtful
    ):
        return replace(verdict.mask, scores=scores, model=name, provider=provider)
    return ObjectMask(model_mask, "segmentation", "learned", model_score, scores, "learned", name, provider)


def _truncated_by_frame(verdict: _ClassicVerdict, model_small: Mask) -> bool:
    """Whether the weight-free mask is a part of the model's that the frame cut short: it lies (almost) inside the
    model's mask, and the model's runs into the picture's frame. The weight-free path takes the picture's border for
    background, so it cannot follow a subject out of the frame (a portrait's shoulders, a hand, a plant's leaves)."""
    classic = verdict.small
    inside = float((classic & model_small).sum()) / max(1, int(classic.sum()))
    return inside >= PART_OF_MODEL and float(model_small[verdict.scene.frame].mean()) >= MODEL_AT_FRAME


def _opaque_holes_filled(
    rgb: npt.NDArray[np.uint8], mask: Mask, size: tuple[int, int], prompts: Prompts
) -> Mask:
    """The model's mask with its holes filled where they do not show the background around the object (the white
    patches of a butterfly's wings, which the model half-believes), except a hole a negative point marks."""
    if not ndimage.binary_fill_holes(mask).sum() > mask.sum():
        return mask
    lab = cv2.cvtColor(_scaled(rgb, size), cv2.COLOR_RGB2LAB).astype(np.float32)
    filled = fill_opaque_holes(lab, mask)
    if any(not p.positive and filled[p.y, p.x] and not mask[p.y, p.x] for p in prompts.points):
        added, _ = ndimage.label(filled & ~mask)
        marked = {int(added[p.y, p.x]) for p in prompts.points if not p.positive} - {0}
        filled &= ~np.isin(added, list(marked))
    return filled


def prefers_classic(
    agreement: float, classic_score: float, left_outside: float, model_score: float, doubtful: bool
) -> bool:
    """Where both paths ran: the weight-free mask is kept only when the two disagree, it is sound (a fair score,
    nothing object-like left outside) and its outline scores better than the model's, by CLASSIC_MARGIN when the
    model is sure of its answer, by any amount when it doubts."""
    return (
        agreement < AGREEMENT
        and classic_score >= SOUND_CLASSIC_SCORE
        and left_outside <= NOTHING_LEFT_OUTSIDE
        and classic_score - model_score >= (0.0 if doubtful else CLASSIC_MARGIN)
    )


def _verdict(
    rgb: npt.NDArray[np.uint8], size: tuple[int, int], prompts: Prompts, classic: ObjectMask
) -> _ClassicVerdict:
    work = _work_size(size)
    scene = _scene(
        _scaled(rgb, work), prompts.scaled(work[0] / rgb.shape[1], work[1] / rgb.shape[0], work).box
    )
    small = cv2.resize(classic.mask.astype(np.uint8), work, interpolation=cv2.INTER_NEAREST) > 0
    backdrop = float(np.percentile(scene.background_distance[scene.border], 90))
    left_outside = float((scene.foreign & ~_dilate(small, 3) & ~scene.frame).mean())
    return _ClassicVerdict(classic, scene, small, backdrop, left_outside)


def model_doubt(soft: Floats) -> float:
    """Pixels the model is unsure of (probability between UNSURE and 1 - UNSURE) per pixel of its mask."""
    unsure = int(np.count_nonzero((soft > UNSURE) & (soft < 1.0 - UNSURE)))
    return unsure / max(1, int(np.count_nonzero(soft >= LEARNED_THRESHOLD)))


def _grown(soft: Floats) -> Mask:
    """The model's sure regions with every pixel of at least GROW_LOW connected to them (hysteresis)."""
    weak = soft >= GROW_LOW
    labels, _ = ndimage.label(weak)
    seeds = np.unique(labels[soft >= LEARNED_THRESHOLD])
    grown: Mask = np.isin(labels, seeds[seeds > 0])
    return grown


def steer_learned(soft: Floats, prompts: Prompts, classic: Mask | None = None, grow: bool = False) -> Mask:
    """The model's mask at the prompts' scale (with `grow`, a doubting model's regions grown into what it still
    half-believes: `_grown`), steered as SAM's prompts steer: nothing outside the box; a negative point drops the
    region it lies in; a positive point the model missed brings in the weight-free mask's region there; then the
    positive points pick the regions kept, else every sizeable one (clean_mask)."""
    probable = _grown(soft) if grow else soft >= LEARNED_THRESHOLD
    if prompts.box is not None:
        b = prompts.box
        inside = np.zeros_like(probable)
        inside[b.y0 : b.y1, b.x0 : b.x1] = True
        probable &= inside
    labels, _ = ndimage.label(probable)
    for p in prompts.points:
        if not p.positive and labels[p.y, p.x]:
            probable &= labels != labels[p.y, p.x]
    if classic is not None:
        classic_labels, _ = ndimage.label(classic)
        for p in prompts.positives:
            if not probable[p.y, p.x] and classic_labels[p.y, p.x]:
                probable |= classic_labels == classic_labels[p.y, p.x]
    if not probable.any():
        raise NoObjectFoundError("no object found (learned segmentation): the model sees no object there")
    # Several like objects (coins on a table) are the picture's subject together: the model has already left out
    # the background, so every sizeable region it found is kept (decision 0026); a positive point picks one.
    return clean_mask(probable, prompts, group_share=LEARNED_GROUP_SHARE)


def _work_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size the weight-free segmentation works at (SEGMENT_LONG_SIDE on the long side at most)."""
    return scaled_to_long_side(*size, SEGMENT_LONG_SIDE)


def segment_at(
    rgb: npt.NDArray[np.uint8], size: tuple[int, int], prompts: Prompts, deadline: Deadline | None
) -> ObjectMask:
    """Segments at most SEGMENT_LONG_SIDE pixels on the long side (GrabCut's cost grows with the pixel count);
    the mask comes back at that working size (refine_outline brings it to `size`)."""
    work = _work_size(size)
    image_h, image_w = rgb.shape[:2]
    return segment(_scaled(rgb, work), prompts.scaled(work[0] / image_w, work[1] / image_h, work), deadline)


def refine_outline(
    rgb: npt.NDArray[np.uint8], mask: Mask, size: tuple[int, int], prompts: Prompts | None = None
) -> Mask:
    """The mask at `size`, its outline snapped to the picture's colour edges: in a thin band around the upsampled
    outline each pixel joins the side (object or background) whose nearby colours it is closer to. The nearby
    colours are averaged at the mask's own resolution (they vary slowly) and only the band is compared at `size`."""
    width, height = size
    small_h, small_w = mask.shape
    soft = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    upsampled: Mask = np.asarray(soft >= 0.5, bool)
    if (small_w, small_h) == size:
        return upsampled
    radius = max(1, round(0.75 * max(width, height) / max(small_w, small_h)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    as_u8 = upsampled.astype(np.uint8)
    band = (cv2.dilate(as_u8, kernel) > 0) & ~(cv2.erode(as_u8, kernel) > 0)
    if not band.any():
        return upsampled
    small_lab = cv2.cvtColor(_scaled(rgb, (small_w, small_h)), cv2.COLOR_RGB2LAB).astype(np.float32)
    ring = np.ones((3, 3), bool)

    def local_mean(region: Mask) -> Floats:
        weight = cv2.GaussianBlur(region.astype(np.float32), (0, 0), 2.0) + 1e-6
        mean = cv2.GaussianBlur(small_lab * region[..., None], (0, 0), 2.0) / weight[..., None]
        upscaled: Floats = cv2.resize(mean, size, interpolation=cv2.INTER_LINEAR)
        return upscaled

    inside = local_mean(ndimage.binary_erosion(mask, ring))
    outside = local_mean(~ndimage.binary_dilation(mask, ring))
    rows, cols = np.nonzero(band)
    lab = cv2.cvtColor(rgb if rgb.shape[1::-1] == size else _scaled(rgb, size), cv2.COLOR_RGB2LAB)
    pixels = lab[rows, cols].astype(np.float32)
    closer_inside = ((pixels - inside[rows, cols]) ** 2).sum(axis=1) < (
        (pixels - outside[rows, cols]) ** 2
    ).sum(axis=1)
    refined = upsampled.copy()
    refined[rows, cols] = closer_inside
    if prompts is not None and prompts.box is not None:
        b = prompts.box  # nor cross the user's box
        inside_box = np.zeros_like(refined)
        inside_box[b.y0 : b.y1, b.x0 : b.x1] = True
        refined &= inside_box
    if prompts is not None and prompts.points:
        # The user's points are certain: the snap may not move them to the other side.
        marks = refined.astype(np.uint8)
        radius = max(2, round(0.015 * max(width, height)))
        for p in prompts.points:
            cv2.circle(marks, (p.x, p.y), radius, int(p.positive), -1)
        refined = marks > 0
    # The snap may only move the outline: pieces it cut loose from the rough mask's interior are dropped.
    count, labels = cv2.connectedComponents(refined.astype(np.uint8), connectivity=8)
    interior = ~band & upsampled
    keep = np.unique(labels[interior & refined])
    kept = np.isin(labels, keep[keep > 0]) if count > 1 else refined
    return np.asarray(kept, bool) if kept.any() else upsampled


def _checked(mask: Mask, source: str) -> Mask:
    share = float(mask.mean())
    if share < MIN_OBJECT_SHARE:
        raise NoObjectFoundError(f"no object found ({source}): the mask covers {share:.2%} of the picture")
    if share > MAX_OBJECT_SHARE:
        raise NoObjectFoundError(f"no object found ({source}): the mask covers the whole picture")
    return mask
