"""Content-addressed blob store.

Each blob is stored once under ``blobs/<aa>/<sha256>`` where ``aa`` are the
first two hex digits. Writes go to a temp file in the store, are fsynced,
then renamed into place, so a crash leaves at most a stray temp file (which
``doctor`` removes), never a half-written blob under a real name.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import NotFound, StorageError
from ..fsutil import atomic_write_with, discard, replace_durably, storage_error, write_fsynced_temp

CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _valid_sha(sha: str) -> bool:
    return len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)


class BlobStore:
    def __init__(self, root: str | os.PathLike, *, read_only: bool = False) -> None:
        self.root = Path(root)
        self.tmp_dir = self.root / ".tmp"
        self.read_only = bool(read_only)   # a reader beside the library's writer: every write is refused

    def ensure(self) -> None:
        if self.read_only:
            from .catalog import read_only_error

            raise read_only_error("Storing a file")
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(exist_ok=True)

    def path(self, sha: str) -> Path:
        if not _valid_sha(sha):
            raise NotFound(f"'{sha}' is not a blob id.")
        return self.root / sha[:2] / sha

    def exists(self, sha: str) -> bool:
        return _valid_sha(sha) and self.path(sha).is_file()

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; returns its sha256. Storing the same bytes twice writes nothing the second time."""
        sha = sha256_bytes(data)
        if self.exists(sha):
            return sha
        self._write(sha, lambda f: f.write(data))
        return sha

    def put_file(self, src: str | os.PathLike) -> str:
        """Copy a file into the store (hashing while copying)."""
        self.ensure()
        h = hashlib.sha256()

        def copy(out: BinaryIO) -> None:
            with open(src, "rb") as inp:
                for chunk in iter(lambda: inp.read(CHUNK), b""):
                    h.update(chunk)
                    out.write(chunk)

        tmp = None
        try:
            tmp = write_fsynced_temp(self.tmp_dir, copy, prefix="in-")
            sha = h.hexdigest()
            if self.exists(sha):
                discard(tmp)
                return sha
            dest = self.path(sha)
            dest.parent.mkdir(parents=True, exist_ok=True)
            replace_durably(tmp, dest)
            return sha
        except OSError as exc:
            if tmp is not None:
                discard(tmp)
            raise storage_error(exc, Path(src)) from exc

    def rewrite(self, sha: str, data: bytes) -> None:
        """Replace a damaged blob with good bytes (they must hash to ``sha``)."""
        if sha256_bytes(data) != sha:
            raise StorageError(f"Refusing to store data under blob {sha[:12]}: it has another hash.")
        self._write(sha, lambda f: f.write(data))

    def _write(self, sha: str, writer) -> None:
        self.ensure()
        atomic_write_with(self.path(sha), writer, tmp_dir=self.tmp_dir, prefix="w-", suffix="")

    def read_bytes(self, sha: str) -> bytes:
        p = self.path(sha)
        try:
            return p.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"Blob {sha[:12]} is missing from the library.", hint="Run 'timbrel doctor' to check the library.") from None

    def open(self, sha: str) -> BinaryIO:
        p = self.path(sha)
        try:
            return open(p, "rb")
        except FileNotFoundError:
            raise NotFound(f"Blob {sha[:12]} is missing from the library.", hint="Run 'timbrel doctor' to check the library.") from None

    def size(self, sha: str) -> int:
        return self.path(sha).stat().st_size

    def delete(self, sha: str) -> None:
        if self.read_only:
            from .catalog import read_only_error

            raise read_only_error("Deleting a file")
        try:
            self.path(sha).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StorageError(f"Could not delete blob {sha[:12]}: {exc}") from exc

    def verify(self, sha: str) -> bool:
        """True when the file exists and its content still hashes to its name."""
        return self.exists(sha) and sha256_file(self.path(sha)) == sha

    def iter_shas(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2 and sub.name != ".tmp":
                for f in sorted(sub.iterdir()):
                    if f.is_file() and _valid_sha(f.name):
                        yield f.name

    def stray_temp_files(self) -> list[Path]:
        if not self.tmp_dir.is_dir():
            return []
        return sorted(p for p in self.tmp_dir.iterdir() if p.is_file())
