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

    def put_batch(self, embeddings: list[tuple[str, np.ndarray]], encoder_id: str, encoder_version: str,
                  prosody: list[tuple[str, np.ndarray]], prosody_version: str, prosody_names: list[str],
                  run_id: int | None = None, done: int = 0, failed: int = 0, seconds: float = 0.0) -> None:
        """One batch of analysis results and the run's progress, in one transaction (all or nothing)."""
        now = utc_now()
        names = json.dumps(prosody_names)
        with self.catalog.transaction() as c:
            c.executemany(
                "INSERT OR REPLACE INTO embeddings(clip_sha256, encoder_id, encoder_version, dim, vector, created_at)"
                " VALUES (?,?,?,?,?,?)",
                [(sha, encoder_id, encoder_version, int(v.shape[0]), to_blob(v), now) for sha, v in embeddings])
            c.executemany(
                "INSERT OR REPLACE INTO prosody_features(clip_sha256, extractor_version, names, vector, created_at)"
                " VALUES (?,?,?,?,?)", [(sha, prosody_version, names, to_blob(v), now) for sha, v in prosody])
            if run_id is not None:
                c.execute("UPDATE analysis_runs SET done = ?, failed = ?, seconds = ?, updated_at = ? WHERE id = ?",
                          (done, failed, float(seconds), now, run_id))

    # -- analysis runs (0008_scale.sql) --------------------------------------------------------------
    def start_run(self, encoder_id: str, encoder_version: str, total: int) -> tuple[int, dict | None]:
        """Record a new run; returns (its id, the previous unfinished run as a dict or None). A run left
        'running' by a process that stopped is marked 'interrupted'."""
        now = utc_now()
        with self.catalog.transaction() as c:
            prev = c.execute("SELECT * FROM analysis_runs WHERE status IN ('running', 'cancelled') AND encoder_id = ?"
                             " ORDER BY id DESC LIMIT 1", (encoder_id,)).fetchone()
            c.execute("UPDATE analysis_runs SET status = 'interrupted' WHERE status = 'running'")
            cur = c.execute("INSERT INTO analysis_runs(encoder_id, encoder_version, started_at, updated_at, total)"
                            " VALUES (?,?,?,?,?)", (encoder_id, encoder_version, now, now, int(total)))
        return int(cur.lastrowid), (dict(prev) if prev is not None else None)

    def finish_run(self, run_id: int, status: str, done: int, failed: int, seconds: float) -> None:
        now = utc_now()
        with self.catalog.transaction() as c:
            c.execute("UPDATE analysis_runs SET status = ?, done = ?, failed = ?, seconds = ?, updated_at = ?,"
                      " finished_at = ? WHERE id = ?", (status, done, failed, float(seconds), now, now, run_id))

    def runs(self, limit: int = 20) -> list[dict]:
        return [dict(r) for r in self.catalog.query("SELECT * FROM analysis_runs ORDER BY id DESC LIMIT ?", (limit,))]

    # -- bulk reads for large libraries ---------------------------------------------------------------
    def change_stamp(self) -> tuple[int, int]:
        """Changes by other connections (``PRAGMA data_version``) and by this thread's connection: equal stamps
        mean nothing was written in between, so cached matrices are still right."""
        conn = self.catalog.conn
        return int(conn.execute("PRAGMA data_version").fetchone()[0]), int(conn.total_changes)

    def voice_clip_vectors(self, encoder_id: str, encoder_version: str) -> tuple[dict[int, np.ndarray], dict[int, int]]:
        """Every voice's cached clip vectors for this encoder version as a (clips, dim) array (clip order), in
        one query, and each voice's number of clips (to see which voices still miss some)."""
        rows = self.catalog.conn.execute(
            "SELECT c.voice_id, e.vector FROM clips c JOIN embeddings e ON e.clip_sha256 = c.sha256"
            " AND e.encoder_id = ? AND e.encoder_version = ? ORDER BY c.voice_id, c.id",
            (encoder_id, encoder_version)).fetchall()
        vecs: dict[int, np.ndarray] = {}
        if rows:
            vids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            blobs = [r[1] for r in rows]
            if len({len(b) for b in blobs}) == 1:       # one dimension (the usual case): decode all at once
                flat = np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float32)
                matrix = flat.reshape(len(blobs), -1)
            else:
                matrix = None
            starts = np.flatnonzero(np.r_[True, vids[1:] != vids[:-1]])
            for lo, hi in zip(starts, np.r_[starts[1:], len(rows)]):
                vecs[int(vids[lo])] = (matrix[lo:hi] if matrix is not None
                                       else np.stack([from_blob(b) for b in blobs[lo:hi]]))
        counts = {int(r[0]): int(r[1]) for r in self.catalog.query("SELECT voice_id, COUNT(*) FROM clips GROUP BY voice_id")}
        return vecs, counts

    def voice_order(self) -> list[tuple[int, str]]:
        """(id, name) of every voice, in the library's name order."""
        return [(int(r[0]), r[1]) for r in self.catalog.query("SELECT id, name FROM voices ORDER BY name COLLATE NOCASE")]

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
        """For each voice, the cluster it was last in (any recorded clustering) among clusters not in ``exclude``
        (one indexed query per 500 voices: ``cluster_members_by_voice``)."""
        out: dict[int, int] = {}
        best: dict[int, int] = {}
        for i in range(0, len(voice_ids), 500):
            part = list(voice_ids[i:i + 500])
            q = ",".join("?" * len(part))
            for vid, cid, clustering in self.catalog.query(
                    f"SELECT voice_id, cluster_id, clustering_id FROM cluster_members WHERE voice_id IN ({q})"
                    " AND cluster_id IS NOT NULL", tuple(part)):
                if int(cid) in exclude:
                    continue
                if int(clustering) > best.get(int(vid), -1):
                    best[int(vid)] = int(clustering)
                    out[int(vid)] = int(cid)
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
            c.executemany(
                "INSERT INTO cluster_members(clustering_id, voice_id, cluster_id, how, similarity) VALUES (?,?,?,?,?)",
                [(clustering_id, m.voice_id, fresh[-m.cluster_id - 1] if m.cluster_id is not None and m.cluster_id < 0
                  else m.cluster_id, m.how, None if m.similarity is None else float(m.similarity)) for m in members])
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
