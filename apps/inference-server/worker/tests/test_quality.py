"""A small slice of the segmentation benchmark (bench/bench_segmentation.py runs all of it): the masks and the
meshes of real-picture composites, measured against their ground truth."""

from __future__ import annotations

import io

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import trimesh
from bench.segmentation_cases import build_case

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.pipeline import JobInput, JobOptions, Reconstructor

# One of each kind: a cutout with a hole-like notch, a shadow, a cluttered scene, a textured photo sticker,
# a thin-legged silhouette on texture, a see-through hole.
CASES = (
    "logo-on-workshop",
    "mug-white-on-blue-shadow",
    "blob-rocket-on-astronaut-room",
    "star-astronaut-on-gravel",
    "horse-chelsea-on-grass",
    "ring-orange-on-grass",
)


def png_of(rgb: npt.NDArray[np.uint8]) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return bytes(data)


@pytest.fixture(scope="module")
def reconstructor() -> Reconstructor:
    return Reconstructor({"inflate": InflateBackend()})


def test_automatic_masks_match_the_ground_truth(reconstructor: Reconstructor) -> None:
    ious = {}
    for name in CASES:
        case = build_case(name)
        preview = reconstructor.mask(JobInput(png_of(case.rgb), JobOptions(task="mask")))
        decoded: npt.NDArray[np.uint8] = np.asarray(
            cv2.imdecode(np.frombuffer(preview.png, np.uint8), cv2.IMREAD_UNCHANGED), np.uint8
        )
        mask = decoded > 127
        ious[name] = float((mask & case.truth).sum() / (mask | case.truth).sum())
        assert preview.report["mask"]["hypothesis"] in preview.report["mask"]["hypotheses"]
    assert min(ious.values()) >= 0.9, ious
    assert float(np.mean(list(ious.values()))) >= 0.95, ious


@pytest.mark.parametrize(
    "name", ["mug-white-on-blue-shadow", "horse-bronze-on-studio", "egg-coffee-on-brick"]
)
def test_meshes_stay_closed_after_the_vertex_merge_every_tool_does(
    reconstructor: Reconstructor, name: str
) -> None:
    output = reconstructor.run(JobInput(png_of(build_case(name).rgb)))
    raw = trimesh.load(io.BytesIO(output.ply), file_type="ply", process=False)
    assert len(np.unique(raw.vertices, axis=0)) == len(raw.vertices), "no two vertices at one position"
    merged = trimesh.load(io.BytesIO(output.ply), file_type="ply")  # trimesh's default: merge vertices
    assert merged.is_watertight and merged.is_winding_consistent and merged.volume > 0
