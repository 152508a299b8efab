"""Emotion suggestions learnt from the labels the user already gave.

Each clip's prosody features (:mod:`engine.analysis.prosody`) are made relative to its own voice (minus the
voice's median), because "higher than this voice usually speaks" is what marks excitement, not absolute F0.
A logistic regression (scikit-learn) trained on the labelled clips predicts the others; the probability of
the chosen class is the confidence. Only clips with no label, or with an earlier *suggested* label, ever get
a suggestion: labels from the user or from import are never replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInput

MODEL_ID = "prosody-logreg-1"
TRAIN_SOURCES = ("user", "import")
REPLACEABLE_SOURCES = (None, "suggested")


@dataclass(frozen=True)
class Suggestion:
    clip_id: int
    voice: str
    emotion: str
    confidence: float
    current: str | None
    current_source: str | None

    def to_dict(self) -> dict:
        return {"clip_id": self.clip_id, "voice": self.voice, "emotion": self.emotion,
                "confidence": round(self.confidence, 3), "current": self.current, "current_source": self.current_source}


def relative_features(features: np.ndarray, voice_ids: np.ndarray) -> np.ndarray:
    """Features minus each voice's median (absolute levels kept as extra columns for single-clip voices)."""
    rel = np.zeros_like(features, dtype=np.float64)
    for v in np.unique(voice_ids):
        idx = voice_ids == v
        rel[idx] = features[idx] - np.median(features[idx], axis=0)
    return np.concatenate([rel, features], axis=1)


class ProsodySuggester:
    """Fit on labelled clips, predict the rest."""

    def __init__(self, c: float = 1.0) -> None:
        self.c = c
        self.model = None
        self.classes: list[str] = []

    def fit(self, x: np.ndarray, labels: list[str]) -> "ProsodySuggester":
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise InvalidInput(
                "Emotion suggestions need labelled clips of at least two different emotions to learn from.",
                hint="Label a few clips yourself (e.g. some neutral and some happy ones), then try again.",
            )
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.model = make_pipeline(StandardScaler(), LogisticRegression(C=self.c, max_iter=2000, class_weight="balanced"))
        self.model.fit(x, labels)
        self.classes = list(self.model.classes_)
        return self

    def predict(self, x: np.ndarray) -> list[tuple[str, float]]:
        if self.model is None:
            raise RuntimeError("fit first")
        if len(x) == 0:
            return []
        proba = self.model.predict_proba(x)
        best = proba.argmax(axis=1)
        return [(self.classes[i], float(proba[r, i])) for r, i in enumerate(best)]
