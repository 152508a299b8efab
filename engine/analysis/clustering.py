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


@dataclass
class ClipTable:
    """Every voice's clips as one matrix: unit rows (float64), each voice's clip count and the sum of its unit
    rows. Per-voice sums come from one ``np.add.reduceat`` instead of one small array operation per voice."""
    clips: np.ndarray           # (clips, dim), L2-normalised rows, voice after voice
    counts: np.ndarray          # (voices,) clips per voice
    sums: np.ndarray            # (voices, dim) sum of each voice's unit rows

    @classmethod
    def of(cls, voice_clips: list[np.ndarray]) -> "ClipTable":
        counts = np.array([len(c) for c in voice_clips], dtype=np.int64)
        clips = normalize_rows(np.concatenate(voice_clips))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return cls(clips, counts, np.add.reduceat(clips, starts, axis=0))

    @property
    def clip_voice(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.counts)), self.counts)

    def means(self) -> np.ndarray:
        """Each voice's mean direction, L2-normalised."""
        return normalize_rows(self.sums / self.counts[:, None])


# Above this many voices the condensed distances are built block by block (no n x n matrix, no index arrays).
BLOCKED_LINKAGE_VOICES = 2000
# The exact walk scores every cut against every group: about clips x voices^2 / 2 operations. Above this many
# the automatic cut is scored on candidate cuts with each clip compared to the groups of its voice's nearest
# voices only (see _best_cut_large). The corpus (136 clips, 17 voices) is far below: its cut stays exact.
EXACT_WALK_OPS = 1_000_000_000
NEAREST_VOICES = 16
CANDIDATE_CUTS = 32
SILHOUETTE_SAMPLE_CLIPS = 20_000


def condensed_distances(means: np.ndarray) -> np.ndarray:
    """Cosine distances of the voices (the upper triangle, row by row, as scipy's linkage takes them)."""
    x = normalize_rows(means)
    n = len(x)
    if n <= BLOCKED_LINKAGE_VOICES:
        dist = np.clip(1.0 - x @ x.T, 0.0, 2.0)
        return dist[np.triu_indices(n, 1)]
    # block by block, each block only right of the diagonal (half the products of the full matrix)
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    pos = 0
    step = max(1, 4_000_000 // n)
    for lo in range(0, n - 1, step):
        hi = min(n - 1, lo + step)
        block = np.clip(1.0 - x[lo:hi] @ x[lo:].T, 0.0, 2.0)
        for r in range(hi - lo):
            row = block[r, r + 1:]
            out[pos:pos + len(row)] = row
            pos += len(row)
    return out


def cut_labels(z: np.ndarray, n: int, k: int) -> np.ndarray:
    """Group number per voice when the dendrogram ``z`` of ``n`` voices is cut into ``k`` groups: the partition
    after its first ``n - k`` merges (what ``scipy.cluster.hierarchy.cut_tree`` gives, numbered differently).
    Each node points to the merge that took it in, if that merge is among the first ``n - k``; pointer jumping
    then takes every voice to its top node in O(n log depth) array steps."""
    m = n - k
    parent = np.arange(2 * n - 1)
    if m > 0:
        children = z[:m, :2].astype(np.int64)
        parent[children[:, 0]] = parent[children[:, 1]] = n + np.arange(m)
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            break
        parent = nxt
    return np.unique(parent[:n], return_inverse=True)[1].astype(np.int64)


def _linkage(means: np.ndarray, dist: np.ndarray | None = None):
    from scipy.cluster.hierarchy import linkage

    return linkage(condensed_distances(means) if dist is None else dist, method="average")


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
    table = ClipTable.of(voice_clips)
    means = table.means()
    if n == 1:
        return Grouping(np.zeros(1, dtype=int), "single")
    from scipy.cluster.hierarchy import fcluster

    dist = condensed_distances(means)
    far = float(dist.max()) if len(dist) else 0.0
    z = _linkage(means, dist)
    del dist
    if k is not None:
        return Grouping(_relabel(fcluster(z, k, "maxclust") - 1), "k")
    if threshold is not None:
        return Grouping(_relabel(fcluster(z, 1.0 - threshold, "distance") - 1), "threshold")

    if 1.0 - far >= family_similarity - 1e-12:
        return Grouping(np.zeros(n, dtype=int), "single")
    lone = lone_clip_distance(voice_clips, family_similarity, table)
    if len(table.clips) * n * n / 2 <= EXACT_WALK_OPS:
        labels, scores = _best_cut(z, voice_clips, lone, table)
    else:
        labels, scores = _best_cut_large(z, means, voice_clips, lone, table)
    return Grouping(labels, "auto", scores)


def lone_clip_distance(voice_clips: list[np.ndarray], family_similarity: float,
                       table: ClipTable | None = None) -> float:
    """The distance a clip is expected to have to other clips of its own voice: the median within-voice
    distance of the voices that have several clips, or (none) the encoder's family threshold. Used as the
    silhouette's "a" for a clip that is alone in its group, which the textbook silhouette scores 0 and so
    wrongly pushes single-clip voices together.

    A voice's mean pairwise distance over its n unit clips x_i is 1 - (|sum x_i|^2 - sum |x_i|^2) / (n (n - 1)),
    so no per-voice distance matrix is built."""
    table = table or ClipTable.of(voice_clips)
    several = table.counts >= 2
    if not several.any():
        return float(1.0 - family_similarity)
    starts = np.concatenate([[0], np.cumsum(table.counts)[:-1]])
    sq = np.add.reduceat(np.einsum("ij,ij->i", table.clips, table.clips), starts)
    n = table.counts.astype(np.float64)
    pair_dots = (np.einsum("ij,ij->i", table.sums, table.sums) - sq)[several] / (n * (n - 1))[several]
    return float(np.median(1.0 - pair_dots))


def _best_cut(z: np.ndarray, voice_clips: list[np.ndarray], lone_a: float,
              table: ClipTable | None = None) -> tuple[np.ndarray, dict[int, float]]:
    """Walk the dendrogram's merges from n groups down to 2 and keep the cut whose clips have the best
    silhouette. Clip-to-group distance sums are merged column by column (active groups kept as the first
    columns), so each step costs O(clips x groups) and no clips x clips matrix is ever built."""
    n = len(voice_clips)
    table = table or ClipTable.of(voice_clips)
    clips = table.clips.astype(np.float32)
    clip_voice = table.clip_voice
    counts = table.counts.astype(np.float32)
    # sum over a voice's clips y of (1 - x.y) = n_v - x . (sum of y)
    voice_sums = table.sums.astype(np.float32)
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


def _clip_silhouette(clips: np.ndarray, clip_voice: np.ndarray, labels: np.ndarray, candidates: np.ndarray,
                     lone_a: float, chunk: int = 2048, voice_sums: np.ndarray | None = None,
                     voice_counts: np.ndarray | None = None, rows: np.ndarray | None = None) -> float:
    """Mean clip silhouette of one cut (voice ``labels``), comparing each clip with its own group exactly and
    with the groups in its voice's ``candidates`` row (the groups of its nearest voices) for "b". Group sums come
    from the voices' clip sums (one sparse product); ``rows`` limits the clips averaged (a sample)."""
    from scipy.sparse import csr_matrix

    n = len(labels)
    k = int(labels.max()) + 1
    if voice_sums is None:
        voice_sums = np.zeros((n, clips.shape[1]), dtype=np.float64)
        np.add.at(voice_sums, clip_voice, clips)
        voice_counts = np.bincount(clip_voice, minlength=n).astype(np.float64)
    member = csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
    sums32 = np.asarray(member @ voice_sums, dtype=np.float32)
    counts = np.bincount(labels, weights=voice_counts, minlength=k)
    means = sums32 / np.maximum(counts, 1)[:, None].astype(np.float32)
    rows = np.arange(len(clips)) if rows is None else rows
    # Clips of one voice share their own group and their candidate groups: work voice by voice, each voice's
    # clips padded to the longest voice's count, so every group vector is gathered once per voice, not per clip.
    rv = clip_voice[rows]
    order = np.argsort(rv, kind="stable")
    rows, rv = rows[order], rv[order]
    voices, start, cnt = np.unique(rv, return_index=True, return_counts=True)
    slot = np.arange(len(rows)) - np.repeat(start, cnt)
    width = int(cnt.max())
    per = max(1, chunk // width)                            # voices per block (about ``chunk`` clips)
    total = 0.0
    for lo in range(0, len(voices), per):
        vs = voices[lo:lo + per]
        sel = slice(int(start[lo]), int(start[lo + len(vs) - 1] + cnt[lo + len(vs) - 1]))
        x = np.zeros((len(vs), width, clips.shape[1]), dtype=np.float32)
        x[np.repeat(np.arange(len(vs)), cnt[lo:lo + len(vs)]), slot[sel]] = clips[rows[sel]]
        valid = np.arange(width)[None, :] < cnt[lo:lo + len(vs)][:, None]
        own = labels[vs]
        own_n = counts[own] - 1
        a_sum = counts[own][:, None] - np.matmul(x, sums32[own][:, :, None])[:, :, 0]
        a = np.where((own_n > 0)[:, None], a_sum / np.maximum(own_n, 1)[:, None], lone_a)
        cand = labels[candidates[vs]]                           # (voices, K) groups of the nearest voices
        dots = np.matmul(x, means[cand].transpose(0, 2, 1))     # (voices, width, K)
        dots[np.broadcast_to((cand == own[:, None])[:, None, :], dots.shape)] = -np.inf
        best = dots.max(axis=2)
        b = np.where(np.isfinite(best), 1.0 - best, 2.0)
        s_ = (b - a) / np.maximum(np.maximum(a, b), 1e-12)
        total += float(s_[valid].sum())
    return total / len(rows)


def _best_cut_large(z: np.ndarray, means: np.ndarray, voice_clips: list[np.ndarray], lone_a: float,
                    table: ClipTable | None = None) -> tuple[np.ndarray, dict[int, float]]:
    """The automatic cut for a large library: memory O(clips + voices x K), no clips x groups matrix.

    Voice level first: each voice's ``NEAREST_VOICES`` nearest voices (by mean, computed block by block).
    Clip level where it matters: a clip's "b" (distance to the nearest other group) is looked for among the
    groups of those voices — the only groups that can be nearest unless groups are far larger than K voices,
    where the result is a slight over-estimate of b. Cuts are scored on a geometric grid of k, then densely
    around the best one."""
    n = len(voice_clips)
    x = normalize_rows(means).astype(np.float32)
    kn = min(NEAREST_VOICES, n - 1)
    nearest = np.empty((n, kn + 1), dtype=np.int64)
    step = max(1, 2_000_000 // n)
    for lo in range(0, n, step):
        sims = x[lo:lo + step] @ x.T
        idx = np.argpartition(-sims, kn, axis=1)[:, :kn + 1]
        nearest[lo:lo + step] = idx
    table = table or ClipTable.of(voice_clips)
    clips = table.clips.astype(np.float32)
    clip_voice = table.clip_voice
    voice_sums = table.sums
    voice_counts = table.counts.astype(np.float64)
    # the silhouette is averaged over the clips of every m-th voice when there are many (like sklearn's
    # sample_size): a and b of those clips stay exact as defined above
    step_v = max(1, int(np.ceil(len(clips) / SILHOUETTE_SAMPLE_CLIPS)))
    rows = np.flatnonzero(clip_voice % step_v == 0) if step_v > 1 else None

    scores: dict[int, float] = {}
    labels_of: dict[int, np.ndarray] = {}

    def score(ks: list[int]) -> None:
        for k in sorted({int(k) for k in ks if 2 <= k <= n and int(k) not in scores}):
            lab = cut_labels(z, n, k)
            scores[k] = round(_clip_silhouette(clips, clip_voice, lab, nearest, lone_a, voice_sums=voice_sums,
                                               voice_counts=voice_counts, rows=rows), 4)
            labels_of[k] = lab

    score(np.unique(np.round(np.geomspace(2, n, CANDIDATE_CUTS)).astype(int)).tolist())
    ranked = sorted(scores)
    best = max(ranked, key=lambda k: (scores[k], -k))
    i = ranked.index(best)
    lo, hi = ranked[max(0, i - 1)], ranked[min(len(ranked) - 1, i + 1)]
    score(np.unique(np.round(np.linspace(lo, hi, CANDIDATE_CUTS // 2)).astype(int)).tolist())
    best = max(scores, key=lambda k: (scores[k], -k))
    return _relabel(labels_of[best]), dict(sorted(scores.items()))


def enforce_cap(means: np.ndarray, labels: np.ndarray, cap: int) -> np.ndarray:
    """Split every group with more than ``cap`` voices into the fewest parts of at most ``cap`` voices.

    A group is split by its own average-linkage dendrogram into ceil(size / cap) parts, and a part still over
    the cap is split again the same way (or, when the dendrogram cannot split it, cut into runs along its first
    principal direction). Each split depends only on the group's own voices, so the groups are taken from a
    work list (every voice is looked at once per split, not once per group and pass)."""
    if cap < 1:
        raise InvalidInput("The number of voices per base must be at least 1.")
    labels = np.asarray(labels, dtype=int).copy()
    means = normalize_rows(means)
    from scipy.cluster.hierarchy import fcluster

    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.r_[True, labels[order][1:] != labels[order][:-1], True])
    work = [order[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:]) if hi - lo > cap]
    nxt = int(labels.max()) + 1 if len(labels) else 0
    while work:
        idx = np.sort(work.pop())
        parts = math.ceil(len(idx) / cap)
        sub = fcluster(_linkage(means[idx]), parts, "maxclust") - 1
        if len(set(sub.tolist())) < 2 or max(np.bincount(sub)) == len(idx):
            sub = _chunk_by_similarity(means[idx], cap)
        sub = _relabel(sub)
        for s in range(1, int(sub.max()) + 1):          # part 0 keeps the group's label
            labels[idx[sub == s]] = nxt
            nxt += 1
        for s in range(int(sub.max()) + 1):
            part = idx[sub == s]
            if len(part) > cap:
                work.append(part)
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
