"""The learned segmenter: any salient-object model of the usual shape (1x3xHxW in, 1x1xHxW out) run by ONNX
Runtime, described by a model card (docs/models.md). One session per worker process, shared by its job slots
(ONNX Runtime's `run` is thread-safe).

Settings: GEN3D_SEGMENTER = auto (default: the learned model when one is installed, else the weight-free path),
learned (a model must be there: the host refuses to start without one), classic (the weight-free path only);
GEN3D_SEGMENTATION_MODEL = the installed model card (`.gen3d/models/<name>/card.json`, written by
tools/scripts/fetch-model.mjs; in AWS the container's copy from gen3d-model-bucket/segmentation/).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from .errors import BackendUnavailableError

SegmenterMode = Literal["auto", "learned", "classic"]
Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ModelCard:
    """What the worker needs to know to run a model, and what a deployer needs to know to ship it."""

    name: str
    path: Path
    sha256: str
    width: int
    height: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    input_name: str
    output_name: str
    activation: Literal["none", "sigmoid"]
    licence: dict[str, str]

    @classmethod
    def load(cls, card_file: Path) -> ModelCard:
        """An installed card (the model file next to it, its digest as installed). Raises BackendUnavailableError."""
        try:
            card: dict[str, Any] = json.loads(card_file.read_text("utf-8"))
            installed = card["installed"]
            spec, out = card["input"], card["output"]
            activation = out.get("activation", "none")
            if activation not in ("none", "sigmoid"):
                raise ValueError(f"unknown output activation {activation!r}")
            return cls(
                name=str(card["name"]),
                path=card_file.parent / str(installed["file"]),
                sha256=str(installed["sha256"]),
                width=int(spec["width"]),
                height=int(spec["height"]),
                mean=(float(spec["mean"][0]), float(spec["mean"][1]), float(spec["mean"][2])),
                std=(float(spec["std"][0]), float(spec["std"][1]), float(spec["std"][2])),
                input_name=str(spec["name"]),
                output_name=str(out["name"]),
                activation=activation,
                licence={str(k): str(v) for k, v in card.get("licence", {}).items()},
            )
        except (OSError, KeyError, IndexError, TypeError, ValueError) as error:
            raise BackendUnavailableError(
                f"the segmentation model card {card_file} is unusable: {error}"
            ) from error


class LearnedSegmenter:
    """A soft object mask (0..1) of a picture from one ONNX Runtime session, loaded once and verified."""

    def __init__(
        self, card: ModelCard, threads: int | None = None, providers: list[str] | None = None
    ) -> None:
        import onnxruntime as ort  # noqa: PLC0415 - only where a model is configured

        self.card = card
        try:
            digest = hashlib.sha256(card.path.read_bytes()).hexdigest()
        except OSError as error:
            raise BackendUnavailableError(
                f"the segmentation model {card.path} cannot be read: {error}"
            ) from error
        if digest != card.sha256:
            raise BackendUnavailableError(
                f"the segmentation model {card.path} is not the one its card describes (SHA-256 {digest})"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        # The arena keeps every peak allocation for good (1.85 GB against 0.95 GB here): off, for a worker that
        # shares its machine with the sidecar and other jobs.
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        available = ort.get_available_providers()
        chosen = [
            p for p in (providers or ["CUDAExecutionProvider", "CPUExecutionProvider"]) if p in available
        ]
        self.session = ort.InferenceSession(str(card.path), options, providers=chosen)
        self.provider = self.session.get_providers()[0]
        self._lock = (
            threading.Lock()
        )  # one inference at a time: two would each take every thread, and the memory

    def predict(self, rgb: npt.NDArray[np.uint8]) -> Floats:
        """The model's object probability at the size of `rgb` (HxWx3, uint8)."""
        card = self.card
        height, width = rgb.shape[:2]
        resized = cv2.resize(rgb, (card.width, card.height), interpolation=cv2.INTER_AREA)
        tensor = (resized.astype(np.float32) - np.array(card.mean, np.float32)) / np.array(
            card.std, np.float32
        )
        batch = np.ascontiguousarray(tensor.transpose(2, 0, 1)[None])
        with self._lock:
            raw = self.session.run([card.output_name], {card.input_name: batch})[0]
        logits = np.asarray(raw, np.float32).reshape(raw.shape[-2], raw.shape[-1])
        probability = 1.0 / (1.0 + np.exp(-logits)) if card.activation == "sigmoid" else logits
        soft = np.clip(probability, 0.0, 1.0).astype(np.float32)
        return np.asarray(cv2.resize(soft, (width, height), interpolation=cv2.INTER_LINEAR), np.float32)


def load_segmenter(env: dict[str, str] | None = None) -> LearnedSegmenter | None:
    """The learned segmenter the settings ask for, or None for the weight-free path. A model that is asked for
    (`learned`) or configured (`auto` with GEN3D_SEGMENTATION_MODEL set) but unusable stops the start with its
    message: no silent downgrade."""
    source = dict(os.environ if env is None else env)
    mode = source.get("GEN3D_SEGMENTER", "auto")
    if mode not in ("auto", "learned", "classic"):
        raise BackendUnavailableError(f"GEN3D_SEGMENTER must be auto, learned or classic, not {mode!r}")
    card_file = source.get("GEN3D_SEGMENTATION_MODEL") or ""
    if mode == "classic" or (mode == "auto" and not card_file):
        return None
    if not card_file:
        raise BackendUnavailableError(
            "GEN3D_SEGMENTER=learned needs GEN3D_SEGMENTATION_MODEL (run tools/scripts/fetch-model.mjs)"
        )
    threads = source.get("GEN3D_SEGMENTER_THREADS")
    return LearnedSegmenter(ModelCard.load(Path(card_file)), int(threads) if threads else None)
