"""Case 1 — a full disk: every command ends in a plain message (or works), never a traceback.

A 24 MB tmpfs is filled to 0 bytes free (root only; otherwise the tests skip with the reason)."""

from __future__ import annotations

import errno
import json
import sqlite3

import pytest

from engine.errors import ImportFailed, StorageError
from rel_helpers import cli, no_traceback, proc, voices_folder


@pytest.fixture
def full_library(small_fs, tmp_path, capsys):
    src = voices_folder(tmp_path / "src", ["alice", "bob", "carol"])
    lib = small_fs.path / "lib"
    rc, _, err = cli(["--library", str(lib), "import", str(src)], capsys)
    assert rc == 0, err
    assert (lib / ".timbrel-reserve").is_file()
    small_fs.fill()
    return small_fs, lib, src


def test_reads_work_and_do_not_claim_damage_on_a_full_disk(full_library, capsys):
    fs, lib, _ = full_library
    for args in (["voices"], ["doctor"], ["stats"], ["show", "alice"], ["history", "bob"]):
        rc, out, err = cli(["--library", str(lib), *args], capsys)
        assert rc == 0, (args, err)
        assert "damaged" not in out + err and "backup" not in out + err
    assert {"alice", "bob", "carol"} <= set(cli(["--library", str(lib), "voices"], capsys)[1].split())
    res = proc(["--library", str(lib), "doctor"])          # and as a real process
    assert res.returncode == 0 and no_traceback(res.stderr) and "healthy" in res.stdout, res.stderr


def test_edits_are_refused_plainly_and_delete_frees_space(full_library, capsys):
    fs, lib, src = full_library
    rc, _, err = cli(["--library", str(lib), "tag", "alice", "x"], capsys)
    assert rc == 1
    assert "is full" in err and "cannot be saved" in err and "Changes saved before this one are kept" in err

    rc, _, err = cli(["--library", str(lib), "import", str(src / "alice"), "--voice", "newcomer"], capsys)
    assert rc == 1 and "full" in err, err

    res = proc(["--library", str(lib), "delete", "bob", "--yes"])   # the one command that frees space
    assert res.returncode == 0 and no_traceback(res.stderr), res.stderr
    assert "Deleted 'bob'" in res.stdout
    names = cli(["--library", str(lib), "voices"], capsys)[1].split()
    assert "bob" not in names and "alice" in names

    fs.unfill()
    rc, out, _ = cli(["--library", str(lib), "doctor", "--json"], capsys)
    assert rc == 0 and json.loads(out)["clean"], out


def test_commit_that_fails_for_lack_of_space_is_a_plain_error(full_library):
    """SQLite has already rolled back when COMMIT fails with SQLITE_FULL; the helper must not try again."""
    from engine.library import Library

    fs, lib, _ = full_library
    fs.unfill()
    library = Library.open(lib)
    try:
        library.voices()                  # connection, WAL and WAL index exist now
        fs.fill()
        with pytest.raises(StorageError) as err:
            with library.edit("alice", action="notes") as ed:
                ed.set_notes("n" * 90_000)  # more pages than the WAL has room for: COMMIT fails
        assert "full" in err.value.message and "not saved" in err.value.message
        assert not isinstance(err.value.__cause__, sqlite3.OperationalError) or "rollback" not in str(err.value.__cause__)
        assert not library.catalog.conn.in_transaction
        assert library.voice("alice").notes == ""   # nothing half-saved
    finally:
        library.close()
    fs.unfill()
    with Library.open(lib) as library:
        assert library.check().clean


def test_import_hint_says_truthfully_what_was_saved(tmp_path, monkeypatch):
    """Disk full during the second voice of an import: the first voice stays, and the hint says so."""
    from engine.api import Engine
    from engine.settings import Settings

    src = voices_folder(tmp_path / "src", ["first", "second"])
    eng = Engine(library=tmp_path / "lib", settings=Settings(tmp_path / "s.json"))
    blobs = eng.library.blobs
    real = blobs.put_bytes
    calls = {"n": 0}

    def filling(data):
        calls["n"] += 1
        if calls["n"] == 3:  # the first blob of the second voice
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(data)

    from engine.fsutil import storage_error

    monkeypatch.setattr(blobs, "put_bytes", lambda data: _as_storage(filling, data, storage_error, blobs.root))
    try:
        with pytest.raises(ImportFailed) as err:
            eng.importer.import_paths([src])
        assert [v.name for v in eng.library.voices()] == ["first"]
        assert "first" in err.value.hint and "saved" in err.value.hint
        assert "nothing was changed." not in err.value.hint.lower().replace("nothing was changed in", "")
    finally:
        eng.close()


def _as_storage(fn, data, storage_error, root):
    try:
        return fn(data)
    except OSError as exc:
        raise storage_error(exc, root / "blob") from exc


def test_delete_of_a_voice_with_a_long_history_works_on_a_full_disk(small_fs, tmp_path, capsys):
    from engine.library import Library

    src = voices_folder(tmp_path / "src", ["old", "keep"], clips=1)
    lib = small_fs.path / "lib"
    assert cli(["--library", str(lib), "import", str(src)], capsys)[0] == 0
    with Library.open(lib) as library:          # 600 old versions of 12 KB (as 600 edits of a tagged voice make)
        snap = library.history("old")[-1].snapshot
        with library.catalog.transaction() as conn:
            vid = conn.execute("SELECT id FROM voices WHERE name = 'old'").fetchone()[0]
            for v in range(2, 602):
                body = dict(snap, tags=[f"a-rather-long-tag-number-{i:04d}" for i in range(300)], notes=str(v))
                conn.execute("INSERT INTO voice_versions(voice_id, version, created_at, action, summary, snapshot)"
                             " VALUES (?, ?, '2026-01-01', 'tag', 'tag', ?)", (vid, v, json.dumps(body)))
            conn.execute("UPDATE voices SET version = 601 WHERE id = ?", (vid,))
    small_fs.fill()
    rc, out, err = cli(["--library", str(lib), "delete", "old", "--yes"], capsys)
    assert rc == 0, err
    assert cli(["--library", str(lib), "voices"], capsys)[1].split()[-5:].count("keep") == 1
    small_fs.unfill()
    rc, out, _ = cli(["--library", str(lib), "doctor", "--json"], capsys)
    assert rc == 0 and json.loads(out)["clean"], out
