"""Input limits, configurable through the environment (GEN3D_MAX_*), checked before any pixel is decoded."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageLimits:
    max_width: int = 8192
    max_height: int = 8192
    max_pixels: int = 4096 * 4096
    max_bytes: int = 50 * 1024 * 1024

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ImageLimits:
        source = os.environ if env is None else env
        defaults = cls()

        def read(name: str, fallback: int) -> int:
            raw = source.get(name)
            if raw is None or raw == "":
                return fallback
            if not raw.isdigit() or int(raw) <= 0:
                raise ValueError(f"{name} must be a positive integer; got {raw!r}")
            return int(raw)

        return cls(
            max_width=read("GEN3D_MAX_WIDTH", defaults.max_width),
            max_height=read("GEN3D_MAX_HEIGHT", defaults.max_height),
            max_pixels=read("GEN3D_MAX_PIXELS", defaults.max_pixels),
            max_bytes=read("GEN3D_MAX_BYTES", defaults.max_bytes),
        )
