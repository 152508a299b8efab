"""The GPT-SoVITS synthesis cache: per-clip (and per clip × base) inputs, content-addressed on disk and in memory.

:class:`ClipCache` stores what a request needs from a reference clip — phones, BERT features, sv vectors,
prompt semantic tokens, ``ge`` — keyed by the clip's sha256 (+ the model that made them, + the base where the
result depends on it); :func:`file_id` names a model file or folder for those keys.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from ...fsutil import atomic_write_bytes


def file_id(path: str | Path | None) -> str:
    """A short identity for a model file/folder (name, size, mtime of its files): cache keys change when it does."""
    if path is None:
        return "none"
    p = Path(path)
    items = sorted(p.rglob("*")) if p.is_dir() else [p]
    h = hashlib.sha256()
    for f in items:
        if f.is_file():
            st = f.stat()
            h.update(f"{f.relative_to(p) if p.is_dir() else f.name}:{st.st_size}:{int(st.st_mtime)};".encode())
    return h.hexdigest()[:16]


class ClipCache:
    """Content-addressed cache of per-clip (and per clip × base) synthesis inputs.

    Layout: ``root/clips/<sha[:2]>/<sha>/<name>.npy|json`` and ``root/bases/<base_key>/<sha[:2]>/<sha>/<name>.npy``.
    ``root=None`` keeps everything in memory only."""

    def __init__(self, root: str | Path | None, memory_bytes: int = 256 << 20) -> None:
        self.root = Path(root) if root else None
        self._mem: OrderedDict[str, Any] = OrderedDict()
        self._sizes: dict[str, int] = {}
        self._cap = int(memory_bytes)
        self._used = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _path(self, sha: str, name: str, base: str | None, ext: str) -> Path | None:
        if self.root is None:
            return None
        folder = self.root / ("bases/" + base if base else "clips") / sha[:2] / sha
        return folder / f"{name}.{ext}"

    def _remember(self, key: str, value: Any) -> None:
        size = int(value.nbytes) if isinstance(value, np.ndarray) else 1024
        with self._lock:
            self._used -= self._sizes.pop(key, 0)
            self._mem[key] = value
            self._mem.move_to_end(key)
            self._sizes[key] = size
            self._used += size
            while self._used > self._cap and len(self._mem) > 1:
                old, _ = self._mem.popitem(last=False)
                self._used -= self._sizes.pop(old, 0)

    def get_array(self, sha: str, name: str, base: str | None = None) -> np.ndarray | None:
        key = f"{base}/{sha}/{name}"
        with self._lock:
            if key in self._mem:
                self._mem.move_to_end(key)
                self.hits += 1
                return self._mem[key]
        p = self._path(sha, name, base, "npy")
        if p is not None and p.is_file():
            try:
                arr = np.load(p, allow_pickle=False)
            except (OSError, ValueError):
                arr = None  # a damaged entry is recomputed
            if arr is not None:
                self._remember(key, arr)
                with self._lock:
                    self.hits += 1
                return arr
        with self._lock:
            self.misses += 1
        return None

    def put_array(self, sha: str, name: str, value: np.ndarray, base: str | None = None, *,
                  persist: bool = True) -> np.ndarray:
        """Remember ``value``; ``persist=False`` keeps it in memory only (decoded audio: cheap to redo, large on disk)."""
        value = np.ascontiguousarray(value)
        self._remember(f"{base}/{sha}/{name}", value)
        p = self._path(sha, name, base, "npy") if persist else None
        if p is not None:
            buf = io.BytesIO()
            np.save(buf, value, allow_pickle=False)
            atomic_write_bytes(p, buf.getvalue())
        return value

    def get_json(self, sha: str, name: str) -> Any | None:
        key = f"None/{sha}/{name}.json"
        with self._lock:
            if key in self._mem:
                self.hits += 1
                return self._mem[key]
        p = self._path(sha, name, None, "json")
        if p is not None and p.is_file():
            try:
                value = json.loads(p.read_text("utf-8"))
            except (OSError, ValueError):
                value = None
            if value is not None:
                self._remember(key, value)
                with self._lock:
                    self.hits += 1
                return value
        with self._lock:
            self.misses += 1
        return None

    def put_json(self, sha: str, name: str, value: Any) -> Any:
        self._remember(f"None/{sha}/{name}.json", value)
        p = self._path(sha, name, None, "json")
        if p is not None:
            atomic_write_bytes(p, json.dumps(value, ensure_ascii=False).encode("utf-8"))
        return value
