"""The real TorchServe (installed by tools/scripts/setup.sh into .venv-torchserve) serving the model archive."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pngs import rgba
from .shapes import disk, two_tone_rgba
from .test_hosts import post

WORKER = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("GEN3D_TORCHSERVE_VENV", WORKER.parents[2] / ".venv-torchserve"))
pytestmark = pytest.mark.torchserve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def torchserve_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    torchserve = VENV / "bin" / "torchserve"
    if not torchserve.exists():
        pytest.fail(f"TorchServe is not installed at {VENV}: run tools/scripts/setup.sh")
    store = tmp_path_factory.mktemp("model-store")
    env = {**os.environ, "PATH": f"{VENV / 'bin'}:{os.environ['PATH']}", "GEN3D_BACKENDS": "inflate"}
    subprocess.run(
        ["bash", str(WORKER / "torchserve" / "build_mar.sh"), str(store)],
        check=True,
        env=env,
        capture_output=True,
    )
    ports = [free_port() for _ in range(5)]
    config = (WORKER / "torchserve" / "config.properties").read_text()
    for default, port in zip((8081, 8082, 8083), ports[:3], strict=True):
        config = config.replace(f"127.0.0.1:{default}", f"127.0.0.1:{port}")
    config = config.replace("grpc_inference_port=7070", f"grpc_inference_port={ports[3]}")
    config = config.replace("grpc_management_port=7071", f"grpc_management_port={ports[4]}")
    config = config.replace("/opt/gen3d/model-store", str(store))
    (store / "config.properties").write_text(config)
    log = (store / "torchserve.log").open("wb")
    process = subprocess.Popen(
        [
            str(torchserve),
            "--start",
            "--foreground",
            "--ncs",
            "--ts-config",
            str(store / "config.properties"),
        ],
        # Its own temp dir (TorchServe keeps its pid file there) and its own session, so it is stopped as a group.
        env={**env, "LOG_LOCATION": str(store), "METRICS_LOCATION": str(store), "TMPDIR": str(store)},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=store,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"TorchServe exited: {(store / 'torchserve.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{ports[1]}/models/gen3d", timeout=5
                ) as response:
                    if json.loads(response.read())[0]["workers"][0]["status"] == "READY":
                        break
            except (OSError, KeyError, IndexError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"TorchServe did not get ready: {(store / 'torchserve.log').read_text()[-3000:]}")
            time.sleep(1)
        yield ports[0]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_torchserve_pings(torchserve_port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{torchserve_port}/ping", timeout=10) as response:
        assert json.loads(response.read())["status"] == "Healthy"


def test_torchserve_reconstructs_through_the_archive(torchserve_port: int) -> None:
    status, headers, body = post(
        torchserve_port, {"image": rgba(two_tone_rgba(disk())), "options": b'{"quality": "fast"}'}
    )
    assert status == 200, body[:500]
    report = json.loads(headers["X-Gen3D-Report"])
    assert report["backend"] == "inflate" and report["mesh"]["watertight"]
    assert body.startswith(b"ply\nformat binary_little_endian 1.0\n") and report["mesh"]["bytes"] == len(body)


def test_torchserve_survives_bad_input(torchserve_port: int) -> None:
    status, _, body = post(torchserve_port, {"image": b"GIF89a not a png"})
    assert status == 422
    assert json.loads(body)["error"]["type"] == "NotAPngError"
    assert (
        post(torchserve_port, {"image": rgba(two_tone_rgba(disk())), "options": b'{"quality": "fast"}'})[0]
        == 200
    )


def test_torchserve_stops_a_job_whose_budget_is_spent(torchserve_port: int) -> None:
    picture = rgba(two_tone_rgba(disk()))
    status, _, body = post(torchserve_port, {"image": picture}, headers={"X-Gen3D-Timeout-Ms": "1"})
    assert status == 504, body[:500]
    assert json.loads(body)["error"]["type"] == "JobTimeoutError"
    bad, _, body = post(torchserve_port, {"image": picture}, headers={"X-Gen3D-Timeout-Ms": "soon"})
    assert bad == 400 and json.loads(body)["error"]["type"] == "InvalidRequestError"
    ok = post(
        torchserve_port,
        {"image": picture, "options": b'{"quality": "fast"}'},
        headers={"X-Gen3D-Timeout-Ms": "600000"},
    )
    assert ok[0] == 200


def test_torchserve_answers_a_mask_request_and_several_formats(torchserve_port: int) -> None:
    picture = rgba(two_tone_rgba(disk()))
    status, headers, body = post(torchserve_port, {"image": picture, "options": b'{"task": "mask"}'})
    assert (
        status == 200
        and body.startswith(b"\x89PNG")
        and json.loads(headers["X-Gen3D-Report"])["task"] == "mask"
    )
    options = b'{"quality": "fast", "formats": ["glb", "ply"]}'
    status, headers, body = post(torchserve_port, {"image": picture, "options": options})
    assert status == 200 and headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="glb"; filename="mesh.glb"' in body and b'name="ply"; filename="mesh.ply"' in body
