"""Typed errors of the worker. Their `type_name`s are the `type` the sidecar and lambdas see: each one is a key of
JOB_ERRORS in libs/events/src/errors.ts (a test on the TypeScript side compares them).

Domain errors carry no HTTP status: the hosts map them at their HTTP edge (hosts/http.py).
"""

from __future__ import annotations

from typing import Any, ClassVar


class WorkerError(Exception):
    """Base of every error a caller can act on. `type_name` crosses process boundaries unchanged."""

    type_name: ClassVar[str] = "InternalError"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass's `type_name` is its own class name, unless its body sets one (Sam3dOutputError keeps
        "InternalError")."""
        super().__init_subclass__(**kwargs)
        if "type_name" not in cls.__dict__:
            cls.type_name = cls.__name__

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type_name, "message": str(self)}


class InputError(WorkerError):
    """The picture (or a mask or prompt that came with it) cannot give a mesh; retrying will not help."""

    type_name = "InternalError"  # a category, not a catalogued type: only its subclasses are raised


class EmptyImageError(InputError):
    """The upload has no bytes."""


class NotAPngError(InputError):
    """The bytes are not a PNG (the message says what they look like, when it can tell)."""


class CorruptImageError(InputError):
    """A PNG that cannot be read: truncated, a failed CRC, an illegal header."""


class ImageTooLargeError(InputError):
    """The picture or the request is over the byte or pixel limits (limits.py)."""


class NoObjectFoundError(InputError):
    """No object could be told apart from the background, or the mask given is empty."""


class InvalidRequestError(WorkerError):
    """The request itself is malformed: a missing field, options that are not JSON, unknown or out of range."""


class BackendUnavailableError(WorkerError):
    """The chosen backend cannot run here (weights, CUDA or GPU memory missing)."""


class JobTimeoutError(WorkerError):
    """The caller's time budget (X-Gen3D-Timeout-Ms) ran out before the job finished; the work was stopped."""


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
