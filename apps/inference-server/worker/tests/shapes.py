"""Made-up test pictures: shapes on transparent or plain backgrounds, with known colours."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
SIZE = 256


def canvas() -> npt.NDArray[np.uint8]:
    return np.zeros((SIZE, SIZE), np.uint8)


def disk() -> npt.NDArray[np.uint8]:
    m = canvas()
    cv2.circle(m, (128, 128), 80, 255, -1)
    return m


def square() -> npt.NDArray[np.uint8]:
    m = canvas()
    m[60:196, 60:196] = 255
    return m


def ring() -> npt.NDArray[np.uint8]:
    m = disk()
    cv2.circle(m, (128, 128), 40, 0, -1)
    return m


def l_shape() -> npt.NDArray[np.uint8]:
    m = canvas()
    m[40:216, 50:110] = 255
    m[156:216, 50:210] = 255
    return m


def two_blobs() -> npt.NDArray[np.uint8]:
    m = canvas()
    cv2.circle(m, (80, 128), 55, 255, -1)
    cv2.circle(m, (200, 128), 30, 255, -1)
    return m


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
