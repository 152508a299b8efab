"""Planning a consolidation: one base per cluster, the per-voice models retired.

For every cluster of the current clustering :func:`make_plan` picks a base:

* **adopt** — one of the cluster's candidate models (per-voice models imported from GPT-SoVITS). With
  ``choose="evaluate"`` every candidate is scored by synthesizing the cluster's voices with it and measuring
  speaker similarity to each voice's own references (:class:`engine.consolidation.evaluate.Evaluator`);
  the best mean wins. With ``choose="central"`` (default, no synthesis) the candidate of the voice nearest
  the cluster's timbre centroid wins — the model trained on the most typical voice.
* **pretrained** — a named base (e.g. the pretrained GPT-SoVITS base) zero-shot, when the cluster has no
  candidate or when ``pretrained`` is given with ``prefer_pretrained``.
* **keep** — a cluster without candidates keeps the base it has.

Candidates not chosen and not serving any other cluster are *retired* (archived on apply, see
:mod:`.archive`). The plan carries the storage report (before / after / archived bytes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidInput, NotFound
from . import candidates as cands
from .archive import StorageReport, storage_report


@dataclass
class ClusterPlan:
    cluster_id: int
    voices: list[str]
    candidates: list[str]
    base: str | None
    kind: str                      # adopted | pretrained | assigned (kept)
    reason: str
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Plan:
    clusters: list[ClusterPlan]
    retire: list[str]
    storage: StorageReport
    choose: str

    def to_dict(self) -> dict[str, Any]:
        return {"choose": self.choose, "clusters": [c.to_dict() for c in self.clusters], "retire": list(self.retire),
                "storage": self.storage.to_dict()}


def _existing(engine, names) -> list[str]:
    out = []
    for n in names:
        try:
            out.append(engine.bases.get(n).name)
        except NotFound:
            pass
    return out


def _central(engine, voices, cand_by_voice: dict[int, str]) -> tuple[str, dict[str, float]]:
    """The candidate whose voice is closest to the cluster's centroid (cosine of the voice embeddings)."""
    an = engine.analysis
    embs = {v.id: an.voice_embedding(v) for v in voices}
    centroid = np.mean(np.stack(list(embs.values())), axis=0)
    centroid = centroid / (np.linalg.norm(centroid) + 1e-12)
    scores = {cand_by_voice[vid]: round(float(embs[vid] @ centroid), 4) for vid in cand_by_voice if vid in embs}
    best = max(sorted(scores), key=lambda n: scores[n])
    return best, scores


def _plan_cluster(engine, info, voices, names: list[str], cand_by_voice: dict[int, str], *, choose: str,
                  pretrained: str | None, prefer_pretrained: bool, cancel) -> ClusterPlan:
    """One cluster's base: the best candidate model, else the pretrained base, else the base it has now."""
    if names and not (prefer_pretrained and pretrained):
        if choose == "evaluate":
            from .evaluate import Evaluator

            ev = Evaluator(engine)
            scores = {n: round(ev.score_base(n, voices, cancel=cancel), 4) for n in names}
            best = max(names, key=lambda n: scores[n])
            reason = f"best mean similarity of the cluster's voices synthesized with it ({scores[best]:.3f})"
        else:
            best, scores = _central(engine, voices, cand_by_voice)
            reason = f"model of the voice nearest the cluster's timbre centre (cosine {scores[best]:.3f})"
        return ClusterPlan(info.id, list(info.voices), names, best, "adopted", reason, scores)
    if pretrained is not None:
        return ClusterPlan(info.id, list(info.voices), names, pretrained, "pretrained",
                           "pretrained base used zero-shot with each voice's references")
    current = engine.bases.base_for_cluster(info.id)
    base = current.name if current is not None else None
    return ClusterPlan(info.id, list(info.voices), names, base, "assigned",
                       "no candidate model; the cluster keeps its base" if base else
                       "no candidate model and no base; pass --pretrained NAME to serve it")


def make_plan(engine, *, choose: str = "central", pretrained: str | None = None, prefer_pretrained: bool = False,
              clusters: list[int] | None = None, progress=None, cancel=None) -> Plan:
    if choose not in ("central", "evaluate"):
        raise InvalidInput(f"Unknown way to choose a base: '{choose}'.", hint="Use 'central' or 'evaluate'.")
    an = engine.analysis
    infos = an.clusters()
    if not infos:
        raise InvalidInput("There are no clusters yet.", hint="Run 'timbrel analyze' then 'timbrel cluster' first.")
    if pretrained is not None:
        pretrained = engine.bases.get(pretrained).name
    catalog = engine.library.catalog
    all_cands = cands.all_candidates(catalog)
    plans: list[ClusterPlan] = []
    keep: set[str] = set()
    planned_voices: set[int] = set()
    for info in infos:
        if clusters is not None and info.id not in clusters:
            cur = engine.bases.base_for_cluster(info.id)
            if cur is not None:
                keep.add(cur.name.casefold())
            continue
        voices = [engine.library.voice(n) for n in info.voices]
        ids = {v.id for v in voices}
        planned_voices |= ids
        cand_by_voice = {c.voice_id: c.base_name for c in all_cands if c.voice_id in ids}
        cand_by_voice = {vid: n for vid, n in cand_by_voice.items() if _existing(engine, [n])}
        names = sorted(cand_by_voice.values(), key=str.casefold)
        plan = _plan_cluster(engine, info, voices, names, cand_by_voice, choose=choose, pretrained=pretrained,
                             prefer_pretrained=prefer_pretrained, cancel=cancel)
        plans.append(plan)
        if plan.base:
            keep.add(plan.base.casefold())
        if progress is not None:
            progress(len(plans), len(infos), f"cluster {info.id}")
    # bases serving clusters outside the plan stay; so does every base that is not a candidate
    for info in infos:
        cur = engine.bases.base_for_cluster(info.id)
        planned = next((p for p in plans if p.cluster_id == info.id), None)
        if cur is not None and planned is None:
            keep.add(cur.name.casefold())
    retire = sorted({c.base_name for c in all_cands if c.voice_id in planned_voices and c.base_name.casefold() not in keep
                     and _existing(engine, [c.base_name])},
                    key=str.casefold)
    return Plan(plans, retire, storage_report(engine, set(retire)), choose)
