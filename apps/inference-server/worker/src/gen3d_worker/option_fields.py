"""The job options as the sidecar sends them (PROTOCOL.md): one entry per key, naming the JobOptions field it fills
and how the value is read. Keys, kinds and limits are those of `WorkerOptionsSchema` in libs/events, the one schema
of these options: tests/test_schema_parity.py checks this table against its JSON Schema
(libs/events/schemas/worker-options.schema.json)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, cast, get_args

from .backends import BackendName, Quality
from .backends.shapes import ShapeChoice
from .decimate import MAX_TARGET_FACES, MIN_TARGET_FACES
from .encode import PlyFormat
from .errors import InvalidRequestError
from .export import MESH_FORMATS, MeshFormat
from .mask import Box, Point, PromptPoint
from .name_list import read_name_list

Task = Literal["reconstruct", "mask"]
MAX_POINTS: Final = 64
# Pixel coordinates are bounded as the TypeScript side bounds them; no accepted picture is that large anyway.
MAX_PIXEL: Final = 99_999
MAX_SEED: Final = 2**31 - 1

Reader = Callable[[Any], object]


@dataclass(frozen=True)
class OptionField:
    attribute: str  # the JobOptions field it fills
    read: Reader  # the value, or InvalidRequestError with the message the sidecar's 400 carries
    null_is_absent: bool = False  # JSON null leaves the field at its default (None)


def _is_integer(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_pixel(value: object) -> bool:
    return _is_integer(value, 0, MAX_PIXEL)


def _one_of(key: str, values: tuple[str, ...]) -> Reader:
    shown = ", ".join(repr(v) for v in values[:-1]) + f" or {values[-1]!r}"

    def read(value: Any) -> object:
        if value not in values:
            raise InvalidRequestError(f"{key} must be {shown}; got {value!r}")
        return value

    return read


def _integer(key: str, low: int, high: int, shown_high: str | None = None) -> Reader:
    def read(value: Any) -> object:
        if not _is_integer(value, low, high):
            raise InvalidRequestError(f"{key} must be an integer from {low} to {shown_high or high}")
        return value

    return read


def _point(raw: Any) -> Point:
    if not (isinstance(raw, dict) and set(raw) == {"x", "y"} and all(_is_pixel(raw[k]) for k in ("x", "y"))):
        raise InvalidRequestError("point must be {x, y} with non-negative integer pixel coordinates")
    return Point(raw["x"], raw["y"])


def _points(raw: Any) -> tuple[PromptPoint, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_POINTS:
        raise InvalidRequestError(f"points must be a list of at most {MAX_POINTS} {{x, y, label}}")
    points = []
    for item in raw:
        if not (
            isinstance(item, dict)
            and set(item) == {"x", "y", "label"}
            and _is_pixel(item["x"])
            and _is_pixel(item["y"])
            and item["label"] in (0, 1)
            and not isinstance(item["label"], bool)
        ):
            raise InvalidRequestError(
                "each point is {x, y, label}: pixel coordinates and label 1 (object) or 0 (background)"
            )
        points.append(PromptPoint(item["x"], item["y"], item["label"] == 1))
    return tuple(points)


def _box(raw: Any) -> Box:
    if not (
        isinstance(raw, dict)
        and set(raw) == {"x0", "y0", "x1", "y1"}
        and all(_is_pixel(raw[k]) for k in ("x0", "y0", "x1", "y1"))
        and raw["x0"] < raw["x1"]
        and raw["y0"] < raw["y1"]
    ):
        raise InvalidRequestError(
            "box must be {x0, y0, x1, y1}: pixels, x0 < x1 and y0 < y1 (x1, y1 exclusive)"
        )
    return Box(raw["x0"], raw["y0"], raw["x1"], raw["y1"])


def _formats(raw: Any) -> tuple[MeshFormat, ...]:
    return cast("tuple[MeshFormat, ...]", read_name_list(raw, MESH_FORMATS, "format", non_empty=True))


# In the order the options are checked: with several bad options, the first one's message is the answer.
# maskKey is the sidecar's business: it sends the mask itself, never the key.
OPTION_FIELDS: Final[dict[str, OptionField]] = {
    "task": OptionField("task", _one_of("task", get_args(Task))),
    "backend": OptionField("backend", _one_of("backend", get_args(BackendName))),
    "quality": OptionField("quality", _one_of("quality", get_args(Quality))),
    "plyFormat": OptionField("ply_format", _one_of("plyFormat", get_args(PlyFormat))),
    "point": OptionField("point", _point, null_is_absent=True),
    "seed": OptionField("seed", _integer("seed", 0, MAX_SEED, shown_high="2^31-1")),
    "targetFaces": OptionField(
        "target_faces",
        _integer("targetFaces", MIN_TARGET_FACES, MAX_TARGET_FACES),
        null_is_absent=True,
    ),
    "shape": OptionField("shape", _one_of("shape", get_args(ShapeChoice))),
    "points": OptionField("points", _points),
    "box": OptionField("box", _box, null_is_absent=True),
    "formats": OptionField("formats", _formats),
}


def read_options(raw: dict[str, Any]) -> dict[str, Any]:
    """The JobOptions fields that `raw` sets, each checked; an unknown key is an error, an absent one is left out."""
    unknown = set(raw) - set(OPTION_FIELDS)
    if unknown:
        raise InvalidRequestError(f"unknown options: {', '.join(sorted(unknown))}")
    return {
        field.attribute: field.read(raw[key])
        for key, field in OPTION_FIELDS.items()
        if key in raw and not (raw[key] is None and field.null_is_absent)
    }
