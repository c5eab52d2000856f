"""The worker's request/response protocol, shared by every host (embedded HTTP, TorchServe, tests): PROTOCOL.md.

Request: multipart/form-data fields `image` (PNG), optional `mask` (PNG), optional `options` (JSON), optional
`extras` (JSON list, extras.py; a mask preview ignores it). Outcome: a `Success` (body, content type and the report
for the X-Gen3D-Report header) or a `WorkerError`; the hosts turn it into HTTP at their edge (hosts/http.py), where
the statuses live.

- task "reconstruct", formats ["ply"] (the default): the PLY itself, application/octet-stream (as before);
- task "reconstruct" with other formats: multipart/form-data, one part per format, named after it;
- task "reconstruct" with the form field `extras` (extras.py): multipart/form-data, the formats' parts, then one
  part per extra (`thumbnail`, `mask`), named after it;
- task "mask": the mask as an 8-bit greyscale PNG (255 = object), image/png.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from .backends import Backend, BackendName
from .backends.inflate import InflateBackend
from .backends.sam3d import Sam3dBackend, Sam3dSettings
from .deadline import Deadline
from .errors import BackendUnavailableError, InvalidRequestError, WorkerError
from .export import CONTENT_TYPES, MeshFormat
from .extras import EXTRA_CONTENT_TYPES, EXTRA_FILENAMES, Extra, parse_extras
from .limits import ImageLimits
from .pipeline import JobInput, JobOptions, Reconstructor
from .segmenter import load_segmenter

REPORT_HEADER = "X-Gen3D-Report"
MODEL_NAME = "gen3d"
log = logging.getLogger("gen3d_worker")


@dataclass(frozen=True)
class Success:
    body: bytes
    content_type: str
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": self.content_type,
            REPORT_HEADER: json.dumps(self.report, separators=(",", ":")),
        }


Outcome = Success | WorkerError


def multipart_files(
    files: dict[MeshFormat, bytes], extras: dict[Extra, bytes] | None = None
) -> tuple[bytes, str]:
    """The mesh files as one multipart/form-data body: a part per format, named after it, then a part per extra
    (PROTOCOL.md)."""
    boundary = f"gen3d-{uuid.uuid4().hex}"
    described = [(fmt, f"mesh.{fmt}", CONTENT_TYPES[fmt], data) for fmt, data in files.items()] + [
        (extra, EXTRA_FILENAMES[extra], EXTRA_CONTENT_TYPES[extra], data)
        for extra, data in (extras or {}).items()
    ]
    parts = [
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode("ascii")
        + data
        + b"\r\n"
        for name, filename, content_type, data in described
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode("ascii")
    return body, f"multipart/form-data; boundary={boundary}"


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
    def __init__(self, reconstructor: Reconstructor, sam3d_fallback: BackendName | None = None) -> None:
        self.reconstructor = reconstructor
        self.sam3d_fallback = sam3d_fallback

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> WorkerService:
        source = dict(os.environ if env is None else env)
        fallback = source.get("GEN3D_SAM3D_FALLBACK") or None
        if fallback not in (None, "inflate"):
            raise BackendUnavailableError("GEN3D_SAM3D_FALLBACK may only be 'inflate'")
        reconstructor = Reconstructor(
            load_backends(source), ImageLimits.from_env(source), load_segmenter(source)
        )
        return cls(reconstructor, "inflate" if fallback else None)

    def handle(self, fields: dict[str, bytes], deadline: Deadline | None = None) -> Outcome:
        """One request. Never raises: a bug is reported as an InternalError and the host keeps serving."""
        deadline = deadline or Deadline.none()
        try:
            return self._handle(fields, deadline)
        except WorkerError as error:
            log.warning("job refused: %s: %s", error.type_name, error)
            return error
        except Exception as error:  # a bug must not take the host down: report it, keep serving
            log.exception("job failed unexpectedly")
            return WorkerError(f"unexpected {type(error).__name__}: {error}")

    def _handle(self, fields: dict[str, bytes], deadline: Deadline) -> Success:
        image = fields.get("image")
        if image is None:
            raise InvalidRequestError("the request has no 'image' field")
        options = parse_options(fields.get("options"))
        extras = parse_extras(fields.get("extras"))
        started_ms = time.time() * 1000
        if options.task == "mask":
            preview = self.reconstructor.mask(JobInput(image, options, fields.get("mask"), deadline))
            return Success(preview.png, "image/png", {**preview.report, "host": _host(started_ms)})
        fallback_from: BackendName | None = None
        if (
            options.backend == "sam3d"
            and "sam3d" not in self.reconstructor.backends
            and self.sam3d_fallback is not None
        ):
            fallback_from, options = "sam3d", replace(options, backend=self.sam3d_fallback)
        output = self.reconstructor.run(JobInput(image, options, fields.get("mask"), deadline), extras)
        report: dict[str, Any] = dict(output.report)
        if fallback_from is not None:
            report["fallbackFrom"] = fallback_from
        report["host"] = _host(started_ms)
        if options.formats == ("ply",) and not extras:
            return Success(output.ply, "application/octet-stream", report)
        body, content_type = multipart_files(output.files, output.extras)
        return Success(body, content_type, report)


def _host(started_ms: float) -> dict[str, Any]:
    return {"pid": os.getpid(), "startedAtMs": started_ms, "finishedAtMs": time.time() * 1000}


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
