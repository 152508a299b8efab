"""Base versions per cluster (table ``base_versions``): every base a cluster is given — adopted from a
candidate, the pretrained base zero-shot, a fine-tune, a rollback — is a numbered version with its
provenance (voices, data, settings, source hashes, scores). Rolling back (``archive.rollback``: it may restore a
base from a consolidation archive) assigns an earlier version's base again and records that as a new version.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import InvalidInput, NotFound
from ..library.catalog import utc_now

KINDS = ("adopted", "pretrained", "trained", "assigned", "rollback")


@dataclass(frozen=True)
class BaseVersion:
    id: int
    cluster_id: int
    version: int
    base_name: str
    kind: str
    manifest_sha256: str | None
    provenance: dict
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _row(r) -> BaseVersion:
    return BaseVersion(int(r["id"]), int(r["cluster_id"]), int(r["version"]), r["base_name"], r["kind"],
                       r["manifest_blob_sha256"], json.loads(r["provenance"] or "{}"), r["created_at"])


def record(engine, cluster_id: int, base, kind: str, provenance: dict | None = None) -> BaseVersion:
    """Append a version for ``cluster_id`` (inside the caller's transaction when there is one). When the
    cluster's newest version already names this very base (same name and manifest), nothing is added and
    that version is returned: re-running a consolidation or rollback with nothing to change adds no version."""
    if kind not in KINDS:
        raise InvalidInput(f"Unknown base version kind '{kind}'.")
    rec = engine.bases.get(base)
    prov = dict(provenance or {})
    try:
        sources = engine.bases.manifest(rec).get("sources") or {}
    except (OSError, ValueError):
        sources = {}
    prov.setdefault("base", {"name": rec.name, "backend": rec.backend, "variant": rec.variant, "groups": dict(rec.groups),
                             "manifest_sha256": rec.manifest_sha256, "base_provenance": rec.provenance,
                             "source_files": sources})
    catalog = engine.library.catalog
    with catalog.transaction() as conn:
        last = conn.execute("SELECT * FROM base_versions WHERE cluster_id = ? ORDER BY version DESC LIMIT 1",
                            (int(cluster_id),)).fetchone()
        if (last is not None and last["base_name"].casefold() == rec.name.casefold()
                and last["manifest_blob_sha256"] == rec.manifest_sha256):
            return _row(last)  # the cluster already has exactly this base: re-running adds no empty version
        n = conn.execute("SELECT COALESCE(MAX(version), 0) FROM base_versions WHERE cluster_id = ?", (int(cluster_id),)).fetchone()[0]
        cur = conn.execute(
            "INSERT INTO base_versions(cluster_id, version, base_name, kind, manifest_blob_sha256, provenance, created_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (int(cluster_id), int(n) + 1, rec.name, kind, rec.manifest_sha256,
             json.dumps(prov, sort_keys=True, ensure_ascii=False, default=str), utc_now()))
        vid = int(cur.lastrowid)
        row = conn.execute("SELECT * FROM base_versions WHERE id = ?", (vid,)).fetchone()
    return _row(row)


def history(engine, cluster_id: int | None = None) -> list[BaseVersion]:
    catalog = engine.library.catalog
    if cluster_id is None:
        rows = catalog.query("SELECT * FROM base_versions ORDER BY cluster_id, version")
    else:
        rows = catalog.query("SELECT * FROM base_versions WHERE cluster_id = ? ORDER BY version", (int(cluster_id),))
    return [_row(r) for r in rows]


def current(engine, cluster_id: int) -> BaseVersion | None:
    """The newest version whose base is the one serving the cluster now (None when it was assigned elsewhere)."""
    rec = engine.bases.base_for_cluster(int(cluster_id))
    if rec is None:
        return None
    r = engine.library.catalog.query_one(
        "SELECT * FROM base_versions WHERE cluster_id = ? ORDER BY version DESC LIMIT 1", (int(cluster_id),))
    if r is None or r["base_name"].casefold() != rec.name.casefold():
        return None
    return _row(r)
