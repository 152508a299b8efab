"""Removing blobs nothing needs any more.

A blob is kept while anything references it (a clip, a history snapshot, a ``*blob_sha256``
column of another table: :meth:`Library.referenced_blobs`) or a running import's journal
lists it. Otherwise it is garbage when:

* it was written by an import that was rolled back (the importer passes it as a candidate),
* it is listed in the journal of an import that died (a stale journal), or
* it is older than ``grace_s`` (default 10 minutes). The grace period protects blobs that
  another part of the engine has just written and is about to reference (bases are stored
  blob first, rows second), since only imports keep journals.

Everything happens inside one catalog write transaction, so no import can commit a
reference to a blob while it is being removed.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .journal import read_journals

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .library import Library

DEFAULT_GRACE_S = 600.0


@dataclass
class Collected:
    removed: list[str] = field(default_factory=list)
    bytes: int = 0
    kept_recent: list[str] = field(default_factory=list)
    journals_removed: list[str] = field(default_factory=list)


def _age_s(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except OSError:
        return float("inf")


def collect(
    library: "Library",
    candidates: Iterable[str] | None = None,
    *,
    grace_s: float = DEFAULT_GRACE_S,
    own_journal: Path | None = None,
) -> Collected:
    """Remove unreferenced blobs. ``candidates``: only these (removed whatever their age);
    ``None``: every blob on disk or in the ``blobs`` table (subject to the grace period), and
    stale journals are deleted afterwards. ``own_journal``: the caller's journal (not a guard)."""
    out = Collected()
    now = time.time()
    blobs = library.blobs
    full = candidates is None
    with library.catalog.transaction() as conn:
        referenced = library.referenced_blobs()
        journals = read_journals(library.root, exclude=own_journal)
        protected = set().union(*(j.shas for j in journals if j.live)) if journals else set()
        stale_listed = set().union(*(j.shas for j in journals if not j.live)) if journals else set()
        registered = {r[0] for r in conn.execute("SELECT sha256 FROM blobs")}
        if full:
            pool = set(blobs.iter_shas()) | registered
        else:
            pool = set(candidates)
        for sha in sorted(pool - referenced - protected):
            path = blobs.path(sha)
            if full and sha not in stale_listed and _age_s(path, now) < grace_s:
                out.kept_recent.append(sha)
                continue
            try:
                size = path.stat().st_size
            except OSError:
                size = 0
            conn.execute("DELETE FROM blobs WHERE sha256 = ?", (sha,))
            blobs.delete(sha)
            if size or sha in registered:
                out.removed.append(sha)
                out.bytes += size
    if full:
        for j in journals:
            if not j.live:
                try:
                    os.unlink(j.path)
                    out.journals_removed.append(j.path.name)
                except FileNotFoundError:
                    pass    # another collection removed it meanwhile
                except OSError as exc:
                    log.warning("could not remove the import journal %s: %s", j.path, exc)
    return out


def delete_voice(library: "Library", voice: str | int) -> Collected:
    """Delete a voice with its history, then remove the blobs that nothing else uses."""
    import json

    vid = library._voice_id(library.catalog.conn, voice)
    shas = {r[0] for r in library.catalog.query("SELECT sha256 FROM clips WHERE voice_id = ?", (vid,))}
    for (snap,) in library.catalog.query("SELECT snapshot FROM voice_versions WHERE voice_id = ?", (vid,)):
        shas.update(c["sha256"] for c in json.loads(snap).get("clips", []))
    library.delete_voice(vid)
    return collect(library, shas)
