"""The CLI and the embedded host as real processes: valid PLY out, typed errors for bad input, still serving after."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from .pngs import rgb, rgba
from .shapes import disk, photo, two_tone_rgba

PYTHON = sys.executable
DISK_PNG = rgba(two_tone_rgba(disk()))


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (9, 9, 9)).save(buffer, format="JPEG")
    return buffer.getvalue()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "gen3d_worker", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_writes_a_valid_ply_and_report(tmp_path: Path) -> None:
    (tmp_path / "in.png").write_bytes(DISK_PNG)
    result = run_cli(
        str(tmp_path / "in.png"), str(tmp_path / "out.ply"), "--report", str(tmp_path / "r.json")
    )
    assert result.returncode == 0, result.stderr
    mesh = trimesh.load(tmp_path / "out.ply", process=False)
    assert mesh.is_watertight and len(mesh.faces) > 1000
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["backend"] == "inflate" and report["mask"]["source"] == "alpha"
    assert "no learned model" in report["method"]


@pytest.mark.parametrize(
    ("content", "extra", "expected"),
    [
        (b"", (), "EmptyImageError"),
        (b"JPEG", (), "NotAPngError"),
        (DISK_PNG[: len(DISK_PNG) // 2], (), "CorruptImageError"),
        (DISK_PNG, ("--point", "1;2"), "UsageError"),
        (DISK_PNG, ("--point", "5000,5000"), "InvalidRequestError"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(
    tmp_path: Path, content: bytes, extra: tuple[str, ...], expected: str
) -> None:
    (tmp_path / "in.png").write_bytes(jpeg_bytes() if content == b"JPEG" else content)
    result = run_cli(str(tmp_path / "in.png"), str(tmp_path / "out.ply"), *extra)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert not (tmp_path / "out.ply").exists()
    assert list(tmp_path.glob("*.part")) == []


def test_cli_missing_input_file(tmp_path: Path) -> None:
    result = run_cli(str(tmp_path / "nope.png"), str(tmp_path / "out.ply"))
    assert result.returncode == 2 and "cannot read the picture" in result.stderr


def test_cli_sam3d_without_weights_refuses_clearly(tmp_path: Path) -> None:
    (tmp_path / "in.png").write_bytes(DISK_PNG)
    result = run_cli(str(tmp_path / "in.png"), str(tmp_path / "out.ply"), "--backend", "sam3d")
    assert result.returncode == 2
    assert "BackendUnavailableError: sam3d: GEN3D_SAM3D_MODEL_DIR is not set" in result.stderr


def multipart(fields: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + value
        + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post(
    port: int,
    fields: dict[str, bytes],
    path: str = "/predictions/gen3d",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    body, content_type = multipart(fields)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers={"Content-Type": content_type, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def embedded_port() -> Iterator[int]:
    process = subprocess.Popen(
        [PYTHON, "-m", "gen3d_worker.hosts.embedded", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        yield int(ready["port"])
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0, "stops cleanly on SIGTERM"


def test_embedded_host_pings(embedded_port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{embedded_port}/ping", timeout=10) as response:
        assert json.loads(response.read()) == {"status": "Healthy"}


def test_embedded_host_reconstructs_with_options(embedded_port: int) -> None:
    status, headers, body = post(embedded_port, {"image": DISK_PNG, "options": b'{"quality": "fast"}'})
    assert status == 200
    report = json.loads(headers["X-Gen3D-Report"])
    assert report["mesh"]["watertight"] and report["mesh"]["bytes"] == len(body)
    assert report["mask"]["grid"] == [128, 128]
    assert trimesh.load(io.BytesIO(body), file_type="ply", process=False).is_watertight


@pytest.mark.parametrize(
    ("fields", "status", "error_type"),
    [
        ({"image": b"not a png"}, 422, "NotAPngError"),
        ({"image": DISK_PNG[:100]}, 422, "CorruptImageError"),
        ({"options": b"{}"}, 400, "InvalidRequestError"),
        ({"image": DISK_PNG, "options": b'{"backend": "magic"}'}, 400, "InvalidRequestError"),
        ({"image": DISK_PNG, "options": b"[1"}, 400, "InvalidRequestError"),
        ({"image": DISK_PNG, "options": b'{"backend": "sam3d"}'}, 503, "BackendUnavailableError"),
        ({"image": rgba(np.zeros((64, 64, 4), np.uint8))}, 422, "NoObjectFoundError"),
    ],
)
def test_embedded_host_survives_bad_input(
    embedded_port: int, fields: dict[str, bytes], status: int, error_type: str
) -> None:
    got_status, _, body = post(embedded_port, fields)
    assert got_status == status
    assert json.loads(body)["error"]["type"] == error_type
    ok_status, _, _ = post(embedded_port, {"image": DISK_PNG, "options": b'{"quality": "fast"}'})
    assert ok_status == 200, "the next request still works"


def test_embedded_host_unknown_model_is_404(embedded_port: int) -> None:
    assert post(embedded_port, {"image": DISK_PNG}, "/predictions/other")[0] == 404


def test_embedded_host_answers_a_mask_request_with_a_png_of_the_picture(embedded_port: int) -> None:
    picture = rgb(photo(disk()))
    options = b'{"task": "mask", "points": [{"x": 128, "y": 128, "label": 1}]}'
    status, headers, body = post(embedded_port, {"image": picture, "options": options})
    assert status == 200 and headers["Content-Type"] == "image/png"
    mask = np.asarray(Image.open(io.BytesIO(body)))
    assert mask.shape == (256, 256) and set(np.unique(mask).tolist()) == {0, 255}
    truth = disk() > 0
    assert ((mask > 0) & truth).sum() / ((mask > 0) | truth).sum() > 0.9
    report = json.loads(headers["X-Gen3D-Report"])
    assert report["task"] == "mask" and report["mask"]["source"] == "segmentation"
    assert report["mask"]["hypothesis"] in report["mask"]["hypotheses"]


def test_embedded_host_answers_several_formats_as_multipart(embedded_port: int) -> None:
    options = b'{"quality": "fast", "formats": ["ply", "3mf"], "targetFaces": 4000}'
    status, headers, body = post(embedded_port, {"image": DISK_PNG, "options": options})
    assert status == 200 and headers["Content-Type"].startswith("multipart/form-data; boundary=")
    report = json.loads(headers["X-Gen3D-Report"])
    assert set(report["mesh"]["formats"]) == {"ply", "3mf"} and report["mesh"]["decimation"]["applied"]
    assert b'name="3mf"; filename="mesh.3mf"' in body


def test_cli_writes_every_format_asked_for_and_the_mask(tmp_path: Path) -> None:
    (tmp_path / "in.png").write_bytes(rgb(photo(disk())))
    result = run_cli(
        str(tmp_path / "in.png"),
        str(tmp_path / "out.ply"),
        "--quality",
        "fast",
        "--formats",
        "ply,glb,stl",
        "--target-faces",
        "3000",
        "--box",
        "30,30,230,230",
        "--point",
        "128,128",
        "--negative",
        "5,5",
        "--mask-out",
        str(tmp_path / "mask.png"),
    )
    assert result.returncode == 0, result.stderr
    for suffix in ("ply", "glb", "stl"):
        mesh = trimesh.load(tmp_path / f"out.{suffix}", force="mesh")
        assert mesh.is_watertight and len(mesh.faces) <= 3300
    mask = np.asarray(Image.open(tmp_path / "mask.png")) > 0
    truth = disk() > 0
    assert (mask & truth).sum() / (mask | truth).sum() > 0.9


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--formats", "ply,fbx"), "--formats"),
        (("--box", "5,5,2,9"), "--box"),
        (("--negative", "1"), "--negative"),
    ],
)
def test_cli_refuses_bad_output_and_prompt_flags(
    tmp_path: Path, flags: tuple[str, ...], message: str
) -> None:
    (tmp_path / "in.png").write_bytes(DISK_PNG)
    result = run_cli(str(tmp_path / "in.png"), str(tmp_path / "out.ply"), *flags)
    assert result.returncode == 2 and message in result.stderr and "UsageError" in result.stderr
