"""A little disk space kept back so that deleting a voice works even when the disk is full.

Deleting frees space, but it has to write first: SQLite appends the change to its WAL (and needs
its WAL index) before the voice's blobs can be removed. On a disk that is 100 % full that write
fails, so the one command that could help would be refused. The library therefore keeps a
pre-allocated file, ``.timbrel-reserve`` (:data:`RESERVE_BYTES`), created when the library is
opened and the disk has room for it. Commands that free space (``delete``, ``doctor --repair``)
release it first when the disk is (nearly) full, and it is made again once there is room.
Ordinary edits never touch it, so it is there when it is needed.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..fsutil import LOW_SPACE_BYTES, free_bytes

RESERVE_NAME = ".timbrel-reserve"
RESERVE_BYTES = 2 << 20  # deleting a voice with 1000 versions writes ~0.4 MB of WAL


def reserve_path(root: Path) -> Path:
    return Path(root) / RESERVE_NAME


def ensure_reserve(root: Path) -> bool:
    """Create the reserve when it is missing and the disk has room for it twice over. Never raises."""
    path = reserve_path(root)
    try:
        if path.is_file() and path.stat().st_size >= RESERVE_BYTES:
            return True
        free = free_bytes(root)
        if free is None or free < 2 * RESERVE_BYTES + LOW_SPACE_BYTES:
            return False
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
        try:
            if hasattr(os, "posix_fallocate"):
                os.posix_fallocate(fd, 0, RESERVE_BYTES)  # real blocks, not a sparse file
            else:  # pragma: no cover - Windows/macOS
                block = b"\0" * (1 << 20)
                for _ in range(RESERVE_BYTES // len(block)):
                    os.write(fd, block)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(path.with_name(path.name + ".tmp"))
        except OSError:
            pass
        return False


def release_reserve(root: Path) -> bool:
    """Delete the reserve (to make room for a command that frees space). True when space was released."""
    try:
        os.unlink(reserve_path(root))
        return True
    except OSError:
        return False
