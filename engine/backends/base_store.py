"""Bases stored in the library, for every backend (``engine.bases``).

A base is a set of weight *groups* (one safetensors blob each, e.g. ``gpt`` and ``sovits``) plus a JSON
manifest blob (backend, variant, architecture config, source file hashes, provenance). All of them live in
the library's content-addressed blob store, so identical weights are stored once, and catalog rows
(``bases``, ``base_blobs``, ``cluster_bases``; schema ``0003_bases.sql``) name them. Loading is a
safetensors mmap (:meth:`BaseStore.open_tensors`); nothing is ever unpickled.

The store knows nothing about any backend: converting a GPT-SoVITS ``.ckpt``/``.pth`` pair happens in
``engine.backends.gptsovits.convert`` which then calls :meth:`BaseStore.register`.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import AlreadyExists, InvalidInput, NotFound, StorageError
from ..library.catalog import utc_now

log = logging.getLogger(__name__)

MAX_NAME = 120
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class BaseRecord:
    id: int
    name: str
    backend: str
    variant: str
    size_bytes: int
    manifest_sha256: str
    groups: dict[str, str]  # group → blob sha256
    created_at: str
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Assignment:
    cluster_id: int
    base_id: int | None
    base_name: str
    assigned_at: str
    unassigned_at: str | None
    note: str


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A base needs a name.")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"Base names are at most {MAX_NAME} characters.")
    if any(ord(ch) < 32 for ch in name):
        raise InvalidInput("Base names cannot contain control characters.")
    return name


def _check_group(group: str) -> str:
    if not group or not all(c.isalnum() or c in "_-." for c in group):
        raise InvalidInput(f"'{group}' is not a valid weight group name (letters, digits, _ - .).")
    return group


class BaseStore:
    """Facade subsystem: ``engine.bases``."""

    def __init__(self, engine) -> None:
        self.engine = engine

    @property
    def library(self):
        return self.engine.library

    def import_gptsovits_pair(self, name: str, gpt_path, sovits_path, *, provenance: dict | None = None):
        """Convert an upstream GPT-SoVITS pair (``.ckpt`` + ``.pth``) and store it as base ``name``."""
        from .gptsovits.convert import import_base

        return import_base(self, name, gpt_path, sovits_path, provenance=provenance)

    @property
    def _catalog(self):
        return self.library.catalog

    # -- writing ------------------------------------------------------------------------------------------
    def _store_group(self, group: str, value: Any) -> str:
        """Put one group's weights in the blob store; returns the blob sha256."""
        blobs = self.library.blobs
        if isinstance(value, (str, os.PathLike)):
            path = Path(value)
            _validate_safetensors(path)
            return blobs.put_file(path)
        if isinstance(value, Mapping):
            from safetensors.torch import save_file

            blobs.ensure()
            fd, tmp = tempfile.mkstemp(prefix=f"base-{group}-", suffix=".safetensors", dir=blobs.tmp_dir)
            os.close(fd)
            try:
                save_file(_contiguous(value), tmp)
                return blobs.put_file(tmp)
            except (ValueError, TypeError) as exc:
                raise InvalidInput(f"The '{group}' weights cannot be stored: {exc}") from exc
            except OSError as exc:
                raise StorageError(f"Could not write the '{group}' weights: {exc.strerror or exc}.") from exc
            finally:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass    # renamed into the blob store (the usual case)
                except OSError as exc:
                    log.warning("could not remove the temporary weights file %s: %s", tmp, exc)
        raise InvalidInput(f"Group '{group}' must be a dict of tensors or a .safetensors path.")

    def register(self, name: str, backend: str, variant: str, groups: Mapping[str, Any], manifest: Mapping[str, Any],
                 provenance: Mapping[str, Any] | None = None) -> BaseRecord:
        """Store a base: each group (``dict[str, Tensor]`` or a ``.safetensors`` path) becomes one blob,
        ``manifest`` (JSON-able) another. Names are unique (case-insensitive)."""
        name = _check_name(name)
        if not backend or not variant:
            raise InvalidInput("A base needs a backend and a variant.")
        if not groups:
            raise InvalidInput("A base needs at least one weight group.")
        if self._row(name) is not None:
            raise AlreadyExists(f"There is already a base named '{name}'.",
                                hint="Pick another name, or remove the old one with 'timbrel base remove NAME'.")
        shas = {_check_group(g): self._store_group(g, v) for g, v in groups.items()}
        blobs = self.library.blobs
        sizes = {g: blobs.size(s) for g, s in shas.items()}
        full = dict(manifest)
        full.setdefault("format", MANIFEST_FORMAT)
        full["backend"], full["variant"] = backend, variant
        full["groups"] = {g: {"blob_sha256": shas[g], "bytes": sizes[g]} for g in sorted(shas)}
        try:
            data = json.dumps(full, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"The base manifest is not JSON data: {exc}") from exc
        manifest_sha = blobs.put_bytes(data)
        size = sum(sizes.values()) + len(data)
        prov = json.dumps(dict(provenance or {}), sort_keys=True, ensure_ascii=False, default=str)
        now = utc_now()
        try:
            with self._catalog.transaction() as conn:
                for g, s in shas.items():
                    self.library._register_blob(conn, s, "weights", sizes[g])
                self.library._register_blob(conn, manifest_sha, "manifest", len(data))
                cur = conn.execute(
                    "INSERT INTO bases(name, backend, variant, manifest_blob_sha256, size_bytes, provenance, created_at)"
                    " VALUES (?,?,?,?,?,?,?)", (name, backend, variant, manifest_sha, size, prov, now))
                base_id = int(cur.lastrowid)
                for g, s in sorted(shas.items()):
                    conn.execute("INSERT INTO base_blobs(base_id, role, blob_sha256, size_bytes) VALUES (?,?,?,?)",
                                 (base_id, g, s, sizes[g]))
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"There is already a base named '{name}'.") from None
        self._publish(name, "register")
        return self.get(base_id)

    def remove(self, base: Any, *, force: bool = False) -> BaseRecord:
        """Delete a base. Refused while a cluster uses it unless ``force`` (its assignments are then closed).
        Blobs no other row needs are deleted too."""
        rec = self.get(base)
        users = self.clusters_of(rec)
        if users and not force:
            raise InvalidInput(f"Base '{rec.name}' serves cluster(s) {', '.join(map(str, users))}.",
                               hint="Assign another base to them first, or pass --force to unassign them.")
        now = utc_now()
        with self._catalog.transaction() as conn:
            conn.execute("UPDATE cluster_bases SET unassigned_at = ?, note = 'base removed' WHERE base_id = ? AND unassigned_at IS NULL",
                         (now, rec.id))
            conn.execute("DELETE FROM bases WHERE id = ?", (rec.id,))
            still = self.library.referenced_blobs()
            orphans = [s for s in [*rec.groups.values(), rec.manifest_sha256] if s not in still]
            for s in orphans:
                conn.execute("DELETE FROM blobs WHERE sha256 = ?", (s,))
        for s in orphans:
            self.library.blobs.delete(s)
        self._publish(rec.name, "remove")
        return rec

    # -- reading ------------------------------------------------------------------------------------------
    def _row(self, key: Any) -> sqlite3.Row | None:
        q = self._catalog.query_one
        if isinstance(key, BaseRecord):
            return q("SELECT * FROM bases WHERE id = ?", (key.id,))
        if isinstance(key, int):
            return q("SELECT * FROM bases WHERE id = ?", (key,))
        key = str(key).strip()
        row = q("SELECT * FROM bases WHERE name = ?", (key,))
        if row is None and key.isdigit():
            row = q("SELECT * FROM bases WHERE id = ?", (int(key),))
        return row

    def _record(self, row: sqlite3.Row) -> BaseRecord:
        groups = {r["role"]: r["blob_sha256"] for r in
                  self._catalog.query("SELECT role, blob_sha256 FROM base_blobs WHERE base_id = ? ORDER BY role", (row["id"],))}
        try:
            prov = json.loads(row["provenance"] or "{}")
        except ValueError:
            prov = {}
        return BaseRecord(id=int(row["id"]), name=row["name"], backend=row["backend"], variant=row["variant"],
                          size_bytes=int(row["size_bytes"]), manifest_sha256=row["manifest_blob_sha256"], groups=groups,
                          created_at=row["created_at"], provenance=prov)

    def get(self, name_or_id: Any) -> BaseRecord:
        row = self._row(name_or_id)
        if row is None:
            raise NotFound(f"There is no base named '{getattr(name_or_id, 'name', name_or_id)}'.",
                           hint="'timbrel bases' lists the stored bases.")
        return self._record(row)

    def list(self, backend: str | None = None) -> list[BaseRecord]:
        if backend is None:
            rows = self._catalog.query("SELECT * FROM bases ORDER BY name COLLATE NOCASE")
        else:
            rows = self._catalog.query("SELECT * FROM bases WHERE backend = ? ORDER BY name COLLATE NOCASE", (backend,))
        return [self._record(r) for r in rows]

    def manifest(self, base: Any) -> dict:
        rec = base if isinstance(base, BaseRecord) else self.get(base)
        return json.loads(self.library.blobs.read_bytes(rec.manifest_sha256).decode("utf-8"))

    def weights_path(self, base: Any, group: str) -> Path:
        """Read-only path of a group's safetensors blob."""
        rec = base if isinstance(base, BaseRecord) else self.get(base)
        if group not in rec.groups:
            raise NotFound(f"Base '{rec.name}' has no '{group}' weights.", hint=f"It has: {', '.join(sorted(rec.groups))}.")
        path = self.library.blobs.path(rec.groups[group])
        if not path.is_file():
            raise StorageError(f"The '{group}' weights of base '{rec.name}' are missing from the library.",
                               hint="Run 'timbrel doctor', then import the base again.")
        return path

    def open_tensors(self, base: Any, group: str, device: str = "cpu"):
        """A safetensors ``safe_open`` handle (mmap; use as a context manager) on a group's weights."""
        from safetensors import safe_open

        from ..loadguard import loading

        path = self.weights_path(base, group)
        with loading(f"The '{group}' weights", path, in_library=True):
            return safe_open(str(path), framework="pt", device=device)

    # -- clusters -----------------------------------------------------------------------------------------
    def base_for_cluster(self, cluster_id: int) -> BaseRecord | None:
        row = self._catalog.query_one(
            "SELECT base_id FROM cluster_bases WHERE cluster_id = ? AND unassigned_at IS NULL AND base_id IS NOT NULL",
            (int(cluster_id),))
        return None if row is None else self.get(int(row[0]))

    def assign(self, cluster_id: int, base: Any, note: str = "") -> BaseRecord | None:
        """Make ``base`` serve ``cluster_id`` (``None`` unassigns); the previous assignment is kept as history."""
        rec = None if base is None else (base if isinstance(base, BaseRecord) else self.get(base))
        cid = int(cluster_id)
        now = utc_now()
        with self._catalog.transaction() as conn:
            cur = conn.execute("SELECT base_id FROM cluster_bases WHERE cluster_id = ? AND unassigned_at IS NULL", (cid,)).fetchone()
            if cur is not None and rec is not None and cur[0] == rec.id:
                return rec
            conn.execute("UPDATE cluster_bases SET unassigned_at = ? WHERE cluster_id = ? AND unassigned_at IS NULL", (now, cid))
            if rec is not None:
                try:
                    conn.execute("INSERT INTO cluster_bases(cluster_id, base_id, base_name, assigned_at, note) VALUES (?,?,?,?,?)",
                                 (cid, rec.id, rec.name, now, note or ""))
                except sqlite3.IntegrityError:
                    raise NotFound(f"There is no cluster {cid}.", hint="'timbrel cluster --show' lists the clusters.") from None
        self._publish(rec.name if rec else None, "assign", cluster_id=cid)
        return rec

    def assignments(self, cluster_id: int | None = None) -> list[Assignment]:
        """Assignment history (oldest first), for one cluster or all."""
        sql = "SELECT * FROM cluster_bases"
        args: tuple = ()
        if cluster_id is not None:
            sql += " WHERE cluster_id = ?"
            args = (int(cluster_id),)
        rows = self._catalog.query(sql + " ORDER BY id", args)
        return [Assignment(r["cluster_id"], r["base_id"], r["base_name"], r["assigned_at"], r["unassigned_at"], r["note"]) for r in rows]

    def clusters_of(self, base: Any) -> list[int]:
        rec = base if isinstance(base, BaseRecord) else self.get(base)
        return [int(r[0]) for r in self._catalog.query(
            "SELECT cluster_id FROM cluster_bases WHERE base_id = ? AND unassigned_at IS NULL ORDER BY cluster_id", (rec.id,))]

    def _publish(self, name: str | None, action: str, **extra: Any) -> None:
        events = getattr(self.engine, "events", None)
        if events is not None:
            events.publish("bases.changed", base=name, action=action, **extra)


def _contiguous(tensors: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in tensors.items():
        if not v.is_contiguous() or v.untyped_storage().nbytes() != v.numel() * v.element_size():
            v = v.contiguous().clone()
        out[str(k)] = v
    return out


def _validate_safetensors(path: Path) -> None:
    from safetensors import safe_open

    if not path.is_file():
        raise InvalidInput(f"{path} does not exist.")
    try:
        with safe_open(str(path), framework="pt") as h:
            list(h.keys())
    except Exception as exc:  # safetensors raises its own error types
        raise InvalidInput(f"{path.name} is not a readable .safetensors file ({exc}).") from exc
