"""Plug-in point for neural emotion models the user has on disk (none is bundled: no wheel ships one).

An emotion model maps a clip to probabilities over :data:`engine.library.emotions.EMOTIONS`. The one known
kind is emotion2vec+ (``emotion2vec_plus_base``/``large`` folders as ModelScope/Hugging Face publish them),
run through FunASR (``pip install funasr``), loaded from the user's folder only (no download).
Register other kinds with :func:`register_emotion_model`.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InvalidInput, MissingAsset
from ..library.emotions import EMOTIONS, normalize_emotion


class EmotionModel(abc.ABC):
    id: str = ""

    @abc.abstractmethod
    def predict(self, samples: np.ndarray, sample_rate: int) -> dict[str, float]:
        """Probabilities per emotion label (keys from EMOTIONS)."""


class Emotion2VecModel(EmotionModel):
    """emotion2vec+ from a local folder, through FunASR."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        if not (self.path / "model.pt").is_file() and not (self.path / "config.yaml").is_file():
            raise MissingAsset(
                f"{self.path} does not look like an emotion2vec+ model folder (no model.pt / config.yaml).",
                hint="Download emotion2vec_plus_base (or large) yourself and set analysis.emotion_model to {\"kind\": \"emotion2vec\", \"path\": FOLDER}.",
            )
        try:
            from funasr import AutoModel  # type: ignore[import-not-found]
        except ImportError as exc:
            raise MissingAsset("emotion2vec+ needs the FunASR package, which is not installed.",
                               hint="pip install funasr") from exc
        self.id = f"emotion2vec:{self.path.name}"
        self._model = AutoModel(model=str(self.path), disable_update=True)

    def predict(self, samples: np.ndarray, sample_rate: int) -> dict[str, float]:
        from ..audio.io import resample

        wav = resample(np.asarray(samples, dtype=np.float32), int(sample_rate), 16000)
        res = self._model.generate(wav, granularity="utterance", extract_embedding=False)
        out = {e: 0.0 for e in EMOTIONS}
        if res:
            for label, score in zip(res[0].get("labels", []), res[0].get("scores", [])):
                try:
                    key = normalize_emotion(str(label))
                except InvalidInput:
                    continue
                if key:
                    out[key] += float(score)
        return out


_REGISTRY: dict[str, Callable[[str], EmotionModel]] = {"emotion2vec": Emotion2VecModel}


def register_emotion_model(kind: str, factory: Callable[[str], EmotionModel]) -> None:
    _REGISTRY[kind] = factory


def load_emotion_model(kind: str, path: str) -> EmotionModel:
    if kind not in _REGISTRY:
        raise InvalidInput(f"Unknown emotion model kind '{kind}'.", hint="Known: " + ", ".join(sorted(_REGISTRY)))
    return _REGISTRY[kind](path)
