"""Error names cross process boundaries: each is a key of JOB_ERRORS (libs/events); statuses live at the HTTP edge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gen3d_worker import errors
from gen3d_worker.backends.sam3d import Sam3dOutputError
from gen3d_worker.errors import (
    ERROR_TYPES,
    BackendUnavailableError,
    CorruptImageError,
    EmptyImageError,
    ImageTooLargeError,
    InvalidRequestError,
    JobTimeoutError,
    NoObjectFoundError,
    NotAPngError,
    WorkerError,
)
from gen3d_worker.hosts.http import error_response, status_for

EVENTS_SRC = Path(__file__).resolve().parents[4] / "libs" / "events" / "src"


def job_error_keys() -> set[str]:
    """The keys of JOB_ERRORS, read from the TypeScript source that defines it (libs/events)."""
    for source in sorted(EVENTS_SRC.glob("*.ts")):
        text = source.read_text()
        if "export const JOB_ERRORS = {" in text:
            start = text.index("export const JOB_ERRORS = {")
            body = text[start : text.index("} as const", start)]
            return set(re.findall(r"^  (\w+): \{", body, flags=re.MULTILINE))
    raise AssertionError(f"JOB_ERRORS is defined in no file of {EVENTS_SRC}")


def test_every_worker_error_name_is_in_the_job_error_catalogue() -> None:
    keys = job_error_keys()
    assert {"JobTimeoutError", "NoObjectFoundError", "InternalError"} <= keys, "the catalogue was read"
    names = {cls.type_name for cls in ERROR_TYPES}
    assert names <= keys, f"not in JOB_ERRORS: {sorted(names - keys)}"


def test_every_error_class_of_the_module_is_listed() -> None:
    defined = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, WorkerError) and value is not errors.InputError
    }
    assert defined == set(ERROR_TYPES)


def test_domain_errors_carry_no_http_status() -> None:
    for cls in ERROR_TYPES:
        assert not hasattr(cls, "http_status"), cls


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (EmptyImageError("x"), 422),
        (NotAPngError("x"), 422),
        (CorruptImageError("x"), 422),
        (NoObjectFoundError("x"), 422),
        (ImageTooLargeError("x"), 413),
        (InvalidRequestError("x"), 400),
        (BackendUnavailableError("x"), 503),
        (JobTimeoutError("x"), 504),
        (WorkerError("x"), 500),
    ],
)
def test_the_http_edge_maps_each_error_to_its_status(error: WorkerError, status: int) -> None:
    assert status_for(error) == status
    response = error_response(error)
    assert response.status == status
    assert response.body.decode().startswith('{"error": {"type": "' + error.type_name)


def test_each_error_is_named_after_its_class_unless_it_names_itself() -> None:
    assert EmptyImageError("x").to_dict() == {"type": "EmptyImageError", "message": "x"}
    assert JobTimeoutError.type_name == "JobTimeoutError"
    assert errors.InputError.type_name == "InternalError"
    assert Sam3dOutputError.type_name == "InternalError"
