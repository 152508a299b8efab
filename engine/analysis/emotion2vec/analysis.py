"""emotion2vec+ in the analysis pipeline: per-clip probabilities cached in the catalog
(``0009_emotion2vec.sql``: keyed by clip sha256 + model id), computed by ``timbrel analyze`` when a model is
linked, read by ``emotions suggest``, the grid, the Library tab and prompt-clip choice.

The emotion service (:class:`engine.analysis.emotions.EmotionService`) calls :func:`analyze_clips` once per
``analyze`` and :func:`probabilities_for` when it needs probabilities; both take the analysis context
(:class:`engine.analysis.context.AnalysisContext`: the library, clip reading, events). Everything else stays here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from ...library.catalog import utc_now
from ...library.emotions import EMOTIONS


@dataclass(frozen=True)
class ClipEmotion:
    """The model's view of one clip's audio."""

    top: str
    confidence: float
    probabilities: dict[str, float]
    model_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"emotion": self.top, "confidence": round(self.confidence, 4), "model": self.model_id,
                "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()}}


def _top(probs: dict[str, float]) -> tuple[str, float]:
    best = max(EMOTIONS, key=lambda e: (probs.get(e, 0.0), -EMOTIONS.index(e)))
    return best, float(probs.get(best, 0.0))


class EmotionCache:
    def __init__(self, catalog) -> None:
        self.catalog = catalog

    def get(self, shas: Iterable[str], model_id: str) -> dict[str, ClipEmotion]:
        shas = list(shas)
        out: dict[str, ClipEmotion] = {}
        for i in range(0, len(shas), 500):
            part = shas[i:i + 500]
            q = ",".join("?" * len(part))
            for r in self.catalog.query(
                    f"SELECT clip_sha256, labels, probs, top, confidence FROM emotion_probabilities"
                    f" WHERE model_id = ? AND clip_sha256 IN ({q})", (model_id, *part)):
                labels = json.loads(r[1])
                values = np.frombuffer(r[2], dtype="<f4")
                probs = {e: 0.0 for e in EMOTIONS}
                probs.update({lb: float(v) for lb, v in zip(labels, values)})
                out[r[0]] = ClipEmotion(r[3], float(r[4]), probs, model_id)
        return out

    def put(self, sha: str, model_id: str, probs: dict[str, float], frames: int = 0,
            embedding: np.ndarray | None = None) -> ClipEmotion:
        top, conf = _top(probs)
        labels = list(EMOTIONS)
        values = np.asarray([probs.get(e, 0.0) for e in labels], dtype="<f4")
        with self.catalog.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO emotion_probabilities(clip_sha256, model_id, labels, probs, top, confidence,"
                " frames, embedding, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (sha, model_id, json.dumps(labels), values.tobytes(), top, conf, int(frames),
                 None if embedding is None else np.asarray(embedding, dtype="<f4").tobytes(), utc_now()))
        return ClipEmotion(top, conf, {e: float(v) for e, v in zip(labels, values)}, model_id)

    def latest_for_clips(self, shas: Iterable[str]) -> dict[str, ClipEmotion]:
        """The newest row per clip whatever the model (for display when the model is not loaded)."""
        shas = list(shas)
        out: dict[str, tuple[str, ClipEmotion]] = {}
        for i in range(0, len(shas), 500):
            part = shas[i:i + 500]
            q = ",".join("?" * len(part))
            for r in self.catalog.query(
                    f"SELECT clip_sha256, model_id, labels, probs, top, confidence, created_at FROM emotion_probabilities"
                    f" WHERE clip_sha256 IN ({q})", tuple(part)):
                if r[0] in out and out[r[0]][0] >= r[6]:
                    continue
                probs = dict(zip(json.loads(r[2]), (float(v) for v in np.frombuffer(r[3], dtype="<f4"))))
                out[r[0]] = (r[6], ClipEmotion(r[4], float(r[5]), probs, r[1]))
        return {k: v for k, (_, v) in out.items()}


def _predict(model, samples: np.ndarray, sr: int) -> tuple[dict[str, float], int, np.ndarray | None]:
    """Probabilities (Timbrel emotions), frames, utterance feature, for any EmotionModel or Emotion2Vec."""
    from .inference import EmotionPrediction

    out = model.predict(samples, sr)
    if isinstance(out, EmotionPrediction):
        return out.probabilities, out.frames, out.embedding
    return {e: float(out.get(e, 0.0)) for e in EMOTIONS}, 0, None


def probabilities_for(ctx, clips, model, *, compute: bool = True, progress: Callable | None = None,
                      cancel=None, failed: list | None = None) -> dict[str, ClipEmotion]:
    """sha256 → :class:`ClipEmotion` for ``clips`` under ``model``: cached rows, the rest computed (and cached)
    when ``compute``. A clip that cannot be analysed (too short, unreadable) is skipped and listed in ``failed``."""
    from ...errors import Cancelled, TimbrelError

    cache = EmotionCache(ctx.library.catalog)
    by_sha = {c.sha256: c for c in clips}
    have = cache.get(sorted(by_sha), model.id)
    todo = [s for s in sorted(by_sha) if s not in have] if compute else []
    if progress:
        progress(0, len(todo))
    for i, sha in enumerate(todo):
        if cancel is not None and (cancel.is_set() if hasattr(cancel, "is_set") else cancel()):
            raise Cancelled(f"Emotion analysis cancelled after {i} of {len(todo)} clips; what was done is kept.")
        try:
            samples, sr = ctx.read(by_sha[sha])
            probs, frames, emb = _predict(model, samples, sr)
            have[sha] = cache.put(sha, model.id, probs, frames, emb)
        except TimbrelError as exc:
            if failed is not None:
                failed.append({"clip_sha256": sha, "voice_id": by_sha[sha].voice_id, "error": exc.message})
        if progress:
            progress(i + 1, len(todo))
    return have


def analyze_clips(ctx, model, clips, progress: Callable | None = None, cancel=None) -> dict[str, Any]:
    """The emotion part of ``timbrel analyze``: probabilities for every clip not cached for ``model``."""
    failed: list = []
    shas = {c.sha256 for c in clips}
    cached = len(EmotionCache(ctx.library.catalog).get(sorted(shas), model.id))

    def publish(done: int, total: int) -> None:
        ctx.publish("analysis.progress", done=done, total=total, phase="emotion")
        if progress:
            progress(done, total)

    have = probabilities_for(ctx, clips, model, progress=publish, cancel=cancel, failed=failed)
    return {"model": model.id, "clips": len(shas), "computed": len(have) - cached, "cached": cached,
            "failed": failed}


def linked_model(engine):
    """The linked emotion2vec+ asset as a loaded :class:`Emotion2Vec`, or None when none is linked."""
    from ...errors import MissingAsset
    from .inference import Emotion2Vec
    from .locate import asset_path, status

    path = asset_path(engine.settings)
    if path is None:
        st = status(engine.settings)
        if st.present:     # linked but broken: say so rather than silently guessing
            raise MissingAsset(f"The linked emotion2vec+ model cannot be used: {st.detail}.",
                               hint="Link the folder again with 'timbrel assets link --emotion2vec FOLDER'.")
        return None
    from ...torchutil import configure_torch, resolve_device

    configure_torch()
    return Emotion2Vec.from_asset(path, device=resolve_device(engine.device_spec or "cpu"),
                                  resampler=str(engine.settings.get("analysis.emotion_resampler") or "sinc"))


def stored_emotions(catalog, settings, clips) -> dict[int, ClipEmotion]:
    """clip id → the stored prediction for its audio (the linked model's if it has one, else the newest of any
    model); nothing is computed. For display and prompt choice."""
    from .locate import status

    cache = EmotionCache(catalog)
    shas = sorted({c.sha256 for c in clips})
    if not shas or catalog.scalar("SELECT 1 FROM emotion_probabilities LIMIT 1") is None:
        return {}                      # nothing analysed yet (no model linked): no per-clip queries
    st = status(settings)
    rows = cache.get(shas, st.model_id) if st.ok and st.model_id else {}
    missing = [s for s in shas if s not in rows]
    if missing:
        rows.update(cache.latest_for_clips(missing))
    return {c.id: rows[c.sha256] for c in clips if c.sha256 in rows}


PROMPT_MIN_CONFIDENCE = 0.5


def predicted_labels(engine, clips, min_confidence: float = PROMPT_MIN_CONFIDENCE) -> dict[int, str]:
    """clip id → emotion for *unlabelled* clips whose stored prediction is at least ``min_confidence`` sure
    (``other`` / ``unknown`` left out): what prompt-clip choice uses where a clip has no label."""
    unlabelled = [c for c in clips if not c.emotion]
    if not unlabelled:
        return {}
    rows = stored_emotions(engine.library.catalog, engine.settings, unlabelled)
    return {cid: p.top for cid, p in rows.items()
            if p.confidence >= min_confidence and p.top not in ("other", "unknown")}
