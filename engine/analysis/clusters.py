"""Clusters of voices as the library keeps them: re-clustering with stable ids, incremental assignment, pins,
labels and the history of clustering versions.

:class:`ClusteringService` (``Engine.analysis.clustering``) stores what the pure grouping functions
of :mod:`engine.analysis.clustering` find; every change is recorded as a new clustering version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidInput, NotFound
from . import clustering as cl
from .context import AnalysisContext
from .embeddings import EmbeddingService, VoiceRef
from .results import ClusterAssignment, ClusterInfo, ClusterResult
from .store import Member

DEFAULT_MAX_PER_CLUSTER = 50


def single_threaded_blas():
    """numpy's BLAS on one thread for the duration. Clustering runs thousands of small matrix products (one
    dendrogram per group split, one silhouette chunk per cut); with OpenBLAS's threads spinning on a busy
    2-core machine each costs about 10x its single-thread time (measured: 13.6 vs 1.4 ms for a 167 x 256 Gram)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _params(row) -> dict[str, Any]:
    return json.loads(row["params"]) if row is not None else {}


@dataclass
class _Placement:
    """Where re-clustering puts the voices: cluster key (a real id, or -1, -2, ... for new ones) → voice ids."""
    final: dict[int, list[int]]
    n_new: int


class ClusteringService:
    def __init__(self, ctx: AnalysisContext, embeddings: EmbeddingService) -> None:
        self.ctx = ctx
        self.embeddings = embeddings

    # -- reading -------------------------------------------------------------------------------------
    def current_members(self) -> tuple[Any, list[Member]]:
        store = self.ctx.store
        cur = store.current_clustering()
        return cur, (store.members(cur["id"]) if cur is not None else [])

    def centroids(self, members: list[Member], enc, exclude_voice: int | None = None
                  ) -> dict[int, tuple[np.ndarray, int]]:
        """cluster id → (centroid of its members' voice vectors, number of members)."""
        table = self.embeddings.voice_vectors(enc)
        groups: dict[int, list[int]] = {}
        for m in members:
            if m.cluster_id is None or m.voice_id == exclude_voice or m.voice_id not in table.index:
                continue
            groups.setdefault(m.cluster_id, []).append(table.index[m.voice_id])
        return {cid: (cl.centroid(table.means32[rows]), len(rows)) for cid, rows in groups.items()}

    def nearest_cluster(self, emb: np.ndarray, enc, exclude_voice: int | None = None) -> dict[str, Any] | None:
        cur, members = self.current_members()
        if cur is None:
            return None
        cap = int(_params(cur).get("max_per_cluster", DEFAULT_MAX_PER_CLUSTER))
        best = None
        for cid, (c, size) in sorted(self.centroids(members, enc, exclude_voice).items()):
            s = float(emb @ c)
            if best is None or s > best["similarity"]:
                best = {"cluster_id": cid, "similarity": round(s, 4), "size": size}
        if best is None:
            return None
        best["fits"] = best["similarity"] >= enc.family_similarity
        best["full"] = best["size"] >= cap
        return best

    def cluster_infos(self, clustering_id: int) -> list[ClusterInfo]:
        store = self.ctx.store
        labels = store.cluster_labels()
        names = dict(store.voice_order())
        groups: dict[int, list[Member]] = {}
        for m in store.members(clustering_id):
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
        cur = self.ctx.store.current_clustering()
        return [] if cur is None else self.cluster_infos(cur["id"])

    def unassigned(self) -> list[str]:
        _, members = self.current_members()
        names = dict(self.ctx.store.voice_order())
        return sorted(names[m.voice_id] for m in members if m.cluster_id is None)

    def cluster_of(self, voice) -> ClusterAssignment | None:
        v = self.ctx.voice(voice)
        _, members = self.current_members()
        store = self.ctx.store
        pins = store.pins()
        labels = store.cluster_labels()
        m = next((m for m in members if m.voice_id == v.id), None)
        if m is not None:
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
                for r in self.ctx.store.clusterings()]

    # -- incremental ---------------------------------------------------------------------------------
    def assign_new(self, voices, encoder: str | None = None) -> list[dict[str, Any]]:
        """Put voices that the current clustering does not contain into their nearest cluster, or flag them
        as unassigned when none is close enough (or the close one is full). Recorded as a new version."""
        enc = self.ctx.encoder(encoder)
        cur, members = self.current_members()
        if cur is None:
            return []
        known = {m.voice_id for m in members}
        new = [v for v in self.ctx.voices(voices) if v.clips and v.id not in known]
        if not new:
            return []
        cap = int(_params(cur).get("max_per_cluster", DEFAULT_MAX_PER_CLUSTER))
        pins = self.ctx.store.pins()
        cents = self.centroids(members, enc)
        sizes = {cid: size for cid, (_, size) in cents.items()}
        out_members = list(members)
        report = []
        for v in new:
            try:
                emb = self.embeddings.voice_embedding(v, enc.id)
            except InvalidInput:   # no clip could be analysed: nothing to place
                continue
            cid, how, sim = self._place(emb, v.id, pins, cents, sizes, cap, enc)
            if cid is not None:
                sizes[cid] = sizes.get(cid, 0) + 1
            out_members.append(Member(v.id, cid, how, None if sim is None else round(sim, 4)))
            report.append({"voice": v.name, "cluster_id": cid, "how": how,
                           "similarity": None if sim is None else round(sim, 4)})
        if not report:
            return []
        params = _params(cur) | {"assigned": [r["voice"] for r in report]}
        cid_new, _ = self.ctx.store.save_clustering(encoder_id=enc.id, method="incremental", params=params,
                                                    members=out_members, new_clusters=0, parent_id=cur["id"],
                                                    retire=[])
        self.ctx.publish("cluster.changed", clustering_id=cid_new)
        return report

    @staticmethod
    def _place(emb, voice_id, pins, cents, sizes, cap, enc) -> tuple[int | None, str, float | None]:
        """(cluster, how, similarity) for one new voice: its pin, else the nearest cluster that fits and has room."""
        if voice_id in pins:
            cid = pins[voice_id]
            return cid, "pinned", (float(emb @ cents[cid][0]) if cid in cents else None)
        ranked = sorted(((float(emb @ c), cid) for cid, (c, _) in cents.items()), key=lambda t: (-t[0], t[1]))
        for s, c in ranked:
            if s < enc.family_similarity:
                break
            if sizes.get(c, 0) < cap:
                return c, "assigned", s
        return None, "unassigned", (ranked[0][0] if ranked else None)

    # -- re-clustering ---------------------------------------------------------------------------------
    def cluster(self, k: int | None = None, threshold: float | None = None,
                max_per_cluster: int = DEFAULT_MAX_PER_CLUSTER, encoder: str | None = None) -> ClusterResult:
        """Re-cluster every voice. Groups keep the ids of the clusters they overlap most; pins are kept."""
        if max_per_cluster is None or max_per_cluster < 1:
            raise InvalidInput("The number of voices per base must be at least 1.", hint="Try --max-per-cluster 50.")
        enc = self.ctx.encoder(encoder)
        skipped: list[str] = []
        vs, means, clips = self.embeddings.all_voice_embeddings(enc.id, skipped)
        if not vs:
            raise InvalidInput("There are no voices with clips to cluster.", hint="Import some voices first.")
        with single_threaded_blas():
            grouping = cl.group_voices(clips, k=k, threshold=threshold, family_similarity=enc.family_similarity)
            labels = cl.enforce_cap(means, grouping.labels, max_per_cluster)
        store = self.ctx.store
        pins = {vid: cid for vid, cid in store.pins().items() if store.cluster_exists(cid)}
        cur, old_members = self.current_members()
        placement = self._placement(vs, labels, pins, old_members)
        members, outliers, warnings = self._members(vs, means, placement, pins, enc, max_per_cluster)
        if skipped:
            warnings.append("Left out (no clip could be analysed): " + ", ".join(skipped))
        old_ids = sorted({m.cluster_id for m in old_members if m.cluster_id is not None})
        method = "auto" if k is None and threshold is None else ("k" if k is not None else "threshold")
        params = {"k": k, "threshold": threshold, "max_per_cluster": max_per_cluster, "groups_found": grouping.k,
                  "silhouette": {str(kk): s for kk, s in grouping.scores.items()}, "encoder_version": enc.version}
        clustering_id, fresh = store.save_clustering(
            encoder_id=enc.id, method=method, params=params, members=members, new_clusters=placement.n_new,
            parent_id=None if cur is None else cur["id"], retire=old_ids)
        kept = sorted(c for c in placement.final if c > 0)
        result = ClusterResult(
            clustering_id=clustering_id, method=method, encoder=enc.id, clusters=self.cluster_infos(clustering_id),
            kept_ids=[c for c in kept if c in old_ids], new_ids=fresh,
            retired_ids=[c for c in old_ids if c not in placement.final], outliers=outliers, warnings=warnings,
            params=params)
        self.ctx.publish("cluster.changed", clustering_id=clustering_id)
        return result

    def _placement(self, vs: list[VoiceRef], labels: np.ndarray, pins: dict[int, int],
                   old_members: list[Member]) -> _Placement:
        """Groups of unpinned voices matched to the previous clusters by overlap (then to clusters retired
        earlier, which may come back); pinned voices join their pin."""
        old = {m.voice_id: m.cluster_id for m in old_members
               if m.cluster_id is not None and m.voice_id not in pins and m.how != "unassigned"}
        order = np.argsort(labels, kind="stable")
        bounds = np.flatnonzero(np.r_[True, labels[order][1:] != labels[order][:-1], True])
        groups: list[list[int]] = []
        for lo, hi in zip(bounds[:-1], bounds[1:]):        # groups in label order, voices in name order
            ids = [vs[i].id for i in order[lo:hi] if vs[i].id not in pins]
            if ids:
                groups.append(ids)
        matched = cl.match_ids(old, groups)
        taken = {m for m in matched if m is not None} | set(pins.values())
        loose = [i for i, m in enumerate(matched) if m is None]
        if loose:
            earlier = self.ctx.store.earlier_clusters([v for i in loose for v in groups[i]], taken)
            for i, mid in zip(loose, cl.match_ids(earlier, [groups[i] for i in loose])):
                matched[i] = mid
        final: dict[int, list[int]] = {}
        n_new = 0
        for g, mid in zip(groups, matched):
            if mid is None:
                n_new += 1
                mid = -n_new
            final.setdefault(mid, []).extend(g)
        known = {v.id for v in vs}
        for vid, cid in sorted(pins.items()):
            if vid in known:
                final.setdefault(cid, []).append(vid)
        return _Placement(final, n_new)

    @staticmethod
    def _members(vs: list[VoiceRef], means: np.ndarray, placement: _Placement, pins: dict[int, int], enc,
                 max_per_cluster: int) -> tuple[list[Member], list[dict[str, Any]], list[str]]:
        """Each voice's membership row, with its similarity to the centroid of the other members (outliers
        flagged), and a warning for clusters that pins made larger than the cap."""
        by_id = {v.id: i for i, v in enumerate(vs)}
        members: list[Member] = []
        outliers, warnings = [], []
        for key, vids in placement.final.items():
            vecs = cl.normalize_rows(means[[by_id[v] for v in vids]])
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
        return members, outliers, warnings

    # -- pins and labels -------------------------------------------------------------------------------
    def _record_move(self, voice_id: int, cluster_id: int | None, how: str, method: str) -> None:
        cur, members = self.current_members()
        if cur is None:
            return
        out = [m for m in members if m.voice_id != voice_id]
        old = next((m for m in members if m.voice_id == voice_id), None)
        if cluster_id is None and old is not None:
            cluster_id = old.cluster_id
        out.append(Member(voice_id, cluster_id, how, old.similarity if old is not None else None))
        cid, _ = self.ctx.store.save_clustering(encoder_id=cur["encoder_id"], method=method, params=_params(cur),
                                                members=out, new_clusters=0, parent_id=cur["id"], retire=[])
        self.ctx.publish("cluster.changed", clustering_id=cid)

    def pin(self, voice, cluster_id: int) -> ClusterAssignment:
        """Keep ``voice`` in ``cluster_id`` from now on, whatever re-clustering finds."""
        v = self.ctx.voice(voice)
        store = self.ctx.store
        if not store.cluster_exists(int(cluster_id)):
            raise NotFound(f"There is no cluster {cluster_id}.", hint="'timbrel cluster --show' lists the clusters.")
        store.set_pin(v.id, int(cluster_id))
        self._record_move(v.id, int(cluster_id), "pinned", "pin")
        return self.cluster_of(v) or ClusterAssignment(int(cluster_id), "", True, "pinned")

    def unpin(self, voice) -> None:
        """Let re-clustering place ``voice`` again (it stays where it is until then)."""
        v = self.ctx.voice(voice)
        store = self.ctx.store
        if v.id not in store.pins():
            raise InvalidInput(f"Voice '{v.name}' is not pinned.")
        store.set_pin(v.id, None)
        self._record_move(v.id, None, "assigned", "unpin")

    def label_cluster(self, cluster_id: int, label: str) -> None:
        store = self.ctx.store
        if not store.cluster_exists(int(cluster_id)):
            raise NotFound(f"There is no cluster {cluster_id}.")
        store.set_label(int(cluster_id), label.strip())
        cur = store.current_clustering()
        self.ctx.publish("cluster.changed", clustering_id=None if cur is None else cur["id"])
