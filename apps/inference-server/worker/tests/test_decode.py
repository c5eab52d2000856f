from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from gen3d_worker.decode import decode_png, read_png_header
from gen3d_worker.errors import CorruptImageError, EmptyImageError, ImageTooLargeError, NotAPngError
from gen3d_worker.limits import ImageLimits

from .pngs import encode, header_only, rgb, rgba

H, W = 6, 8
GRADIENT = (np.arange(H * W, dtype=np.uint16).reshape(H, W) * 1000).astype(np.uint16)


def test_rgba_8bit_keeps_colour_and_alpha() -> None:
    pixels = np.zeros((H, W, 4), np.uint8)
    pixels[..., 0] = 200
    pixels[2:4, 2:6, 3] = 255
    image = decode_png(rgba(pixels))
    assert image.rgb.shape == (H, W, 3) and image.rgb[0, 0, 0] == 200
    assert image.alpha is not None and image.alpha[3, 3] == 255 and image.alpha[0, 0] == 0
    assert image.header.kind == "RGBA 8-bit"


def test_rgb_8bit_has_no_alpha() -> None:
    image = decode_png(rgb(np.full((H, W, 3), 7, np.uint8)))
    assert image.alpha is None and int(image.rgb.max()) == 7


def test_grey_16bit_is_scaled_to_8bit() -> None:
    image = decode_png(encode(GRADIENT, greyscale=True, bitdepth=16))
    assert image.header.kind == "grey 16-bit"
    np.testing.assert_array_equal(image.rgb[..., 1], (GRADIENT >> 8).astype(np.uint8))


def test_rgba_16bit() -> None:
    pixels = np.zeros((H, W, 4), np.uint16)
    pixels[..., 2] = 65535
    pixels[1:3, 1:3, 3] = 65535
    image = decode_png(encode(pixels, greyscale=False, alpha=True, bitdepth=16))
    assert image.rgb[0, 0, 2] == 255 and image.alpha is not None and image.alpha[1, 1] == 255
    assert image.alpha[0, 0] == 0


def test_grey_alpha_8bit() -> None:
    pixels = np.zeros((H, W, 2), np.uint8)
    pixels[..., 0] = 90
    pixels[0, 0, 1] = 255
    image = decode_png(encode(pixels, greyscale=True, alpha=True, bitdepth=8))
    assert image.alpha is not None and image.alpha[0, 0] == 255 and image.alpha[1, 1] == 0
    assert tuple(image.rgb[0, 0]) == (90, 90, 90)


def test_palette_with_trns_becomes_alpha() -> None:
    indices = np.zeros((H, W), np.uint8)
    indices[2:4, 3:5] = 1
    palette = [(0, 0, 0, 0), (250, 10, 10, 255)]
    image = decode_png(encode(indices, palette=palette, bitdepth=8))
    assert image.header.kind == "palette 8-bit"
    assert image.alpha is not None and image.alpha[2, 3] == 255 and image.alpha[0, 0] == 0
    assert tuple(image.rgb[2, 3]) == (250, 10, 10)


def test_grey_1bit() -> None:
    bits = np.zeros((H, W), np.uint8)
    bits[1, 1] = 1
    image = decode_png(encode(bits, greyscale=True, bitdepth=1))
    assert tuple(image.rgb[1, 1]) == (255, 255, 255) and tuple(image.rgb[0, 0]) == (0, 0, 0)


def test_interlaced_decodes_like_progressive() -> None:
    pixels = np.random.default_rng(1).integers(0, 256, (17, 23, 3), dtype=np.uint8)
    plain = decode_png(encode(pixels, greyscale=False, bitdepth=8))
    adam7 = decode_png(encode(pixels, greyscale=False, bitdepth=8, interlace=True))
    assert adam7.header.interlaced and not plain.header.interlaced
    np.testing.assert_array_equal(adam7.rgb, plain.rgb)


def test_empty_file() -> None:
    with pytest.raises(EmptyImageError):
        decode_png(b"")


def test_jpeg_under_a_png_name_is_named() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="JPEG")
    with pytest.raises(NotAPngError, match="looks like a JPEG image"):
        decode_png(buffer.getvalue())


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"GIF89a....", "GIF"),
        (b"hello, world\n", "text"),
        (b"<svg xmlns='x'/>", "SVG"),
        (b"\x01\x02\x03", "binary"),
    ],
)
def test_other_content_is_not_a_png(data: bytes, name: str) -> None:
    with pytest.raises(NotAPngError, match=name):
        decode_png(data)


def test_truncated_png_is_corrupt() -> None:
    data = rgb(np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    for cut in (4, 20, len(data) // 2, len(data) - 13):
        with pytest.raises(CorruptImageError):
            decode_png(data[:cut])


def test_flipped_bit_in_image_data_is_corrupt() -> None:
    data = bytearray(rgb(np.random.default_rng(3).integers(0, 256, (32, 32, 3), dtype=np.uint8)))
    data[60] ^= 0xFF
    with pytest.raises(CorruptImageError):
        decode_png(bytes(data))


def test_bad_ihdr_crc_is_corrupt() -> None:
    data = bytearray(rgb(np.zeros((4, 4, 3), np.uint8)))
    data[29] ^= 0x01
    with pytest.raises(CorruptImageError, match="CRC"):
        decode_png(bytes(data))


def test_decompression_bomb_is_refused_from_the_header() -> None:
    with pytest.raises(ImageTooLargeError, match="100000x100000"):
        read_png_header(header_only(100_000, 100_000), ImageLimits())


def test_limits_are_configurable() -> None:
    limits = ImageLimits.from_env({"GEN3D_MAX_PIXELS": "100"})
    with pytest.raises(ImageTooLargeError):
        decode_png(rgb(np.zeros((11, 10, 3), np.uint8)), limits)
    decode_png(rgb(np.zeros((10, 10, 3), np.uint8)), limits)
    with pytest.raises(ValueError, match="GEN3D_MAX_PIXELS"):
        ImageLimits.from_env({"GEN3D_MAX_PIXELS": "-3"})


def test_illegal_bit_depth_is_corrupt() -> None:
    with pytest.raises(CorruptImageError, match="illegal PNG bit depth"):
        read_png_header(header_only(4, 4, bit_depth=16, colour_type=3), ImageLimits())
