"""The worker's side of the types that cross languages: JobOptions.from_dict and real reports, checked against the
JSON Schemas that libs/events generates from its Zod schemas (`WorkerOptionsSchema`, `WorkerReportSchema`), the one
source of both documents. A schema change on the TypeScript side that the worker does not follow fails here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args, get_type_hints

import jsonschema  # type: ignore[import-untyped]
import numpy as np
import pytest

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.errors import InvalidRequestError
from gen3d_worker.export import MeshFormat
from gen3d_worker.option_fields import OPTION_FIELDS
from gen3d_worker.pipeline import JobOptions, Reconstructor
from gen3d_worker.service import Success, WorkerService

from .pngs import rgb, rgba
from .shapes import disk, photo, square, two_tone_rgba

SCHEMAS = Path(__file__).resolve().parents[4] / "libs" / "events" / "schemas"
OPTIONS = json.loads((SCHEMAS / "worker-options.schema.json").read_text())
REPORT = json.loads((SCHEMAS / "worker-report.schema.json").read_text())
PROPERTIES: dict[str, dict[str, Any]] = OPTIONS["properties"]

# Written by the worker, not kept by the sidecar (WorkerReportSchema does not name it): the working grid of the mask,
# a diagnostic. Named here so that any other field the schema does not name fails.
NOT_KEPT = [("mask", "grid")]

# Valid values the schema cannot make by itself: a box needs x0 < x1 and y0 < y1, which JSON Schema cannot say.
EXAMPLES: dict[str, Any] = {"box": {"x0": 1, "y0": 2, "x1": 30, "y1": 40}}


def accepted(schema: dict[str, Any]) -> list[Any]:
    """Values the schema allows, its limits among them."""
    if "enum" in schema:
        return list(schema["enum"])
    if "anyOf" in schema:
        return [value for option in schema["anyOf"] for value in accepted(option)]
    if "const" in schema:
        return [schema["const"]]
    kind = schema["type"]
    if kind == "integer":
        return [schema["minimum"], schema["maximum"]]
    if kind == "object":
        parts = {key: accepted(part) for key, part in schema["properties"].items()}
        return [{key: values[0] for key, values in parts.items()}, {key: v[-1] for key, v in parts.items()}]
    if kind == "array":
        items, longest = accepted(schema["items"]), schema["maxItems"]
        full = items[:longest] if schema.get("uniqueItems") else [items[0]] * longest
        assert len(full) == longest
        return [[item] for item in items] + [full] + ([[]] if schema.get("minItems", 0) == 0 else [])
    raise AssertionError(f"a schema this test cannot read: {schema}")


def refused(schema: dict[str, Any], sample: Any) -> list[Any]:
    """Values the schema refuses: of another kind, just past a limit, or with one part wrong (`sample` is valid)."""
    if "enum" in schema:
        return [f"not-{schema['enum'][0]}", 1, [schema["enum"][0]]]
    if "anyOf" in schema:
        consts = accepted(schema)
        return [max(consts) + 1, min(consts) - 1, True, str(consts[0])]
    kind = schema["type"]
    if kind == "integer":
        low, high = schema["minimum"], schema["maximum"]
        return [low - 1, high + 1, low + 0.5, True, str(low)]
    if kind == "object":
        assert schema["additionalProperties"] is False
        return (
            [list(sample.values()), {**sample, "extra": 0}]
            + [{k: v for k, v in sample.items() if k != key} for key in schema["required"]]
            + [
                {**sample, key: bad}
                for key, part in schema["properties"].items()
                for bad in refused(part, sample[key])
            ]
        )
    if kind == "array":
        item = sample[0]
        too_short: list[Any] = [[]] if schema.get("minItems", 0) > 0 else []
        repeated = [[item, item]] if schema.get("uniqueItems") else []
        wrong_items = [[bad] for bad in refused(schema["items"], item)]
        return [{"0": item}, [item] * (schema["maxItems"] + 1), *too_short, *repeated, *wrong_items]
    raise AssertionError(f"a schema this test cannot read: {schema}")


def valid_values(key: str) -> list[Any]:
    return [EXAMPLES[key]] if key in EXAMPLES else accepted(PROPERTIES[key])


def test_the_worker_reads_exactly_the_options_the_schema_names_and_none_is_required() -> None:
    assert set(OPTION_FIELDS) == set(PROPERTIES)
    assert OPTIONS["additionalProperties"] is False and not OPTIONS.get("required")
    assert JobOptions.from_dict({}) == JobOptions()
    with pytest.raises(InvalidRequestError, match="unknown options: notAnOption"):
        JobOptions.from_dict({"notAnOption": 1})


@pytest.mark.parametrize("key", sorted(PROPERTIES))
def test_each_option_takes_every_value_the_schema_allows(key: str) -> None:
    field = OPTION_FIELDS[key].attribute
    for value in valid_values(key):
        options = JobOptions.from_dict({key: value})
        if not isinstance(value, (dict, list)):
            assert getattr(options, field) == value


@pytest.mark.parametrize("key", sorted(PROPERTIES))
def test_each_option_refuses_every_value_the_schema_refuses(key: str) -> None:
    bad_values = refused(PROPERTIES[key], valid_values(key)[0])
    assert bad_values
    for value in bad_values:
        try:
            JobOptions.from_dict({key: value})
        except InvalidRequestError:
            continue
        pytest.fail(f"{key}: {str(value)[:160]} was taken")


def test_the_choices_of_each_option_are_its_python_type() -> None:
    hints = get_type_hints(JobOptions)
    choices = {key: schema["enum"] for key, schema in PROPERTIES.items() if "enum" in schema}
    assert set(choices) == {"task", "backend", "quality", "plyFormat", "shape"}
    for key, values in choices.items():
        assert set(get_args(hints[OPTION_FIELDS[key].attribute])) == set(values), key
    assert set(get_args(MeshFormat)) == set(PROPERTIES["formats"]["items"]["enum"])


def test_the_defaults_the_schema_names_are_the_workers() -> None:
    defaults = {key: schema["default"] for key, schema in PROPERTIES.items() if "default" in schema}
    assert set(defaults) == {"task", "backend", "quality", "plyFormat"}
    for key, value in defaults.items():
        assert getattr(JobOptions(), OPTION_FIELDS[key].attribute) == value, key


def report_of(
    options: dict[str, Any], image: bytes, mask: bytes | None = None, fallback: bool = False
) -> Any:
    service = WorkerService(Reconstructor({"inflate": InflateBackend()}), "inflate" if fallback else None)
    fields = {"image": image, "options": json.dumps(options).encode(), **({"mask": mask} if mask else {})}
    outcome = service.handle(fields)
    assert isinstance(outcome, Success), outcome
    # What the sidecar reads: the report as the X-Gen3D-Report header carries it, less what it does not keep.
    report = json.loads(json.dumps(outcome.report))
    for parent, key in NOT_KEPT:
        assert key in report[parent] and key not in REPORT["properties"][parent]["properties"]
        del report[parent][key]
    return report


@pytest.fixture(scope="module")
def reports() -> list[Any]:
    return [
        # Segmentation with prompts, several formats, decimation.
        report_of(
            {
                "quality": "fast",
                "formats": ["ply", "glb", "stl"],
                "targetFaces": 400,
                "box": {"x0": 40, "y0": 40, "x1": 220, "y1": 220},
                "points": [{"x": 128, "y": 128, "label": 1}],
            },
            rgb(photo(disk())),
        ),
        # The alpha channel, a shape the user chose, sam3d asked where only inflate is loaded.
        report_of(
            {"quality": "fast", "shape": "slab", "backend": "sam3d"},
            rgba(two_tone_rgba(disk())),
            fallback=True,
        ),
        # A user mask.
        report_of({"quality": "fast"}, rgb(photo(disk())), rgb(np.dstack([square()] * 3))),
    ]


def test_real_reports_are_what_the_report_schema_says(reports: list[Any]) -> None:
    validator = jsonschema.Draft202012Validator(REPORT)
    for report in reports:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)]
        assert errors == [], errors


def test_the_reports_use_every_field_the_schema_names(reports: list[Any]) -> None:
    def seen(*path: str) -> set[str]:
        found: set[str] = set()
        for report in reports:
            part = report
            for key in path:
                part = part.get(key, {})
            found |= set(part)
        return found

    assert seen() == set(REPORT["properties"])
    assert seen("mesh") == set(REPORT["properties"]["mesh"]["properties"])
    assert seen("mask") == set(REPORT["properties"]["mask"]["properties"])
    assert {report["mask"]["source"] for report in reports} == {"segmentation", "alpha", "user-mask"}


def test_the_report_schema_refuses_what_the_worker_must_not_write(reports: list[Any]) -> None:
    validator = jsonschema.Draft202012Validator(REPORT)
    report = reports[0]
    assert not validator.is_valid({**report, "undeclared": 1})
    assert not validator.is_valid({**report, "mask": {**report["mask"], "source": "guess"}})
    assert not validator.is_valid({**report, "mesh": {**report["mesh"], "faces": -1}})
    assert not validator.is_valid({k: v for k, v in report.items() if k != "timingsMs"})
