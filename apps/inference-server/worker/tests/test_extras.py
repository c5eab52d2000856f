"""The job's extras (extras.py): the thumbnail and the mask the job used, asked for in the `extras` form field and
answered as parts of the multipart answer, after the mesh files; the CLI's --thumbnail."""

from __future__ import annotations

from email import policy
from email.message import MIMEPart
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from gen3d_worker.cli import main
from gen3d_worker.errors import InvalidRequestError
from gen3d_worker.extras import parse_extras
from gen3d_worker.service import Success, WorkerService
from gen3d_worker.thumbnail import ThumbnailView

from .pngs import rgb, rgba
from .shapes import disk, photo, two_tone_rgba

BACKGROUND = ThumbnailView().background


@pytest.fixture(scope="module")
def service() -> WorkerService:
    return WorkerService.from_env({"GEN3D_BACKENDS": "inflate"})


def parts_of(outcome: Success) -> dict[Any, MIMEPart]:
    assert outcome.content_type.startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + outcome.content_type.encode() + b"\r\n\r\n" + outcome.body
    )
    return {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}


def png_of(part: MIMEPart) -> npt.NDArray[np.uint8]:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes) and payload.startswith(b"\x89PNG")
    image = cv2.imdecode(np.frombuffer(payload, np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None
    return np.asarray(image, np.uint8)


def test_extras_are_a_json_list_of_known_names_each_once() -> None:
    assert parse_extras(None) == () and parse_extras(b"") == () and parse_extras(b" []") == ()
    assert parse_extras(b'["mask", "thumbnail"]') == ("mask", "thumbnail")
    for bad in (b"thumbnail", b'"thumbnail"', b'["thumbnail", "thumbnail"]', b'["preview"]', b"{}", b"[1]"):
        with pytest.raises(InvalidRequestError):
            parse_extras(bad)


def test_a_job_answers_its_thumbnail_and_its_mask_after_the_mesh(service: WorkerService) -> None:
    picture = two_tone_rgba(disk())  # red left half, blue right half, on transparency
    outcome = service.handle(
        {"image": rgba(picture), "options": b'{"quality": "fast"}', "extras": b'["thumbnail", "mask"]'}
    )
    assert isinstance(outcome, Success)
    parts = parts_of(outcome)
    assert list(parts) == ["ply", "thumbnail", "mask"]
    ply = parts["ply"].get_payload(decode=True)
    assert isinstance(ply, bytes) and ply.startswith(b"ply\n") and len(ply) == outcome.report["mesh"]["bytes"]
    assert parts["thumbnail"].get_content_type() == "image/png"
    assert parts["thumbnail"].get_filename() == "thumbnail.png"
    assert parts["mask"].get_filename() == "mask.png"

    thumbnail = cv2.cvtColor(png_of(parts["thumbnail"]), cv2.COLOR_BGR2RGB).astype(int)
    assert thumbnail.shape == (512, 512, 3)
    assert np.all(thumbnail[:4, :4] == BACKGROUND) and np.any(thumbnail[256, 256] != BACKGROUND)
    # Its colours are the picture's: red and blue both show.
    assert np.sum(thumbnail[:, :, 0] > thumbnail[:, :, 2] + 60) > 5000
    assert np.sum(thumbnail[:, :, 2] > thumbnail[:, :, 0] + 60) > 5000

    mask = png_of(parts["mask"])
    assert mask.shape == picture.shape[:2] and mask.dtype == np.uint8
    assert set(np.unique(mask).tolist()) == {0, 255}
    truth = picture[:, :, 3] > 0
    iou = np.sum((mask > 0) & truth) / np.sum((mask > 0) | truth)
    assert iou > 0.95
    timings = outcome.report["timingsMs"]
    assert timings["thumbnail"] > 0 and timings["maskPng"] > 0 and "mask" in timings


def test_extras_follow_every_format_asked_and_a_photo_gives_its_segmentation(service: WorkerService) -> None:
    outcome = service.handle(
        {
            "image": rgb(photo(disk())),
            "options": b'{"quality": "fast", "formats": ["glb", "stl"]}',
            "extras": b'["mask"]',
        }
    )
    assert isinstance(outcome, Success)
    parts = parts_of(outcome)
    assert list(parts) == ["glb", "stl", "mask"]
    mask = png_of(parts["mask"]) > 0
    truth = disk() > 0
    assert np.sum(mask & truth) / np.sum(mask | truth) > 0.9
    assert "thumbnail" not in outcome.report["timingsMs"]


def test_without_extras_the_answer_is_the_one_it_always_was(service: WorkerService) -> None:
    for fields in ({}, {"extras": b""}, {"extras": b"[]"}):
        outcome = service.handle(
            {"image": rgba(two_tone_rgba(disk())), "options": b'{"quality": "fast"}', **fields}
        )
        assert isinstance(outcome, Success)
        assert outcome.content_type == "application/octet-stream" and outcome.body.startswith(b"ply\n")
        assert "thumbnail" not in outcome.report["timingsMs"]


def test_bad_extras_are_refused_and_a_mask_preview_ignores_them(service: WorkerService) -> None:
    refused = service.handle({"image": rgba(two_tone_rgba(disk())), "extras": b'["movie"]'})
    assert isinstance(refused, InvalidRequestError) and "movie" in str(refused)
    preview = service.handle(
        {"image": rgba(two_tone_rgba(disk())), "options": b'{"task": "mask"}', "extras": b'["thumbnail"]'}
    )
    assert isinstance(preview, Success) and preview.content_type == "image/png"


def test_the_cli_writes_the_thumbnail(tmp_path: Path) -> None:
    picture = tmp_path / "in.png"
    picture.write_bytes(rgba(two_tone_rgba(disk())))
    thumbnail = tmp_path / "thumb.png"
    assert (
        main([str(picture), str(tmp_path / "out.ply"), "--quality", "fast", "--thumbnail", str(thumbnail)])
        == 0
    )
    image = cv2.imread(str(thumbnail), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.shape == (512, 512, 3) and np.any(image[256, 256] != BACKGROUND[::-1])
