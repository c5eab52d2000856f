"""Safe PNG decoding: the header is read and checked against the limits before any pixel is decoded."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from .errors import CorruptImageError, EmptyImageError, ImageTooLargeError, NotAPngError
from .limits import ImageLimits

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Legal bit depths per PNG colour type (PNG spec, table 11.1).
_COLOUR_TYPES: dict[int, tuple[str, tuple[int, ...]]] = {
    0: ("grey", (1, 2, 4, 8, 16)),
    2: ("RGB", (8, 16)),
    3: ("palette", (1, 2, 4, 8)),
    4: ("grey+alpha", (8, 16)),
    6: ("RGBA", (8, 16)),
}

# What a file that is not a PNG most likely is, by its first bytes: named in the error to help the user.
_KNOWN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
)

Pixels = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class PngHeader:
    width: int
    height: int
    bit_depth: int
    colour_type: int
    interlaced: bool

    @property
    def kind(self) -> str:
        name = _COLOUR_TYPES[self.colour_type][0]
        return f"{name} {self.bit_depth}-bit{' interlaced' if self.interlaced else ''}"


@dataclass(frozen=True)
class DecodedImage:
    rgb: Pixels  # H x W x 3, uint8
    alpha: Pixels | None  # H x W, uint8, or None when the image has no transparency
    header: PngHeader

    @property
    def width(self) -> int:
        return self.header.width

    @property
    def height(self) -> int:
        return self.header.height


def describe_content(data: bytes) -> str:
    """Names what the bytes look like, for error messages."""
    for signature, name in _KNOWN_SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP image"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return "an HEIC/AVIF image"
    head = data[:64].lstrip()
    if head.startswith((b"<svg", b"<?xml", b"<!DOCTYPE", b"<html")):
        return "an XML/SVG/HTML document"
    if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "text"
    return "unrecognised binary data"


def read_png_header(data: bytes, limits: ImageLimits) -> PngHeader:
    """Checks the signature and the IHDR chunk, and refuses an image over the limits before decoding it."""
    if len(data) == 0:
        raise EmptyImageError("the file is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise ImageTooLargeError(f"the file is {len(data)} bytes; the limit is {limits.max_bytes} bytes")
    if not data.startswith(PNG_SIGNATURE):
        if PNG_SIGNATURE.startswith(data):
            raise CorruptImageError(f"the file is truncated: only {len(data)} bytes of the PNG signature")
        raise NotAPngError(f"the file is not a PNG: it looks like {describe_content(data)}")
    ihdr = data[8 : 8 + 25]
    if len(ihdr) < 25:
        raise CorruptImageError("the file is truncated before the end of the IHDR chunk")
    length, chunk_type = struct.unpack(">I4s", ihdr[:8])
    if chunk_type != b"IHDR" or length != 13:
        raise CorruptImageError("the first chunk is not a 13-byte IHDR chunk")
    body = ihdr[8:21]
    (crc,) = struct.unpack(">I", ihdr[21:25])
    if zlib.crc32(ihdr[4:21]) != crc:
        raise CorruptImageError("the IHDR chunk fails its CRC check")
    width, height, bit_depth, colour_type, compression, filter_method, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    if colour_type not in _COLOUR_TYPES or bit_depth not in _COLOUR_TYPES[colour_type][1]:
        raise CorruptImageError(f"illegal PNG bit depth {bit_depth} for colour type {colour_type}")
    if compression != 0 or filter_method != 0 or interlace not in (0, 1):
        raise CorruptImageError("unknown PNG compression, filter or interlace method")
    if width == 0 or height == 0:
        raise CorruptImageError(f"the image has no pixels ({width}x{height})")
    if width > limits.max_width or height > limits.max_height or width * height > limits.max_pixels:
        raise ImageTooLargeError(
            f"the image is {width}x{height} ({width * height} pixels); the limits are "
            f"{limits.max_width}x{limits.max_height} and {limits.max_pixels} pixels"
        )
    return PngHeader(width, height, bit_depth, colour_type, bool(interlace))


def check_chunks(data: bytes) -> None:
    """Walks every chunk: lengths in bounds, CRCs right, IDAT present, IEND at the end (zlib-speed, no decoding)."""
    offset = len(PNG_SIGNATURE)
    seen_idat = False
    while True:
        if offset + 12 > len(data):
            raise CorruptImageError(f"the file is truncated at byte {offset}: no IEND chunk")
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        end = offset + 12 + length
        if end > len(data):
            raise CorruptImageError(f"the file is truncated inside the {kind!r} chunk at byte {offset}")
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[offset + 4 : end - 4]) != crc:
            raise CorruptImageError(f"the {kind!r} chunk at byte {offset} fails its CRC check")
        seen_idat = seen_idat or kind == b"IDAT"
        if kind == b"IEND":
            if not seen_idat:
                raise CorruptImageError("the PNG has no image data (no IDAT chunk)")
            return
        offset = end


def decode_png(data: bytes, limits: ImageLimits | None = None) -> DecodedImage:
    """Decodes any legal PNG into 8-bit RGB plus an optional alpha channel."""
    limits = limits or ImageLimits()
    header = read_png_header(data, limits)
    check_chunks(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG"])
            image.load()
            rgb, alpha = _to_rgb_alpha(image, header.bit_depth)
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error, Image.DecompressionBombWarning) as error:
        raise CorruptImageError(f"the PNG data is damaged: {error}") from error
    if rgb.shape[:2] != (header.height, header.width):
        raise CorruptImageError("the decoded size differs from the header")
    return DecodedImage(rgb=rgb, alpha=alpha, header=header)


def _to_rgb_alpha(image: Image.Image, bit_depth: int) -> tuple[Pixels, Pixels | None]:
    transparency = image.info.get("transparency")
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):
        wide = np.asarray(image).astype(np.uint32)
        grey = (wide >> 8 if bit_depth == 16 else wide).astype(np.uint8)
        alpha = None
        if isinstance(transparency, int):
            alpha = np.where(wide == transparency, 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2), alpha
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or transparency is not None
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.uint8)
        return np.ascontiguousarray(rgba[:, :, :3]), np.ascontiguousarray(rgba[:, :, 3])
    return np.asarray(image.convert("RGB"), dtype=np.uint8), None
