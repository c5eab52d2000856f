"""Segmentation ground truth built from pictures that ship inside scikit-image (no download, no weights).

Each case is an object whose exact mask is known, composited onto a real background at 1024 x 1024:
cutouts (the scikit-image logo's own alpha, the horse silhouette), photo "stickers" (a shape filled with a crop
of a real photo), shaded solid and textured objects, on plain studio backdrops, paper, brick, gravel, grass, a
starfield and cluttered crops of real photos, some with a soft cast shadow (the shadow is not the object).
The list is fixed and deterministic: the benchmark and the quality test measure the same pictures every time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import numpy.typing as npt
from skimage import data

SIZE = 1024
Rgb = npt.NDArray[np.uint8]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Case:
    name: str
    rgb: Rgb  # SIZE x SIZE x 3
    truth: Bool  # SIZE x SIZE, True on the object
    tags: tuple[str, ...]  # plain | textured | cluttered | shadow | cutout | photo


def _fit(image: npt.NDArray[np.uint8], size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    """Crops to the aspect ratio of `size` (width, height) around the centre, then resizes."""
    height, width = image.shape[:2]
    target = size[0] / size[1]
    if width / height > target:
        new_w = round(height * target)
        x0 = (width - new_w) // 2
        image = image[:, x0 : x0 + new_w]
    else:
        new_h = round(width / target)
        y0 = (height - new_h) // 2
        image = image[y0 : y0 + new_h]
    resized: npt.NDArray[np.uint8] = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
    return resized


def _rgb(image: npt.NDArray[np.uint8]) -> Rgb:
    return np.dstack([image] * 3) if image.ndim == 2 else np.ascontiguousarray(image[..., :3])


def _tint(grey: npt.NDArray[np.uint8], colour: tuple[int, int, int]) -> Rgb:
    shade = grey.astype(np.float32)[..., None] / 255.0
    return np.asarray((shade * np.array(colour, np.float32) * 1.4).clip(0, 255), np.uint8)


# --- backgrounds (SIZE x SIZE x 3) -------------------------------------------------------------------------


def _studio(colour: tuple[int, int, int], seed: int) -> Rgb:
    rng = np.random.default_rng(seed)
    rows = np.linspace(-18, 18, SIZE, dtype=np.float32)[:, None, None]
    cols = np.linspace(-8, 8, SIZE, dtype=np.float32)[None, :, None]
    image = np.array(colour, np.float32) + rows + cols + rng.normal(0, 2.5, (SIZE, SIZE, 3))
    return np.asarray(image.clip(0, 255), np.uint8)


@cache
def _backgrounds() -> dict[str, Rgb]:
    left, _right, _disparity = data.stereo_motorcycle()
    return {
        "studio-light": _studio((226, 224, 218), 1),
        "studio-dark": _studio((48, 50, 56), 2),
        "studio-blue": _studio((70, 110, 170), 3),
        "paper": _fit(_rgb(np.where(data.page() > 120, 235, data.page()).astype(np.uint8)), (SIZE, SIZE)),
        "brick": _fit(_tint(data.brick(), (170, 95, 70)), (SIZE, SIZE)),
        "gravel": _fit(_rgb(data.gravel()), (SIZE, SIZE)),
        "grass": _fit(_tint(data.grass(), (90, 150, 60)), (SIZE, SIZE)),
        "stars": _fit(data.hubble_deep_field(), (SIZE, SIZE)),
        "coffee-table": _fit(data.coffee()[:, :180], (SIZE, SIZE)),
        "astronaut-room": _fit(data.astronaut()[:, 330:], (SIZE, SIZE)),
        "workshop": _fit(left[:, :260], (SIZE, SIZE)),
        "rocket-sky": _fit(data.rocket()[:200, :], (SIZE, SIZE)),
    }


# --- object shapes (SIZE x SIZE masks, drawn around the centre) -----------------------------------------------


def _canvas() -> npt.NDArray[np.uint8]:
    return np.zeros((SIZE, SIZE), np.uint8)


def _egg() -> npt.NDArray[np.uint8]:
    m = _canvas()
    cv2.ellipse(m, (512, 520), (250, 330), 0, 0, 360, 255, -1)
    return m


def _star() -> npt.NDArray[np.uint8]:
    m = _canvas()
    angles = np.linspace(-np.pi / 2, 3 * np.pi / 2, 11)[:-1]
    radii = np.where(np.arange(10) % 2 == 0, 400, 190)
    points = np.stack([512 + radii * np.cos(angles), 530 + radii * np.sin(angles)], 1).astype(np.int32)
    cv2.fillPoly(m, [points], 255)
    return m


def _mug() -> npt.NDArray[np.uint8]:
    m = _canvas()
    cv2.rectangle(m, (300, 260), (640, 800), 255, -1)
    cv2.ellipse(m, (640, 520), (170, 170), 0, -90, 90, 255, 60)  # the handle: a ring with a real hole
    return m


def _bottle() -> npt.NDArray[np.uint8]:
    m = _canvas()
    cv2.rectangle(m, (400, 420), (624, 900), 255, -1)
    cv2.ellipse(m, (512, 420), (112, 120), 0, 180, 360, 255, -1)
    cv2.rectangle(m, (470, 150), (554, 320), 255, -1)
    return m


def _blob(seed: int) -> npt.NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * np.pi, 361)[:-1]
    radius = 300 + sum(rng.uniform(15, 60) * np.sin(k * angles + rng.uniform(0, 6.3)) for k in (2, 3, 5))
    points = np.stack([512 + radius * np.cos(angles), 512 + radius * np.sin(angles)], 1).astype(np.int32)
    m = _canvas()
    cv2.fillPoly(m, [points], 255)
    return m


def _horse() -> npt.NDArray[np.uint8]:
    horse = (~data.horse()).astype(np.uint8) * 255  # scikit-image's horse is black on white
    m = _canvas()
    big = cv2.resize(horse, (760, 623), interpolation=cv2.INTER_NEAREST)
    m[200:823, 132:892] = big
    return m


def _ring() -> npt.NDArray[np.uint8]:
    m = _canvas()
    cv2.circle(m, (512, 512), 360, 255, -1)
    cv2.circle(m, (512, 512), 170, 0, -1)
    return m


def _shifted(mask: npt.NDArray[np.uint8], dx: int, dy: int, scale: float = 1.0) -> npt.NDArray[np.uint8]:
    matrix = np.array([[scale, 0, 512 * (1 - scale) + dx], [0, scale, 512 * (1 - scale) + dy]], np.float32)
    moved: npt.NDArray[np.uint8] = cv2.warpAffine(mask, matrix, (SIZE, SIZE), flags=cv2.INTER_NEAREST)
    return moved


# --- object fills ---------------------------------------------------------------------------------------------


def _shaded(mask: npt.NDArray[np.uint8], colour: tuple[int, int, int]) -> Rgb:
    """A solid, matte-shaded object: lighter in the middle, darker towards its outline (light from top-left)."""
    inside = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 5)
    bulge = np.sqrt(np.clip(inside / max(1.0, float(inside.max())), 0, 1))
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    light = 0.55 + 0.35 * bulge + 0.15 * (1 - rows) + 0.05 * (1 - cols)
    return np.asarray((light[..., None] * np.array(colour, np.float32)).clip(0, 255), np.uint8)


# A fill colours the object, given its mask: matte paint, a photo, or a tinted texture.
Fill = Callable[[npt.NDArray[np.uint8]], Rgb]
Picture = Callable[
    [], npt.NDArray[np.uint8]
]  # one of scikit-image's `data` pictures, loaded when a case is built


def _paint(colour: tuple[int, int, int]) -> Fill:
    return lambda mask: _shaded(mask, colour)


def _photo(picture: Picture) -> Fill:
    return lambda _mask: _fit(_rgb(picture()), (SIZE, SIZE))


def _texture(grey: Picture, colour: tuple[int, int, int]) -> Fill:
    return lambda _mask: _fit(_tint(grey(), colour), (SIZE, SIZE))


# --- compositing ---------------------------------------------------------------------------------------------


def _composite(background: Rgb, fill: Rgb, mask: npt.NDArray[np.uint8], shadow: bool) -> tuple[Rgb, Bool]:
    image = background.astype(np.float32)
    if shadow:
        cast = cv2.GaussianBlur(_shifted(mask, 45, 35), (0, 0), 18).astype(np.float32) / 255.0
        image *= (1.0 - 0.45 * cast)[..., None]
    # A one-pixel anti-aliased edge, as a real cutout or photo has; truth is the pixels at least half covered.
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 0.8)
    image = image * (1 - alpha[..., None]) + fill.astype(np.float32) * alpha[..., None]
    return np.asarray(image.clip(0, 255).round(), np.uint8), alpha >= 0.5


def _logo_case(background: str, shadow: bool) -> tuple[Rgb, Bool]:
    logo = data.logo()
    big = cv2.resize(logo, (760, 760), interpolation=cv2.INTER_CUBIC)
    fill = np.zeros((SIZE, SIZE, 3), np.uint8)
    mask = _canvas()
    # The logo is a disc on an opaque white square: the object is the disc (the white corners are not part of it).
    opaque = big[..., 3] >= 128
    white = opaque & (big[..., :3].min(axis=2) > 235)
    _, labels = cv2.connectedComponents(white.astype(np.uint8))
    corners = {int(labels[y, x]) for y in (0, 759) for x in (0, 759)} - {0}
    disc = opaque & ~np.isin(labels, list(corners))
    fill[132:892, 132:892] = big[..., :3]
    mask[132:892, 132:892] = disc.astype(np.uint8) * 255
    return _composite(_backgrounds()[background], fill, mask, shadow)


Builder = Callable[[], tuple[Rgb, Bool]]


@dataclass(frozen=True)
class _Spec:
    """One case as the table below states it: its name, its tags and how to draw it."""

    name: str
    tags: tuple[str, ...]
    build: Builder


def _case(
    name: str,
    tags: tuple[str, ...],
    shape: Callable[[], npt.NDArray[np.uint8]],
    fill: Fill,
    bg: str,
) -> _Spec:
    """A drawn shape, filled, on the background `bg`; the tag "shadow" gives it a soft cast shadow."""

    def build() -> tuple[Rgb, Bool]:
        mask = shape()
        return _composite(_backgrounds()[bg], fill(mask), mask, "shadow" in tags)

    return _Spec(name, tags, build)


def _logo(name: str, tags: tuple[str, ...], bg: str) -> _Spec:
    return _Spec(name, tags, lambda: _logo_case(bg, "shadow" in tags))


_CASES: tuple[_Spec, ...] = (
    _logo("logo-on-studio", ("cutout", "plain"), "studio-light"),
    _logo("logo-on-paper-shadow", ("cutout", "textured", "shadow"), "paper"),
    _logo("logo-on-workshop", ("cutout", "cluttered"), "workshop"),
    _case("horse-bronze-on-studio", ("cutout", "plain"), _horse, _paint((150, 100, 50)), "studio-light"),
    _case("horse-chelsea-on-grass", ("cutout", "photo", "textured"), _horse, _photo(data.chelsea), "grass"),
    _case("horse-white-on-stars", ("cutout", "plain"), _horse, _paint((235, 235, 240)), "stars"),
    _case("egg-red-on-studio", ("plain",), _egg, _paint((200, 40, 40)), "studio-light"),
    _case("egg-red-on-studio-shadow", ("plain", "shadow"), _egg, _paint((200, 40, 40)), "studio-light"),
    _case("egg-coffee-on-brick", ("photo", "textured"), _egg, _photo(data.coffee), "brick"),
    _case("star-gold-on-dark", ("plain",), _star, _paint((230, 180, 40)), "studio-dark"),
    _case("star-astronaut-on-gravel", ("photo", "textured"), _star, _photo(data.astronaut), "gravel"),
    _case("mug-blue-on-coffee-table", ("cluttered",), _mug, _paint((40, 80, 200)), "coffee-table"),
    _case("mug-white-on-blue-shadow", ("plain", "shadow"), _mug, _paint((240, 238, 232)), "studio-blue"),
    _case("bottle-green-on-paper", ("textured",), _bottle, _paint((40, 140, 60)), "paper"),
    _case(
        "bottle-brick-on-studio",
        ("textured", "plain"),
        _bottle,
        _texture(data.brick, (190, 110, 80)),
        "studio-light",
    ),
    _case(
        "blob-rocket-on-astronaut-room",
        ("photo", "cluttered"),
        lambda: _blob(4),
        _photo(data.rocket),
        "astronaut-room",
    ),
    _case(
        "blob-gravel-on-blue",
        ("textured", "plain"),
        lambda: _blob(5),
        _texture(data.gravel, (200, 190, 170)),
        "studio-blue",
    ),
    _case("blob-purple-on-workshop", ("cluttered",), lambda: _blob(6), _paint((130, 50, 160)), "workshop"),
    _case("ring-orange-on-grass", ("textured",), _ring, _paint((240, 130, 30)), "grass"),
    # The slide's white glass on a white backdrop has no outline to find: that picture is in PROMPT_CASES.
    _case("ring-ihc-on-dark", ("photo", "plain"), _ring, _photo(data.immunohistochemistry), "studio-dark"),
    _case(
        "small-egg-off-centre",
        ("plain",),
        lambda: _shifted(_egg(), -230, 180, 0.45),
        _paint((60, 160, 170)),
        "studio-light",
    ),
    _case(
        "small-star-on-rocket-sky",
        ("photo",),
        lambda: _shifted(_star(), 200, -150, 0.5),
        _paint((220, 40, 120)),
        "rocket-sky",
    ),
    _case(
        "large-egg-chelsea-on-studio",
        ("photo", "plain"),
        lambda: _shifted(_egg(), 0, 0, 1.35),
        _photo(data.chelsea),
        "studio-dark",
    ),
    _case("bottle-coffee-on-stars-shadow", ("photo", "shadow"), _bottle, _photo(data.coffee), "stars"),
)

CASE_NAMES: tuple[str, ...] = tuple(spec.name for spec in _CASES)

# Pictures no automatic method can get right (parts of the object have exactly the backdrop's colour and
# texture), where a prompt must: measured with a box prompt around the object.
_PROMPT_CASES: tuple[_Spec, ...] = (
    _case(
        "ring-ihc-on-white",
        ("photo", "plain", "prompt"),
        _ring,
        _photo(data.immunohistochemistry),
        "studio-light",
    ),
)
PROMPT_CASE_NAMES: tuple[str, ...] = tuple(spec.name for spec in _PROMPT_CASES)


def build_case(name: str) -> Case:
    for spec in (*_CASES, *_PROMPT_CASES):
        if spec.name == name:
            rgb, truth = spec.build()
            return Case(name=name, rgb=rgb, truth=truth, tags=spec.tags)
    raise KeyError(name)


def truth_box(case: Case, margin: int = 12) -> tuple[int, int, int, int]:
    """The object's bounding box (x0, y0, x1, y1), a few pixels larger: what a user would drag around it."""
    ys, xs = np.nonzero(case.truth)
    return (
        max(0, int(xs.min()) - margin),
        max(0, int(ys.min()) - margin),
        min(SIZE, int(xs.max()) + 1 + margin),
        min(SIZE, int(ys.max()) + 1 + margin),
    )


def all_cases() -> list[Case]:
    return [build_case(name) for name in CASE_NAMES]
