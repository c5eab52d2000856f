"""The local worker host: TorchServe's inference API subset (GET /ping, POST /predictions/{model}) on CPU, no torch.

python -m gen3d_worker.hosts.embedded --port 8085      # prints one JSON line {"ready": true, "port": N} when ready
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..deadline import TIMEOUT_HEADER, Deadline
from ..errors import ImageTooLargeError, InvalidRequestError, JobTimeoutError, WorkerError
from ..service import MODEL_NAME, WorkerService
from .http import HttpResponse, error_response, http_response
from .multipart import parse_form

MAX_BODY_BYTES = 64 * 1024 * 1024


class EmbeddedHost(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: WorkerService, max_jobs: int) -> None:
        super().__init__(address, RequestHandler)
        self.service = service
        self.slots = threading.BoundedSemaphore(max_jobs)


class RequestHandler(BaseHTTPRequestHandler):
    server: EmbeddedHost
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logging.getLogger("gen3d_worker.http").debug(format, *args)

    def do_GET(self) -> None:
        if self.path == "/ping":
            self.send(HttpResponse(200, b'{"status": "Healthy"}', {"Content-Type": "application/json"}))
        else:
            self.send(error_response(InvalidRequestError(f"no such path: {self.path}"), 404))

    def do_POST(self) -> None:
        if self.path.split("?")[0] not in (f"/predictions/{MODEL_NAME}", "/invocations"):
            self.send(error_response(InvalidRequestError(f"no such path: {self.path}"), 404))
            return
        arrived = time.monotonic()  # the caller's budget runs from here, waiting for a slot included
        try:
            deadline = Deadline.from_header(self.headers.get(TIMEOUT_HEADER), arrived)
            length = int(self.headers.get("Content-Length", "-1"))
            if length < 0:
                raise InvalidRequestError("Content-Length is required")
            if length > MAX_BODY_BYTES:
                self.close_connection = True
                raise ImageTooLargeError(f"the request is {length} bytes; the limit is {MAX_BODY_BYTES}")
            fields = parse_form(self.headers.get("Content-Type", ""), self.rfile.read(length))
        except WorkerError as error:
            self.send(error_response(error))
            return
        remaining = deadline.remaining_s()
        if not self.server.slots.acquire(timeout=None if remaining is None else max(0.0, remaining)):
            timeout = JobTimeoutError(
                f"the {deadline.budget_ms} ms budget ran out waiting for a free job slot"
            )
            self.send(error_response(timeout))
            return
        try:
            outcome = self.server.service.handle(fields, deadline)
        finally:
            self.server.slots.release()
        self.send(http_response(outcome))

    def send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


def _exit_with_parent(parent: int, host: EmbeddedHost) -> None:
    """A supervisor killed with SIGKILL cannot stop its worker: the worker notices it was orphaned and stops."""
    while os.getppid() == parent:
        time.sleep(0.5)
    logging.getLogger("gen3d_worker").warning("parent process %d is gone: stopping", parent)
    host.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8085, help="0 picks a free port")
    parser.add_argument("--max-jobs", type=int, default=4)
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one goes away",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    try:
        service = WorkerService.from_env()
    except WorkerError as error:
        print(f"gen3d worker cannot start: {error}", file=sys.stderr)
        return 3
    host = EmbeddedHost((args.host, args.port), service, args.max_jobs)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=host.shutdown, daemon=True).start())
    if args.exit_with_parent:
        threading.Thread(target=_exit_with_parent, args=(os.getppid(), host), daemon=True).start()
    print(json.dumps({"ready": True, "port": host.server_address[1]}), flush=True)
    try:
        host.serve_forever()
    finally:
        host.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
