"""How many bases? The storage/VRAM against quality trade-off, for every number of clusters (``engine.analysis.planner``).

Voices are grouped by timbre (the same average-linkage dendrogram :mod:`.clustering` uses), cut at k = 1 .. number
of voices. For each k:

* **fit** — the expected quality: each voice's cosine similarity to its group's timbre centre (the mean of the
  other voices' mean embeddings, the voice itself left out; a voice alone in its group scores 1). ``fit_mean`` is
  the average, ``fit_min`` the worst-served voice. A base fine-tuned (or chosen) for a group serves voices near
  its centre best, so a higher fit means a base closer to every voice it serves.
* **bases** needed (= groups), **storage** (bases × bytes per base) and **VRAM** to keep every base resident
  (bases × VRAM per base + the shared models, which do not grow with k).

Bytes per base: the median of the stored GPT-SoVITS bases when there are any, else a typical v2 pair in fp16
(GPT 77.6 M parameters + SoVITS v2 42.4 M parameters = 240.0 MB), the sizes of GPT-SoVITS' own files. The shared
models (HuBERT 94.4 M + BERT 325.5 M parameters, fp16: 839.8 MB) are counted once. Activations and the CUDA context
come on top and are not counted.

**Recommendation** for a VRAM limit: the largest k whose bases all fit resident (fewer swaps), but never more
groups than needed — the smallest k reaching ``target_fit`` when that k fits. Applying a k re-clusters with
``AnalysisService.cluster(k=...)``, which keeps cluster ids stable (matched by overlap).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidInput
from . import clustering as cl

GPT_V2_BYTES = 77_606_402 * 2          # fp16 weights of GPT-SoVITS' text-to-semantic model
SOVITS_V2_BYTES = 42_389_633 * 2       # fp16 weights of a v2 SoVITS model
TYPICAL_BASE_BYTES = GPT_V2_BYTES + SOVITS_V2_BYTES
SHARED_MODELS_BYTES = 94_400_000 * 2 + 325_500_000 * 2   # chinese-hubert-base 94.4 M + chinese-roberta-wwm-ext-large 325.5 M, fp16
TARGET_FIT = 0.90


@dataclass
class PlanRow:
    k: int
    bases: int
    fit_mean: float
    fit_min: float
    storage_bytes: int
    vram_bytes: int
    fits_vram: bool
    groups: list[list[str]] = field(default_factory=list)


@dataclass
class BasePlan:
    voices: int
    base_bytes: int
    base_bytes_source: str          # "stored bases" | "typical GPT-SoVITS v2 pair"
    shared_bytes: int
    vram_limit_bytes: int
    target_fit: float
    rows: list[PlanRow]
    recommended_k: int
    current_k: int | None
    reason: str

    def row(self, k: int) -> PlanRow:
        return next(r for r in self.rows if r.k == k)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fit(means: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    sims = []
    for i in range(len(means)):
        others = [j for j in np.flatnonzero(labels == labels[i]) if j != i]
        if not others:
            sims.append(1.0)
            continue
        c = means[others].mean(axis=0)
        c = c / (np.linalg.norm(c) + 1e-12)
        sims.append(float(means[i] @ c))
    return float(np.mean(sims)), float(np.min(sims))


def _base_bytes(engine) -> tuple[int, str]:
    sizes = sorted(r.size_bytes for r in engine.bases.list() if r.backend == "gptsovits" and r.size_bytes)
    if sizes:
        return int(sizes[len(sizes) // 2]), "stored bases"
    return TYPICAL_BASE_BYTES, "typical GPT-SoVITS v2 pair"


def plan_bases(engine, vram_limit_mb: float | None = None, *, target_fit: float = TARGET_FIT,
               encoder: str | None = None) -> BasePlan:
    """The table for k = 1 .. voices and the recommended k (see the module docstring)."""
    an = engine.analysis
    enc = an.encoder(encoder)
    names, clips = [], []
    for v in engine.library.voices():
        if not v.clips:
            continue
        try:
            clips.append(an.clip_embeddings(v, enc.id))
        except InvalidInput:
            continue
        names.append(v.name)
    if not names:
        raise InvalidInput("No voice has been analysed yet.", hint="Run 'timbrel analyze' first (the Cluster map's Analyse button).")
    means = cl.normalize_rows(np.stack([cl.normalize_rows(c).mean(axis=0) for c in clips]))
    n = len(names)
    limit = int((vram_limit_mb if vram_limit_mb is not None else engine.vram_limit_mb) * 2**20)
    base_bytes, source = _base_bytes(engine)
    rows: list[PlanRow] = []
    z = cl._linkage(means) if n > 1 else None
    seen: set[int] = set()
    for k in range(1, n + 1):
        if z is None:
            labels = np.zeros(1, dtype=int)
        else:
            from scipy.cluster.hierarchy import fcluster

            labels = cl._relabel(fcluster(z, k, "maxclust") - 1)
        groups_n = int(len(set(labels.tolist())))
        if groups_n in seen:        # ties in the dendrogram: this k gives a grouping already listed
            continue
        seen.add(groups_n)
        mean, worst = _fit(means, labels)
        vram = groups_n * base_bytes + SHARED_MODELS_BYTES
        groups = [[names[i] for i in np.flatnonzero(labels == g)] for g in range(groups_n)]
        rows.append(PlanRow(groups_n, groups_n, round(mean, 4), round(worst, 4), groups_n * base_bytes, vram,
                            vram <= limit, groups))
    fitting = [r for r in rows if r.fits_vram]
    good = [r for r in fitting if r.fit_mean >= target_fit]
    if good:
        rec = good[0]
        reason = (f"the fewest bases whose voices are on average {target_fit:.2f} or closer to their base's timbre, "
                  f"all resident in {limit / 2**20:.0f} MB")
    elif fitting:
        rec = fitting[-1]
        reason = f"the most bases that stay resident together in {limit / 2**20:.0f} MB (none reaches fit {target_fit:.2f})"
    else:
        rec = rows[0]
        reason = (f"even one base and the shared models need more than {limit / 2**20:.0f} MB: bases will be swapped "
                  f"in and out for every request")
    infos = an.clusters()
    return BasePlan(n, base_bytes, source, SHARED_MODELS_BYTES, limit, target_fit, rows, rec.k,
                    len(infos) if infos else None, reason)


def apply_k(engine, k: int):
    """Re-cluster into ``k`` groups (cluster ids stay stable where the groups overlap)."""
    return engine.analysis.cluster(k=int(k))


class BasePlanner:
    """Facade subsystem: ``engine.planner`` (how many bases fit a VRAM budget, and re-clustering into that many)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def plan(self, vram_limit_mb: float | None = None, **kwargs) -> BasePlan:
        return plan_bases(self.engine, vram_limit_mb, **kwargs)

    def apply(self, k: int):
        return apply_k(self.engine, k)
