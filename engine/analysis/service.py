"""``engine.analysis``: timbre embeddings (cached), similarity, clustering with stable ids, pins, emotion
suggestions and the emotion × timbre grid.

All results live in the catalog (``0002_analysis.sql``); a second run over unchanged clips does no work.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import AudioError, Cancelled, InvalidInput, NotFound
from ..library.models import Clip, Voice
from . import clustering as cl
from .results import AnalyzeReport, ClusterAssignment, ClusterInfo, ClusterResult
from .store import AnalysisStore, Member

DEFAULT_MAX_PER_CLUSTER = 50
ANALYZE_BATCH = 32          # clips per encoder forward pass and per stored transaction

Progress = Callable[[int, int], Any]


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


@dataclass(frozen=True)
class VoiceRef:
    """A voice known by id and name only (what clustering needs; no clips loaded)."""
    id: int
    name: str


class VoiceVectors:
    """Every analysable voice's clip embeddings and robust mean (see ``AnalysisService._voice_vectors``)."""

    def __init__(self, ids: list[int], names: list[str], means: np.ndarray, clips: list[np.ndarray],
                 skipped: list[str]) -> None:
        self.ids, self.names, self.means, self.clips, self.skipped = ids, names, means, clips, skipped
        self.index = {vid: i for i, vid in enumerate(ids)}
        self.means32 = means.astype(np.float32) if len(ids) else np.zeros((0, 1), dtype=np.float32)


def _cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


class AnalysisService:
    def __init__(self, engine) -> None:
        self.engine = engine
        self._encoders: dict[str, Any] = {}
        self._vectors: dict[tuple[str, str], tuple[Any, VoiceVectors]] = {}
        self._lock = threading.RLock()

    # -- plumbing ----------------------------------------------------------------------------------
    @property
    def library(self):
        return self.engine.library

    @property
    def store(self) -> AnalysisStore:
        return AnalysisStore(self.library.catalog)

    def _publish(self, topic: str, **data: Any) -> None:
        self.engine.events.publish(topic, **data)

    def encoder(self, name: str | None = None):
        """The timbre encoder (default: setting ``analysis.encoder``, else ``ge2e``), loaded once on the engine's device."""
        from .encoders import DEFAULT_ENCODER, get_encoder

        name = name or self.engine.settings.get("analysis.encoder") or DEFAULT_ENCODER
        with self._lock:
            if name not in self._encoders:
                self._encoders[name] = get_encoder(name, device=self.engine.device_spec or "cpu", engine=self.engine)
            return self._encoders[name]

    def close(self) -> None:
        self._encoders.clear()

    def _voice(self, voice: Voice | str | int) -> Voice:
        return voice if isinstance(voice, Voice) else self.library.voice(voice)

    def _read(self, clip: Clip) -> tuple[np.ndarray, int]:
        from ..audio.io import read_audio

        return read_audio(self.library.clip_path(clip))

    # -- embeddings ----------------------------------------------------------------------------------
    def analyze(self, voices=None, progress: Progress | None = None, cancel=None, *, encoder: str | None = None,
                prosody: bool = True, assign: bool = True, batch_size: int = ANALYZE_BATCH,
                workers: int | None = None, emotion_progress: Progress | None = None) -> AnalyzeReport:
        """Embed (and measure the prosody of) every clip of ``voices`` (default: all) that is not cached yet;
        report near-duplicates of the analysed voices and assign voices new to the current clustering.

        Clips are read, trimmed and measured on ``workers`` threads (default: one per core, at most 4) while
        the encoder embeds them in batches of ``batch_size`` (one forward pass per batch). Each batch is stored
        in one transaction with the run's progress (``analysis_runs``), so an interrupted run loses at most
        one batch and the next run goes on where it stopped.

        With an emotion2vec+ model linked, a second pass stores each clip's emotion probabilities
        (``emotion_progress(done, total)``; ``report.emotions``)."""
        import time
        from concurrent.futures import ThreadPoolExecutor

        from . import prosody as pr
        from ..errors import TimbrelError

        enc = self.encoder(encoder)
        store = self.store
        vs = self.library.voices() if voices is None else [self._voice(v) for v in voices]
        clips = [c for v in vs for c in v.clips]
        report = AnalyzeReport(enc.id, enc.version, voices=len(vs), clips=len(clips))
        shas = sorted({c.sha256 for c in clips})
        have = store.embeddings(shas, enc.id, enc.version)
        have_p = store.prosody(shas, pr.VERSION) if prosody else {}
        todo = [s for s in shas if s not in have or (prosody and s not in have_p)]
        report.embeddings_cached = sum(1 for s in shas if s in have)
        report.prosody_cached = sum(1 for s in shas if s in have_p)
        total = len(todo)
        by_sha = {c.sha256: c for c in clips}
        run_id, previous = store.start_run(enc.id, enc.version, total) if total else (None, None)
        if previous is not None and previous["done"] < previous["total"]:
            report.resumed = {"run": previous["id"], "done": previous["done"], "total": previous["total"]}
        self._publish("analysis.progress", done=0, total=total)
        if progress:
            progress(0, total)

        def work(sha: str):
            """Worker thread: read the clip, prepare it for the encoder, measure its prosody."""
            try:
                samples, sr = self._read(by_sha[sha])
                prepared = enc.prepare(samples, sr) if sha not in have else None
                feats = pr.extract(samples, sr) if prosody and sha not in have_p else None
                return sha, prepared, feats, None
            except TimbrelError as exc:       # one bad clip must not stop the rest
                return sha, None, None, exc

        started = time.perf_counter()
        done = failed = 0
        n_workers = workers or max(1, min(4, os.cpu_count() or 1))
        status = "done"
        try:
            with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="analyze") as pool:
                for lo in range(0, total, batch_size):
                    if _cancelled(cancel):
                        status = "cancelled"
                        raise Cancelled(f"Analysis cancelled after {done} of {total} clips; what was done is kept "
                                        "and the next run goes on from there.")
                    results = list(pool.map(work, todo[lo:lo + batch_size]))
                    ok = [(sha, prep) for sha, prep, _, exc in results if exc is None and prep is not None]
                    vectors = enc.embed_prepared([p for _, p in ok]) if ok else []
                    embeddings = [(sha, vectors[i]) for i, (sha, _) in enumerate(ok)]
                    feats = [(sha, f) for sha, _, f, exc in results if exc is None and f is not None]
                    for sha, _, _, exc in results:
                        if exc is not None:
                            failed += 1
                            report.failed.append({"clip_sha256": sha, "voice_id": by_sha[sha].voice_id,
                                                  "error": exc.message})
                    done += len(results)
                    store.put_batch(embeddings, enc.id, enc.version, feats, pr.VERSION, list(pr.FEATURE_NAMES),
                                    run_id=run_id, done=done, failed=failed, seconds=time.perf_counter() - started)
                    report.embedded += len(embeddings)
                    report.prosody_computed += len(feats)
                    self._publish("analysis.progress", done=done, total=total)
                    if progress:
                        progress(done, total)
        except BaseException:
            if status != "cancelled":
                status = "interrupted"
            raise
        finally:
            report.seconds = round(time.perf_counter() - started, 3)
            if run_id is not None:
                store.finish_run(run_id, status, done, failed, report.seconds)
        self._invalidate()
        from .emotion2vec.analysis import analyze_clips   # emotion probabilities when a model is linked

        report.emotions = analyze_clips(self, clips, progress=emotion_progress, cancel=cancel)
        analysed = [v for v in vs if v.clips]
        report.duplicates = self._duplicates_of(analysed, enc)
        if assign and analysed:
            report.assigned = self.assign_new(analysed, encoder=enc.id)
        return report

    def pending(self, voices=None, encoder: str | None = None) -> dict[str, int]:
        """How many clips still need analysing (no embedding for this encoder version, or no prosody yet)."""
        from . import prosody as pr

        enc = self.encoder(encoder)
        vs = self.library.voices() if voices is None else [self._voice(v) for v in voices]
        shas = sorted({c.sha256 for v in vs for c in v.clips})
        have = self.store.embeddings(shas, enc.id, enc.version)
        have_p = self.store.prosody(shas, pr.VERSION)
        return {"clips": len(shas), "embeddings_pending": sum(s not in have for s in shas),
                "prosody_pending": sum(s not in have_p for s in shas)}

    def clip_embeddings(self, voice, encoder: str | None = None) -> np.ndarray:
        """(clips, dim) embeddings of a voice's clips, computing the missing ones."""
        enc = self.encoder(encoder)
        v = self._voice(voice)
        if not v.clips:
            raise InvalidInput(f"Voice '{v.name}' has no clips to analyse.", hint="Import some reference clips first.")
        cached = self.store.embeddings([c.sha256 for c in v.clips], enc.id, enc.version)
        missing = [c for c in v.clips if c.sha256 not in cached]
        problem = None
        for c in missing:
            try:
                samples, sr = self._read(c)
                cached[c.sha256] = enc.embed(samples, sr)
            except AudioError as exc:   # a silent or unreadable clip: leave it out, keep the others
                problem = exc
                continue
            self.store.put_embedding(c.sha256, enc.id, enc.version, cached[c.sha256])
        usable = [cached[c.sha256] for c in v.clips if c.sha256 in cached]
        if not usable:
            raise InvalidInput(f"None of the clips of voice '{v.name}' can be analysed"
                               + (f": {problem.message}" if problem else "."),
                               hint="Replace its clips with 3-10 s of clear speech.")
        return np.stack(usable)

    def voice_embedding(self, voice, encoder: str | None = None) -> np.ndarray:
        """The voice's timbre: robust mean of its clip embeddings, L2-normalised (float32)."""
        return robust_mean(self.clip_embeddings(voice, encoder)).astype(np.float32)

    def _voice_vectors(self, enc) -> "VoiceVectors":
        """Every voice's clip embeddings and robust mean for encoder ``enc``, read in one query and kept until
        the catalog changes (``AnalysisStore.change_stamp``). Missing clip embeddings are computed first."""
        store = self.store
        key = (enc.id, enc.version)
        with self._lock:
            hit = self._vectors.get(key)
            if hit is not None and hit[0] == store.change_stamp():
                return hit[1]
        vecs, counts = store.voice_clip_vectors(enc.id, enc.version)
        order = store.voice_order()
        ids, names, clips, skipped = [], [], [], []
        for vid, name in order:
            n = counts.get(vid, 0)
            if n == 0:
                continue
            have = vecs.get(vid, [])
            if len(have) < n:        # some clips not embedded yet: compute them (or leave out unusable ones)
                try:
                    arr = self.clip_embeddings(vid, enc.id)
                except InvalidInput:
                    skipped.append(name)
                    continue
            else:
                arr = np.stack(have)
            ids.append(vid)
            names.append(name)
            clips.append(arr)
        means = np.stack([robust_mean(c) for c in clips]) if clips else np.zeros((0, 1))
        table = VoiceVectors(ids, names, means, clips, skipped)
        with self._lock:
            self._vectors[key] = (store.change_stamp(), table)
        return table

    def _invalidate(self) -> None:
        with self._lock:
            self._vectors.clear()

    def _all_voice_embeddings(self, encoder: str | None = None, skipped: list[str] | None = None
                              ) -> tuple[list[Any], np.ndarray, list[np.ndarray]]:
        """(voices as (id, name) records, (n, dim) robust means, per-voice clip embeddings), name order."""
        table = self._voice_vectors(self.encoder(encoder))
        if skipped is not None:
            skipped.extend(table.skipped)
        return [VoiceRef(i, n) for i, n in zip(table.ids, table.names)], table.means, table.clips

    # -- similarity ----------------------------------------------------------------------------------
    def similar(self, voice, n: int = 5, encoder: str | None = None) -> list[dict[str, Any]]:
        """The ``n`` voices closest in timbre (cosine similarity of voice embeddings), closest first."""
        enc = self.encoder(encoder)
        target = self._voice(voice)
        me = self.voice_embedding(target, enc.id)
        table = self._voice_vectors(enc)
        if not table.ids:
            return []
        sims = table.means32 @ me
        mine = table.index.get(target.id)
        if mine is not None:
            sims[mine] = -np.inf
        n = max(0, n)
        if n == 0:
            return []
        # the n best (with every voice tied with the n-th, so the name tie-break below is the same as a full sort)
        cut = np.partition(sims, len(sims) - min(n, len(sims)))[len(sims) - min(n, len(sims))]
        pick = np.flatnonzero(sims >= cut - 1e-6)
        out = [{"voice": table.names[i], "similarity": round(float(sims[i]), 4)} for i in pick if np.isfinite(sims[i])]
        out.sort(key=lambda d: (-d["similarity"], d["voice"]))
        return out[:n]

    def _duplicates_of(self, voices: list[Voice], enc) -> list[dict[str, Any]]:
        if not voices:
            return []
        table = self._voice_vectors(enc)
        mine = [table.index[v.id] for v in voices if v.id in table.index]
        if not mine:
            return []
        m32 = table.means32
        seen, out = set(), []
        for lo in range(0, len(mine), 1024):     # (voices x library) similarities, one block at a time
            rows = mine[lo:lo + 1024]
            block = m32[rows] @ m32.T
            for r, i in enumerate(rows):
                for j in np.flatnonzero(block[r] >= enc.duplicate_similarity):
                    a, b = table.ids[i], table.ids[int(j)]
                    if a == b or (min(a, b), max(a, b)) in seen:
                        continue
                    seen.add((min(a, b), max(a, b)))
                    out.append({"voice": table.names[i], "other": table.names[int(j)],
                                "similarity": round(float(block[r, j]), 4)})
        out.sort(key=lambda d: -d["similarity"])
        return out

    def near_duplicates(self, voice=None, encoder: str | None = None) -> list[dict[str, Any]]:
        """Pairs of voices so close in timbre they are probably the same voice (one voice, or the whole library)."""
        enc = self.encoder(encoder)
        if voice is not None:
            vs = [self._voice(voice)]
        else:
            table = self._voice_vectors(enc)
            vs = [VoiceRef(i, n) for i, n in zip(table.ids, table.names)]
        return self._duplicates_of(vs, enc)

    def check_new_voice(self, voice, encoder: str | None = None) -> dict[str, Any]:
        """For the importer / desktop after importing ``voice``: near-duplicates, closest voices and the cluster
        it would join (nothing is changed)."""
        enc = self.encoder(encoder)
        v = self._voice(voice)
        me = self.voice_embedding(v, enc.id)
        fit = self._nearest_cluster(me, enc, exclude_voice=v.id)
        return {
            "voice": v.name,
            "duplicates": self._duplicates_of([v], enc),
            "similar": self.similar(v, 5, enc.id),
            "cluster": fit,
        }

    # -- clustering ----------------------------------------------------------------------------------
    def _current_members(self) -> tuple[Any, list[Member]]:
        cur = self.store.current_clustering()
        return cur, (self.store.members(cur["id"]) if cur is not None else [])

    def _centroids(self, members: list[Member], enc, exclude_voice: int | None = None) -> dict[int, tuple[np.ndarray, int]]:
        table = self._voice_vectors(enc)
        groups: dict[int, list[int]] = {}
        for m in members:
            if m.cluster_id is None or m.voice_id == exclude_voice or m.voice_id not in table.index:
                continue
            groups.setdefault(m.cluster_id, []).append(table.index[m.voice_id])
        return {cid: (cl.centroid(table.means32[rows]), len(rows)) for cid, rows in groups.items()}

    def _nearest_cluster(self, emb: np.ndarray, enc, exclude_voice: int | None = None) -> dict[str, Any] | None:
        cur, members = self._current_members()
        if cur is None:
            return None
        cap = int(self._params(cur).get("max_per_cluster", DEFAULT_MAX_PER_CLUSTER))
        cents = self._centroids(members, enc, exclude_voice)
        best = None
        for cid, (c, size) in sorted(cents.items()):
            s = float(emb @ c)
            if best is None or s > best["similarity"]:
                best = {"cluster_id": cid, "similarity": round(s, 4), "size": size}
        if best is None:
            return None
        best["fits"] = best["similarity"] >= enc.family_similarity
        best["full"] = best["size"] >= cap
        return best

    @staticmethod
    def _params(row) -> dict[str, Any]:
        import json

        return json.loads(row["params"]) if row is not None else {}

    def assign_new(self, voices, encoder: str | None = None) -> list[dict[str, Any]]:
        """Put voices that the current clustering does not contain into their nearest cluster, or flag them
        as unassigned when none is close enough (or the close one is full). Recorded as a new version."""
        enc = self.encoder(encoder)
        cur, members = self._current_members()
        if cur is None:
            return []
        known = {m.voice_id for m in members}
        new = [self._voice(v) for v in voices]
        new = [v for v in new if v.clips and v.id not in known]
        if not new:
            return []
        cap = int(self._params(cur).get("max_per_cluster", DEFAULT_MAX_PER_CLUSTER))
        pins = self.store.pins()
        cents = self._centroids(members, enc)
        sizes = {cid: size for cid, (_, size) in cents.items()}
        out_members = list(members)
        report = []
        for v in new:
            try:
                emb = self.voice_embedding(v, enc.id)
            except InvalidInput:   # no clip could be analysed: nothing to place
                continue
            if v.id in pins:
                cid, how = pins[v.id], "pinned"
                sim = float(emb @ cents[cid][0]) if cid in cents else None
            else:
                ranked = sorted(((float(emb @ c), cid) for cid, (c, _) in cents.items()), key=lambda t: (-t[0], t[1]))
                cid, how, sim = None, "unassigned", (ranked[0][0] if ranked else None)
                for s, c in ranked:
                    if s < enc.family_similarity:
                        break
                    if sizes.get(c, 0) < cap:
                        cid, how, sim = c, "assigned", s
                        break
            if cid is not None:
                sizes[cid] = sizes.get(cid, 0) + 1
            out_members.append(Member(v.id, cid, how, None if sim is None else round(sim, 4)))
            report.append({"voice": v.name, "cluster_id": cid, "how": how,
                           "similarity": None if sim is None else round(sim, 4)})
        if not report:
            return []
        params = self._params(cur) | {"assigned": [r["voice"] for r in report]}
        cid_new, _ = self.store.save_clustering(encoder_id=enc.id, method="incremental", params=params,
                                                members=out_members, new_clusters=0, parent_id=cur["id"], retire=[])
        self._publish("cluster.changed", clustering_id=cid_new)
        return report

    def cluster(self, k: int | None = None, threshold: float | None = None,
                max_per_cluster: int = DEFAULT_MAX_PER_CLUSTER, encoder: str | None = None) -> ClusterResult:
        """Re-cluster every voice. Groups keep the ids of the clusters they overlap most; pins are kept."""
        if max_per_cluster is None or max_per_cluster < 1:
            raise InvalidInput("The number of voices per base must be at least 1.", hint="Try --max-per-cluster 50.")
        enc = self.encoder(encoder)
        skipped: list[str] = []
        vs, means, clips = self._all_voice_embeddings(enc.id, skipped)
        if not vs:
            raise InvalidInput("There are no voices with clips to cluster.", hint="Import some voices first.")
        grouping = cl.group_voices(clips, k=k, threshold=threshold, family_similarity=enc.family_similarity)
        labels = cl.enforce_cap(means, grouping.labels, max_per_cluster)
        pins = {vid: cid for vid, cid in self.store.pins().items() if self.store.cluster_exists(cid)}
        cur, old_members = self._current_members()
        old = {m.voice_id: m.cluster_id for m in old_members
               if m.cluster_id is not None and m.voice_id not in pins and m.how != "unassigned"}
        groups: list[list[int]] = []
        for g in sorted(set(labels.tolist())):
            ids = [vs[i].id for i in np.flatnonzero(labels == g) if vs[i].id not in pins]
            if ids:
                groups.append(ids)
        matched = cl.match_ids(old, groups)
        # Groups that match nothing current may be a cluster retired earlier coming back: reuse its id.
        taken = {m for m in matched if m is not None} | set(pins.values())
        loose = [i for i, m in enumerate(matched) if m is None]
        if loose:
            earlier = self.store.earlier_clusters([v for i in loose for v in groups[i]], taken)
            for i, mid in zip(loose, cl.match_ids(earlier, [groups[i] for i in loose])):
                matched[i] = mid
        by_id = {v.id: i for i, v in enumerate(vs)}
        members: list[Member] = []
        n_new = 0
        final: dict[int, list[int]] = {}     # cluster key (real id or negative new) -> voice ids
        for g, mid in zip(groups, matched):
            if mid is None:
                n_new += 1
                mid = -n_new
            final.setdefault(mid, []).extend(g)
        for vid, cid in sorted(pins.items()):
            if vid in by_id:
                final.setdefault(cid, []).append(vid)
        outliers, warnings = [], []
        for key, vids in final.items():
            vecs = cl.normalize_rows(np.stack([means[by_id[v]] for v in vids]))
            # each member against the centroid of the others: normalise(sum - itself), all members at once
            rest = cl.normalize_rows(vecs.sum(axis=0)[None, :] - vecs)
            own_sims = np.einsum("ij,ij->i", vecs, rest)
            for j, vid in enumerate(vids):
                sim = float(own_sims[j]) if len(vids) > 1 else None
                how = "pinned" if vid in pins else "cluster"
                if how == "cluster" and sim is not None and sim < enc.outlier_similarity:
                    how = "outlier"
                    outliers.append({"voice": vs[by_id[vid]].name, "similarity": round(sim, 4)})
                members.append(Member(vid, key, how, None if sim is None else round(sim, 4)))
            if len(vids) > max_per_cluster:
                warnings.append(f"A cluster holds {len(vids)} voices (more than {max_per_cluster}) because of pins.")
        if skipped:
            warnings.append("Left out (no clip could be analysed): " + ", ".join(skipped))
        old_ids = sorted({m.cluster_id for m in old_members if m.cluster_id is not None})
        method = "auto" if k is None and threshold is None else ("k" if k is not None else "threshold")
        params = {"k": k, "threshold": threshold, "max_per_cluster": max_per_cluster, "groups_found": grouping.k,
                  "silhouette": {str(kk): s for kk, s in grouping.scores.items()}, "encoder_version": enc.version}
        clustering_id, fresh = self.store.save_clustering(
            encoder_id=enc.id, method=method, params=params, members=members, new_clusters=n_new,
            parent_id=None if cur is None else cur["id"], retire=old_ids)
        kept = sorted(c for c in final if c > 0)
        result = ClusterResult(
            clustering_id=clustering_id, method=method, encoder=enc.id, clusters=self._cluster_infos(clustering_id),
            kept_ids=[c for c in kept if c in old_ids], new_ids=fresh,
            retired_ids=[c for c in old_ids if c not in final], outliers=outliers, warnings=warnings, params=params)
        self._publish("cluster.changed", clustering_id=clustering_id)
        return result

    def _cluster_infos(self, clustering_id: int) -> list[ClusterInfo]:
        labels = self.store.cluster_labels()
        names = dict(self.store.voice_order())
        groups: dict[int, list[Member]] = {}
        for m in self.store.members(clustering_id):
            if m.cluster_id is not None:
                groups.setdefault(m.cluster_id, []).append(m)
        out = []
        for cid in sorted(groups):
            ms = sorted(groups[cid], key=lambda m: names.get(m.voice_id, "").lower())
            sims = [m.similarity for m in ms if m.similarity is not None]
            out.append(ClusterInfo(
                id=cid, label=labels.get(cid, ""), voices=tuple(names[m.voice_id] for m in ms),
                pinned=tuple(names[m.voice_id] for m in ms if m.how == "pinned"),
                outliers=tuple(names[m.voice_id] for m in ms if m.how == "outlier"),
                cohesion=round(float(np.mean(sims)), 4) if sims else None))
        return out

    def clusters(self) -> list[ClusterInfo]:
        """The clusters of the current clustering (empty before the first ``cluster()``)."""
        cur = self.store.current_clustering()
        return [] if cur is None else self._cluster_infos(cur["id"])

    def unassigned(self) -> list[str]:
        cur, members = self._current_members()
        names = dict(self.store.voice_order())
        return sorted(names[m.voice_id] for m in members if m.cluster_id is None)

    def cluster_of(self, voice) -> ClusterAssignment | None:
        v = self._voice(voice)
        cur, members = self._current_members()
        pins = self.store.pins()
        labels = self.store.cluster_labels()
        for m in members:
            if m.voice_id == v.id:
                if m.cluster_id is None:
                    return None
                return ClusterAssignment(m.cluster_id, labels.get(m.cluster_id, ""), v.id in pins, m.how, m.similarity)
        if v.id in pins:
            return ClusterAssignment(pins[v.id], labels.get(pins[v.id], ""), True, "pinned", None)
        return None

    def history(self) -> list[dict[str, Any]]:
        """Every recorded clustering version, oldest first."""
        return [{"id": r["id"], "parent_id": r["parent_id"], "created_at": r["created_at"], "method": r["method"],
                 "encoder": r["encoder_id"], "clusters": r["n_clusters"], "current": bool(r["is_current"])}
                for r in self.store.clusterings()]

    def _record_move(self, voice_id: int, cluster_id: int | None, how: str, method: str) -> None:
        cur, members = self._current_members()
        if cur is None:
            return
        out = [m for m in members if m.voice_id != voice_id]
        old = next((m for m in members if m.voice_id == voice_id), None)
        if cluster_id is None and old is not None:
            cluster_id = old.cluster_id
        out.append(Member(voice_id, cluster_id, how, old.similarity if old is not None else None))
        cid, _ = self.store.save_clustering(encoder_id=cur["encoder_id"], method=method, params=self._params(cur),
                                           members=out, new_clusters=0, parent_id=cur["id"], retire=[])
        self._publish("cluster.changed", clustering_id=cid)

    def pin(self, voice, cluster_id: int) -> ClusterAssignment:
        """Keep ``voice`` in ``cluster_id`` from now on, whatever re-clustering finds."""
        v = self._voice(voice)
        if not self.store.cluster_exists(int(cluster_id)):
            raise NotFound(f"There is no cluster {cluster_id}.", hint="'timbrel cluster --show' lists the clusters.")
        self.store.set_pin(v.id, int(cluster_id))
        self._record_move(v.id, int(cluster_id), "pinned", "pin")
        return self.cluster_of(v) or ClusterAssignment(int(cluster_id), "", True, "pinned")

    def unpin(self, voice) -> None:
        """Let re-clustering place ``voice`` again (it stays where it is until then)."""
        v = self._voice(voice)
        if v.id not in self.store.pins():
            raise InvalidInput(f"Voice '{v.name}' is not pinned.")
        self.store.set_pin(v.id, None)
        self._record_move(v.id, None, "assigned", "unpin")

    def label_cluster(self, cluster_id: int, label: str) -> None:
        if not self.store.cluster_exists(int(cluster_id)):
            raise NotFound(f"There is no cluster {cluster_id}.")
        self.store.set_label(int(cluster_id), label.strip())
        cur = self.store.current_clustering()
        self._publish("cluster.changed", clustering_id=None if cur is None else cur["id"])

    def projection_2d(self, encoder: str | None = None) -> dict[str, tuple[float, float]]:
        """voice name → (x, y) for the cluster map: PCA of the voice embeddings (deterministic)."""
        vs, means, _ = self._all_voice_embeddings(encoder)
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

    # -- emotion ------------------------------------------------------------------------------------
    def _prosody_matrix(self, clips: list[Clip]) -> np.ndarray:
        from . import prosody as pr

        shas = sorted({c.sha256 for c in clips})
        have = self.store.prosody(shas, pr.VERSION)
        for c in clips:
            if c.sha256 not in have:
                samples, sr = self._read(c)
                have[c.sha256] = pr.extract(samples, sr)
                self.store.put_prosody(c.sha256, pr.VERSION, list(pr.FEATURE_NAMES), have[c.sha256])
        return np.stack([have[c.sha256] for c in clips]) if clips else np.zeros((0, len(pr.FEATURE_NAMES)))

    def emotion_model(self):
        """The user's own neural emotion model (setting ``analysis.emotion_model`` = {"kind", "path"}), or None."""
        from .emotion_models import load_emotion_model

        conf = self.engine.settings.get("analysis.emotion_model")
        if not conf:
            from .emotion2vec.analysis import linked_model
            from .emotion2vec.locate import ASSET_SETTING

            key = f"emotion:linked:{self.engine.settings.get(ASSET_SETTING)}"
            with self._lock:
                if key not in self._encoders:
                    model = linked_model(self.engine)
                    if model is None:
                        return None
                    self._encoders[key] = model
                return self._encoders[key]
        if isinstance(conf, str):           # a bare folder: emotion2vec+
            conf = {"kind": "emotion2vec", "path": conf}
        if not isinstance(conf, dict):
            raise InvalidInput("The setting analysis.emotion_model must be a folder or {\"kind\": ..., \"path\": ...}.")
        with self._lock:
            key = f"emotion:{conf.get('kind')}:{conf.get('path')}"
            if key not in self._encoders:
                self._encoders[key] = load_emotion_model(str(conf.get("kind", "emotion2vec")), str(conf.get("path", "")))
            return self._encoders[key]

    def suggest_emotions(self, apply: bool = False, min_confidence: float = 0.5) -> dict[str, Any]:
        """Suggest labels for clips without one (or with an earlier suggestion). With a neural emotion model
        configured (see :meth:`emotion_model`) it labels them; otherwise a prosody classifier learns from the
        labels the user and imports gave. ``apply`` writes them with emotion_source 'suggested'; user and import
        labels are never changed."""
        from .emotion import MODEL_ID, REPLACEABLE_SOURCES, TRAIN_SOURCES, ProsodySuggester, Suggestion, relative_features

        voices = [v for v in self.library.voices() if v.clips]
        clips = [c for v in voices for c in v.clips]
        names = {v.id: v.name for v in voices}
        train = [i for i, c in enumerate(clips) if c.emotion_source in TRAIN_SOURCES and c.emotion and c.emotion != "unknown"]
        target = [i for i, c in enumerate(clips) if c.emotion_source in REPLACEABLE_SOURCES]
        neural = self.emotion_model()
        if neural is not None:
            from .emotion2vec.analysis import probabilities_for

            model_id, classes = neural.id, None
            known = probabilities_for(self, [clips[i] for i in target], neural)
            target = [i for i in target if clips[i].sha256 in known]      # clips too short to analyse are left
            preds = [(known[clips[i].sha256].top, known[clips[i].sha256].confidence) for i in target]
        else:
            x = relative_features(self._prosody_matrix(clips), np.array([c.voice_id for c in clips]))
            model = ProsodySuggester().fit(x[train], [clips[i].emotion for i in train])
            model_id, classes = MODEL_ID, model.classes
            preds = model.predict(x[target])
        suggestions = [
            Suggestion(clips[i].id, names[clips[i].voice_id], emo, conf, clips[i].emotion, clips[i].emotion_source)
            for i, (emo, conf) in zip(target, preds)
        ]
        self.store.put_suggestions([(s.clip_id, s.emotion, s.confidence, model_id) for s in suggestions])
        applied = 0
        if apply:
            by_voice: dict[str, list[Suggestion]] = {}
            for s in suggestions:
                if s.confidence >= min_confidence and s.emotion != s.current:
                    by_voice.setdefault(s.voice, []).append(s)
            for voice, items in sorted(by_voice.items()):
                with self.library.edit(voice, action="emotions", summary=f"{len(items)} suggested emotion label(s)") as ed:
                    for s in items:
                        row = ed.conn.execute("SELECT emotion_source FROM clips WHERE id = ?", (s.clip_id,)).fetchone()
                        if row is None or row[0] not in REPLACEABLE_SOURCES:
                            continue  # the user labelled it meanwhile
                        ed.update_clip(s.clip_id, emotion=s.emotion, emotion_source="suggested")
                        applied += 1
        return {"model": model_id, "trained_on": 0 if neural is not None else len(train),
                "weak_guess": neural is None,   # prosody only: a rough arousal guess, not emotion recognition
                "classes": classes if classes is not None else sorted({s.emotion for s in suggestions}),
                "suggestions": [s.to_dict() for s in suggestions], "applied": applied,
                "min_confidence": min_confidence}

    # -- grid ---------------------------------------------------------------------------------------
    def grid(self) -> dict[str, Any]:
        """Clusters × emotions: how many voices have a usable reference (3-10 s clip) of each emotion, and per
        voice which emotions it has and which it lacks (compared with the emotions used in the library)."""
        from .emotion2vec.analysis import clip_emotions
        from .grid import build_grid

        cur, members = self._current_members()
        voices = self.library.voices()
        return build_grid(voices, {m.voice_id: m.cluster_id for m in members},
                          self.store.cluster_labels(), None if cur is None else cur["id"],
                          predicted=clip_emotions(self, [c for v in voices for c in v.clips]))

    def clip_emotions(self, clips=None) -> dict[int, Any]:
        """clip id → stored emotion2vec+ prediction (``top``, ``confidence``, ``probabilities``) for ``clips``
        (default: every clip); nothing is computed (``analyze`` does that)."""
        from .emotion2vec.analysis import clip_emotions

        clips = self.library.all_clips() if clips is None else list(clips)
        return clip_emotions(self, clips)
