"""Catalog access for analysis results (tables from ``0002_analysis.sql``)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

import numpy as np

from ..library.catalog import Catalog, utc_now


def to_blob(v: np.ndarray) -> bytes:
    return np.asarray(v, dtype="<f4").tobytes()


def from_blob(b: bytes) -> np.ndarray:
    return np.frombuffer(b, dtype="<f4").astype(np.float32)


@dataclass(frozen=True)
class Member:
    voice_id: int
    cluster_id: int | None
    how: str
    similarity: float | None


class AnalysisStore:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    # -- embeddings ------------------------------------------------------------------------------
    def embeddings(self, shas: list[str], encoder_id: str, encoder_version: str) -> dict[str, np.ndarray]:
        """Cached vectors for these clips computed by exactly this encoder version."""
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(shas), 500):
            part = shas[i:i + 500]
            q = ",".join("?" * len(part))
            for r in self.catalog.query(
                f"SELECT clip_sha256, vector FROM embeddings WHERE encoder_id = ? AND encoder_version = ? AND clip_sha256 IN ({q})",
                (encoder_id, encoder_version, *part),
            ):
                out[r[0]] = from_blob(r[1])
        return out

    def put_embedding(self, sha: str, encoder_id: str, encoder_version: str, vector: np.ndarray) -> None:
        with self.catalog.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO embeddings(clip_sha256, encoder_id, encoder_version, dim, vector, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (sha, encoder_id, encoder_version, int(vector.shape[0]), to_blob(vector), utc_now()),
            )

    def stale_embeddings(self, encoder_id: str, encoder_version: str) -> int:
        return int(self.catalog.scalar(
            "SELECT COUNT(*) FROM embeddings WHERE encoder_id = ? AND encoder_version != ?", (encoder_id, encoder_version)))

    # -- prosody ---------------------------------------------------------------------------------
    def prosody(self, shas: list[str], version: str) -> dict[str, np.ndarray]:
        out = {}
        for i in range(0, len(shas), 500):
            part = shas[i:i + 500]
            q = ",".join("?" * len(part))
            for r in self.catalog.query(
                f"SELECT clip_sha256, vector FROM prosody_features WHERE extractor_version = ? AND clip_sha256 IN ({q})",
                (version, *part),
            ):
                out[r[0]] = from_blob(r[1])
        return out

    def put_prosody(self, sha: str, version: str, names: list[str], vector: np.ndarray) -> None:
        with self.catalog.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO prosody_features(clip_sha256, extractor_version, names, vector, created_at)"
                " VALUES (?,?,?,?,?)",
                (sha, version, json.dumps(names), to_blob(vector), utc_now()),
            )

    # -- clusterings -----------------------------------------------------------------------------
    def current_clustering(self) -> sqlite3.Row | None:
        return self.catalog.query_one("SELECT * FROM clusterings WHERE is_current = 1 ORDER BY id DESC LIMIT 1")

    def clustering(self, clustering_id: int) -> sqlite3.Row | None:
        return self.catalog.query_one("SELECT * FROM clusterings WHERE id = ?", (clustering_id,))

    def clusterings(self) -> list[sqlite3.Row]:
        return self.catalog.query("SELECT * FROM clusterings ORDER BY id")

    def members(self, clustering_id: int) -> list[Member]:
        return [
            Member(r["voice_id"], r["cluster_id"], r["how"], r["similarity"])
            for r in self.catalog.query(
                "SELECT voice_id, cluster_id, how, similarity FROM cluster_members WHERE clustering_id = ? ORDER BY voice_id",
                (clustering_id,))
        ]

    def earlier_clusters(self, voice_ids: list[int], exclude: set[int]) -> dict[int, int]:
        """For each voice, the cluster it was last in (any recorded clustering) among clusters not in ``exclude``."""
        out: dict[int, int] = {}
        for vid in voice_ids:
            for r in self.catalog.query(
                "SELECT cluster_id FROM cluster_members WHERE voice_id = ? AND cluster_id IS NOT NULL"
                " ORDER BY clustering_id DESC", (vid,)):
                if int(r[0]) not in exclude:
                    out[vid] = int(r[0])
                    break
        return out

    def pins(self) -> dict[int, int]:
        return {int(r[0]): int(r[1]) for r in self.catalog.query("SELECT voice_id, cluster_id FROM cluster_pins")}

    def cluster_labels(self) -> dict[int, str]:
        return {int(r[0]): r[1] for r in self.catalog.query("SELECT id, label FROM clusters")}

    def cluster_exists(self, cluster_id: int) -> bool:
        return self.catalog.query_one("SELECT 1 FROM clusters WHERE id = ?", (cluster_id,)) is not None

    def save_clustering(self, *, encoder_id: str, method: str, params: dict, members: list[Member],
                        new_clusters: int, parent_id: int | None, retire: list[int]) -> tuple[int, list[int]]:
        """Record a clustering version. Members whose cluster_id is negative (-1, -2, ...) get new clusters.

        Returns (clustering id, ids of the new clusters in order -1, -2, ...).
        """
        now = utc_now()
        with self.catalog.transaction() as c:
            fresh = []
            for _ in range(new_clusters):
                cur = c.execute("INSERT INTO clusters(label, created_at) VALUES ('', ?)", (now,))
                cid = int(cur.lastrowid)
                c.execute("UPDATE clusters SET label = ? WHERE id = ?", (f"cluster {cid}", cid))
                fresh.append(cid)
            used = {m.cluster_id for m in members if m.cluster_id is not None and m.cluster_id > 0} | set(fresh)
            c.execute("UPDATE clusterings SET is_current = 0 WHERE is_current = 1")
            cur = c.execute(
                "INSERT INTO clusterings(parent_id, created_at, encoder_id, method, params, n_clusters, is_current)"
                " VALUES (?,?,?,?,?,?,1)",
                (parent_id, now, encoder_id, method, json.dumps(params, sort_keys=True), len(used)),
            )
            clustering_id = int(cur.lastrowid)
            for m in members:
                cid = m.cluster_id
                if cid is not None and cid < 0:
                    cid = fresh[-cid - 1]
                c.execute(
                    "INSERT INTO cluster_members(clustering_id, voice_id, cluster_id, how, similarity) VALUES (?,?,?,?,?)",
                    (clustering_id, m.voice_id, cid, m.how, None if m.similarity is None else float(m.similarity)),
                )
            for cid in retire:
                if cid not in used:
                    c.execute("UPDATE clusters SET retired_at = ? WHERE id = ? AND retired_at IS NULL", (now, cid))
            for cid in used:
                c.execute("UPDATE clusters SET retired_at = NULL WHERE id = ?", (cid,))
        return clustering_id, fresh

    def set_pin(self, voice_id: int, cluster_id: int | None) -> None:
        with self.catalog.transaction() as c:
            if cluster_id is None:
                c.execute("DELETE FROM cluster_pins WHERE voice_id = ?", (voice_id,))
            else:
                c.execute("INSERT OR REPLACE INTO cluster_pins(voice_id, cluster_id, created_at) VALUES (?,?,?)",
                          (voice_id, cluster_id, utc_now()))

    def set_label(self, cluster_id: int, label: str) -> None:
        with self.catalog.transaction() as c:
            c.execute("UPDATE clusters SET label = ? WHERE id = ?", (label, cluster_id))

    # -- emotion suggestions ---------------------------------------------------------------------
    def put_suggestions(self, rows: list[tuple[int, str, float, str]]) -> None:
        now = utc_now()
        with self.catalog.transaction() as c:
            for clip_id, emotion, conf, model in rows:
                c.execute("INSERT OR REPLACE INTO emotion_suggestions(clip_id, emotion, confidence, model, created_at)"
                          " VALUES (?,?,?,?,?)", (clip_id, emotion, float(conf), model, now))

    def suggestions(self) -> dict[int, tuple[str, float, str]]:
        return {int(r[0]): (r[1], float(r[2]), r[3]) for r in self.catalog.query(
            "SELECT clip_id, emotion, confidence, model FROM emotion_suggestions")}
