"""Grouping voices by timbre (pure functions on arrays; the service stores the results).

* Voices are compared by their mean embeddings (cosine), grouped by average-linkage agglomerative
  clustering.
* **Automatic k**: every cut of the dendrogram is scored by the silhouette of the *clips* (each clip takes
  its voice's group), and the best cut wins. Using clips rather than voice means lets the spread of a
  voice's own clips (styles, emotions) set the scale: two voices whose clips intermix belong together, two
  whose clips are further apart than a voice's own spread do not.
* ``k`` (exact number) and ``threshold`` (minimum cosine similarity inside a group) override it.
* ``enforce_cap`` splits groups larger than the voices-per-base cap.
* ``match_ids`` keeps cluster ids stable: new groups are matched to the previous clusters by overlap
  (Hungarian assignment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidInput


@dataclass
class Grouping:
    labels: np.ndarray                      # group number per voice, 0..k-1
    method: str                             # auto | k | threshold | single
    scores: dict[int, float] = field(default_factory=dict)   # k -> clip silhouette (auto)

    @property
    def k(self) -> int:
        return int(len(set(self.labels.tolist()))) if len(self.labels) else 0


def normalize_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _linkage(means: np.ndarray):
    from scipy.cluster.hierarchy import linkage

    dist = np.clip(1.0 - normalize_rows(means) @ normalize_rows(means).T, 0.0, 2.0)
    iu = np.triu_indices(len(means), 1)
    return linkage(dist[iu], method="average")


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Group numbers in order of first appearance (deterministic)."""
    seen: dict[int, int] = {}
    return np.array([seen.setdefault(int(l), len(seen)) for l in labels], dtype=int)


def group_voices(voice_clips: list[np.ndarray], *, k: int | None = None, threshold: float | None = None,
                 family_similarity: float = 0.85) -> Grouping:
    """Group voices given each voice's clip embeddings (list of (n_i, dim) arrays)."""
    n = len(voice_clips)
    if n == 0:
        return Grouping(np.zeros(0, dtype=int), "single")
    if k is not None and (k < 1 or k > n):
        raise InvalidInput(f"Cannot make {k} clusters from {n} voice(s).", hint=f"Choose --k between 1 and {n}.")
    if threshold is not None and not (-1.0 <= threshold <= 1.0):
        raise InvalidInput("The threshold is a cosine similarity between -1 and 1.", hint="Try --threshold 0.85.")
    means = normalize_rows(np.stack([normalize_rows(c).mean(axis=0) for c in voice_clips]))
    if n == 1:
        return Grouping(np.zeros(1, dtype=int), "single")
    from scipy.cluster.hierarchy import fcluster

    z = _linkage(means)
    if k is not None:
        return Grouping(_relabel(fcluster(z, k, "maxclust") - 1), "k")
    if threshold is not None:
        return Grouping(_relabel(fcluster(z, 1.0 - threshold, "distance") - 1), "threshold")

    sims = means @ means.T
    if sims.min() >= family_similarity:
        return Grouping(np.zeros(n, dtype=int), "single")
    labels, scores = _best_cut(z, voice_clips, lone_clip_distance(voice_clips, family_similarity))
    return Grouping(labels, "auto", scores)


def lone_clip_distance(voice_clips: list[np.ndarray], family_similarity: float) -> float:
    """The distance a clip is expected to have to other clips of its own voice: the median within-voice
    distance of the voices that have several clips, or (none) the encoder's family threshold. Used as the
    silhouette's "a" for a clip that is alone in its group, which the textbook silhouette scores 0 and so
    wrongly pushes single-clip voices together."""
    spreads = []
    for c in voice_clips:
        if len(c) >= 2:
            x = normalize_rows(c)
            d = 1.0 - x @ x.T
            spreads.append(d[np.triu_indices(len(x), 1)].mean())
    return float(np.median(spreads)) if spreads else float(1.0 - family_similarity)


def _best_cut(z: np.ndarray, voice_clips: list[np.ndarray], lone_a: float) -> tuple[np.ndarray, dict[int, float]]:
    """Walk the dendrogram's merges from n groups down to 2 and keep the cut whose clips have the best
    silhouette. Clip-to-group distance sums are merged column by column (active groups kept as the first
    columns), so each step costs O(clips x groups) and no clips x clips matrix is ever built."""
    n = len(voice_clips)
    clips = normalize_rows(np.concatenate(voice_clips)).astype(np.float32)
    clip_voice = np.concatenate([np.full(len(c), i) for i, c in enumerate(voice_clips)])
    counts = np.array([len(c) for c in voice_clips], dtype=np.float32)
    # sum over a voice's clips y of (1 - x.y) = n_v - x . (sum of y)
    voice_sums = np.stack([normalize_rows(c).sum(axis=0) for c in voice_clips]).astype(np.float32)
    sums = np.ascontiguousarray(counts[None, :] - clips @ voice_sums.T)   # (clips, groups)
    col_of_voice = np.arange(n)          # voice -> column of its group
    node_col = {i: i for i in range(n)}  # dendrogram node -> column
    col_node = list(range(n))            # column -> dendrogram node
    rows = np.arange(len(clips))
    scores: dict[int, float] = {}
    best = (-np.inf, col_of_voice.copy())
    k = n
    for step, (i, j, _, _) in enumerate(z):
        own = col_of_voice[clip_voice]
        own_n = counts[own] - 1
        a = np.where(own_n > 0, sums[rows, own] / np.maximum(own_n, 1), lone_a)
        means = sums[:, :k] / np.maximum(counts[:k], 1)
        means[rows, own] = np.inf
        b = means.min(axis=1)
        s = float(((b - a) / np.maximum(np.maximum(a, b), 1e-12)).mean())
        scores[k] = round(s, 4)
        if s > best[0] + 1e-9:
            best = (s, col_of_voice.copy())
        # merge node j into node i, then move the last active column into j's place
        ci, cj = node_col.pop(int(i)), node_col.pop(int(j))
        sums[:, ci] += sums[:, cj]
        counts[ci] += counts[cj]
        col_of_voice[col_of_voice == cj] = ci
        last = k - 1
        if cj != last:
            sums[:, cj] = sums[:, last]
            counts[cj] = counts[last]
            col_of_voice[col_of_voice == last] = cj
            moved = col_node[last]
            node_col[moved] = cj
            col_node[cj] = moved
        node_col[n + step] = ci if ci != last else cj
        col_node[node_col[n + step]] = n + step
        k -= 1
    return _relabel(best[1]), scores


def enforce_cap(means: np.ndarray, labels: np.ndarray, cap: int) -> np.ndarray:
    """Split every group with more than ``cap`` voices into the fewest parts of at most ``cap`` voices."""
    if cap < 1:
        raise InvalidInput("The number of voices per base must be at least 1.")
    labels = np.asarray(labels, dtype=int).copy()
    means = normalize_rows(means)
    from scipy.cluster.hierarchy import fcluster

    changed = True
    while changed:
        changed = False
        for g in sorted(set(labels.tolist())):
            idx = np.flatnonzero(labels == g)
            if len(idx) <= cap:
                continue
            parts = math.ceil(len(idx) / cap)
            sub = fcluster(_linkage(means[idx]), parts, "maxclust") - 1
            if len(set(sub.tolist())) < 2 or max(np.bincount(sub)) == len(idx):
                sub = _chunk_by_similarity(means[idx], cap)
            nxt = labels.max() + 1
            for j, s in enumerate(_relabel(sub)):
                if s > 0:
                    labels[idx[j]] = nxt + s - 1
            changed = True
    return _relabel(labels)


def _chunk_by_similarity(means: np.ndarray, cap: int) -> np.ndarray:
    """Fallback split: order voices along the first principal direction, cut into runs of ``cap``."""
    centered = means - means.mean(axis=0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    order = np.argsort(centered @ vt[0], kind="stable")
    out = np.zeros(len(means), dtype=int)
    for pos, i in enumerate(order):
        out[i] = pos // cap
    return out


def match_ids(old: dict[int, int], groups: list[list[int]]) -> list[int | None]:
    """Old cluster id for each new group (``None``: a new cluster), maximising shared voices.

    ``old`` maps voice id → cluster id in the previous clustering; ``groups`` are lists of voice ids.
    """
    old_ids = sorted(set(old.values()))
    if not old_ids or not groups:
        return [None] * len(groups)
    col = {cid: j for j, cid in enumerate(old_ids)}
    overlap = np.zeros((len(groups), len(old_ids)))
    for i, g in enumerate(groups):
        for v in g:
            if v in old:
                overlap[i, col[old[v]]] += 1
    from scipy.optimize import linear_sum_assignment

    # Tie-break towards older (smaller) ids and earlier groups so the result is deterministic.
    cost = -overlap + 1e-6 * np.arange(len(old_ids))[None, :] / max(1, len(old_ids))
    rows, cols = linear_sum_assignment(cost)
    out: list[int | None] = [None] * len(groups)
    for r, c in zip(rows, cols):
        if overlap[r, c] > 0:
            out[r] = old_ids[c]
    return out


def centroid(vectors: np.ndarray) -> np.ndarray:
    return normalize_rows(normalize_rows(vectors).mean(axis=0, keepdims=True))[0]
