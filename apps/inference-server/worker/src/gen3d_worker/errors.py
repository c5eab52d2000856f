"""Typed errors of the worker. Their `type_name`s are the `type` the sidecar and lambdas see: each one is a key of
JOB_ERRORS in libs/events/src/errors.ts (a test on the TypeScript side compares them).

Domain errors carry no HTTP status: the hosts map them at their HTTP edge (hosts/http.py).
"""

from __future__ import annotations

from typing import ClassVar


class WorkerError(Exception):
    """Base of every error a caller can act on. `type_name` crosses process boundaries unchanged."""

    type_name: ClassVar[str] = "InternalError"

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type_name, "message": str(self)}


class InputError(WorkerError):
    """The picture (or a mask or prompt that came with it) cannot give a mesh; retrying will not help."""


class EmptyImageError(InputError):
    type_name = "EmptyImageError"


class NotAPngError(InputError):
    type_name = "NotAPngError"


class CorruptImageError(InputError):
    type_name = "CorruptImageError"


class ImageTooLargeError(InputError):
    type_name = "ImageTooLargeError"


class NoObjectFoundError(InputError):
    type_name = "NoObjectFoundError"


class InvalidRequestError(WorkerError):
    type_name = "InvalidRequestError"


class BackendUnavailableError(WorkerError):
    """The chosen backend cannot run here (weights, CUDA or GPU memory missing)."""

    type_name = "BackendUnavailableError"


class JobTimeoutError(WorkerError):
    """The caller's time budget (X-Gen3D-Timeout-Ms) ran out before the job finished; the work was stopped."""

    type_name = "JobTimeoutError"


# Every concrete error type the worker can answer with (tests compare this with libs/events JOB_ERRORS).
ERROR_TYPES: tuple[type[WorkerError], ...] = (
    WorkerError,
    EmptyImageError,
    NotAPngError,
    CorruptImageError,
    ImageTooLargeError,
    NoObjectFoundError,
    InvalidRequestError,
    BackendUnavailableError,
    JobTimeoutError,
)
