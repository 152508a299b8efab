"""The emotion × timbre grid: clusters × emotions with counts, and each voice's gaps."""

from __future__ import annotations

from typing import Any

from ..library.emotions import EMOTIONS
from ..library.models import Voice

USABLE_MIN_S, USABLE_MAX_S = 3.0, 10.0   # a reference GPT-SoVITS accepts as a prompt
GRID_SKIP = ("unknown", "other")


def usable(duration: float) -> bool:
    return USABLE_MIN_S <= duration <= USABLE_MAX_S


PREDICTED_MIN = 0.5   # an unlabelled clip counts as "predicted <emotion>" from this emotion2vec+ confidence up


def _predictions(voice: Voice, predicted: dict[int, Any]) -> dict[str, float]:
    """emotion → best emotion2vec+ confidence among the voice's usable *unlabelled* clips."""
    out: dict[str, float] = {}
    for c in voice.clips:
        p = predicted.get(c.id)
        if p is None or c.emotion or not usable(c.duration) or p.top in GRID_SKIP or p.confidence < PREDICTED_MIN:
            continue
        out[p.top] = max(out.get(p.top, 0.0), round(float(p.confidence), 4))
    return out


def build_grid(voices: list[Voice], cluster_of: dict[int, int | None], labels: dict[int, str],
               clustering_id: int | None, predicted: dict[int, Any] | None = None) -> dict[str, Any]:
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
    per_voice, rows = [], {}
    for v in voices:
        have: dict[str, int] = {}
        confirmed: set[str] = set()
        for c in v.clips:
            if c.emotion and usable(c.duration):
                have[c.emotion] = have.get(c.emotion, 0) + 1
                if c.emotion_source != "suggested":
                    confirmed.add(c.emotion)
        cid = cluster_of.get(v.id)
        key = "unclustered" if cid is None else str(cid)
        row = rows.setdefault(key, {"cluster_id": cid, "label": labels.get(cid, "") if cid else "unclustered",
                                    "voices": 0, "counts": {e: 0 for e in targets},
                                    "predicted_counts": {e: 0 for e in targets}})
        row["voices"] += 1
        only_predicted = {e: p for e, p in preds[v.id].items() if not have.get(e)}
        for e in targets:
            if have.get(e):
                row["counts"][e] += 1
            elif e in only_predicted:
                row["predicted_counts"][e] += 1
        per_voice.append({"voice": v.name, "cluster_id": cid, "emotions": dict(sorted(have.items())),
                          "suggested_only": sorted(set(have) - confirmed),
                          "missing": [e for e in targets if not have.get(e)],
                          "predicted": dict(sorted(only_predicted.items())),
                          "top_emotion": _top_emotion(v, predicted)})
    ordered = sorted(rows.values(), key=lambda r: (r["cluster_id"] is None, r["cluster_id"] or 0))
    return {"emotions": targets, "clusters": ordered, "voices": per_voice,
            "gaps": sum(len(p["missing"]) for p in per_voice), "clustering_id": clustering_id}


def _top_emotion(voice: Voice, predicted: dict[int, Any]) -> dict[str, Any] | None:
    """The emotion emotion2vec+ hears most in the voice's clips: mean probability over its analysed clips."""
    rows = [predicted[c.id] for c in voice.clips if c.id in predicted]
    if not rows:
        return None
    mean = {e: sum(r.probabilities.get(e, 0.0) for r in rows) / len(rows) for e in EMOTIONS}
    best = max(EMOTIONS, key=lambda e: (mean[e], -EMOTIONS.index(e)))
    return {"emotion": best, "confidence": round(mean[best], 4), "clips": len(rows)}
