"""Export formats read back by an independent reader (trimesh; for 3MF also the archive's XML), and decimation."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from email import policy
from email.parser import BytesParser

import numpy as np
import pytest
import trimesh

from gen3d_worker.backends.inflate import InflateBackend
from gen3d_worker.decimate import decimate
from gen3d_worker.export import MESH_FORMATS, encode_glb, srgb_to_linear
from gen3d_worker.mesh import Mesh
from gen3d_worker.pipeline import JobInput, JobOptions, JobOutput, Reconstructor
from gen3d_worker.service import Success, WorkerService

from .pngs import rgba
from .shapes import disk, ring, two_tone_rgba

RED, BLUE = (220, 30, 30), (30, 40, 220)
CORE = "{http://schemas.microsoft.com/3dmanufacturing/core/2015/02}"
MATERIAL = "{http://schemas.microsoft.com/3dmanufacturing/material/2015/02}"


def job(formats: tuple[str, ...], target_faces: int | None = None, shape: object = disk) -> JobOutput:
    picture = rgba(two_tone_rgba(shape()))  # type: ignore[operator]
    options = JobOptions.from_dict(
        {
            "quality": "fast",
            "formats": list(formats),
            **({"targetFaces": target_faces} if target_faces else {}),
        }
    )
    return Reconstructor({"inflate": InflateBackend()}).run(JobInput(picture, options))


@pytest.fixture(scope="module")
def every_format() -> JobOutput:
    return job(MESH_FORMATS)


def closed_after_default_load(data: bytes, file_type: str) -> trimesh.Trimesh:
    loaded = trimesh.load(io.BytesIO(data), file_type=file_type, force="mesh")  # merges vertices, as tools do
    assert isinstance(loaded, trimesh.Trimesh)
    assert loaded.is_watertight and loaded.is_winding_consistent and loaded.volume > 0
    return loaded


@pytest.mark.parametrize("fmt", MESH_FORMATS)
def test_each_format_reads_back_closed_with_the_same_geometry(every_format: JobOutput, fmt: str) -> None:
    loaded = closed_after_default_load(every_format.files[fmt], fmt)  # type: ignore[index]
    reference = trimesh.load(io.BytesIO(every_format.ply), file_type="ply", process=False)
    assert len(loaded.faces) == len(reference.faces)
    scale = 100.0 if fmt == "3mf" else 1.0  # 3MF is in millimetres
    assert loaded.volume == pytest.approx(reference.volume * scale**3, rel=1e-3)


def test_glb_is_gltf2_with_linear_vertex_colours(every_format: JobOutput) -> None:
    data = every_format.files["glb"]
    assert data[:4] == b"glTF" and int.from_bytes(data[4:8], "little") == 2
    scene = trimesh.load(io.BytesIO(data), file_type="glb")
    (mesh,) = scene.geometry.values()
    colours = np.asarray(mesh.visual.vertex_attributes["color"])[:, :3].astype(np.float64) / 65535.0
    expected = srgb_to_linear(np.array([RED, BLUE], np.uint8)).astype(np.float64)
    nearest = np.min(np.abs(colours[:, None, :] - expected[None, :, :]).max(axis=2), axis=1)
    assert np.mean(nearest < 0.02) > 0.9, "the two tones, in linear light as glTF requires"


def test_obj_keeps_vertex_colours(every_format: JobOutput) -> None:
    mesh = closed_after_default_load(every_format.files["obj"], "obj")
    colours = {tuple(c) for c in np.asarray(mesh.visual.vertex_colors)[:, :3].tolist()}
    assert RED in colours and BLUE in colours


def test_3mf_keeps_colour_in_a_colour_group_and_stands_on_the_plate(every_format: JobOutput) -> None:
    with zipfile.ZipFile(io.BytesIO(every_format.files["3mf"])) as archive:
        assert {"[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model"} <= set(archive.namelist())
        model = ET.fromstring(archive.read("3D/3dmodel.model"))
    assert model.get("unit") == "millimeter"
    colours = {c.get("color") for c in model.iter(f"{MATERIAL}color")}
    assert {"#DC1E1E", "#1E28DC"} <= colours
    triangles = list(model.iter(f"{CORE}triangle"))
    assert triangles and all(t.get("p1") is not None for t in triangles[:100])
    z = [float(v.get("z", "nan")) for v in model.iter(f"{CORE}vertex")]
    assert min(z) == pytest.approx(0.0, abs=1e-3) and max(z) == pytest.approx(100.0, rel=0.02)


def test_stl_is_binary_with_one_record_per_face(every_format: JobOutput) -> None:
    data = every_format.files["stl"]
    count = int.from_bytes(data[80:84], "little")
    assert not data.startswith(b"solid") and len(data) == 84 + 50 * count
    assert count == every_format.report["mesh"]["faces"]


def test_decimation_meets_the_budget_and_stays_closed_and_coloured() -> None:
    full = job(("ply",))
    small = job(("ply", "glb"), target_faces=2000)
    decimation = small.report["mesh"]["decimation"]
    assert decimation["applied"] and decimation["originalFaces"] == full.report["mesh"]["faces"]
    assert 1800 <= small.report["mesh"]["faces"] <= 2200 < full.report["mesh"]["faces"] // 10
    assert small.report["mesh"]["watertight"]
    mesh = closed_after_default_load(small.ply, "ply")
    reference = trimesh.load(io.BytesIO(full.ply), file_type="ply")
    assert mesh.volume == pytest.approx(reference.volume, rel=0.03)
    colours = {tuple(c) for c in np.asarray(mesh.visual.vertex_colors)[:, :3].tolist()}
    assert RED in colours and BLUE in colours
    closed_after_default_load(small.files["glb"], "glb")


def test_decimating_a_ring_keeps_its_hole_and_a_small_mesh_is_left_alone() -> None:
    small = job(("ply",), target_faces=3000, shape=ring)
    mesh = closed_after_default_load(small.ply, "ply")
    assert mesh.euler_number == 0, "still a torus"
    output = job(("ply",))
    untouched = decimate(trimesh_to_mesh(output.ply), output.report["mesh"]["faces"] + 10)
    assert not untouched.applied and untouched.note == "already within the budget"


def trimesh_to_mesh(ply: bytes) -> Mesh:
    raw = trimesh.load(io.BytesIO(ply), file_type="ply", process=False)
    return Mesh(
        vertices=np.asarray(raw.vertices, np.float32),
        faces=np.asarray(raw.faces, np.int32),
        colours=np.asarray(raw.visual.vertex_colors, np.uint8)[:, :3],
    )


def test_the_service_answers_several_formats_as_multipart_form_data() -> None:
    service = WorkerService.from_env({"GEN3D_BACKENDS": "inflate"})
    options = b'{"quality": "fast", "formats": ["glb", "stl", "ply"]}'
    outcome = service.handle({"image": rgba(two_tone_rgba(disk())), "options": options})
    assert isinstance(outcome, Success)
    assert outcome.content_type.startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + outcome.content_type.encode() + b"\r\n\r\n" + outcome.body
    )
    parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
    assert list(parts) == ["glb", "stl", "ply"]
    assert parts["glb"].get_content_type() == "model/gltf-binary"
    assert parts["stl"].get_filename() == "mesh.stl"
    sizes = outcome.report["mesh"]["formats"]
    for name, part in parts.items():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes) and len(payload) == sizes[name]
        closed_after_default_load(payload, str(name))


def test_only_ply_keeps_the_old_answer() -> None:
    service = WorkerService.from_env({"GEN3D_BACKENDS": "inflate"})
    outcome = service.handle({"image": rgba(two_tone_rgba(disk())), "options": b'{"quality": "fast"}'})
    assert isinstance(outcome, Success)
    assert outcome.content_type == "application/octet-stream" and outcome.body.startswith(b"ply\n")
    assert outcome.report["mesh"]["bytes"] == len(outcome.body)


def test_glb_of_a_tiny_mesh_is_well_formed() -> None:
    tetrahedron = Mesh(
        vertices=np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32),
        faces=np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]], np.int32),
        colours=np.full((4, 3), 128, np.uint8),
    )
    data = encode_glb(tetrahedron)
    assert len(data) == int.from_bytes(data[8:12], "little") and len(data) % 4 == 0
    closed_after_default_load(data, "glb")


@pytest.mark.parametrize("target", [20_000, 5_000])
def test_decimating_a_real_photos_mesh_stays_closed_after_the_vertex_merge(target: int) -> None:
    # scikit-image's astronaut: quadric collapses there leave pinched edges, zero-length edges and near-coincident
    # vertices that only show once a tool merges vertices on load; decimate() repairs or refuses them.
    from skimage import data  # noqa: PLC0415

    from .pngs import rgb  # noqa: PLC0415

    output = Reconstructor({"inflate": InflateBackend()}).run(
        JobInput(rgb(data.astronaut()), JobOptions(formats=("ply",), target_faces=target))
    )
    assert output.report["mesh"]["decimation"]["applied"], output.report["mesh"]["decimation"]
    closed_after_default_load(output.ply, "ply")
