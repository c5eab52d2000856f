"""The learned segmenter: model cards, loading (verified, or a clear refusal), inference through ONNX Runtime on a
tiny model built here, the prompts steering its mask, and the choice between the two paths (decision 0026). With
the real IS-Net installed (tools/scripts/fetch-model.mjs), photos the weight-free path gets wrong."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from skimage import data

from gen3d_worker.errors import BackendUnavailableError, NoObjectFoundError
from gen3d_worker.mask import (
    Box,
    PromptPoint,
    Prompts,
    model_doubt,
    prefers_classic,
    segment_photo,
    steer_learned,
)
from gen3d_worker.model_card import ModelCard
from gen3d_worker.segmenter import LearnedSegmenter, load_segmenter

REPO = Path(__file__).resolve().parents[4]
INSTALLED = REPO / ".gen3d/models/isnet-medium/card.json"


def tiny_model(folder: Path, size: int = 16) -> Path:
    """A 1x3xSxS -> 1x1xSxS model: the mean of the channels through a sigmoid (bright pixels are the object)."""
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["input"], ["mean"], axes=[1], keepdims=1),
            helper.make_node("Mul", ["mean", "gain"], ["scaled"]),
            helper.make_node("Sigmoid", ["scaled"], ["output"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, size, size])],
        [helper.make_tensor("gain", TensorProto.FLOAT, [], [20.0])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = folder / "model.onnx"
    onnx.save(model, path)
    card = {
        "name": "tiny",
        "input": {
            "name": "input",
            "width": size,
            "height": size,
            "mean": [128, 128, 128],
            "std": [128, 128, 128],
        },
        "output": {"name": "output", "activation": "none"},
        "licence": {"weights": "made by this test"},
        "installed": {"file": "model.onnx", "sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
    }
    (folder / "card.json").write_text(json.dumps(card))
    return folder / "card.json"


def test_runs_a_model_described_by_its_card(tmp_path: Path) -> None:
    segmenter = LearnedSegmenter(ModelCard.load(tiny_model(tmp_path)), threads=1)
    picture = np.zeros((40, 60, 3), np.uint8)
    picture[10:30, 20:40] = 255
    soft = segmenter.predict(picture)
    assert segmenter.provider in ort.get_available_providers()  # CUDA's on the GPU image, the CPU's here
    assert soft.shape == (40, 60)
    assert soft[20, 30] > 0.99 and soft[2, 2] < 0.01
    assert float(soft.min()) >= 0.0 and float(soft.max()) <= 1.0


def test_refuses_a_model_that_is_not_the_one_its_card_describes(tmp_path: Path) -> None:
    card = tiny_model(tmp_path)
    (tmp_path / "model.onnx").write_bytes((tmp_path / "model.onnx").read_bytes() + b"\0")
    with pytest.raises(BackendUnavailableError, match="not the one its card describes"):
        LearnedSegmenter(ModelCard.load(card))


def test_refuses_a_card_it_cannot_use(tmp_path: Path) -> None:
    (tmp_path / "card.json").write_text('{"name": "x"}')
    with pytest.raises(BackendUnavailableError, match="unusable"):
        ModelCard.load(tmp_path / "card.json")


def test_settings_choose_the_path_and_never_downgrade_silently(tmp_path: Path) -> None:
    assert load_segmenter({"GEN3D_SEGMENTER": "classic", "GEN3D_SEGMENTATION_MODEL": "anything"}) is None
    assert load_segmenter({}) is None  # auto, nothing installed: the weight-free path
    with pytest.raises(BackendUnavailableError, match="needs GEN3D_SEGMENTATION_MODEL"):
        load_segmenter({"GEN3D_SEGMENTER": "learned"})
    with pytest.raises(BackendUnavailableError, match="unusable"):
        load_segmenter({"GEN3D_SEGMENTATION_MODEL": str(tmp_path / "missing.json")})
    with pytest.raises(BackendUnavailableError, match="auto, learned or classic"):
        load_segmenter({"GEN3D_SEGMENTER": "best"})
    card = tiny_model(tmp_path)
    loaded = load_segmenter({"GEN3D_SEGMENTATION_MODEL": str(card)})
    assert loaded is not None and loaded.card.name == "tiny"


def blobs() -> npt.NDArray[np.float32]:
    """A soft mask with two objects: a large one on the left, a small one on the right."""
    soft = np.zeros((100, 160), np.float32)
    soft[20:80, 10:70] = 0.9
    soft[40:60, 110:130] = 0.8
    return soft


def test_prompts_steer_the_models_mask() -> None:
    assert steer_learned(blobs(), Prompts()).sum() == 60 * 60  # the larger, alone
    on_small = steer_learned(blobs(), Prompts(points=(PromptPoint(120, 50, True),)))
    assert on_small[50, 120] and not on_small[50, 40]
    boxed = steer_learned(blobs(), Prompts(box=Box(100, 30, 140, 70)))
    assert boxed[50, 120] and not boxed[50, 40]
    dropped = steer_learned(blobs(), Prompts(points=(PromptPoint(40, 50, False),)))
    assert dropped[50, 120] and not dropped[50, 40]
    with pytest.raises(NoObjectFoundError):
        steer_learned(np.zeros((10, 10), np.float32), Prompts())
    # A positive point the model missed brings in the weight-free mask's region there.
    classic = np.zeros((100, 160), bool)
    classic[85:95, 140:150] = True
    added = steer_learned(
        blobs(), Prompts(points=(PromptPoint(145, 90, True), PromptPoint(40, 50, True))), classic
    )
    assert added[90, 145] and added[50, 40]


class FakeModel:
    """Stands in for the model where only the choice between the paths is under test: answers a given mask."""

    def __init__(self, soft: npt.NDArray[np.float32]) -> None:
        self.soft = soft
        self.calls = 0
        self.card = SimpleNamespace(name="fake")
        self.provider = "FakeExecutionProvider"

    def predict(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        self.calls += 1
        return self.soft


def studio_egg() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    yy, xx = np.mgrid[:200, :200]
    egg = ((xx - 100) / 45.0) ** 2 + ((yy - 100) / 60.0) ** 2 <= 1
    picture = np.full((200, 200, 3), (235, 235, 240), np.uint8)
    picture[egg] = (200, 40, 30)
    return picture, egg


def test_a_clean_object_on_a_plain_backdrop_takes_the_fast_path_without_the_model() -> None:
    picture, egg = studio_egg()
    model = FakeModel(np.zeros((200, 200), np.float32))
    found = segment_photo(picture, (200, 200), Prompts(), None, model)  # type: ignore[arg-type]
    assert model.calls == 0
    # The model is named as installed, but no provider: it did not run.
    assert found.path == "classic" and found.model == "fake" and found.provider is None
    assert (found.mask & egg).sum() / (found.mask | egg).sum() > 0.95


def test_where_the_weight_free_path_leaves_objects_outside_its_mask_the_model_decides() -> None:
    # Four bright coins on a dark table: the weight-free path keeps one; the model sees all four.
    picture = np.full((200, 200, 3), 30, np.uint8)
    coins = np.zeros((200, 200), bool)
    yy, xx = np.mgrid[:200, :200]
    for cx, cy in ((50, 50), (150, 50), (50, 150), (150, 150)):
        coins |= (xx - cx) ** 2 + (yy - cy) ** 2 <= 30**2
    picture[coins] = (190, 180, 160)
    model = FakeModel(coins.astype(np.float32))
    found = segment_photo(picture, (200, 200), Prompts(), None, model)  # type: ignore[arg-type]
    assert model.calls == 1
    assert found.path == "learned" and found.hypothesis == "learned"
    assert found.provider == "FakeExecutionProvider"  # where the model ran, for the report
    assert (found.mask == coins).mean() > 0.99


def half_believed_subject() -> npt.NDArray[np.float32]:
    """A model's answer for a subject that fills the frame: sure of one part (its head), half-believing the rest
    (its body, running out of the frame), sure the corner beyond is background."""
    soft = np.zeros((100, 160), np.float32)
    soft[:70, :120] = 0.3  # the body: neither object nor background to the model
    soft[20:50, 60:100] = 0.95  # the head
    return soft


def test_a_model_unsure_of_most_of_its_answer_is_doubtful_and_a_sure_one_is_not() -> None:
    sure = blobs()
    sure[sure == 0.8] = 0.97
    sure[sure == 0.9] = 0.97
    assert model_doubt(sure) == 0.0
    assert model_doubt(half_believed_subject()) > 5  # 70x120 unsure pixels against a 30x40 mask


def test_a_doubting_models_regions_grow_into_what_it_half_believes_and_a_sure_ones_do_not() -> None:
    soft = half_believed_subject()
    assert steer_learned(soft, Prompts()).sum() == 30 * 40  # the head alone
    grown = steer_learned(soft, Prompts(), grow=True)
    assert grown.sum() == 70 * 120 and not grown[80:, :].any() and not grown[:, 130:].any()
    # Growth follows connection: a half-believed region apart from every sure one stays out.
    soft[85:95, 140:150] = 0.3
    assert not steer_learned(soft, Prompts(), grow=True)[90, 145]


def test_where_the_model_doubts_a_sound_weight_free_mask_needs_no_margin() -> None:
    # Disagreeing masks; the weight-free one sound and scoring 0.2 better than the model's.
    assert not prefers_classic(0.3, 0.8, 0.0, 0.6, doubtful=False)  # a sure model keeps its answer
    assert prefers_classic(0.3, 0.8, 0.0, 0.6, doubtful=True)
    assert not prefers_classic(0.3, 0.8, 0.05, 0.6, doubtful=True)  # not sound: objects left outside it
    assert not prefers_classic(0.9, 0.8, 0.0, 0.6, doubtful=True)  # they agree: the model's outline
    assert prefers_classic(0.3, 1.2, 0.0, 0.6, doubtful=False)  # better by the margin


def test_a_doubting_model_does_not_override_a_clean_weight_free_outline() -> None:
    # A red egg on a noisy studio backdrop (too noisy for the fast path) and a model that is sure of a patch of
    # the egg and half-believes a square around it: the egg's clean outline is kept.
    picture, egg = studio_egg()
    noise = np.random.default_rng(0).normal(0, 8, picture.shape)
    picture = np.clip(picture + noise * ~egg[..., None], 0, 255).astype(np.uint8)
    soft = np.zeros((200, 200), np.float32)
    soft[25:175, 25:175] = 0.3
    soft[80:120, 85:115] = 0.9
    model = FakeModel(soft)
    found = segment_photo(picture, (200, 200), Prompts(), None, model)  # type: ignore[arg-type]
    assert model.calls == 1
    assert found.path == "classic" and found.scores["learned-doubt"] > 0.5
    assert (found.mask & egg).sum() / (found.mask | egg).sum() > 0.95


@pytest.mark.skipif(not INSTALLED.exists(), reason="IS-Net is not installed (tools/scripts/fetch-model.mjs)")
@pytest.mark.parametrize(("photo", "least_share"), [("chelsea", 0.6), ("coins", 0.2)])
def test_the_installed_model_finds_what_the_weight_free_path_misses(photo: str, least_share: float) -> None:
    picture = np.ascontiguousarray(getattr(data, photo)())
    if picture.ndim == 2:
        picture = np.ascontiguousarray(np.dstack([picture] * 3))
    segmenter = load_segmenter({"GEN3D_SEGMENTATION_MODEL": str(INSTALLED)})
    height, width = picture.shape[:2]
    found = segment_photo(picture, (width, height), Prompts(), None, segmenter)
    # The whole face of the cat (not one eye), every coin (not one): most of the picture, by the model.
    assert found.path == "learned"
    assert float(found.mask.mean()) > least_share


def butterfly_with_pale_patches() -> tuple[
    npt.NDArray[np.uint8], npt.NDArray[np.bool_], npt.NDArray[np.float32]
]:
    """A dark wing shape with two white patches on a green leaf, and a model that half-believes the patches."""
    yy, xx = np.mgrid[:200, :240]
    wing = ((xx - 120) / 90.0) ** 2 + ((yy - 100) / 60.0) ** 2 <= 1
    patches = (((xx - 85) / 18.0) ** 2 + ((yy - 95) / 14.0) ** 2 <= 1) | (
        ((xx - 155) / 18.0) ** 2 + ((yy - 95) / 14.0) ** 2 <= 1
    )
    picture = np.full((200, 240, 3), (60, 140, 50), np.uint8)
    picture[wing] = (30, 25, 25)
    picture[patches] = (240, 240, 235)
    soft = np.where(wing & ~patches, 0.97, 0.0).astype(np.float32)
    soft[patches] = 0.2
    return picture, wing, soft


def test_holes_in_the_models_mask_that_do_not_show_the_background_are_filled() -> None:
    picture, wing, soft = butterfly_with_pale_patches()
    model = FakeModel(soft)
    found = segment_photo(picture, (240, 200), Prompts(), None, model)  # type: ignore[arg-type]
    assert found.path == "learned"
    assert (found.mask & wing).sum() / (found.mask | wing).sum() > 0.97
    # A negative point in a patch keeps that hole open.
    marked = segment_photo(
        picture,
        (240, 200),
        Prompts(points=(PromptPoint(85, 95, False),)),
        None,
        model,  # type: ignore[arg-type]
    )
    assert not marked.mask[95, 85] and marked.mask[95, 155]


def test_a_hole_that_shows_the_background_stays_a_hole() -> None:
    # A ring: its hole shows the leaf around it.
    yy, xx = np.mgrid[:200, :240]
    distance = np.hypot(xx - 120, yy - 100)
    ring = (distance <= 70) & (distance >= 35)
    picture = np.full((200, 240, 3), (60, 140, 50), np.uint8)
    picture[ring] = (200, 60, 40)
    found = segment_photo(
        picture,
        (240, 200),
        Prompts(),
        None,
        FakeModel(ring.astype(np.float32)),  # type: ignore[arg-type]
    )
    assert not found.mask[100, 120] and (found.mask & ring).sum() / (found.mask | ring).sum() > 0.97


def test_a_subject_running_out_of_the_frame_is_the_models_where_the_weight_free_mask_is_a_part_of_it() -> (
    None
):
    # A portrait: a pale face under dark hair above dark shoulders, on a wall nearly as dark, the shoulders running
    # out of the bottom edge. The weight-free path cannot cross the frame and keeps the face (its outline scores far
    # better than the dim shoulders'); the model's whole person is kept.
    yy, xx = np.mgrid[:240, :200]
    face = ((xx - 100) / 36.0) ** 2 + ((yy - 95) / 48.0) ** 2 <= 1
    hair = (((xx - 100) / 44.0) ** 2 + ((yy - 80) / 52.0) ** 2 <= 1) & (yy < 80)
    shoulders = (((xx - 100) / 95.0) ** 2 + ((yy - 250) / 90.0) ** 2 <= 1) & (yy >= 130)
    person = face | hair | shoulders
    rng = np.random.default_rng(1)
    picture = np.clip(rng.normal(46, 4, (240, 200, 3)), 0, 255).astype(np.uint8)
    dark = np.clip(rng.normal(30, 4, (240, 200, 3)), 0, 255).astype(np.uint8)
    picture[hair | shoulders] = dark[hair | shoulders]
    picture[face] = (225, 180, 150)
    model = FakeModel(person.astype(np.float32))
    found = segment_photo(picture, (200, 240), Prompts(), None, model)  # type: ignore[arg-type]
    assert found.path == "learned" and found.scores["border"] - found.scores["learned"] > 0.5
    assert (found.mask & person).sum() / (found.mask | person).sum() > 0.95
    # The same model's mask without the shoulders (nothing at the frame): the weight-free outline wins as before.
    found = segment_photo(
        picture,
        (200, 240),
        Prompts(),
        None,
        FakeModel((face | hair).astype(np.float32)),  # type: ignore[arg-type]
    )
    assert found.path == "classic"


def test_like_objects_are_kept_by_the_typical_ones_size_not_the_largest_region() -> None:
    # Sweets on a table: three apart, two touching (one region twice the size), one cut short by the frame; a speck.
    soft = np.zeros((100, 200), np.float32)
    for x in (20, 60, 100):
        soft[40:60, x : x + 20] = 0.95
    soft[10:30, 140:180] = 0.95  # two touching
    soft[70:90, 0:7] = 0.95  # cut short by the left edge: 140 pixels, under a fifth of the pair's 800
    soft[80:85, 150:155] = 0.95  # a speck
    kept = steer_learned(soft, Prompts())
    assert kept[80, 3] and kept[50, 30] and kept[20, 160]
    assert not kept[82, 152]
