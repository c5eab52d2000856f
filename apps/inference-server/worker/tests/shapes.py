"""Made-up test pictures: shapes on transparent or plain backgrounds, with known colours."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
SIZE = 256


Mask = npt.NDArray[np.uint8]
Stroke = Callable[[Mask], object]  # draws on a mask in place


def canvas() -> Mask:
    return np.zeros((SIZE, SIZE), np.uint8)


def painted(*strokes: Stroke) -> Mask:
    """A blank SIZE x SIZE mask with each stroke drawn on it, in order."""
    m = canvas()
    for stroke in strokes:
        stroke(m)
    return m


def disc(centre: tuple[int, int], radius: int, value: int = 255) -> Stroke:
    """A filled circle; value 0 cuts a hole."""
    return lambda m: cv2.circle(m, centre, radius, value, -1)


def box(rows: slice, cols: slice) -> Stroke:
    """A filled rectangle: the pixels m[rows, cols]."""

    def draw(m: Mask) -> None:
        m[rows, cols] = 255

    return draw


def disk() -> Mask:
    return painted(disc((128, 128), 80))


def square() -> Mask:
    return painted(box(slice(60, 196), slice(60, 196)))


def ring() -> Mask:
    return painted(disc((128, 128), 80), disc((128, 128), 40, 0))


def l_shape() -> Mask:
    return painted(box(slice(40, 216), slice(50, 110)), box(slice(156, 216), slice(50, 210)))


def two_blobs() -> Mask:
    return painted(disc((80, 128), 55), disc((200, 128), 30))


SHAPES = {"disk": disk, "square": square, "ring": ring, "l_shape": l_shape, "two_blobs": two_blobs}


def two_tone_rgba(mask: npt.NDArray[np.uint8]) -> Image:
    """Red left half, blue right half, alpha from the mask."""
    image = np.zeros((SIZE, SIZE, 4), np.uint8)
    image[:, : SIZE // 2, :3] = (220, 30, 30)
    image[:, SIZE // 2 :, :3] = (30, 40, 220)
    image[..., 3] = mask
    return image


def photo(
    mask: npt.NDArray[np.uint8], seed: int = 0, background: tuple[int, int, int] = (232, 230, 225)
) -> Image:
    """An opaque RGB 'photo': a textured object on a slightly noisy, slightly shaded plain background."""
    rng = np.random.default_rng(seed)
    rows = np.linspace(-12, 12, SIZE)[:, None, None]
    image = np.asarray(background, np.float32)[None, None, :] + rows + rng.normal(0, 3, (SIZE, SIZE, 3))
    stripes = (np.arange(SIZE)[None, :] // 16 % 2).astype(np.float32)[:, :, None]
    obj = np.array([40, 90, 170], np.float32) + 40 * stripes + rng.normal(0, 6, (SIZE, SIZE, 3))
    image = np.where(mask[:, :, None] > 0, obj, image)
    return np.asarray(image.clip(0, 255), np.uint8)
