"""Fixtures for the reliability tests: a small tmpfs that can be filled (root only)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def _can_mount() -> str | None:
    if os.name != "posix" or not hasattr(os, "geteuid"):
        return "needs a POSIX system"
    if os.geteuid() != 0:
        return "needs root to mount a small tmpfs for the full-disk tests"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "mount/umount are not installed"
    return None


@pytest.fixture
def small_fs(tmp_path):
    """A 24 MB tmpfs mounted at a fresh folder; ``fill()`` takes every free byte, ``unfill()`` gives them back."""
    why = _can_mount()
    if why:
        pytest.skip(why)
    mnt = tmp_path / "fs"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")

    class FS:
        path = mnt
        filler = mnt / "filler"

        def fill(self) -> None:
            fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                for size in (1 << 16, 4096, 512, 1):
                    block = b"\0" * size
                    try:
                        while True:
                            os.write(fd, block)
                    except OSError:
                        continue
            finally:
                os.close(fd)
            assert shutil.disk_usage(mnt).free == 0

        def unfill(self) -> None:
            Path(self.filler).unlink(missing_ok=True)

    yield FS()
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
