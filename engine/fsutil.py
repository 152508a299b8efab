"""Files on disk: atomic writes (temp file in the same folder, fsync, rename), bounded reads of regular
files only (:func:`open_regular`, :func:`read_bounded`), and free-space checks."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable

from .errors import InvalidInput, StorageError


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
        return StorageError(f"The disk is full while writing {path}.",
                            hint=f"Free some space and try again; nothing was changed in {path.name}.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(f"Timbrel may not write to {path}.", hint="Check the folder's permissions or choose another library folder.")
    return StorageError(f"Could not write {path}: {exc.strerror or exc}.")


# -- free space ------------------------------------------------------------------------------------
#: Below this many free bytes a disk counts as full (SQLite needs room for its WAL and WAL index).
LOW_SPACE_BYTES = 1 << 20


def free_bytes(folder: str | os.PathLike) -> int | None:
    """Free bytes on the file system holding ``folder`` (its nearest existing parent); None if unknown."""
    p = Path(folder)
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return int(shutil.disk_usage(p).free)
    except OSError:
        return None


def disk_nearly_full(folder: str | os.PathLike, need: int = LOW_SPACE_BYTES) -> bool:
    free = free_bytes(folder)
    return free is not None and free < need


def format_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def disk_full_error(folder: str | os.PathLike, what: str, *, delete_works: bool = False) -> StorageError:
    """The plain error for a full disk: what happened to *this* change, and what is kept.
    ``delete_works``: space is kept back so that deleting still works (say so in the hint)."""
    free = free_bytes(folder)
    left = f" ({format_bytes(free)} free)" if free is not None else ""
    tail = ("; 'timbrel delete VOICE --yes' still works (space is kept back for it)." if delete_works
            else ".")
    return StorageError(
        f"The disk holding {folder} is full{left}: {what}.",
        hint="Free some space and try again. Changes saved before this one are kept" + tail,
    )


# -- bounded reads of regular files ----------------------------------------------------------------
def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not an ordinary file"


def open_regular(path: str | os.PathLike, what: str | None = None) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file (symlinks to one are fine).

    Devices (``/dev/zero``), FIFOs, sockets and folders are refused at once with
    :class:`InvalidInput`: the file is opened non-blocking (a FIFO without a writer cannot hang
    the open) and checked with ``fstat`` on the open descriptor (no swap between check and use)."""
    path = Path(path)
    name = what or path.name or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InvalidInput(f"{name} does not exist.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{name} is a folder, not a file.") from None
    except OSError as exc:
        raise InvalidInput(f"Cannot read {name}: {exc.strerror or exc}.") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InvalidInput(f"{name} is {_kind(st.st_mode)}, not an ordinary file; it was not read.",
                               hint="Give the path of a file saved on disk.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: str | os.PathLike, limit: int, what: str | None = None) -> bytes:
    """The whole content of a regular file of at most ``limit`` bytes. The bound is on the bytes
    actually read (``st_size`` can lie: it is 0 for devices and changes while a file grows)."""
    name = what or Path(path).name
    with open_regular(path, name) as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise InvalidInput(f"Cannot read {name}: {exc.strerror or exc}.") from None
    if len(data) > limit:
        raise InvalidInput(f"{name} is larger than {format_bytes(limit)}; it was not read.",
                           hint="Check that this is the right file.")
    return data
