"""Resumable, verified downloads (HTTP ``Range``, sha256, atomic rename): ``timbrel assets download``."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from ..errors import MissingAsset, StorageError
from ..fsutil import storage_error
from ..library.blobs import sha256_file

CHUNK = 1 << 16

Progress = Callable[[int, int | None], None]


def download_file(url: str, dest: str | os.PathLike, *, sha256: str | None = None, progress: Progress | None = None,
                  timeout: float = 30.0) -> str:
    """Download ``url`` to ``dest``, resuming a previous partial download (``dest + '.part'``) with an HTTP
    ``Range`` request. Verifies ``sha256`` when given (a mismatch deletes the partial file and raises);
    returns the file's sha256. The finished file appears atomically (rename)."""
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"User-Agent": "timbrel-assets"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the partial file is already complete
            resp = None
        else:
            raise MissingAsset(f"Downloading {url} failed: HTTP {exc.code}.",
                               hint="Check the address, or link an existing folder with 'timbrel assets link PATH'.") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise MissingAsset(f"Cannot reach {url} ({getattr(exc, 'reason', exc)}).",
                           hint="Check the internet connection, or link an existing folder with 'timbrel assets link PATH'.") from exc
    total: int | None = None
    if resp is not None:
        with resp:
            status = getattr(resp, "status", 200)
            length = resp.headers.get("Content-Length")
            if status == 206:
                total = have + int(length) if length else None
                mode = "ab"
            else:  # the server ignored Range: start over
                have, mode = 0, "wb"
                total = int(length) if length else None
            done = have
            try:
                with part.open(mode) as f:
                    while True:
                        block = resp.read(CHUNK)
                        if not block:
                            break
                        f.write(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                if isinstance(exc, (ConnectionError, TimeoutError)) or exc.errno is None:
                    raise StorageError(f"The download of {dest.name} was interrupted after {done} bytes.",
                                       hint="Run the same command again: it resumes where it stopped.") from exc
                raise storage_error(exc, part) from exc
            except Exception as exc:  # http.client.IncompleteRead and friends
                raise StorageError(f"The download of {dest.name} was interrupted after {done} bytes.",
                                   hint="Run the same command again: it resumes where it stopped.") from exc
            if total is not None and done < total:
                raise StorageError(f"The download of {dest.name} was interrupted after {done} of {total} bytes.",
                                   hint="Run the same command again: it resumes where it stopped.")
    digest = sha256_file(part)
    if sha256 and digest.lower() != sha256.lower():
        part.unlink(missing_ok=True)
        raise StorageError(f"{dest.name} arrived damaged (sha256 {digest[:16]}…, expected {sha256[:16]}…); it was deleted.",
                           hint="Run the download again; if it keeps failing, the mirror may serve a different file.")
    os.replace(part, dest)
    return digest
