"""The emotion × timbre grid: clusters × emotions with counts, and each voice's gaps.

:func:`build_grid` is a pure function on voices; :class:`GridService` (``Engine.analysis.grids``) feeds it the
current clustering and the stored emotion2vec+ predictions. Both return a :class:`GridResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..library.emotions import EMOTIONS
from ..library.models import Voice

if TYPE_CHECKING:      # the result types stay importable without numpy (engine.api re-exports them)
    from .clusters import ClusteringService
    from .context import AnalysisContext

USABLE_MIN_S, USABLE_MAX_S = 3.0, 10.0   # a reference GPT-SoVITS accepts as a prompt
GRID_SKIP = ("unknown", "other")
PREDICTED_MIN = 0.5   # an unlabelled clip counts as "predicted <emotion>" from this emotion2vec+ confidence up


def usable(duration: float) -> bool:
    return USABLE_MIN_S <= duration <= USABLE_MAX_S


@dataclass
class GridRow:
    """One cluster (``cluster_id`` None: the unclustered voices): how many voices have a usable labelled
    reference of each emotion (``counts``), and how many have one only the model hears (``predicted_counts``)."""
    cluster_id: int | None
    label: str
    voices: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    predicted_counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"cluster_id": self.cluster_id, "label": self.label, "voices": self.voices,
                "counts": dict(self.counts), "predicted_counts": dict(self.predicted_counts)}


@dataclass
class GridVoice:
    """One voice's emotions (usable clips per label), the ones known only from suggestions, the library's
    emotions it lacks, the ones only emotion2vec+ hears (emotion → best confidence) and its top emotion."""
    voice: str
    cluster_id: int | None
    emotions: dict[str, int]
    suggested_only: list[str]
    missing: list[str]
    predicted: dict[str, float]
    top_emotion: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {"voice": self.voice, "cluster_id": self.cluster_id, "emotions": dict(self.emotions),
                "suggested_only": list(self.suggested_only), "missing": list(self.missing),
                "predicted": dict(self.predicted), "top_emotion": self.top_emotion}


@dataclass
class GridResult:
    emotions: list[str]                 # the emotions used in the library (columns)
    clusters: list[GridRow]             # rows, by cluster id, "unclustered" last
    voices: list[GridVoice]
    clustering_id: int | None

    @property
    def gaps(self) -> int:
        """(voice, emotion) pairs with no usable labelled reference."""
        return sum(len(v.missing) for v in self.voices)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``timbrel grid --json``)."""
        return {"emotions": list(self.emotions), "clusters": [r.to_dict() for r in self.clusters],
                "voices": [v.to_dict() for v in self.voices], "gaps": self.gaps, "clustering_id": self.clustering_id}


def _predictions(voice: Voice, predicted: dict[int, Any]) -> dict[str, float]:
    """emotion → best emotion2vec+ confidence among the voice's usable *unlabelled* clips."""
    out: dict[str, float] = {}
    for c in voice.clips:
        p = predicted.get(c.id)
        if p is None or c.emotion or not usable(c.duration) or p.top in GRID_SKIP or p.confidence < PREDICTED_MIN:
            continue
        out[p.top] = max(out.get(p.top, 0.0), round(float(p.confidence), 4))
    return out


def _labelled(voice: Voice) -> tuple[dict[str, int], set[str]]:
    """(emotion → usable labelled clips, emotions with at least one label not from a suggestion)."""
    have: dict[str, int] = {}
    confirmed: set[str] = set()
    for c in voice.clips:
        if c.emotion and usable(c.duration):
            have[c.emotion] = have.get(c.emotion, 0) + 1
            if c.emotion_source != "suggested":
                confirmed.add(c.emotion)
    return have, confirmed


def build_grid(voices: list[Voice], cluster_of: dict[int, int | None], labels: dict[int, str],
               clustering_id: int | None, predicted: dict[int, Any] | None = None) -> GridResult:
    """Rows per cluster (plus "unclustered") with the number of voices that have a usable labelled reference of
    each emotion; per voice its emotions (clip counts), the ones known only from suggestions, and the emotions
    used somewhere in the library that it lacks. With emotion2vec+ predictions (clip id → ``top``/``confidence``)
    each voice also lists the emotions only the model sees in its unlabelled clips (``predicted``: emotion → best
    confidence), each row counts such voices (``predicted_counts``), and each voice has its ``top_emotion``."""
    predicted = predicted or {}
    preds = {v.id: _predictions(v, predicted) for v in voices}
    used = sorted({c.emotion for v in voices for c in v.clips if c.emotion and c.emotion not in GRID_SKIP}
                  | {e for p in preds.values() for e in p}, key=EMOTIONS.index)
    targets = used or ["neutral"]
    per_voice: list[GridVoice] = []
    rows: dict[int | None, GridRow] = {}
    for v in voices:
        have, confirmed = _labelled(v)
        cid = cluster_of.get(v.id)
        row = rows.get(cid)
        if row is None:
            row = rows[cid] = GridRow(cid, labels.get(cid, "") if cid else "unclustered", 0,
                                      {e: 0 for e in targets}, {e: 0 for e in targets})
        row.voices += 1
        only_predicted = {e: p for e, p in preds[v.id].items() if not have.get(e)}
        for e in targets:
            if have.get(e):
                row.counts[e] += 1
            elif e in only_predicted:
                row.predicted_counts[e] += 1
        per_voice.append(GridVoice(v.name, cid, dict(sorted(have.items())), sorted(set(have) - confirmed),
                                   [e for e in targets if not have.get(e)], dict(sorted(only_predicted.items())),
                                   _top_emotion(v, predicted)))
    ordered = sorted(rows.values(), key=lambda r: (r.cluster_id is None, r.cluster_id or 0))
    return GridResult(targets, ordered, per_voice, clustering_id)


def _top_emotion(voice: Voice, predicted: dict[int, Any]) -> dict[str, Any] | None:
    """The emotion emotion2vec+ hears most in the voice's clips: mean probability over its analysed clips."""
    rows = [predicted[c.id] for c in voice.clips if c.id in predicted]
    if not rows:
        return None
    mean = {e: sum(r.probabilities.get(e, 0.0) for r in rows) / len(rows) for e in EMOTIONS}
    best = max(EMOTIONS, key=lambda e: (mean[e], -EMOTIONS.index(e)))
    return {"emotion": best, "confidence": round(mean[best], 4), "clips": len(rows)}


class GridService:
    def __init__(self, ctx: "AnalysisContext", clustering: "ClusteringService") -> None:
        self.ctx = ctx
        self.clustering = clustering

    def grid(self) -> GridResult:
        """Clusters × emotions for the current clustering (see :func:`build_grid`)."""
        from .emotion2vec.analysis import stored_emotions

        cur, members = self.clustering.current_members()
        voices = self.ctx.library.voices()
        predicted = stored_emotions(self.ctx.library.catalog, self.ctx.engine.settings,
                                    [c for v in voices for c in v.clips])
        return build_grid(voices, {m.voice_id: m.cluster_id for m in members}, self.ctx.store.cluster_labels(),
                          None if cur is None else cur["id"], predicted=predicted)
