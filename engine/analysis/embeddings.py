"""Timbre embeddings: each clip's cached vector, each voice's robust mean, similarity and near-duplicates.

:class:`EmbeddingService` (``Engine.analysis.embeddings``) reads and computes clip embeddings, keeps every
voice's vectors in one table until the catalog changes (:class:`VoiceVectors`), and answers "which voices
sound like this one" questions. The batched analysis run itself is :mod:`engine.analysis.run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import AudioError, InvalidInput
from ..library.models import Voice
from . import clustering as cl
from .context import AnalysisContext


def robust_mean(vectors: np.ndarray) -> np.ndarray:
    """L2-normalised mean of L2-normalised rows, leaving out rows far from the rest (median - 3 MAD)."""
    x = cl.normalize_rows(vectors)
    if len(x) < 3:
        return cl.centroid(x)
    m = cl.centroid(x)
    sims = x @ m
    med = np.median(sims)
    mad = np.median(np.abs(sims - med)) + 1e-6
    keep = sims >= med - 3.0 * mad
    return cl.centroid(x[keep] if keep.sum() >= 2 else x)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _robust_means_same_size(stack: np.ndarray) -> np.ndarray:
    """:func:`robust_mean` of every (clips, dim) slice of ``stack`` (voices, clips, dim) at once (clips >= 3)."""
    x = _unit(np.asarray(stack, dtype=np.float64))
    m = _unit(_unit(x).mean(axis=1))
    sims = np.matmul(x, m[:, :, None])[:, :, 0]
    med = np.median(sims, axis=1, keepdims=True)
    mad = np.median(np.abs(sims - med), axis=1, keepdims=True) + 1e-6
    keep = sims >= med - 3.0 * mad
    keep[keep.sum(axis=1) < 2] = True
    inner = _unit(x) * keep[:, :, None]
    return _unit(inner.sum(axis=1) / keep.sum(axis=1, keepdims=True))


def robust_means(voice_clips: list[np.ndarray]) -> np.ndarray:
    """(voices, dim) :func:`robust_mean` of each voice's clip embeddings; voices with the same number of clips
    are computed together (a 10,000-voice library in a few array operations instead of 10,000 small ones)."""
    if not voice_clips:
        return np.zeros((0, 1))
    out = np.zeros((len(voice_clips), voice_clips[0].shape[1]))
    by_count: dict[int, list[int]] = {}
    for i, c in enumerate(voice_clips):
        by_count.setdefault(len(c), []).append(i)
    for count, idx in by_count.items():
        if count < 3 or len(idx) == 1:
            for i in idx:
                out[i] = robust_mean(voice_clips[i])
        else:
            out[idx] = _robust_means_same_size(np.stack([voice_clips[i] for i in idx]))
    return out


@dataclass(frozen=True)
class VoiceRef:
    """A voice known by id and name only (what clustering needs; no clips loaded)."""
    id: int
    name: str


class VoiceVectors:
    """Every analysable voice's clip embeddings and robust mean (see :meth:`EmbeddingService.voice_vectors`)."""

    def __init__(self, ids: list[int], names: list[str], means: np.ndarray, clips: list[np.ndarray],
                 skipped: list[str]) -> None:
        self.ids, self.names, self.means, self.clips, self.skipped = ids, names, means, clips, skipped
        self.index = {vid: i for i, vid in enumerate(ids)}
        self.means32 = means.astype(np.float32) if len(ids) else np.zeros((0, 1), dtype=np.float32)

    @property
    def refs(self) -> list[VoiceRef]:
        return [VoiceRef(i, n) for i, n in zip(self.ids, self.names)]


class EmbeddingService:
    def __init__(self, ctx: AnalysisContext) -> None:
        self.ctx = ctx
        self._vectors: dict[tuple[str, str], tuple[Any, VoiceVectors]] = {}

    def pending(self, voices=None, encoder: str | None = None) -> dict[str, int]:
        """How many clips still need analysing (no embedding for this encoder version, or no prosody yet)."""
        from . import prosody as pr

        enc = self.ctx.encoder(encoder)
        shas = sorted({c.sha256 for v in self.ctx.voices(voices) for c in v.clips})
        store = self.ctx.store
        have = store.embeddings(shas, enc.id, enc.version)
        have_p = store.prosody(shas, pr.VERSION)
        return {"clips": len(shas), "embeddings_pending": sum(s not in have for s in shas),
                "prosody_pending": sum(s not in have_p for s in shas)}

    def clip_embeddings(self, voice, encoder: str | None = None) -> np.ndarray:
        """(clips, dim) embeddings of a voice's clips, computing the missing ones."""
        enc = self.ctx.encoder(encoder)
        v = self.ctx.voice(voice)
        if not v.clips:
            raise InvalidInput(f"Voice '{v.name}' has no clips to analyse.", hint="Import some reference clips first.")
        store = self.ctx.store
        cached = store.embeddings([c.sha256 for c in v.clips], enc.id, enc.version)
        problem = None
        for c in [c for c in v.clips if c.sha256 not in cached]:
            try:
                samples, sr = self.ctx.read(c)
                cached[c.sha256] = enc.embed(samples, sr)
            except AudioError as exc:   # a silent or unreadable clip: leave it out, keep the others
                problem = exc
                continue
            store.put_embedding(c.sha256, enc.id, enc.version, cached[c.sha256])
        usable = [cached[c.sha256] for c in v.clips if c.sha256 in cached]
        if not usable:
            raise InvalidInput(f"None of the clips of voice '{v.name}' can be analysed"
                               + (f": {problem.message}" if problem else "."),
                               hint="Replace its clips with 3-10 s of clear speech.")
        return np.stack(usable)

    def voice_embedding(self, voice, encoder: str | None = None) -> np.ndarray:
        """The voice's timbre: robust mean of its clip embeddings, L2-normalised (float32)."""
        return robust_mean(self.clip_embeddings(voice, encoder)).astype(np.float32)

    def voice_vectors(self, enc) -> VoiceVectors:
        """Every voice's clip embeddings and robust mean for encoder ``enc``, read in one query and kept until
        the catalog changes (``AnalysisStore.change_stamp``). Missing clip embeddings are computed first."""
        store = self.ctx.store
        key = (enc.id, enc.version)
        with self.ctx.lock:
            hit = self._vectors.get(key)
            if hit is not None and hit[0] == store.change_stamp():
                return hit[1]
        vecs, counts = store.voice_clip_vectors(enc.id, enc.version)
        ids, names, clips, skipped = [], [], [], []
        for vid, name in store.voice_order():
            n = counts.get(vid, 0)
            if n == 0:
                continue
            arr = vecs.get(vid)
            if arr is None or len(arr) < n:   # some clips not embedded yet: compute them (or leave out unusable ones)
                try:
                    arr = self.clip_embeddings(vid, enc.id)
                except InvalidInput:
                    skipped.append(name)
                    continue
            ids.append(vid)
            names.append(name)
            clips.append(arr)
        table = VoiceVectors(ids, names, robust_means(clips), clips, skipped)
        with self.ctx.lock:
            self._vectors[key] = (store.change_stamp(), table)
        return table

    def invalidate(self) -> None:
        with self.ctx.lock:
            self._vectors.clear()

    def all_voice_embeddings(self, encoder: str | None = None, skipped: list[str] | None = None
                             ) -> tuple[list[VoiceRef], np.ndarray, list[np.ndarray]]:
        """(voices as (id, name) records, (n, dim) robust means, per-voice clip embeddings), name order."""
        table = self.voice_vectors(self.ctx.encoder(encoder))
        if skipped is not None:
            skipped.extend(table.skipped)
        return table.refs, table.means, table.clips

    # -- similarity ----------------------------------------------------------------------------------
    def similar(self, voice, n: int = 5, encoder: str | None = None) -> list[dict[str, Any]]:
        """The ``n`` voices closest in timbre (cosine similarity of voice embeddings), closest first."""
        enc = self.ctx.encoder(encoder)
        target = self.ctx.voice(voice)
        me = self.voice_embedding(target, enc.id)
        table = self.voice_vectors(enc)
        n = max(0, n)
        if not table.ids or n == 0:
            return []
        sims = table.means32 @ me
        mine = table.index.get(target.id)
        if mine is not None:
            sims[mine] = -np.inf
        # the n best (with every voice tied with the n-th, so the name tie-break below is the same as a full sort)
        m = min(n, len(sims))
        cut = np.partition(sims, len(sims) - m)[len(sims) - m]
        pick = np.flatnonzero(sims >= cut - 1e-6)
        out = [{"voice": table.names[i], "similarity": round(float(sims[i]), 4)} for i in pick if np.isfinite(sims[i])]
        out.sort(key=lambda d: (-d["similarity"], d["voice"]))
        return out[:n]

    def duplicates_of(self, voices: list[Voice] | list[VoiceRef], enc) -> list[dict[str, Any]]:
        """Pairs (one of ``voices``, any voice) at least ``enc.duplicate_similarity`` alike, closest first."""
        if not voices:
            return []
        table = self.voice_vectors(enc)
        mine = [table.index[v.id] for v in voices if v.id in table.index]
        m32 = table.means32
        seen, out = set(), []
        for lo in range(0, len(mine), 1024):     # (voices x library) similarities, one block at a time
            rows = mine[lo:lo + 1024]
            block = m32[rows] @ m32.T
            for r, i in enumerate(rows):
                for j in np.flatnonzero(block[r] >= enc.duplicate_similarity):
                    pair = tuple(sorted((table.ids[i], table.ids[int(j)])))
                    if pair[0] == pair[1] or pair in seen:
                        continue
                    seen.add(pair)
                    out.append({"voice": table.names[i], "other": table.names[int(j)],
                                "similarity": round(float(block[r, j]), 4)})
        out.sort(key=lambda d: -d["similarity"])
        return out

    def near_duplicates(self, voice=None, encoder: str | None = None) -> list[dict[str, Any]]:
        """Pairs of voices so close in timbre they are probably the same voice (one voice, or the whole library)."""
        enc = self.ctx.encoder(encoder)
        vs = [self.ctx.voice(voice)] if voice is not None else self.voice_vectors(enc).refs
        return self.duplicates_of(vs, enc)

    def projection_2d(self, encoder: str | None = None) -> dict[str, tuple[float, float]]:
        """voice name → (x, y) for the cluster map: PCA of the voice embeddings (deterministic)."""
        vs, means, _ = self.all_voice_embeddings(encoder)
        if not vs:
            return {}
        if len(vs) == 1:
            return {vs[0].name: (0.0, 0.0)}
        centered = means - means.mean(axis=0)
        _, _, vt = np.linalg.svd(centered, full_matrices=False)
        comps = vt[:2]
        for i in range(len(comps)):      # fix the sign: largest loading positive
            if comps[i][np.argmax(np.abs(comps[i]))] < 0:
                comps[i] = -comps[i]
        xy = centered @ comps.T
        if xy.shape[1] == 1:
            xy = np.concatenate([xy, np.zeros((len(xy), 1))], axis=1)
        return {v.name: (round(float(a), 5), round(float(b), 5)) for v, (a, b) in zip(vs, xy)}
