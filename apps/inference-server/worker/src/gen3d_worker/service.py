"""The worker's request/response protocol, shared by every host (embedded HTTP, TorchServe, tests).

Request: multipart/form-data fields `image` (PNG), optional `mask` (PNG), optional `options` (JSON, libs/events
JobOptions). Response: 200 with the PLY (application/octet-stream) and the report as JSON in the X-Gen3D-Report
header; or an error status with {"error": {"type", "message"}}.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

from .backends import Backend, BackendName
from .backends.inflate import InflateBackend
from .backends.sam3d import Sam3dBackend, Sam3dSettings
from .errors import BackendUnavailableError, InvalidRequestError, WorkerError
from .limits import ImageLimits
from .pipeline import JobOptions, Reconstructor

REPORT_HEADER = "X-Gen3D-Report"
MODEL_NAME = "gen3d"
log = logging.getLogger("gen3d_worker")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def error_response(error: WorkerError) -> Response:
    body = json.dumps({"error": error.to_dict()}).encode()
    return Response(error.http_status, body, {"Content-Type": "application/json"})


def load_backends(env: dict[str, str] | None = None) -> dict[BackendName, Backend]:
    """GEN3D_BACKENDS (default "inflate"): the backends to load at start-up. A backend that cannot load stops the
    start with its message: no silent fallback. GEN3D_SAM3D_FALLBACK=inflate makes sam3d jobs run inflate when
    sam3d is not loaded, and the report then says so."""
    source = dict(os.environ if env is None else env)
    names = [n.strip() for n in source.get("GEN3D_BACKENDS", "inflate").split(",") if n.strip()]
    backends: dict[BackendName, Backend] = {}
    for name in names:
        if name == "inflate":
            backends["inflate"] = InflateBackend()
        elif name == "sam3d":
            backends["sam3d"] = Sam3dBackend.load(Sam3dSettings.from_env(source))
        else:
            raise BackendUnavailableError(
                f"GEN3D_BACKENDS names an unknown backend {name!r} (inflate, sam3d)"
            )
    if not backends:
        raise BackendUnavailableError("GEN3D_BACKENDS names no backend")
    return backends


class WorkerService:
    def __init__(
        self,
        backends: dict[BackendName, Backend],
        limits: ImageLimits | None = None,
        sam3d_fallback: BackendName | None = None,
    ) -> None:
        self.reconstructor = Reconstructor(backends, limits)
        self.sam3d_fallback = sam3d_fallback

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> WorkerService:
        source = dict(os.environ if env is None else env)
        fallback = source.get("GEN3D_SAM3D_FALLBACK") or None
        if fallback not in (None, "inflate"):
            raise BackendUnavailableError("GEN3D_SAM3D_FALLBACK may only be 'inflate'")
        return cls(load_backends(source), ImageLimits.from_env(source), "inflate" if fallback else None)

    def handle(self, fields: dict[str, bytes]) -> Response:
        try:
            image = fields.get("image")
            if image is None:
                raise InvalidRequestError("the request has no 'image' field")
            options = parse_options(fields.get("options"))
            started_ms = time.time() * 1000
            fallback_from: BackendName | None = None
            if (
                options.backend == "sam3d"
                and "sam3d" not in self.reconstructor.backends
                and self.sam3d_fallback is not None
            ):
                fallback_from, options = (
                    "sam3d",
                    JobOptions(**{**options.__dict__, "backend": self.sam3d_fallback}),
                )
            output = self.reconstructor.run(image, options, fields.get("mask"))
            report: dict[str, Any] = dict(output.report)
            if fallback_from is not None:
                report["fallbackFrom"] = fallback_from
            report["host"] = {
                "pid": os.getpid(),
                "startedAtMs": started_ms,
                "finishedAtMs": time.time() * 1000,
            }
            return Response(
                200,
                output.ply,
                {
                    "Content-Type": "application/octet-stream",
                    REPORT_HEADER: json.dumps(report, separators=(",", ":")),
                },
            )
        except WorkerError as error:
            log.warning("job refused: %s: %s", error.type_name, error)
            return error_response(error)
        except Exception as error:  # a bug must not take the host down: report it, keep serving
            log.exception("job failed unexpectedly")
            return error_response(WorkerError(f"unexpected {type(error).__name__}: {error}"))


def parse_options(raw: bytes | None) -> JobOptions:
    if raw is None or raw.strip() == b"":
        return JobOptions()
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRequestError(f"options are not JSON: {error}") from error
    if not isinstance(value, dict):
        raise InvalidRequestError("options must be a JSON object")
    return JobOptions.from_dict(value)
