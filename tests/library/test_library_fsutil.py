"""Atomic writes (engine.fsutil): readers see the old file or the new one; a failed write leaves no temp file."""

from __future__ import annotations

import errno

import pytest

from engine.errors import StorageError
from engine.fsutil import atomic_write_bytes, atomic_write_json, atomic_write_with


def test_write_replaces_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "sub" / "a.json"
    atomic_write_json(target, {"b": 1, "a": [2]})
    assert target.read_text("utf-8") == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.json"]


def test_a_failing_writer_keeps_the_old_file(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")

    def half(f):
        f.write(b"partial")
        raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError):
        atomic_write_with(target, half)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_os_errors_become_plain_storage_errors(tmp_path):
    target = tmp_path / "a.bin"

    def full_disk(f):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StorageError) as err:
        atomic_write_with(target, full_disk, tmp_dir=tmp_path, prefix="w-", suffix="")
    assert "disk is full" in err.value.message and "nothing was changed" in err.value.hint
    assert list(tmp_path.iterdir()) == []
