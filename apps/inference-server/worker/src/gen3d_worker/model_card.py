"""A segmentation model's card (docs/models.md): the installed file and its digest, what goes into the model and
what comes out, read from the `card.json` that tools/scripts/fetch-model.mjs writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from .errors import BackendUnavailableError


@dataclass(frozen=True)
class ModelInput:
    """The card's `input`: the tensor's name, the size the model takes, and how its pixels are normalised."""

    name: str
    width: int
    height: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    def batch(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """`rgb` (HxWx3, uint8) as the model takes it: resized, normalised, 1x3xHxW."""
        resized = cv2.resize(rgb, (self.width, self.height), interpolation=cv2.INTER_AREA)
        tensor = (resized.astype(np.float32) - np.array(self.mean, np.float32)) / np.array(
            self.std, np.float32
        )
        return np.ascontiguousarray(tensor.transpose(2, 0, 1)[None])


@dataclass(frozen=True)
class ModelOutput:
    """The card's `output`: the tensor's name, and the activation still to apply to it."""

    name: str
    activation: Literal["none", "sigmoid"]

    def probability(self, raw: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
        """The model's 1x1xHxW output as an HxW object probability (0..1)."""
        logits = np.asarray(raw, np.float32).reshape(raw.shape[-2], raw.shape[-1])
        probability = 1.0 / (1.0 + np.exp(-logits)) if self.activation == "sigmoid" else logits
        return np.clip(probability, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class ModelCard:
    """What the worker needs to know to run a model, and what a deployer needs to know to ship it."""

    name: str
    path: Path
    sha256: str
    input: ModelInput
    output: ModelOutput
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
                input=ModelInput(
                    name=str(spec["name"]),
                    width=int(spec["width"]),
                    height=int(spec["height"]),
                    mean=(float(spec["mean"][0]), float(spec["mean"][1]), float(spec["mean"][2])),
                    std=(float(spec["std"][0]), float(spec["std"][1]), float(spec["std"][2])),
                ),
                output=ModelOutput(name=str(out["name"]), activation=activation),
                licence={str(k): str(v) for k, v in card.get("licence", {}).items()},
            )
        except (OSError, KeyError, IndexError, TypeError, ValueError) as error:
            raise BackendUnavailableError(
                f"the segmentation model card {card_file} is unusable: {error}"
            ) from error
