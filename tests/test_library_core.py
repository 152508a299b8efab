"""The catalog, blob store and voice history."""

from __future__ import annotations

import sqlite3

import pytest

from engine.errors import AlreadyExists, InvalidInput, NotFound, StorageError
from engine.library import Library


def _clip(lib: Library, payload: bytes) -> str:
    return lib.blobs.put_bytes(payload)


def test_new_library_has_schema_and_wal(tmp_path):
    lib = Library.open(tmp_path / "lib")
    assert lib.catalog.schema_version() >= 1
    assert lib.catalog.scalar("PRAGMA journal_mode") == "wal"
    assert lib.catalog.scalar("PRAGMA foreign_keys") == 1
    lib.close()
    # reopening applies nothing new
    lib2 = Library.open(tmp_path / "lib")
    assert lib2.catalog.migrate() == []
    lib2.close()


def test_refuses_non_library_folder(tmp_path):
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(StorageError):
        Library.open(tmp_path / "stuff")


def test_refuses_catalog_from_newer_version(tmp_path):
    lib = Library.open(tmp_path / "lib")
    with lib.catalog.transaction() as c:
        c.execute("INSERT INTO schema_migrations VALUES ('9999_future', 'x')")
    lib.close()
    with pytest.raises(StorageError, match="newer Timbrel"):
        Library.open(tmp_path / "lib")


def test_blob_store_dedups(library):
    a = library.blobs.put_bytes(b"hello")
    b = library.blobs.put_bytes(b"hello")
    assert a == b
    assert library.blobs.read_bytes(a) == b"hello"
    assert list(library.blobs.iter_shas()) == [a]
    assert library.blobs.verify(a)


def test_voice_edits_are_versioned_and_revertible(library):
    library.create_voice("Alice", language="en", tags=["narrator"])
    sha1 = _clip(library, b"clip-one")
    sha2 = _clip(library, b"clip-two")
    with library.edit("Alice", action="import", summary="two clips") as ed:
        ed.add_clip(sha1, duration=4.0, sample_rate=32000, transcript="one", language="en", emotion="happy")
        ed.add_clip(sha2, duration=5.0, sample_rate=32000, transcript="two", language="en")
    v = library.voice("alice")  # names are case-insensitive
    assert [c.transcript for c in v.clips] == ["one", "two"]
    assert v.clips[0].emotion == "happy" and v.clips[0].emotion_source == "import"
    with library.edit("Alice") as ed:
        ed.remove_clip(v.clips[0].id)
        ed.add_tag("calm")
    hist = library.history("Alice")
    assert [h.version for h in hist] == [1, 2, 3]
    d = library.diff("Alice", 2, 3)
    assert [c["sha256"] for c in d["clips_removed"]] == [sha1]
    assert d["tags_added"] == ["calm"]
    reverted = library.revert("Alice", 2)
    assert reverted.version == 4
    assert sorted(c.sha256 for c in reverted.clips) == sorted([sha1, sha2])
    assert reverted.tags == ("narrator",)
    assert library.history("Alice")[-1].action == "revert"


def test_failed_edit_changes_nothing(library):
    library.create_voice("Bob")
    sha = _clip(library, b"x" * 10)
    with pytest.raises(RuntimeError):
        with library.edit("Bob") as ed:
            ed.add_clip(sha, duration=3.5, sample_rate=16000)
            raise RuntimeError("crash mid-import")
    v = library.voice("Bob")
    assert v.clips == () and v.version == 1
    with pytest.raises(RuntimeError):
        with library.edit_new("Carol") as ed:
            ed.add_clip(sha, duration=3.5, sample_rate=16000)
            raise RuntimeError("crash")
    assert not library.has_voice("Carol")


def test_names_and_labels_are_checked(library):
    library.create_voice("Dup")
    with pytest.raises(AlreadyExists):
        library.create_voice("dup")
    with pytest.raises(InvalidInput):
        library.create_voice("  ")
    sha = _clip(library, b"y")
    with pytest.raises(InvalidInput, match="emotion"):
        with library.edit("Dup") as ed:
            ed.add_clip(sha, duration=3.0, sample_rate=16000, emotion="grumpy-ish")
    with pytest.raises(NotFound):
        library.voice("nobody")


def test_user_label_edit_marks_source(library):
    library.create_voice("Eve")
    sha = _clip(library, b"z")
    with library.edit("Eve") as ed:
        cid = ed.add_clip(sha, duration=3.0, sample_rate=16000)
    with library.edit("Eve") as ed:
        ed.update_clip(cid, emotion="生气")
    c = library.clip(cid)
    assert c.emotion == "angry" and c.emotion_source == "user"


def test_foreign_keys_enforced(library):
    with pytest.raises(sqlite3.IntegrityError):
        with library.catalog.transaction() as c:
            c.execute(
                "INSERT INTO clips(voice_id, sha256, duration, sample_rate, created_at) VALUES (999, 'a', 1, 1, 'now')"
            )
