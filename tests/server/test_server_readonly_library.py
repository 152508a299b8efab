"""The library as a serving replica opens it: read-only beside one writer (``Library.open(read_only=True)``,
``Engine(read_only=True)``) — nothing created, migrated or written, writes refused plainly, and the writer's
new voices and bases visible to the same open reader without reopening it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.fixture
def writer(tmp_path, corpus):
    from engine.api import Engine
    from engine.backends.tone import create_tone_base

    eng = Engine(library=tmp_path / "lib")
    _add_voice(eng, "first", corpus / "clips" / "en_flite_awb" / "01.flac")
    create_tone_base(eng, "tone-a", seed=5)
    yield eng
    eng.close()


def _add_voice(eng, name: str, clip: Path) -> None:
    sha = eng.library.blobs.put_bytes(clip.read_bytes())
    with eng.library.edit_new(name, language="en") as ed:
        ed.add_clip(sha, duration=3.0, sample_rate=16000, transcript="Hello there.", language="en", emotion="neutral")


def test_a_read_only_open_creates_nothing(tmp_path):
    from engine.errors import NotFound
    from engine.library import Library

    with pytest.raises(NotFound):
        Library.open(tmp_path / "nothing-here", read_only=True)
    assert not (tmp_path / "nothing-here").exists()


def test_reader_sees_the_writers_new_voices_and_bases_without_reopening(writer, corpus):
    from engine.api import Engine
    from engine.backends.tone import create_tone_base

    root = Path(writer.library.root)
    reader = Engine(library=root, read_only=True)
    try:
        assert reader.library.voice_names() == ["first"]
        assert [b.name for b in reader.bases.list()] == ["tone-a"]
        _add_voice(writer, "second", corpus / "clips" / "cs_festival_dita" / "01.flac")
        create_tone_base(writer, "tone-b", seed=6)
        assert reader.library.voice_names() == ["first", "second"]       # the same open reader
        assert {b.name for b in reader.bases.list()} == {"tone-a", "tone-b"}
        got = reader.speech.say("A new voice on a new base.", "second", base="tone-b", seed=3).result(60)
        ref = writer.speech.say("A new voice on a new base.", "second", base="tone-b", seed=3).result(60)
        assert np.array_equal(got.samples, ref.samples)
    finally:
        reader.close()


def test_a_reader_writes_nothing_and_refuses_writes_plainly(writer, corpus):
    from engine.api import Engine
    from engine.library.catalog import ReadOnlyLibrary

    root = Path(writer.library.root)
    writer.library.catalog.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _files(root)
    reader = Engine(library=root, read_only=True)
    try:
        reader.speech.say("Speaking reads only.", "first", base="tone-a", seed=1).result(60)
        lib = reader.library
        with pytest.raises(ReadOnlyLibrary) as err:
            with lib.edit_new("third", language="en"):
                pass
        assert "read-only" in err.value.message and err.value.hint
        with pytest.raises(ReadOnlyLibrary):
            lib.blobs.put_bytes(b"bytes the library does not hold yet")
        with pytest.raises(ReadOnlyLibrary):
            lib.delete_voice("first")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):   # below the API too: SQLite refuses
            lib.catalog.conn.execute("DELETE FROM voices")
        assert reader.library.voice_names() == ["first"]
    finally:
        reader.close()
    assert _files(root) == before, "the read-only engine created or removed files in the library folder"


def test_a_reader_refuses_a_catalog_it_would_have_to_upgrade(writer):
    from engine.errors import StorageError
    from engine.library import Library

    root = Path(writer.library.root)
    last = writer.library.catalog.scalar("SELECT name FROM schema_migrations ORDER BY name DESC LIMIT 1")
    with writer.library.catalog.transaction() as c:
        c.execute("DELETE FROM schema_migrations WHERE name = ?", (last,))
    with pytest.raises(StorageError, match="older than this Timbrel") as err:
        Library.open(root, read_only=True)
    assert "writer" in err.value.hint


def test_a_reader_of_a_synced_copy_sees_the_replaced_catalog(writer, corpus, tmp_path):
    """Another machine's replicas read a copy: the writer's catalog is copied with SQLite's backup API and the
    copy replaced atomically (blobs first); the open reader reconnects to the new file."""
    import os
    import shutil
    import sqlite3

    from engine.library import Library

    src = Path(writer.library.root)
    copy = tmp_path / "copy"

    def sync():
        copy.mkdir(exist_ok=True)
        shutil.copytree(src / "blobs", copy / "blobs", dirs_exist_ok=True)
        shutil.copyfile(src / "timbrel-library.json", copy / "timbrel-library.json")
        with sqlite3.connect(src / "catalog.sqlite") as a, sqlite3.connect(copy / "catalog.tmp") as b:
            a.backup(b)
        os.replace(copy / "catalog.tmp", copy / "catalog.sqlite")

    sync()
    reader = Library.open(copy, read_only=True)
    try:
        assert reader.voice_names() == ["first"]
        _add_voice(writer, "second", corpus / "clips" / "cs_festival_dita" / "01.flac")
        assert reader.voice_names() == ["first"]          # not synced yet
        sync()
        assert reader.voice_names() == ["first", "second"]
        assert reader.clip_path(reader.voice("second").clips[0]).is_file()
    finally:
        reader.close()
