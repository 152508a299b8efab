"""Host staging: a pre-allocated (pinned when possible) pool of host memory holding prefetched bases.

The pool is one buffer allocated once (``runtime.pinned_pool_mb``); staged bases are
carved out of it with a first-fit allocator and evicted least-recently-used. A staged base
uses the same packing as a device slot (:class:`PackedLayout`), so moving it to the device
is one large copy from pinned memory — the fast path.

Fallbacks: when pinning is refused the pool is ordinary pageable memory (still one copy,
slower link); a base larger than the whole pool is staged into a one-off pageable buffer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import torch

from ..errors import InvalidInput
from .layout import PackedLayout


@dataclass
class StagedBase:
    key: str
    packed: PackedLayout
    buffer: torch.Tensor          # flat uint8 host memory (a region of the pool or a one-off buffer)
    pinned: bool
    offset: int | None            # region offset in the pool; None for a one-off pageable buffer
    last_used: float = 0.0
    busy: list = field(default_factory=list)  # copy handles still reading this buffer
    ready: bool = False           # filled completely

    def in_use(self) -> bool:
        self.busy = [h for h in self.busy if not h.done()]
        return bool(self.busy)


def fill_from_source(packed: PackedLayout, views, source) -> None:
    """Copy every tensor of ``source`` into ``views`` (checking names, shapes, dtypes, completeness)."""
    seen = set()
    with source.open() as tensors:
        for group, name, tensor in tensors:
            packed.check_tensor(group, name, tensor)
            views[group][name].copy_(tensor)
            seen.add((group, name))
    missing = [f"{g}/{n}" for g, n in packed.names() if (g, n) not in seen]
    if missing:
        raise InvalidInput(f"The base is missing {len(missing)} tensors (e.g. {missing[0]}).",
                           hint="The base file is incomplete; re-import it.")


class HostStaging:
    def __init__(self, device, capacity_bytes: int, *, want_pinned: bool = True) -> None:
        self.device = device
        self.capacity = max(0, int(capacity_bytes))          # accounted bytes
        self.want_pinned = want_pinned
        self._stored_capacity = self.capacity // device.scale
        self._lock = threading.RLock()
        self._pool: torch.Tensor | None = None
        self.pinned: bool | None = None                        # known after the pool is allocated
        self.fallback_reason: str | None = None
        self._free: list[tuple[int, int]] = []                 # (offset, size) in stored bytes
        self._entries: dict[str, StagedBase] = {}
        self._oneoff: StagedBase | None = None

    # -- pool --------------------------------------------------------------------------------------
    def _ensure_pool(self) -> None:
        if self._pool is not None or self._stored_capacity <= 0:
            return
        buf, pinned = self.device.host_buffer(self._stored_capacity, pinned=self.want_pinned)
        self._pool = buf
        self.pinned = pinned
        if self.want_pinned and not pinned:
            self.fallback_reason = "pinning was refused by the system; staging uses pageable memory"
        self._free = [(0, self._stored_capacity)]

    def _alloc(self, size: int) -> int | None:
        for i, (off, sz) in enumerate(self._free):
            if sz >= size:
                if sz == size:
                    self._free.pop(i)
                else:
                    self._free[i] = (off + size, sz - size)
                return off
        return None

    def _release_region(self, off: int, size: int) -> None:
        self._free.append((off, size))
        self._free.sort()
        merged: list[tuple[int, int]] = []
        for o, s in self._free:
            if merged and merged[-1][0] + merged[-1][1] == o:
                merged[-1] = (merged[-1][0], merged[-1][1] + s)
            else:
                merged.append((o, s))
        self._free = merged

    def _drop(self, entry: StagedBase) -> None:
        self._entries.pop(entry.key, None)
        if entry.offset is not None:
            self._release_region(entry.offset, entry.packed.nbytes)

    # -- public --------------------------------------------------------------------------------------
    def _lookup(self, key: str) -> StagedBase | None:
        e = self._entries.get(key)
        if e is None and self._oneoff is not None and self._oneoff.key == key:
            e = self._oneoff
        return e

    def get(self, key: str, now: float | None = None) -> StagedBase | None:
        """The completely staged base ``key`` or ``None``."""
        with self._lock:
            e = self._lookup(key)
            if e is None or not e.ready:
                return None
            if now is not None:
                e.last_used = now
            return e

    def keys(self) -> list[str]:
        with self._lock:
            keys = [k for k, e in self._entries.items() if e.ready]
            if self._oneoff is not None and self._oneoff.ready:
                keys.append(self._oneoff.key)
            return keys

    def reserve(self, key: str, packed: PackedLayout, now: float) -> StagedBase | None:
        """A host buffer for ``key`` (not yet filled): a pool region, evicting idle staged bases LRU, or a one-off.
        ``None`` when every buffer that could hold it is still being read by a copy (prefetch is best effort)."""
        with self._lock:
            existing = self._lookup(key)
            if existing is not None:
                return existing
            self._ensure_pool()
            size = packed.nbytes
            if self._pool is not None and size <= self._stored_capacity:
                off = self._alloc(size)
                while off is None:
                    idle = sorted((e for e in self._entries.values() if not e.in_use()), key=lambda e: e.last_used)
                    if not idle:
                        break
                    self._drop(idle[0])
                    off = self._alloc(size)
                if off is not None:
                    entry = StagedBase(key, packed, self._pool[off: off + size], bool(self.pinned), off, now)
                    self._entries[key] = entry
                    return entry
            # The base is larger than the pool (or the pool is full of busy bases): one pageable buffer.
            if self._oneoff is not None and self._oneoff.in_use():
                return None
            buf, _ = self.device.host_buffer(size, pinned=False)
            self._oneoff = StagedBase(key, packed, buf, False, None, now)
            return self._oneoff

    def stage(self, key: str, packed: PackedLayout, source, now: float) -> StagedBase | None:
        """Read ``source`` (mmap) into host staging. Idempotent. ``None`` when no buffer is free right now."""
        with self._lock:
            existing = self.get(key, now)
            if existing is not None:
                return existing
            entry = self.reserve(key, packed, now)
            if entry is None:
                return None
            entry.busy.append(_Filling())
        try:
            fill_from_source(packed, packed.views(entry.buffer), source)
        except BaseException:
            with self._lock:
                self._drop(entry)
                if self._oneoff is entry:
                    self._oneoff = None
            raise
        finally:
            entry.busy = [h for h in entry.busy if not isinstance(h, _Filling)]
        entry.ready = True
        return entry

    def discard(self, key: str) -> None:
        with self._lock:
            e = self._entries.get(key)
            if e is not None and not e.in_use():
                self._drop(e)
            if self._oneoff is not None and self._oneoff.key == key and not self._oneoff.in_use():
                self._oneoff = None

    def snapshot(self) -> dict:
        with self._lock:
            used = sum(e.packed.nbytes for e in self._entries.values()) * self.device.scale
            return {"capacity_bytes": self.capacity, "used_bytes": used, "pinned": self.pinned,
                    "fallback": self.fallback_reason, "staged": self.keys()}


class _Filling:
    """Marks an entry whose buffer is being written (never reported done)."""

    def done(self) -> bool:
        return False
