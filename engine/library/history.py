"""How voice snapshots are stored in ``voice_versions``.

A snapshot is the whole voice (name, language, notes, tags, clips). Short fields are stored
inline; a text longer than :data:`INLINE_MAX` characters (a transcript, the notes) is stored
once in ``history_texts`` by its SHA-256 and the snapshot names it (``transcript_ref`` /
``notes_ref``), so each new version of a voice costs the size of what changed plus a few
bytes per clip, not another copy of every long text.

:func:`pack` turns a snapshot into the JSON that is stored, :func:`unpack` reverses it;
callers above this module only ever see full snapshots.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any, Iterable

INLINE_MAX = 256
_REF_FIELDS = (("notes", "notes_ref"),)
_CLIP_REF_FIELDS = (("transcript", "transcript_ref"),)


def _store(conn: sqlite3.Connection, text: str) -> str:
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    conn.execute("INSERT OR IGNORE INTO history_texts(text_sha256, body) VALUES (?, ?)", (sha, text))
    return sha


def _load(conn: sqlite3.Connection, sha: str) -> str:
    row = conn.execute("SELECT body FROM history_texts WHERE text_sha256 = ?", (sha,)).fetchone()
    return "" if row is None else row[0]


def _swap_out(conn: sqlite3.Connection, d: dict[str, Any], fields) -> dict[str, Any]:
    d = dict(d)
    for name, ref in fields:
        value = d.get(name)
        if isinstance(value, str) and len(value) > INLINE_MAX:
            d[ref] = _store(conn, value)
            del d[name]
    return d


def _swap_in(conn: sqlite3.Connection, d: dict[str, Any], fields) -> dict[str, Any]:
    d = dict(d)
    for name, ref in fields:
        if ref in d:
            d[name] = _load(conn, d.pop(ref))
    return d


def pack(conn: sqlite3.Connection, snapshot: dict[str, Any]) -> str:
    """The JSON stored for ``snapshot`` (long texts moved to ``history_texts``)."""
    out = _swap_out(conn, snapshot, _REF_FIELDS)
    out["clips"] = [_swap_out(conn, c, _CLIP_REF_FIELDS) for c in snapshot.get("clips", [])]
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def unpack(conn: sqlite3.Connection, raw: str) -> dict[str, Any]:
    """The full snapshot stored as ``raw`` (long texts read back)."""
    snap = json.loads(raw)
    snap = _swap_in(conn, snap, _REF_FIELDS)
    snap["clips"] = [_swap_in(conn, c, _CLIP_REF_FIELDS) for c in snap.get("clips", [])]
    return snap


def text_refs(raws: Iterable[str]) -> set[str]:
    """Hashes of ``history_texts`` named by the stored snapshots ``raws``."""
    refs: set[str] = set()
    for raw in raws:
        snap = json.loads(raw)
        refs.update(snap[ref] for _, ref in _REF_FIELDS if ref in snap)
        for c in snap.get("clips", []):
            refs.update(c[ref] for _, ref in _CLIP_REF_FIELDS if ref in c)
    return refs


def prune_texts(conn: sqlite3.Connection) -> int:
    """Remove texts no snapshot names any more (after a voice was deleted). Returns how many."""
    used = text_refs(r[0] for r in conn.execute("SELECT snapshot FROM voice_versions"))
    stored = {r[0] for r in conn.execute("SELECT text_sha256 FROM history_texts")}
    gone = stored - used
    conn.executemany("DELETE FROM history_texts WHERE text_sha256 = ?", [(s,) for s in gone])
    return len(gone)


def snapshot_diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Field-level difference between two voice snapshots."""
    out: dict[str, Any] = {"fields": {}}
    for key in ("name", "language", "notes"):
        if a.get(key) != b.get(key):
            out["fields"][key] = {"from": a.get(key), "to": b.get(key)}
    ta, tb = set(a.get("tags", [])), set(b.get("tags", []))
    out["tags_added"] = sorted(tb - ta)
    out["tags_removed"] = sorted(ta - tb)
    ca = {c["sha256"]: c for c in a.get("clips", [])}
    cb = {c["sha256"]: c for c in b.get("clips", [])}
    out["clips_added"] = [cb[s] for s in cb if s not in ca]
    out["clips_removed"] = [ca[s] for s in ca if s not in cb]
    changed = []
    for s in ca.keys() & cb.keys():
        fields = {k: {"from": ca[s].get(k), "to": cb[s].get(k)} for k in ("transcript", "language", "emotion", "emotion_source") if ca[s].get(k) != cb[s].get(k)}
        if fields:
            changed.append({"sha256": s, "changes": fields})
    out["clips_changed"] = changed
    return out
