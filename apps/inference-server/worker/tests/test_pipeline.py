from __future__ import annotations

import pytest

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.errors import InvalidRequestError
from gen3d_worker.mask import Point
from gen3d_worker.pipeline import JobInput, JobOptions, Reconstructor

from .pngs import rgba
from .shapes import disk, two_tone_rgba


def test_options_parse_the_sidecar_shape() -> None:
    options = JobOptions.from_dict(
        {"backend": "inflate", "quality": "high", "point": {"x": 3, "y": 4}, "seed": 7}
    )
    assert options == JobOptions(backend="inflate", quality="high", point=Point(3, 4), seed=7)


@pytest.mark.parametrize(
    "raw",
    [
        {"backend": "nerf"},
        {"quality": "ultra"},
        {"point": {"x": -1, "y": 2}},
        {"point": {"x": 1.5, "y": 2}},
        {"point": [1, 2]},
        {"seed": True},
        {"colour": "red"},
    ],
)
def test_bad_options_are_refused(raw: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError):
        JobOptions.from_dict(raw)


def test_report_has_stages_counts_and_sizes() -> None:
    output = Reconstructor({"inflate": InflateBackend()}).run(
        JobInput(rgba(two_tone_rgba(disk())), JobOptions(quality="fast"))
    )
    report = output.report
    assert set(report["timingsMs"]) >= {"decode", "mask", "reconstruct", "encode", "total"}
    assert report["image"] == {"width": 256, "height": 256, "mode": "RGBA 8-bit"}
    assert report["mesh"]["watertight"] is True and report["mesh"]["bytes"] == len(output.ply)
    assert abs(report["mask"]["area"] - 3.14159 * 80**2) < 0.03 * 3.14159 * 80**2
    # A disc mirrors itself about a vertical axis: turned, a ball (the same solid inflation would give).
    assert report["shape"]["shape"] == "revolve" and report["shape"]["chosenBy"] == "auto"
    assert output.ply.startswith(
        b"ply\nformat binary_little_endian 1.0\ncomment Gen3D inflate: surface of revolution from the silhouette"
    )
