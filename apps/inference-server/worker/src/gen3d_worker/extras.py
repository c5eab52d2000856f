"""Files a reconstruction job answers besides the mesh, when the client asks for them (PROTOCOL.md, `extras`):

- `thumbnail`: a picture of the mesh the job made (thumbnail.py): 512 x 512 RGB PNG, a shaded three-quarter view;
- `mask`: the object mask the job used, at the picture's size: 8-bit greyscale PNG, 255 = object, 0 = background
  (the same encoding as the mask preview, `task: "mask"`).

They are asked for in the request's own form field `extras` (a JSON list), not in `options`: they change what the
answer carries, not how the mesh is made, and a client that does not ask gets the answer it always got.
"""

from __future__ import annotations

import json
from typing import Final, Literal, cast

import cv2
import numpy as np
import numpy.typing as npt

from .errors import InvalidRequestError
from .name_list import read_name_list

Extra = Literal["thumbnail", "mask"]
EXTRAS: Final[tuple[Extra, ...]] = ("thumbnail", "mask")
EXTRA_CONTENT_TYPES: Final[dict[Extra, str]] = {"thumbnail": "image/png", "mask": "image/png"}
EXTRA_FILENAMES: Final[dict[Extra, str]] = {"thumbnail": "thumbnail.png", "mask": "mask.png"}


def parse_extras(raw: bytes | None) -> tuple[Extra, ...]:
    """The `extras` form field: absent or empty is none; else a JSON list of known names, each at most once."""
    if raw is None or raw.strip() == b"":
        return ()
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRequestError(f"extras are not JSON: {error}") from error
    return cast("tuple[Extra, ...]", read_name_list(value, EXTRAS, "extra", non_empty=False))


def mask_png(mask: npt.NDArray[np.bool_], width: int, height: int) -> bytes:
    """A mask (at any working size) as an 8-bit greyscale PNG of width x height: 255 on the object. A smaller mask
    is scaled up smoothly and cut at half, so its outline is not blocky."""
    plane = mask.astype(np.uint8) * 255
    if plane.shape != (height, width):
        smooth = cv2.resize(plane, (width, height), interpolation=cv2.INTER_LINEAR)
        plane = np.where(smooth >= 128, 255, 0).astype(np.uint8)
    ok, encoded = cv2.imencode(".png", plane, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit plane
        raise RuntimeError("PNG encoding failed")
    return encoded.tobytes()
