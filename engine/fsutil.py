"""Atomic file writes: temp file in the same folder, fsync, rename."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable

from .errors import StorageError


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def discard(tmp: str | os.PathLike) -> None:
    """Remove a temp file, ignoring errors (it may already be gone)."""
    try:
        os.unlink(tmp)
    except OSError:
        pass


def write_fsynced_temp(directory: str | os.PathLike, writer: Callable[[BinaryIO], object], *,
                       prefix: str, suffix: str = "") -> Path:
    """Create a temp file in ``directory``, fill it with ``writer(file)``, fsync and close it.

    Returns the temp file's path; on any failure the temp file is removed and the error re-raised.
    The file is opened read/write ("w+b") so writers that seek (zipfile) work too.
    """
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)
    try:
        with os.fdopen(fd, "w+b") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        discard(tmp)
        raise
    return Path(tmp)


def replace_durably(tmp: str | os.PathLike, dest: Path) -> None:
    """Rename a finished temp file onto ``dest`` and fsync the folder so the rename survives a crash."""
    os.replace(tmp, dest)
    _fsync_dir(dest.parent)


_UMASK: int | None = None


def current_umask() -> int:
    """The process umask (read once; from /proc where it can be read without changing it)."""
    global _UMASK
    if _UMASK is None:
        try:
            with open("/proc/self/status", encoding="ascii") as f:
                _UMASK = next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
        except (OSError, StopIteration, ValueError, IndexError):
            old = os.umask(0o022)
            os.umask(old)
            _UMASK = old
    return _UMASK


def atomic_write_with(path: str | os.PathLike, writer: Callable[[BinaryIO], object], *,
                      tmp_dir: str | os.PathLike | None = None, prefix: str | None = None,
                      suffix: str = ".tmp", mode: int | None = 0o666) -> None:
    """Write ``path`` through ``writer(file)`` atomically: temp file (in ``tmp_dir``, default the
    target's folder, which must be on the same file system), fsync, rename. OS errors become
    :class:`StorageError`; the temp file never outlives a failure. The file gets ``mode`` less the umask
    (0644 under the usual umask 022, as any newly created file), not the temp file's private 0600;
    ``mode=None`` keeps 0600."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = write_fsynced_temp(path.parent if tmp_dir is None else tmp_dir, writer,
                                 prefix=f".{path.name}." if prefix is None else prefix, suffix=suffix)
        if mode is not None:
            os.chmod(tmp, mode & ~current_umask())
        replace_durably(tmp, path)
    except OSError as exc:
        if tmp is not None:
            discard(tmp)
        raise storage_error(exc, path) from exc


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    atomic_write_with(path, lambda f: f.write(data))


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def storage_error(exc: OSError, path: Path) -> StorageError:
    if exc.errno == errno.ENOSPC:
        return StorageError(f"The disk is full while writing {path}.", hint="Free some space and try again; nothing was changed.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"Timbrel may not write to {path}.", hint="Check the folder's permissions or choose another library folder.")
    return StorageError(f"Could not write {path}: {exc.strerror or exc}.")
