"""The caller's time budget (X-Gen3D-Timeout-Ms): parsed, checked between and inside stages, 504 at the host."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.deadline import Deadline
from gen3d_worker.errors import InvalidRequestError, JobTimeoutError
from gen3d_worker.pipeline import JobInput, Reconstructor

from .test_hosts import multipart


def big_photo(size: int = 2048) -> bytes:
    """An opaque photo large enough that the whole job takes well over a second on this machine."""
    rng = np.random.default_rng(3)
    image = np.full((size, size, 3), 225, np.uint8) + rng.integers(0, 6, (size, size, 3), dtype=np.uint8)
    cv2.ellipse(image, (size // 2, size // 2), (size // 3, size // 4), 15, 0, 360, (200, 40, 40), -1)
    ok, data = cv2.imencode(".png", image)
    assert ok
    return bytes(data)


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "soon", str(25 * 3600 * 1000)])
def test_a_malformed_budget_is_refused(value: str) -> None:
    with pytest.raises(InvalidRequestError, match="X-Gen3D-Timeout-Ms"):
        Deadline.from_header(value)


def test_no_header_means_no_deadline() -> None:
    deadline = Deadline.from_header(None)
    assert deadline.remaining_s() is None
    deadline.check("anything")  # never raises


def test_a_spent_budget_stops_the_job_at_the_next_check() -> None:
    spent = Deadline.after_ms(1, started=time.monotonic() - 1.0)
    with pytest.raises(JobTimeoutError, match="1 ms budget ran out during decode"):
        Reconstructor({"inflate": InflateBackend()}).run(JobInput(big_photo(256), deadline=spent))


def test_the_budget_is_checked_inside_the_stages_not_only_between_them() -> None:
    # A budget that runs out while the job is in its mask stage: the job stops there, not after reconstructing.
    reconstructor = Reconstructor({"inflate": InflateBackend()})
    png = big_photo()
    started = time.monotonic()
    reconstructor.run(JobInput(png))
    full = time.monotonic() - started
    started = time.monotonic()
    with pytest.raises(JobTimeoutError, match="budget ran out during"):
        reconstructor.run(JobInput(png, deadline=Deadline.after_ms(max(1, int(full * 1000 * 0.3)))))
    stopped = time.monotonic() - started
    assert stopped < 0.8 * full, f"stopped after {stopped:.2f} s of a {full:.2f} s job"


@pytest.fixture(scope="module")
def host_port() -> Iterator[int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gen3d_worker.hosts.embedded", "--port", "0", "--max-jobs", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield int(json.loads(process.stdout.readline())["port"])
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def post_with_budget(port: int, png: bytes, budget: str | None) -> tuple[int, dict[str, str], bytes, float]:
    body, content_type = multipart({"image": png})
    headers = {"Content-Type": content_type}
    if budget is not None:
        headers["X-Gen3D-Timeout-Ms"] = budget
    request = urllib.request.Request(f"http://127.0.0.1:{port}/predictions/gen3d", data=body, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read(), time.monotonic() - started


def test_the_embedded_host_answers_504_when_the_budget_is_too_small_to_finish(host_port: int) -> None:
    png = big_photo()
    ok_status, _, _, full = post_with_budget(host_port, png, None)
    assert ok_status == 200
    budget = max(1, int(250 * full))  # a quarter of what the job needs
    status, _, body, elapsed = post_with_budget(host_port, png, str(budget))
    assert status == 504
    error = json.loads(body)["error"]
    assert error["type"] == "JobTimeoutError" and f"{budget} ms budget ran out" in error["message"]
    assert elapsed < 0.75 * full, f"answered after {elapsed:.2f} s; the whole job takes {full:.2f} s"
    assert post_with_budget(host_port, png, "600000")[0] == 200, "a generous budget still finishes"


def test_the_embedded_host_refuses_a_malformed_budget(host_port: int) -> None:
    status, _, body, _ = post_with_budget(host_port, big_photo(64), "fast")
    assert status == 400 and json.loads(body)["error"]["type"] == "InvalidRequestError"
