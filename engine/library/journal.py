"""Import journals: the blobs an unfinished import has written, so nothing it leaves is ever a mystery.

An import writes its clips' blobs before the one catalog transaction that makes them
part of a voice. Before it stores (or reuses) a blob it appends the hash to its journal
``journal/<id>.journal`` and it holds an OS lock on that file while it runs.

* Committed or rolled back: the importer removes what it wrote that nothing references,
  then deletes its journal.
* Killed (power cut, SIGKILL): the journal stays, unlocked. ``doctor`` sees a stale journal,
  and ``doctor --repair`` removes its unreferenced blobs and the journal itself.
* Still running: the lock is held, so ``doctor --repair`` and other imports' clean-ups leave
  every blob it lists alone, even an old orphan it is about to reuse.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StorageError
from ..fsutil import storage_error
from .catalog import utc_now

log = logging.getLogger(__name__)

JOURNAL_DIR = "journal"
SUFFIX = ".journal"
_WIN_LOCK_OFFSET = 0x7FFF_FFF0  # Windows byte-range locks are mandatory: lock a byte far past the content


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock without waiting; False when another open file holds it."""
    try:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt

            pos = os.lseek(fd, 0, os.SEEK_CUR)
            os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            finally:
                os.lseek(fd, pos, os.SEEK_SET)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    try:
        if os.name == "nt":  # pragma: no cover
            import msvcrt

            os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError as exc:   # closing the descriptor releases the lock anyway
        log.debug("unlocking an import journal failed: %s", exc)


def journal_dir(root: Path) -> Path:
    return Path(root) / JOURNAL_DIR


class ImportJournal:
    """The journal of one running import (one voice). Use as a context manager or call :meth:`close`."""

    def __init__(self, root: Path, label: str) -> None:
        folder = journal_dir(root)
        self.path = folder / f"{uuid.uuid4().hex}{SUFFIX}"
        self.shas: list[str] = []
        self.new: set[str] = set()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as exc:
            raise storage_error(exc, self.path) from exc
        if not _try_lock(self._fd):  # a brand-new file: cannot happen unless locks are broken
            os.close(self._fd)
            raise StorageError(f"Cannot lock {self.path}.", hint="Check that the library folder is on a local disk.")
        try:
            self._write(json.dumps({"pid": os.getpid(), "started": utc_now(), "label": label}, ensure_ascii=False))
        except StorageError:
            self.close()  # an empty journal is of no use to anyone: remove it
            raise

    def _write(self, line: str) -> None:
        # Unbuffered, so other processes see the line at once. Not fsynced: after a power cut a
        # lost line only means its blob is cleaned up as an ordinary orphan (after the grace period).
        try:
            os.write(self._fd, (line + "\n").encode("utf-8"))
        except OSError as exc:
            raise storage_error(exc, self.path) from exc

    def record(self, sha: str) -> None:
        """Note a blob this import is about to store or reuse (call before writing it)."""
        if sha not in self.shas:
            self._write(sha)
            self.shas.append(sha)

    def mark_new(self, sha: str) -> None:
        """The blob did not exist before this import wrote it (so a rollback may remove it)."""
        self.new.add(sha)

    def close(self, keep: bool = False) -> None:
        """Finish: delete the journal (``keep=True``: leave it for ``doctor --repair``, unlocked).

        The lock goes first (Windows cannot delete an open file). In the moment between, the
        journal looks stale, which is harmless: a committed import's blobs are referenced by
        then, and a rolled-back import's have already been removed."""
        if self._fd < 0:
            return
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = -1
        if not keep:
            try:
                os.unlink(self.path)
            except OSError as exc:   # a journal left behind is reported and removed by 'timbrel doctor'
                log.warning("could not remove the import journal %s: %s", self.path, exc)

    def __enter__(self) -> "ImportJournal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class JournalInfo:
    path: Path
    live: bool
    shas: set[str] = field(default_factory=set)
    label: str = ""
    started: str = ""
    pid: int | None = None


def read_journals(root: Path, *, exclude: Path | None = None) -> list[JournalInfo]:
    """Every journal in the library: ``live`` when its import is still running (its lock is held)."""
    folder = journal_dir(root)
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        if exclude is not None and path == exclude:
            continue
        try:
            fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except OSError:
            continue  # finished meanwhile
        try:
            live = not _try_lock(fd)
            if not live:
                _unlock(fd)
            data = b""
            while chunk := os.read(fd, 1 << 16):
                data += chunk
        finally:
            os.close(fd)
        lines = data.decode("utf-8", "replace").splitlines()
        info = JournalInfo(path, live)
        if lines:
            try:
                head = json.loads(lines[0])
                info.label, info.started, info.pid = str(head.get("label", "")), str(head.get("started", "")), head.get("pid")
            except ValueError:
                pass
        info.shas = {ln.strip() for ln in lines[1:] if len(ln.strip()) == 64}
        out.append(info)
    return out
