"""Plug-in point for neural emotion models the user has on disk (none is bundled: no wheel ships one).

An emotion model maps a clip to probabilities over :data:`engine.library.emotions.EMOTIONS`. The one known
kind is emotion2vec+ (``emotion2vec_plus_base``/``large`` folders as ModelScope/Hugging Face publish them),
run by Timbrel's own implementation (:mod:`engine.analysis.emotion2vec`), loaded from the user's folder only
(no download); linking it with ``timbrel assets link --emotion2vec`` is the usual way, this setting the old one.
Register other kinds with :func:`register_emotion_model`.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InvalidInput, MissingAsset


class EmotionModel(abc.ABC):
    id: str = ""

    @abc.abstractmethod
    def predict(self, samples: np.ndarray, sample_rate: int) -> dict[str, float]:
        """Probabilities per emotion label (keys from EMOTIONS)."""


class Emotion2VecModel(EmotionModel):
    """emotion2vec+ from a local FunASR folder, run by Timbrel's own implementation
    (:mod:`engine.analysis.emotion2vec`; FunASR is not needed). The folder is converted once to Timbrel's
    safetensors asset. The usual way is ``timbrel assets link --emotion2vec FOLDER`` instead of this setting."""

    def __init__(self, path: str | Path) -> None:
        from .emotion2vec.inference import Emotion2Vec
        from .emotion2vec.locate import asset_root, is_model_folder
        from .emotion2vec.weights import convert_folder

        self.path = Path(path).expanduser()
        if not is_model_folder(self.path):
            raise MissingAsset(
                f"{self.path} does not look like an emotion2vec+ model folder (model.pt, config.yaml, tokens.txt).",
                hint="Download emotion2vec_plus_base (or large) yourself and link it with 'timbrel assets link --emotion2vec FOLDER'.",
            )
        self._model = Emotion2Vec.from_asset(convert_folder(self.path, asset_root()))
        self.id = self._model.id

    def predict(self, samples: np.ndarray, sample_rate: int) -> dict[str, float]:
        return self._model.predict(samples, sample_rate).probabilities


_REGISTRY: dict[str, Callable[[str], EmotionModel]] = {"emotion2vec": Emotion2VecModel}


def register_emotion_model(kind: str, factory: Callable[[str], EmotionModel]) -> None:
    _REGISTRY[kind] = factory


def load_emotion_model(kind: str, path: str) -> EmotionModel:
    if kind not in _REGISTRY:
        raise InvalidInput(f"Unknown emotion model kind '{kind}'.", hint="Known: " + ", ".join(sorted(_REGISTRY)))
    return _REGISTRY[kind](path)
