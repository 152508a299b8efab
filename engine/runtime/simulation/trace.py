"""Synthetic request traces for the simulator, the property tests and the scheduler benchmark.

Model (after S-LoRA's generator, see the runtime notes §5): voice popularity is Zipf over
``n_voices``; voices fall into ``n_clusters`` clusters of uneven size (one base each);
interactive requests (hotkeys, GUI) arrive as a bursty Gamma process (coefficient of
variation ``cv`` > 1); batch work arrives as jobs (an audiobook chapter, a script) of
several sentences for one voice, all queued at once. Service times are lognormal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..policy import BATCH, INTERACTIVE


@dataclass(frozen=True)
class TraceRequest:
    id: int
    arrival: float
    base: str
    priority: int
    service_s: float
    voice: int = 0
    timeout_s: float | None = None


@dataclass(frozen=True)
class TraceConfig:
    n_voices: int = 300
    n_clusters: int = 8
    zipf_s: float = 1.0
    duration_s: float = 1800.0
    interactive_rate: float = 0.25     # requests/s
    interactive_cv: float = 3.0        # burstiness of interactive arrivals
    interactive_service_s: float = 0.6
    batch_job_rate: float = 1 / 40.0   # jobs/s
    batch_job_sentences: float = 10.0  # mean sentences per job
    batch_service_s: float = 1.0
    service_sigma: float = 0.5         # lognormal sigma


def cluster_map(n_voices: int, n_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """Voice → cluster, clusters of uneven size (Dirichlet shares), every cluster non-empty."""
    shares = rng.dirichlet(np.full(n_clusters, 2.0))
    counts = np.maximum(1, np.floor(shares * (n_voices - n_clusters)).astype(int) + 1)
    while counts.sum() < n_voices:
        counts[rng.integers(n_clusters)] += 1
    while counts.sum() > n_voices:
        i = int(np.argmax(counts))
        counts[i] -= 1
    labels = np.repeat(np.arange(n_clusters), counts)
    rng.shuffle(labels)
    return labels


def _lognormal(rng: np.random.Generator, mean: float, sigma: float) -> float:
    mu = np.log(mean) - sigma * sigma / 2
    return float(rng.lognormal(mu, sigma))


def synthetic_trace(cfg: TraceConfig = TraceConfig(), seed: int = 0) -> list[TraceRequest]:
    rng = np.random.default_rng(seed)
    clusters = cluster_map(cfg.n_voices, cfg.n_clusters, rng)
    ranks = np.arange(1, cfg.n_voices + 1, dtype=float)
    pop = ranks ** -cfg.zipf_s
    pop /= pop.sum()
    voice_order = rng.permutation(cfg.n_voices)  # popularity is independent of cluster id

    def pick_voice() -> int:
        return int(voice_order[rng.choice(cfg.n_voices, p=pop)])

    raw: list[tuple[float, int, int, float]] = []  # arrival, voice, priority, service
    # interactive: Gamma inter-arrivals with the given coefficient of variation
    k = 1.0 / (cfg.interactive_cv ** 2)
    t = 0.0
    while cfg.interactive_rate > 0:
        t += float(rng.gamma(k, 1.0 / (cfg.interactive_rate * k)))
        if t >= cfg.duration_s:
            break
        raw.append((t, pick_voice(), INTERACTIVE, _lognormal(rng, cfg.interactive_service_s, cfg.service_sigma)))
    # batch: Poisson job arrivals, each a run of sentences for one voice queued at once
    t = 0.0
    while cfg.batch_job_rate > 0:
        t += float(rng.exponential(1.0 / cfg.batch_job_rate))
        if t >= cfg.duration_s:
            break
        v = pick_voice()
        n = int(rng.geometric(1.0 / cfg.batch_job_sentences))
        for _ in range(n):
            raw.append((t, v, BATCH, _lognormal(rng, cfg.batch_service_s, cfg.service_sigma)))
    raw.sort(key=lambda r: r[0])
    return [TraceRequest(i, a, f"cluster-{int(clusters[v])}", p, s, v) for i, (a, v, p, s) in enumerate(raw)]


def offered_load(trace: list[TraceRequest]) -> float:
    if not trace:
        return 0.0
    span = max(r.arrival for r in trace) - min(r.arrival for r in trace)
    return sum(r.service_s for r in trace) / span if span > 0 else float("inf")
