"""The HTTP edge of the worker hosts: domain outcomes to HTTP statuses, bodies and headers (PROTOCOL.md).

The statuses live here, not on the errors: the same error is an exit code in the CLI and a status over HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import (
    BackendUnavailableError,
    ImageTooLargeError,
    InputError,
    InvalidRequestError,
    JobTimeoutError,
    WorkerError,
)
from ..service import Outcome, Success

# The first entry on an error's class hierarchy wins (ImageTooLargeError is an InputError, but 413).
HTTP_STATUS: dict[type[WorkerError], int] = {
    ImageTooLargeError: 413,
    InputError: 422,
    InvalidRequestError: 400,
    BackendUnavailableError: 503,
    JobTimeoutError: 504,
    WorkerError: 500,
}


def status_for(error: WorkerError) -> int:
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500  # pragma: no cover - WorkerError is always on the hierarchy


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def error_response(error: WorkerError, status: int | None = None) -> HttpResponse:
    body = json.dumps({"error": error.to_dict()}).encode()
    return HttpResponse(status or status_for(error), body, {"Content-Type": "application/json"})


def http_response(outcome: Outcome) -> HttpResponse:
    if isinstance(outcome, Success):
        return HttpResponse(200, outcome.body, outcome.headers)
    return error_response(outcome)
