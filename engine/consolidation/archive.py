"""Applying, reverting and purging a consolidation; storage accounting.

Applying a plan (:func:`apply_plan`) is one catalog transaction: every cluster gets its chosen base
(``engine.bases.assign``, recorded as a base version) and the per-voice bases no cluster needs any more are
*archived*: their catalog rows move from ``bases`` to ``archived_bases`` / ``archived_base_blobs``. The
weight blobs are not touched — the archive rows reference them (``*blob_sha256`` columns), so the library
keeps them and :func:`revert` puts everything back exactly (same base ids, names, blobs and cluster
assignments). Only :func:`purge` — an explicit, separate step — drops an archive and deletes the blobs
nothing else needs; that is when the disk space comes back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import InvalidInput, NotFound
from ..library.catalog import utc_now
from . import versions


# -- storage ---------------------------------------------------------------------------------------------------
def active_base_blobs(engine, exclude: set[str] | None = None) -> dict[str, int]:
    """blob sha256 → bytes of every active base (weights + manifests), minus the bases named in ``exclude``."""
    ex = {n.casefold() for n in (exclude or set())}
    out: dict[str, int] = {}
    for rec in engine.bases.list():
        if rec.name.casefold() in ex:
            continue
        for role, sha in rec.groups.items():
            out[sha] = engine.library.blobs.size(sha) if engine.library.blobs.exists(sha) else 0
        out[rec.manifest_sha256] = engine.library.blobs.size(rec.manifest_sha256) if engine.library.blobs.exists(rec.manifest_sha256) else 0
    return out


@dataclass
class StorageReport:
    bases_before: int
    bases_after: int
    bytes_before: int          # distinct blobs of all active bases now
    bytes_after: int           # distinct blobs of the bases that stay active
    bytes_archived: int        # blobs only the archive would keep (freed by a purge)
    source_bytes: int          # size of the original GPT-SoVITS files of the candidates (outside the library)

    @property
    def reduction(self) -> float:
        return 0.0 if self.bytes_before == 0 else 1.0 - self.bytes_after / self.bytes_before

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reduction"] = round(self.reduction, 4)
        return d


def storage_report(engine, retire: set[str]) -> StorageReport:
    before = active_base_blobs(engine)
    after = active_base_blobs(engine, exclude=retire)
    only_archived = {s: n for s, n in before.items() if s not in after}
    from .candidates import all_candidates

    src = sum(c.source_bytes for c in all_candidates(engine.library.catalog))
    return StorageReport(len(engine.bases.list()), len(engine.bases.list()) - len({n.casefold() for n in retire}),
                         sum(before.values()), sum(after.values()), sum(only_archived.values()), src)


# -- apply / revert / purge ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Archive:
    id: int
    created_at: str
    state: str
    plan: dict
    previous: dict
    storage: dict
    finished_at: str | None
    bases: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _archive(catalog, r) -> Archive:
    names = tuple(x[0] for x in catalog.query("SELECT name FROM archived_bases WHERE archive_id = ? ORDER BY name", (r["id"],)))
    return Archive(int(r["id"]), r["created_at"], r["state"], json.loads(r["plan"]), json.loads(r["previous"]),
                   json.loads(r["storage"] or "{}"), r["finished_at"], names)


def archives(engine) -> list[Archive]:
    catalog = engine.library.catalog
    return [_archive(catalog, r) for r in catalog.query("SELECT * FROM consolidation_archives ORDER BY id")]


def get_archive(engine, archive_id: int | None = None, state: str | None = "applied") -> Archive:
    catalog = engine.library.catalog
    if archive_id is None:
        r = catalog.query_one("SELECT * FROM consolidation_archives WHERE state = ? ORDER BY id DESC LIMIT 1", (state,))
        if r is None:
            raise NotFound("There is no applied consolidation to revert.", hint="'timbrel consolidate --list' shows the history.")
    else:
        r = catalog.query_one("SELECT * FROM consolidation_archives WHERE id = ?", (int(archive_id),))
        if r is None:
            raise NotFound(f"There is no consolidation #{archive_id}.", hint="'timbrel consolidate --list' shows the history.")
    return _archive(catalog, r)


def _move_to_archive(conn, archive_id: int, rec) -> None:
    row = conn.execute("SELECT * FROM bases WHERE id = ?", (rec.id,)).fetchone()
    conn.execute("INSERT INTO archived_bases(archive_id, base_id, name, backend, variant, manifest_blob_sha256, size_bytes,"
                 " provenance, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                 (archive_id, row["id"], row["name"], row["backend"], row["variant"], row["manifest_blob_sha256"],
                  row["size_bytes"], row["provenance"], row["created_at"]))
    for b in conn.execute("SELECT role, blob_sha256, size_bytes FROM base_blobs WHERE base_id = ?", (rec.id,)).fetchall():
        conn.execute("INSERT INTO archived_base_blobs(archive_id, base_name, role, blob_sha256, size_bytes) VALUES (?,?,?,?,?)",
                     (archive_id, row["name"], b["role"], b["blob_sha256"], b["size_bytes"]))
    conn.execute("DELETE FROM bases WHERE id = ?", (rec.id,))


def _restore_from_archive(conn, archive_id: int, name: str) -> None:
    row = conn.execute("SELECT * FROM archived_bases WHERE archive_id = ? AND name = ?", (archive_id, name)).fetchone()
    if conn.execute("SELECT 1 FROM bases WHERE name = ?", (row["name"],)).fetchone() is not None:
        raise InvalidInput(f"A base named '{row['name']}' exists again, so the archived one cannot come back.",
                           hint="Rename or remove the new base first ('timbrel base remove NAME').")
    taken = conn.execute("SELECT 1 FROM bases WHERE id = ?", (row["base_id"],)).fetchone() is not None
    cols = "name, backend, variant, manifest_blob_sha256, size_bytes, provenance, created_at"
    vals = (row["name"], row["backend"], row["variant"], row["manifest_blob_sha256"], row["size_bytes"], row["provenance"], row["created_at"])
    if taken:
        cur = conn.execute(f"INSERT INTO bases({cols}) VALUES (?,?,?,?,?,?,?)", vals)
    else:
        cur = conn.execute(f"INSERT INTO bases(id, {cols}) VALUES (?,?,?,?,?,?,?,?)", (row["base_id"], *vals))
    new_id = int(cur.lastrowid)
    for b in conn.execute("SELECT role, blob_sha256, size_bytes FROM archived_base_blobs WHERE archive_id = ? AND base_name = ?",
                          (archive_id, name)).fetchall():
        conn.execute("INSERT INTO base_blobs(base_id, role, blob_sha256, size_bytes) VALUES (?,?,?,?)",
                     (new_id, b["role"], b["blob_sha256"], b["size_bytes"]))
    # assignment history rows lost their base id when the row was deleted: link them again by name
    conn.execute("UPDATE cluster_bases SET base_id = ? WHERE base_id IS NULL AND base_name = ?", (new_id, row["name"]))
    conn.execute("DELETE FROM archived_base_blobs WHERE archive_id = ? AND base_name = ?", (archive_id, name))
    conn.execute("DELETE FROM archived_bases WHERE archive_id = ? AND name = ?", (archive_id, name))


def apply_plan(engine, plan) -> Archive:
    """Assign every cluster its chosen base, record versions, archive the retired bases. One transaction."""
    if plan.retire and not plan.clusters:
        raise InvalidInput("The plan retires bases but serves no cluster.")
    catalog = engine.library.catalog
    previous = {}
    for cp in plan.clusters:
        cur = engine.bases.base_for_cluster(cp.cluster_id)
        previous[str(cp.cluster_id)] = None if cur is None else cur.name
    storage = storage_report(engine, set(plan.retire)).to_dict()
    with catalog.transaction() as conn:
        cur = conn.execute("INSERT INTO consolidation_archives(created_at, state, plan, previous, storage) VALUES (?,?,?,?,?)",
                           (utc_now(), "applied", json.dumps(plan.to_dict(), sort_keys=True, default=str),
                            json.dumps(previous, sort_keys=True), json.dumps(storage, sort_keys=True)))
        archive_id = int(cur.lastrowid)
        for cp in plan.clusters:
            if cp.base is None:
                continue
            engine.bases.assign(cp.cluster_id, cp.base, note=f"consolidation #{archive_id}")
            versions.record(engine, cp.cluster_id, cp.base, cp.kind,
                            {"consolidation": archive_id, "voices": list(cp.voices), "reason": cp.reason,
                             "scores": cp.scores, "candidates": list(cp.candidates)})
        for name in plan.retire:
            _move_to_archive(conn, archive_id, engine.bases.get(name))
    engine.events.publish("bases.changed", base=None, action="consolidate")
    return get_archive(engine, archive_id)


def revert(engine, archive_id: int | None = None) -> Archive:
    """Undo an applied consolidation: archived bases come back, clusters get their previous bases."""
    arch = get_archive(engine, archive_id)
    if arch.state != "applied":
        raise InvalidInput(f"Consolidation #{arch.id} is {arch.state}; only an applied one can be reverted.",
                           hint="A purged consolidation's models were deleted; import the GPT-SoVITS folder again.")
    catalog = engine.library.catalog
    with catalog.transaction() as conn:
        for name in arch.bases:
            _restore_from_archive(conn, arch.id, name)
        for cid, name in arch.previous.items():
            engine.bases.assign(int(cid), name, note=f"consolidation #{arch.id} reverted")
            if name is not None:
                versions.record(engine, int(cid), name, "rollback", {"consolidation_reverted": arch.id})
        conn.execute("UPDATE consolidation_archives SET state = 'reverted', finished_at = ? WHERE id = ?", (utc_now(), arch.id))
    engine.events.publish("bases.changed", base=None, action="consolidate-revert")
    return get_archive(engine, arch.id)


def restore_base(engine, name: str) -> None:
    """Bring one archived base back (used by rollback); it stays restored if the consolidation is reverted later."""
    catalog = engine.library.catalog
    r = catalog.query_one("SELECT ab.archive_id FROM archived_bases ab JOIN consolidation_archives a ON a.id = ab.archive_id"
                          " WHERE ab.name = ? AND a.state = 'applied' ORDER BY ab.archive_id DESC LIMIT 1", (name,))
    if r is None:
        raise NotFound(f"Base '{name}' is neither stored nor archived any more.",
                       hint="It was purged; import its GPT-SoVITS files again.")
    with catalog.transaction() as conn:
        _restore_from_archive(conn, int(r[0]), name)


def purge(engine, archive_id: int | None = None) -> dict[str, Any]:
    """Delete an applied consolidation's archived bases for good (blobs nothing else needs are removed)."""
    arch = get_archive(engine, archive_id)
    if arch.state != "applied":
        raise InvalidInput(f"Consolidation #{arch.id} is {arch.state}; there is nothing to purge.")
    catalog = engine.library.catalog
    lib = engine.library
    with catalog.transaction() as conn:
        shas = {r[0] for r in conn.execute("SELECT blob_sha256 FROM archived_base_blobs WHERE archive_id = ?", (arch.id,))}
        shas |= {r[0] for r in conn.execute("SELECT manifest_blob_sha256 FROM archived_bases WHERE archive_id = ?", (arch.id,))}
        conn.execute("DELETE FROM archived_base_blobs WHERE archive_id = ?", (arch.id,))
        conn.execute("DELETE FROM archived_bases WHERE archive_id = ?", (arch.id,))
        conn.execute("UPDATE consolidation_archives SET state = 'purged', finished_at = ? WHERE id = ?", (utc_now(), arch.id))
        still = lib.referenced_blobs()
        orphans = sorted(s for s in shas if s not in still)
        freed = sum(lib.blobs.size(s) for s in orphans if lib.blobs.exists(s))
        for s in orphans:
            conn.execute("DELETE FROM blobs WHERE sha256 = ?", (s,))
    for s in orphans:
        lib.blobs.delete(s)
    return {"archive": arch.id, "bases": list(arch.bases), "blobs_deleted": len(orphans), "bytes_freed": freed}


def rollback(engine, cluster_id: int, version: int | None = None) -> versions.BaseVersion:
    """Serve ``cluster_id`` with the base of an earlier ``version`` (default: the one before the current)."""
    hist = versions.history(engine, cluster_id)
    if not hist:
        raise NotFound(f"Cluster {cluster_id} has no base versions.", hint="'timbrel consolidate' makes the first one.")
    if version is None:
        cur = versions.current(engine, cluster_id)
        older = [v for v in hist if cur is None or (v.version < cur.version and v.base_name.casefold() != cur.base_name.casefold())]
        if not older:
            raise NotFound(f"Cluster {cluster_id} has no earlier base version to roll back to.")
        target = older[-1]
    else:
        match = [v for v in hist if v.version == int(version)]
        if not match:
            raise NotFound(f"Cluster {cluster_id} has no base version {version}.",
                           hint=f"Versions: {', '.join(str(v.version) for v in hist)}.")
        target = match[0]
    catalog = engine.library.catalog
    with catalog.transaction():
        if catalog.query_one("SELECT 1 FROM bases WHERE name = ?", (target.base_name,)) is None:
            restore_base(engine, target.base_name)
        engine.bases.assign(cluster_id, target.base_name, note=f"rollback to version {target.version}")
        return versions.record(engine, cluster_id, target.base_name, "rollback",
                               {"rolled_back_to": target.version, "kind_then": target.kind})
