"""Typed errors of the worker. Their class names are the `type` the sidecar and lambdas see (libs/events)."""

from __future__ import annotations

from typing import ClassVar


class WorkerError(Exception):
    """Base of every error a caller can act on. `type_name` crosses process boundaries unchanged."""

    type_name: ClassVar[str] = "InternalError"
    http_status: ClassVar[int] = 500

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type_name, "message": str(self)}


class InputError(WorkerError):
    http_status = 422


class EmptyImageError(InputError):
    type_name = "EmptyImageError"


class NotAPngError(InputError):
    type_name = "NotAPngError"


class CorruptImageError(InputError):
    type_name = "CorruptImageError"


class ImageTooLargeError(InputError):
    type_name = "ImageTooLargeError"
    http_status = 413


class NoObjectFoundError(InputError):
    type_name = "NoObjectFoundError"


class InvalidRequestError(WorkerError):
    type_name = "InvalidRequestError"
    http_status = 400


class BackendUnavailableError(WorkerError):
    """The chosen backend cannot run here (weights, CUDA or GPU memory missing)."""

    type_name = "BackendUnavailableError"
    http_status = 503
