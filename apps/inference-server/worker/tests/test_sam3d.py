"""The SAM 3D adapter's own logic, without weights: preconditions, argument mapping, output conversion."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import trimesh

from gen3d_worker.backends import ReconstructionInput
from gen3d_worker.backends.sam3d import (
    Sam3dBackend,
    Sam3dOutputError,
    Sam3dSettings,
    check_environment,
    import_inference_class,
    mesh_from_output,
)
from gen3d_worker.errors import BackendUnavailableError
from gen3d_worker.grid import MIN_GRID_SIDE
from gen3d_worker.service import Success, WorkerService, load_backends

from .pngs import rgba
from .shapes import disk, two_tone_rgba


def model_dir(tmp_path: Path) -> Path:
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "pipeline.yaml").write_text("# SAM 3D pipeline config\n")
    (tmp_path / "config").mkdir()
    return tmp_path


def fake_torch(cuda: bool = True, memory_gib: float = 80) -> Any:
    properties = SimpleNamespace(total_memory=int(memory_gib * 1024**3))
    return SimpleNamespace(
        cuda=SimpleNamespace(is_available=lambda: cuda, get_device_properties=lambda _index: properties)
    )


def test_settings_need_the_model_dir() -> None:
    with pytest.raises(BackendUnavailableError, match="GEN3D_SAM3D_MODEL_DIR is not set"):
        Sam3dSettings.from_env({})


@pytest.mark.parametrize(
    ("prepare", "torch", "message"),
    [
        (lambda p: p / "absent", fake_torch(), "does not exist"),
        (lambda p: p, fake_torch(), "pipeline.yaml is missing"),
        (model_dir, fake_torch(cuda=False), "CUDA is not available"),
        (model_dir, fake_torch(memory_gib=16), "needs at least 32 GiB"),
    ],
)
def test_environment_checks_name_the_missing_piece(
    tmp_path: Path, prepare: Any, torch: Any, message: str
) -> None:
    settings = Sam3dSettings(checkpoint_dir=prepare(tmp_path), code_dir=None)
    with pytest.raises(BackendUnavailableError, match=message):
        check_environment(settings, torch)


def test_environment_passes_with_weights_and_a_big_gpu(tmp_path: Path) -> None:
    check_environment(Sam3dSettings(checkpoint_dir=model_dir(tmp_path), code_dir=None), fake_torch())


def test_missing_inference_code_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailableError, match=r"notebook/inference\.py is missing"):
        import_inference_class(Sam3dSettings(checkpoint_dir=tmp_path, code_dir=tmp_path))


def test_host_refuses_to_start_with_sam3d_and_no_weights(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailableError, match="sam3d: "):
        load_backends({"GEN3D_BACKENDS": "inflate,sam3d", "GEN3D_SAM3D_MODEL_DIR": str(tmp_path / "none")})


class RecordingInference:
    """Stands in for SAM 3D's Inference object to check what the adapter passes and how it reads the result."""

    def __init__(self, output: dict[str, Any]) -> None:
        self.calls: list[tuple[Any, Any, int]] = []
        self.output = output

    def __call__(self, image: Any, mask: Any, seed: int) -> dict[str, Any]:
        self.calls.append((image, mask, seed))
        return self.output


def coloured_box() -> trimesh.Trimesh:
    box = trimesh.creation.box(extents=(2.0, 4.0, 1.0))
    box.apply_translation((10, 0, 0))
    box.visual.vertex_colors = np.tile([10, 200, 30, 255], (len(box.vertices), 1))
    return box


def test_adapter_passes_image_mask_and_seed_and_converts_the_mesh() -> None:
    inference = RecordingInference({"glb": coloured_box(), "gs": object()})
    backend = Sam3dBackend(inference)
    rgb = np.zeros((40, 60, 3), np.uint8)
    mask = np.zeros((20, 30), bool)
    mask[5:15, 5:25] = True
    result = backend.reconstruct(ReconstructionInput(rgb=rgb, mask=mask, seed=42))
    image, passed_mask, seed = inference.calls[0]
    assert image.shape == (20, 30, 3), "the image is resized to the mask's size"
    assert passed_mask.dtype == bool and passed_mask.sum() == mask.sum() and seed == 42
    vertices = result.mesh.vertices
    np.testing.assert_allclose((vertices.min(0) + vertices.max(0)) / 2, 0, atol=1e-6)
    assert float(np.ptp(vertices, axis=0).max()) == pytest.approx(1.0)
    assert tuple(result.mesh.colours[0]) == (10, 200, 30)
    assert result.mesh.is_watertight()
    assert "SAM 3D Objects" in result.method


def test_scene_output_is_merged() -> None:
    scene = trimesh.Scene([coloured_box(), trimesh.creation.icosphere()])
    mesh = mesh_from_output({"glb": scene})
    assert len(mesh.vertices) == 8 + len(trimesh.creation.icosphere().vertices)


def test_output_without_a_mesh_is_an_error() -> None:
    with pytest.raises(Sam3dOutputError, match="no mesh"):
        mesh_from_output({"gs": object()})


def test_backend_size_caps_large_images_and_keeps_the_grid_floor() -> None:
    backend = Sam3dBackend(RecordingInference({}))
    assert backend.grid_size(4096, 2048, "standard") == (2048, 1024)
    # A very thin picture keeps at least MIN_GRID_SIDE on its short side, as every backend's grid does.
    assert backend.grid_size(8192, 4, "standard") == (2048, MIN_GRID_SIDE)


def test_fallback_only_when_configured_and_said_in_the_report() -> None:
    service = WorkerService.from_env({"GEN3D_BACKENDS": "inflate", "GEN3D_SAM3D_FALLBACK": "inflate"})
    outcome = service.handle({"image": rgba(two_tone_rgba(disk())), "options": b'{"backend": "sam3d"}'})
    assert isinstance(outcome, Success)
    assert outcome.report["fallbackFrom"] == "sam3d"
    strict = WorkerService.from_env({"GEN3D_BACKENDS": "inflate"})
    refused = strict.handle({"image": rgba(two_tone_rgba(disk())), "options": b'{"backend": "sam3d"}'})
    assert isinstance(refused, BackendUnavailableError)
