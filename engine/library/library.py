"""The voice library: a folder holding the catalog (``catalog.sqlite``) and blobs (``blobs/``).

All changes to a voice go through :meth:`Library.edit`, which runs them in one
catalog transaction and, on success, appends one new version with a snapshot
of the whole voice. History, diff and revert work on those snapshots.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterator

from ..errors import AlreadyExists, NotFound, StorageError
from ..events import EventBus
from ..fsutil import atomic_write_json, disk_nearly_full
from ..paths import resolve_library_dir
from .blobs import BlobStore
from .catalog import Catalog, utc_now
from . import doctor
from . import history as history_store
from .gc import delete_voice
from .listing import voices_json
from .stats import library_stats
from .summaries import voice_summaries
from .editor import VoiceEditor
from .history import snapshot_diff
from .models import Clip, Voice, VoiceVersion
from .reserve import ensure_reserve, release_reserve
from .text import check_voice_name

log = logging.getLogger(__name__)

CATALOG_NAME = "catalog.sqlite"
MARKER_NAME = "timbrel-library.json"
LIBRARY_FORMAT = 1
MAX_NAME = 120
LOW_SPACE = 1 << 20
# what a library folder holds (another process may be creating one right now)
_LAYOUT = {CATALOG_NAME, f"{CATALOG_NAME}-wal", f"{CATALOG_NAME}-shm", f"{CATALOG_NAME}-journal", MARKER_NAME, "blobs",
           "journal"}


class Library:
    """A Timbrel library folder. Open with :meth:`open`; close with :meth:`close` (or use ``with``)."""

    def __init__(self, root: str | os.PathLike, events: EventBus | None = None, *, read_only: bool = False) -> None:
        self.root = Path(root)
        self.events = events or EventBus()
        self.read_only = bool(read_only)
        self.blobs = BlobStore(self.root / "blobs", read_only=read_only)
        self.catalog = Catalog(self.root / CATALOG_NAME, read_only=read_only)

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, create: bool = True, events: EventBus | None = None,
             read_only: bool = False) -> "Library":
        """``read_only``: a reader beside the one writer (serving replicas): nothing is created, migrated or
        written (writes raise ``ReadOnlyLibrary``); new voices and bases show on the next query."""
        root = resolve_library_dir(path)
        if read_only:
            if not (root / MARKER_NAME).is_file():
                raise NotFound(f"There is no Timbrel library at {root}.", hint="Check the library path.")
            lib = cls(root, events=events, read_only=True)
            lib.catalog.migrate()
            return lib
        if root.exists() and not root.is_dir():
            raise StorageError(f"{root} is a file, not a library folder.", hint="Choose a folder for the library.")
        marker = root / MARKER_NAME
        if not marker.exists():
            if not create:
                raise NotFound(f"There is no Timbrel library at {root}.", hint="Import something first, or pass --library PATH.")
            if root.exists() and any(p.name not in _LAYOUT for p in root.iterdir() if not p.name.startswith(".")):
                raise StorageError(
                    f"{root} is not empty and is not a Timbrel library.",
                    hint="Choose an empty folder (or a new name) for the library.",
                )
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"Cannot create the library folder {root}: {exc.strerror}.") from exc
        lib = cls(root, events=events)
        lib.blobs.ensure()
        lib.catalog.migrate()
        if not marker.exists():
            atomic_write_json(marker, {"format": LIBRARY_FORMAT, "created_at": utc_now()})
        if lib.catalog.read_only_reason is None:
            ensure_reserve(root)
        return lib

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- blobs ---------------------------------------------------------------------------------
    def _register_blob(self, conn: sqlite3.Connection, sha256: str, kind: str, size: int | None = None) -> None:
        if size is None:
            size = self.blobs.size(sha256)
        conn.execute(
            "INSERT OR IGNORE INTO blobs(sha256, size, kind, created_at) VALUES (?, ?, ?, ?)",
            (sha256, int(size), kind, utc_now()),
        )

    def register_blob(self, sha256: str, kind: str, size: int | None = None) -> None:
        with self.catalog.transaction() as conn:
            self._register_blob(conn, sha256, kind, size)

    def referenced_blobs(self) -> set[str]:
        """Every blob the catalog still needs: current clips, every history snapshot, and other tables' references."""
        refs = {r[0] for r in self.catalog.query("SELECT sha256 FROM clips")}
        for row in self.catalog.query("SELECT snapshot FROM voice_versions"):
            snap = json.loads(row[0])  # clip hashes are always inline (see history.py)
            refs.update(c["sha256"] for c in snap.get("clips", []))
        for table, column in self._blob_reference_columns():
            refs.update(r[0] for r in self.catalog.query(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"))
        return refs

    def _blob_reference_columns(self) -> list[tuple[str, str]]:
        """Columns in other tables named ``*sha256`` that point at blobs (bases, manifests...)."""
        out = []
        for (table,) in self.catalog.query("SELECT name FROM sqlite_master WHERE type = 'table'"):
            if table in ("clips", "blobs", "voice_versions", "schema_migrations", "history_texts"):
                continue
            for col in self.catalog.query(f"PRAGMA table_info({table})"):
                if col["name"].endswith("blob_sha256"):
                    out.append((table, col["name"]))
        return out

    # -- voices --------------------------------------------------------------------------------
    def _voice_id(self, conn: sqlite3.Connection, voice: str | int) -> int:
        if isinstance(voice, int):
            row = conn.execute("SELECT id FROM voices WHERE id = ?", (voice,)).fetchone()
        else:
            row = conn.execute("SELECT id FROM voices WHERE name = ?", (voice.strip(),)).fetchone()
            if row is None and voice.strip().isdigit():
                row = conn.execute("SELECT id FROM voices WHERE id = ?", (int(voice.strip()),)).fetchone()
        if row is None:
            raise NotFound(f"There is no voice named '{voice}'.", hint=self._did_you_mean(conn, str(voice)))
        return int(row[0])

    @staticmethod
    def _did_you_mean(conn: sqlite3.Connection, name: str) -> str:
        """"Did you mean 'alice'?" for a mistyped voice name (case, a letter or two off, a prefix)."""
        import difflib

        names = [r[0] for r in conn.execute("SELECT name FROM voices")]
        folded = {n.casefold(): n for n in names}
        key = name.strip().casefold()
        near = difflib.get_close_matches(key, list(folded), n=3, cutoff=0.6)
        near += [f for f in folded if f.startswith(key) and f not in near][: max(0, 3 - len(near))] if key else []
        if near:
            return "Did you mean " + " or ".join(f"'{folded[n]}'" for n in near) + "? 'timbrel voices' lists them all."
        return "'timbrel voices' lists the voices in this library."

    def has_voice(self, name: str) -> bool:
        return self.catalog.query_one("SELECT 1 FROM voices WHERE name = ?", (name.strip(),)) is not None

    def create_voice(self, name: str, *, language: str | None = None, tags: list[str] | tuple[str, ...] = (), notes: str = "") -> Voice:
        name = check_voice_name(name)
        with self.edit_new(name, language=language, summary="created") as ed:
            if tags:
                ed.set_tags(tags)
            if notes:
                ed.set_notes(notes)
        return self.voice(name)

    @contextlib.contextmanager
    def edit_new(self, name: str, *, language: str | None = None, summary: str = "created", action: str = "create") -> Iterator[VoiceEditor]:
        """Create a voice and fill it in one transaction (an import that fails leaves no voice behind)."""
        name = check_voice_name(name)
        with self.catalog.transaction() as conn:
            if conn.execute("SELECT 1 FROM voices WHERE name = ?", (name,)).fetchone():
                raise AlreadyExists(f"There is already a voice named '{name}'.", hint="Pick another name, or add clips to it with --voice.")
            now = utc_now()
            cur = conn.execute(
                "INSERT INTO voices(name, language, notes, version, created_at, updated_at) VALUES (?, ?, '', 0, ?, ?)",
                (name, language, now, now),
            )
            ed = VoiceEditor(self, conn, int(cur.lastrowid), changed=True)
            yield ed
            self._record_version(conn, ed.voice_id, action, summary)
        self.events.publish("library.changed", voice=name, action=action)

    @contextlib.contextmanager
    def edit(self, voice: str | int, *, action: str = "edit", summary: str = "") -> Iterator[VoiceEditor]:
        """Change a voice in one transaction; on success append one version, only if the voice
        really differs afterwards (re-applying what is already there adds no empty version)."""
        with self.catalog.transaction() as conn:
            vid = self._voice_id(conn, voice)
            before = self._snapshot(conn, vid)
            ed = VoiceEditor(self, conn, vid)
            yield ed
            if ed.changed and self._snapshot(conn, vid) == before:
                ed.changed = False
            if ed.changed:
                self._record_version(conn, vid, action, summary)
        if ed.changed:
            self.events.publish("library.changed", voice=self.voice(vid).name, action=action)

    def _record_version(self, conn: sqlite3.Connection, voice_id: int, action: str, summary: str) -> int:
        version = int(conn.execute("SELECT version FROM voices WHERE id = ?", (voice_id,)).fetchone()[0]) + 1
        now = utc_now()
        conn.execute("UPDATE voices SET version = ?, updated_at = ? WHERE id = ?", (version, now, voice_id))
        snapshot = self._snapshot(conn, voice_id)
        conn.execute(
            "INSERT INTO voice_versions(voice_id, version, created_at, action, summary, snapshot) VALUES (?,?,?,?,?,?)",
            (voice_id, version, now, action, summary or action, history_store.pack(conn, snapshot)),
        )
        return version

    def _snapshot(self, conn: sqlite3.Connection, voice_id: int) -> dict[str, Any]:
        v = conn.execute("SELECT name, language, notes FROM voices WHERE id = ?", (voice_id,)).fetchone()
        tags = [r[0] for r in conn.execute("SELECT tag FROM voice_tags WHERE voice_id = ? ORDER BY tag", (voice_id,))]
        clips = [
            {
                "sha256": r["sha256"], "transcript": r["transcript"], "language": r["language"], "emotion": r["emotion"],
                "emotion_source": r["emotion_source"], "duration": r["duration"], "sample_rate": r["sample_rate"],
                "source_path": r["source_path"],
            }
            for r in conn.execute("SELECT * FROM clips WHERE voice_id = ? ORDER BY id", (voice_id,))
        ]
        return {"name": v["name"], "language": v["language"], "notes": v["notes"], "tags": tags, "clips": clips}

    def delete_voice(self, voice: str | int) -> None:
        with self.catalog.transaction() as conn:
            vid = self._voice_id(conn, voice)
            name = conn.execute("SELECT name FROM voices WHERE id = ?", (vid,)).fetchone()[0]
            conn.execute("DELETE FROM voices WHERE id = ?", (vid,))
            history_store.prune_texts(conn)
        self.events.publish("library.changed", voice=name, action="delete")

    # -- reading -------------------------------------------------------------------------------
    def _clip_from_row(self, r: sqlite3.Row) -> Clip:
        return Clip(
            id=r["id"], voice_id=r["voice_id"], sha256=r["sha256"], transcript=r["transcript"], language=r["language"],
            emotion=r["emotion"], emotion_source=r["emotion_source"], duration=r["duration"],
            sample_rate=r["sample_rate"], source_path=r["source_path"], created_at=r["created_at"],
        )

    def voice(self, voice: str | int) -> Voice:
        conn = self.catalog.conn
        vid = self._voice_id(conn, voice)
        r = conn.execute("SELECT * FROM voices WHERE id = ?", (vid,)).fetchone()
        tags = tuple(x[0] for x in conn.execute("SELECT tag FROM voice_tags WHERE voice_id = ? ORDER BY tag", (vid,)))
        clips = tuple(self._clip_from_row(c) for c in conn.execute("SELECT * FROM clips WHERE voice_id = ? ORDER BY id", (vid,)))
        return Voice(
            id=r["id"], name=r["name"], language=r["language"], notes=r["notes"], version=r["version"],
            created_at=r["created_at"], updated_at=r["updated_at"], tags=tags, clips=clips,
        )

    def voices(self) -> list[Voice]:
        """Every voice with its tags and clips, in name order (three queries, whatever the library's size)."""
        conn = self.catalog.conn
        own = not conn.in_transaction      # one consistent snapshot for the three reads
        if own:
            conn.execute("BEGIN")
        try:
            rows = conn.execute("SELECT * FROM voices ORDER BY name COLLATE NOCASE").fetchall()
            tags: dict[int, list[str]] = {}
            for vid, tag in conn.execute("SELECT voice_id, tag FROM voice_tags ORDER BY voice_id, tag"):
                tags.setdefault(vid, []).append(tag)
            clips: dict[int, list[Clip]] = {}
            for c in conn.execute("SELECT * FROM clips ORDER BY voice_id, id"):
                clips.setdefault(c["voice_id"], []).append(self._clip_from_row(c))
        finally:
            if own:
                conn.execute("COMMIT")
        return [Voice(id=r["id"], name=r["name"], language=r["language"], notes=r["notes"], version=r["version"],
                      created_at=r["created_at"], updated_at=r["updated_at"], tags=tuple(tags.get(r["id"], ())),
                      clips=tuple(clips.get(r["id"], ()))) for r in rows]

    def voices_json(self) -> str:
        """``[v.to_dict() for v in self.voices()]`` as JSON text, written by SQLite (see :mod:`.listing`)."""
        return voices_json(self.catalog.conn)

    def voice_summaries(self, search: str = "") -> list[dict[str, Any]]:
        """One row per voice without loading clips (for lists of thousands of voices): id, name, version, tags,
        clip count, seconds, distinct languages and emotions. ``search`` keeps voices whose name or a tag
        contains it (case-insensitive)."""
        return voice_summaries(self, search)

    def data_version(self) -> int:
        """A number that changes whenever another connection (another process or thread) commits a change to
        the catalog (SQLite ``PRAGMA data_version``): cheap enough to poll from a GUI timer."""
        return int(self.catalog.conn.execute("PRAGMA data_version").fetchone()[0])

    def voice_names(self) -> list[str]:
        return [r[0] for r in self.catalog.query("SELECT name FROM voices ORDER BY name COLLATE NOCASE")]

    def clip(self, clip_id: int) -> Clip:
        r = self.catalog.query_one("SELECT * FROM clips WHERE id = ?", (clip_id,))
        if r is None:
            raise NotFound(f"There is no clip {clip_id}.")
        return self._clip_from_row(r)

    def all_clips(self) -> list[Clip]:
        return [self._clip_from_row(r) for r in self.catalog.query("SELECT * FROM clips ORDER BY voice_id, id")]

    def clip_path(self, clip: Clip | str) -> Path:
        """Path of a clip's FLAC file in the blob store (read-only: never modify it)."""
        sha = clip if isinstance(clip, str) else clip.sha256
        return self.blobs.path(sha)

    # -- history -------------------------------------------------------------------------------
    def history(self, voice: str | int) -> list[VoiceVersion]:
        vid = self._voice_id(self.catalog.conn, voice)
        conn = self.catalog.conn
        rows = conn.execute("SELECT * FROM voice_versions WHERE voice_id = ? ORDER BY version", (vid,)).fetchall()
        return [
            VoiceVersion(r["voice_id"], r["version"], r["created_at"], r["action"], r["summary"],
                         history_store.unpack(conn, r["snapshot"]))
            for r in rows
        ]

    def version(self, voice: str | int, version: int) -> VoiceVersion:
        for v in self.history(voice):
            if v.version == version:
                return v
        raise NotFound(f"Voice '{voice}' has no version {version}.", hint=f"'timbrel history {voice}' lists its versions.")

    def diff(self, voice: str | int, old: int, new: int | None = None) -> dict[str, Any]:
        """What changed between two versions (``new`` defaults to the current one)."""
        hist = self.history(voice)
        if new is None:
            new = hist[-1].version
        a = self.version(voice, old).snapshot
        b = self.version(voice, new).snapshot
        return snapshot_diff(a, b) | {"from": old, "to": new}

    def revert(self, voice: str | int, version: int) -> Voice:
        """Make the voice look as it did at ``version``; recorded as a new version (nothing is lost).
        When the voice already looks like that, nothing is recorded (the version stays the same)."""
        target = self.version(voice, version).snapshot
        missing = [c["sha256"] for c in target["clips"] if not self.blobs.exists(c["sha256"])]
        if missing:
            raise StorageError(
                f"Version {version} needs {len(missing)} clip file(s) that are missing from the library.",
                hint="Run 'timbrel doctor' to see what is damaged.",
            )
        conn = self.catalog.conn
        if self._snapshot(conn, self._voice_id(conn, voice)) == target:
            return self.voice(voice)  # already looks like that version: no empty version
        with self.edit(voice, action="revert", summary=f"reverted to version {version}") as ed:
            if target["name"] != self.catalog.conn.execute("SELECT name FROM voices WHERE id = ?", (ed.voice_id,)).fetchone()[0]:
                ed.rename(target["name"])
            ed.set_language(target.get("language"))
            ed.set_notes(target.get("notes", ""))
            ed.set_tags(target.get("tags", []))
            ed.clear_clips()
            for c in target["clips"]:
                ed.add_clip(
                    c["sha256"], duration=c["duration"], sample_rate=c["sample_rate"], transcript=c["transcript"],
                    language=c["language"], emotion=c["emotion"], emotion_source=c["emotion_source"],
                    source_path=c["source_path"],
                )
        return self.voice(ed.voice_id)

    # -- maintenance (stats.py, doctor.py, gc.py) ----------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Voices, clips and stored bytes, total and per voice (see :mod:`engine.library.stats`)."""
        return library_stats(self)

    def check(self, *, repair: bool = False, verify_hashes: bool = True):
        """Integrity check (``repair=True``: also remove safe leftovers); a :class:`~engine.library.doctor.DoctorReport`."""
        if not repair:
            return doctor.check(self, verify_hashes=verify_hashes)
        with self.freeing_space():
            return doctor.repair(self)

    def purge_voice(self, voice: str | int):
        """Delete a voice with its history and remove the audio no other voice or version uses.
        Works on a full disk (see :mod:`engine.library.reserve`)."""
        with self.freeing_space():
            return delete_voice(self, voice)

    @contextlib.contextmanager
    def freeing_space(self) -> Iterator[None]:
        """Around a command that frees space: on a (nearly) full disk, release the reserve first so
        its catalog write can go through; make the reserve again afterwards when there is room."""
        tight = bool(self.catalog.read_only_reason) or disk_nearly_full(self.root, 2 * LOW_SPACE)
        previous = None
        if tight:
            if release_reserve(self.root) or self.catalog.read_only_reason:
                self.catalog.reopen()
            try:
                # SQLite here zeroes every freed page by default, which writes the whole deleted history
                # into the WAL again; FAST frees pages without that extra write (their content stays in
                # free pages until they are reused).
                previous = self.catalog.scalar("PRAGMA secure_delete")
                self.catalog.conn.execute("PRAGMA secure_delete = FAST")
            except sqlite3.Error:
                previous = None  # the delete itself will report the full disk plainly
        try:
            yield
        finally:
            if previous is not None:
                try:
                    self.catalog.conn.execute(f"PRAGMA secure_delete = {int(previous)}")
                except (sqlite3.Error, StorageError) as exc:   # only this connection keeps the FAST setting
                    log.debug("could not restore PRAGMA secure_delete: %s", exc)
            ensure_reserve(self.root)

    # -- sizes ---------------------------------------------------------------------------------
    def voice_stored_bytes(self, voice: str | int) -> int:
        """Bytes of the distinct blobs the voice's current clips use."""
        vid = self._voice_id(self.catalog.conn, voice)
        return int(self.catalog.scalar(
            "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE sha256 IN (SELECT sha256 FROM clips WHERE voice_id = ?)", (vid,)
        ))
