"""TorchServe handler (the GPU container's worker host). Packaged into gen3d.mar by torch-model-archiver.

Each request in a batch is one job; the fields of its multipart body arrive as the keys of its dict.
"""

from __future__ import annotations

import logging
from typing import Any

from ts.torch_handler.base_handler import BaseHandler

from gen3d_worker.deadline import TIMEOUT_HEADER, Deadline
from gen3d_worker.errors import WorkerError
from gen3d_worker.hosts.http import error_response, http_response
from gen3d_worker.service import WorkerService

log = logging.getLogger(__name__)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"unexpected field type {type(value).__name__}")


def _header(context: Any, index: int, name: str) -> str | None:
    """A request header as TorchServe passes it on (its frontend keeps the client's spelling or lower-cases it)."""
    for key in (name, name.lower()):
        value = context.get_request_header(index, key)
        if value is not None:
            return value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)
    return None


class Gen3DHandler(BaseHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.service: WorkerService | None = None

    def initialize(self, context: Any) -> None:
        # Loads the configured backends once; a backend that cannot load fails the model load with its message.
        self.service = WorkerService.from_env()
        self.context = context
        self.initialized = True
        log.info("gen3d handler ready with backends %s", ", ".join(self.service.reconstructor.backends))

    def handle(self, data: list[dict[str, Any]], context: Any) -> list[bytes]:
        assert self.service is not None, "initialize() was not called"
        bodies: list[bytes] = []
        for index, request in enumerate(data):
            fields = {str(key): _as_bytes(value) for key, value in request.items() if value is not None}
            if "image" not in fields and "body" in fields:
                fields["image"] = fields.pop("body")
            try:
                deadline = Deadline.from_header(_header(context, index, TIMEOUT_HEADER))
            except WorkerError as error:
                response = error_response(error)
            else:
                response = http_response(self.service.handle(fields, deadline))
            context.set_response_status(response.status, "", idx=index)
            for key, value in response.headers.items():
                context.set_response_header(index, key, value)
            bodies.append(response.body)
        return bodies


_handler = Gen3DHandler()


def handle(data: list[dict[str, Any]] | None, context: Any) -> list[bytes] | None:
    """Module-level entry point TorchServe calls (handler = torchserve_handler:handle)."""
    try:
        if not _handler.initialized:
            _handler.initialize(context)
        if data is None:
            return None
        return _handler.handle(data, context)
    except WorkerError as error:
        raise RuntimeError(f"{error.type_name}: {error}") from error
