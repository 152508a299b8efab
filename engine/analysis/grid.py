"""The emotion × timbre grid: clusters × emotions with counts, and each voice's gaps."""

from __future__ import annotations

from typing import Any

from ..library.emotions import EMOTIONS
from ..library.models import Voice

USABLE_MIN_S, USABLE_MAX_S = 3.0, 10.0   # a reference GPT-SoVITS accepts as a prompt
GRID_SKIP = ("unknown", "other")


def usable(duration: float) -> bool:
    return USABLE_MIN_S <= duration <= USABLE_MAX_S


def build_grid(voices: list[Voice], cluster_of: dict[int, int | None], labels: dict[int, str],
               clustering_id: int | None) -> dict[str, Any]:
    """Rows per cluster (plus "unclustered") with the number of voices that have a usable labelled reference of
    each emotion; per voice its emotions (clip counts), the ones known only from suggestions, and the emotions
    used somewhere in the library that it lacks."""
    used = sorted({c.emotion for v in voices for c in v.clips if c.emotion and c.emotion not in GRID_SKIP},
                  key=EMOTIONS.index)
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
                                    "voices": 0, "counts": {e: 0 for e in targets}})
        row["voices"] += 1
        for e in targets:
            if have.get(e):
                row["counts"][e] += 1
        per_voice.append({"voice": v.name, "cluster_id": cid, "emotions": dict(sorted(have.items())),
                          "suggested_only": sorted(set(have) - confirmed),
                          "missing": [e for e in targets if not have.get(e)]})
    ordered = sorted(rows.values(), key=lambda r: (r["cluster_id"] is None, r["cluster_id"] or 0))
    return {"emotions": targets, "clusters": ordered, "voices": per_voice,
            "gaps": sum(len(p["missing"]) for p in per_voice), "clustering_id": clustering_id}
