"""Builds PNG files of every legal kind for tests (pypng writes what Pillow cannot: 16-bit, interlaced, tRNS)."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt
import png


def encode(rows: npt.NDArray[Any], **info: Any) -> bytes:
    """rows: H x W x C (or H x W) integer array; info: pypng Writer options (greyscale, alpha, bitdepth, ...)."""
    height, width = rows.shape[:2]
    flat = rows.reshape(height, -1)
    out = io.BytesIO()
    png.Writer(width, height, **info).write(out, flat.tolist())
    return out.getvalue()


def rgba(array: npt.NDArray[np.uint8]) -> bytes:
    return encode(array, greyscale=False, alpha=True, bitdepth=8)


def rgb(array: npt.NDArray[np.uint8]) -> bytes:
    return encode(array, greyscale=False, alpha=False, bitdepth=8)


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def header_only(width: int, height: int, bit_depth: int = 8, colour_type: int = 6) -> bytes:
    """A PNG that claims a size in its IHDR, with a tiny IDAT: what a decompression bomb looks like up front."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
