"""Shape hypotheses (decision 0027): each is a closed solid with the silhouette's outline; the automatic choice
reads the picture as the benchmark's training shapes show; the user's choice wins and the report says which."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
import pytest
import trimesh
from bench.shape_cases import CASES, render

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.backends.shapes import ShapeChoice, choose_shape, half_thickness
from gen3d_worker.errors import InvalidRequestError
from gen3d_worker.pipeline import JobInput, JobOptions, Reconstructor

from .pngs import rgba

TRAINING = {case.name: case for case in CASES if case.split == "training"}


def picture_of(name: str) -> npt.NDArray[np.uint8]:
    case = TRAINING[name]
    picture: npt.NDArray[np.uint8] = render(case.make(), case.colour, size=192)
    return picture


@pytest.mark.parametrize(
    ("name", "shape"), [("coin", "slab"), ("vase", "revolve"), ("duck", "inflate"), ("teddy", "inflate")]
)
def test_the_automatic_choice_reads_the_picture(name: str, shape: str) -> None:
    picture = picture_of(name)
    decision = choose_shape(picture[..., :3], picture[..., 3] > 0)
    assert decision.shape == shape, decision
    assert decision.chosen_by == "auto" and decision.reason


@pytest.mark.parametrize("shape", ["inflate", "revolve", "slab"])
def test_every_hypothesis_is_a_closed_solid_with_the_outline(shape: ShapeChoice) -> None:
    picture = picture_of("vase")
    output = Reconstructor({"inflate": InflateBackend()}).run(
        JobInput(rgba(picture), JobOptions(quality="fast", shape=shape))
    )
    mesh = trimesh.load(io.BytesIO(output.ply), file_type="ply")
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    assert output.report["shape"] == {
        "shape": shape,
        "chosenBy": "user",
        "reason": "chosen by the user",
        "evidence": output.report["shape"]["evidence"],
    }
    assert output.report["method"].endswith("(geometric, no learned model)")


@pytest.mark.parametrize("name", ["pig-front", "teddy", "ring"])
def test_the_fitted_balloon_keeps_limbs_holes_and_joins_closed_and_manifold(name: str) -> None:
    picture = picture_of(name)
    output = Reconstructor({"inflate": InflateBackend()}).run(
        JobInput(rgba(picture), JobOptions(quality="standard", shape="inflate"))
    )
    mesh = trimesh.load(io.BytesIO(output.ply), file_type="ply")
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    edges_per_face_pair = np.bincount(mesh.edges_unique_inverse)
    assert (edges_per_face_pair == 2).all()  # every edge between exactly two faces: 2-manifold


def test_a_slab_is_thin_and_a_turned_disc_is_a_ball() -> None:
    yy, xx = np.mgrid[:101, :101]
    disc = (xx - 50) ** 2 + (yy - 50) ** 2 <= 40**2
    slab = half_thickness(disc, "slab")
    balloon = half_thickness(disc, "inflate")
    turned = half_thickness(disc, "revolve")
    assert slab.max() < 0.1 * balloon.max() and slab.max() < 0.1 * turned.max()
    assert abs(float(turned.max()) - 40) < 1.5
    assert (slab[disc] > 0).all() and (slab[~disc] < 0).all()


def test_a_shape_that_is_not_known_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="shape must be"):
        JobOptions.from_dict({"shape": "cube"})
