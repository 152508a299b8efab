"""Emotions in the analysis layer: the emotion model in use, per-clip predictions and label suggestions.

:class:`EmotionService` (``Engine.analysis.emotions``) picks the neural model (the user's own setting, or the
linked emotion2vec+ asset), runs the emotion pass of ``analyze``, reads stored predictions and suggests labels
for unlabelled clips (neural model, or else a prosody classifier trained on the user's own labels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidInput
from ..library.models import Clip
from .context import AnalysisContext, Progress
from .emotion import MODEL_ID, REPLACEABLE_SOURCES, TRAIN_SOURCES, Suggestion


@dataclass
class SuggestionReport:
    """What ``suggest_emotions`` found (and applied)."""
    model: str
    trained_on: int
    weak_guess: bool                # prosody only: a rough arousal guess, not emotion recognition
    classes: list[str]
    suggestions: list[Suggestion] = field(default_factory=list)
    applied: int = 0
    min_confidence: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "trained_on": self.trained_on, "weak_guess": self.weak_guess,
                "classes": self.classes, "suggestions": [s.to_dict() for s in self.suggestions],
                "applied": self.applied, "min_confidence": self.min_confidence}


class EmotionService:
    def __init__(self, ctx: AnalysisContext) -> None:
        self.ctx = ctx

    def model(self):
        """The user's own neural emotion model (setting ``analysis.emotion_model`` = {"kind", "path"}), else the
        linked emotion2vec+ asset, or None."""
        from .emotion_models import load_emotion_model

        conf = self.ctx.engine.settings.get("analysis.emotion_model")
        if not conf:
            from .emotion2vec.analysis import linked_model
            from .emotion2vec.locate import ASSET_SETTING

            key = f"emotion:linked:{self.ctx.engine.settings.get(ASSET_SETTING)}"
            return self.ctx.cached_model(key, lambda: linked_model(self.ctx.engine))
        if isinstance(conf, str):           # a bare folder: emotion2vec+
            conf = {"kind": "emotion2vec", "path": conf}
        if not isinstance(conf, dict):
            raise InvalidInput("The setting analysis.emotion_model must be a folder or {\"kind\": ..., \"path\": ...}.")
        key = f"emotion:{conf.get('kind')}:{conf.get('path')}"
        return self.ctx.cached_model(
            key, lambda: load_emotion_model(str(conf.get("kind", "emotion2vec")), str(conf.get("path", ""))))

    def analyze(self, clips: list[Clip], progress: Progress | None = None, cancel=None) -> dict[str, Any] | None:
        """The emotion pass of ``analyze``: probabilities for every clip not cached for the model (None: no model)."""
        from .emotion2vec.analysis import analyze_clips

        model = self.model()
        return None if model is None else analyze_clips(self.ctx, model, clips, progress=progress, cancel=cancel)

    def clip_emotions(self, clips=None) -> dict[int, Any]:
        """clip id → stored emotion2vec+ prediction (``top``, ``confidence``, ``probabilities``) for ``clips``
        (default: every clip); nothing is computed (``analyze`` does that)."""
        from .emotion2vec.analysis import stored_emotions

        clips = self.ctx.library.all_clips() if clips is None else list(clips)
        return stored_emotions(self.ctx.library.catalog, self.ctx.engine.settings, clips)

    # -- suggestions --------------------------------------------------------------------------------------
    def prosody_matrix(self, clips: list[Clip]) -> np.ndarray:
        """(clips, features) prosody of ``clips``, measuring (and caching) the ones not measured yet."""
        from . import prosody as pr

        store = self.ctx.store
        have = store.prosody(sorted({c.sha256 for c in clips}), pr.VERSION)
        for c in clips:
            if c.sha256 not in have:
                samples, sr = self.ctx.read(c)
                have[c.sha256] = pr.extract(samples, sr)
                store.put_prosody(c.sha256, pr.VERSION, list(pr.FEATURE_NAMES), have[c.sha256])
        return np.stack([have[c.sha256] for c in clips]) if clips else np.zeros((0, len(pr.FEATURE_NAMES)))

    def suggest(self, apply: bool = False, min_confidence: float = 0.5) -> SuggestionReport:
        """Suggest labels for clips without one (or with an earlier suggestion). With a neural emotion model
        (see :meth:`model`) it labels them; otherwise a prosody classifier learns from the labels the user and
        imports gave. ``apply`` writes them with emotion_source 'suggested'; user and import labels are never
        changed."""
        voices = [v for v in self.ctx.library.voices() if v.clips]
        clips = [c for v in voices for c in v.clips]
        target = [i for i, c in enumerate(clips) if c.emotion_source in REPLACEABLE_SOURCES]
        neural = self.model()
        if neural is not None:
            report, preds, target = self._neural(neural, clips, target)
        else:
            report, preds = self._prosody(clips, target)
        names = {v.id: v.name for v in voices}
        report.suggestions = [
            Suggestion(clips[i].id, names[clips[i].voice_id], emo, conf, clips[i].emotion, clips[i].emotion_source)
            for i, (emo, conf) in zip(target, preds)]
        report.min_confidence = min_confidence
        if report.classes is None:
            report.classes = sorted({s.emotion for s in report.suggestions})
        self.ctx.store.put_suggestions([(s.clip_id, s.emotion, s.confidence, report.model) for s in report.suggestions])
        if apply:
            report.applied = self._apply(report.suggestions, min_confidence)
        return report

    def _neural(self, model, clips: list[Clip], target: list[int]):
        from .emotion2vec.analysis import probabilities_for

        known = probabilities_for(self.ctx, [clips[i] for i in target], model)
        target = [i for i in target if clips[i].sha256 in known]      # clips too short to analyse are left
        preds = [(known[clips[i].sha256].top, known[clips[i].sha256].confidence) for i in target]
        return SuggestionReport(model.id, 0, False, None), preds, target   # type: ignore[arg-type]

    def _prosody(self, clips: list[Clip], target: list[int]):
        from .emotion import ProsodySuggester, relative_features

        train = [i for i, c in enumerate(clips)
                 if c.emotion_source in TRAIN_SOURCES and c.emotion and c.emotion != "unknown"]
        x = relative_features(self.prosody_matrix(clips), np.array([c.voice_id for c in clips]))
        model = ProsodySuggester().fit(x[train], [clips[i].emotion for i in train])
        return SuggestionReport(MODEL_ID, len(train), True, model.classes), model.predict(x[target])

    def _apply(self, suggestions: list[Suggestion], min_confidence: float) -> int:
        by_voice: dict[str, list[Suggestion]] = {}
        for s in suggestions:
            if s.confidence >= min_confidence and s.emotion != s.current:
                by_voice.setdefault(s.voice, []).append(s)
        applied = 0
        for voice, items in sorted(by_voice.items()):
            with self.ctx.library.edit(voice, action="emotions", summary=f"{len(items)} suggested emotion label(s)") as ed:
                for s in items:
                    row = ed.conn.execute("SELECT emotion_source FROM clips WHERE id = ?", (s.clip_id,)).fetchone()
                    if row is None or row[0] not in REPLACEABLE_SOURCES:
                        continue  # the user labelled it meanwhile
                    ed.update_clip(s.clip_id, emotion=s.emotion, emotion_source="suggested")
                    applied += 1
        return applied

