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
import os
import threading
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from .errors import BackendUnavailableError
from .model_card import ModelCard

SegmenterMode = Literal["auto", "learned", "classic"]
Floats = npt.NDArray[np.float32]


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
        # Waiting threads sleep instead of spinning: the worker's other job slots and the sidecar share the cores
        # (768², two threads on the loaded 2-core machine: 1.7 s of CPU against 1.9 s, the same best wall time).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
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
        batch = card.input.batch(rgb)
        with self._lock:
            raw = self.session.run([card.output.name], {card.input.name: batch})[0]
        soft = card.output.probability(raw)
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
