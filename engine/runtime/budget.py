"""Byte accounting for the device budget (the user's VRAM limit).

Every resident byte is reserved here before it is allocated: base slots, shared
models (HuBERT, BERT, SV net, ...) and per-request workspace. ``used`` never exceeds
``limit``; a reservation that does not fit raises :class:`ResourceExhausted` (or returns
``False`` from :meth:`try_reserve`) and changes nothing.

Lowering the limit below what is in use cannot evict memory that is leased by a
running request, so the new limit is kept as ``target`` and applied as soon as enough
is released (``limit`` then shrinks; it never drops below ``used``).
"""

from __future__ import annotations

import threading
from collections import defaultdict

from ..errors import ResourceExhausted

KINDS = ("base", "shared", "workspace", "other")


def mb(nbytes: int | float) -> str:
    return f"{nbytes / 2**20:.1f} MB"


class Budget:
    def __init__(self, limit_bytes: int) -> None:
        if limit_bytes <= 0:
            raise ResourceExhausted(
                "The VRAM limit must be more than 0 MB.",
                hint="Set a limit in megabytes, e.g. 'runtime.vram_limit_mb' = 4096.",
            )
        self._lock = threading.Lock()
        self._limit = int(limit_bytes)
        self._target = int(limit_bytes)
        self._used = 0
        self._peak = 0
        self._by_kind: dict[str, int] = defaultdict(int)
        self.violations = 0  # stays 0; checked by tests

    # -- reading -------------------------------------------------------------------------------
    @property
    def limit(self) -> int:
        return self._limit

    @property
    def target(self) -> int:
        return self._target

    @property
    def used(self) -> int:
        return self._used

    @property
    def peak(self) -> int:
        return self._peak

    @property
    def free(self) -> int:
        with self._lock:
            return self._limit - self._used

    def by_kind(self) -> dict[str, int]:
        with self._lock:
            return {k: self._by_kind.get(k, 0) for k in KINDS}

    # -- reserving -----------------------------------------------------------------------------
    def try_reserve(self, nbytes: int, kind: str = "other") -> bool:
        nbytes = int(nbytes)
        if nbytes < 0:
            raise ValueError("negative reservation")
        with self._lock:
            if self._used + nbytes > self._limit:
                return False
            self._used += nbytes
            self._by_kind[kind] += nbytes
            self._peak = max(self._peak, self._used)
            if self._used > self._limit:  # pragma: no cover - impossible by construction
                self.violations += 1
            return True

    def reserve(self, nbytes: int, kind: str = "other", what: str = "this") -> None:
        if not self.try_reserve(nbytes, kind):
            raise ResourceExhausted(
                f"{what} needs {mb(nbytes)} but only {mb(self.free)} of the {mb(self._limit)} VRAM limit is free.",
                hint="Raise the VRAM limit (Settings → Runtime, or 'runtime.vram_limit_mb'), or use a smaller base.",
            )

    def release(self, nbytes: int, kind: str = "other") -> None:
        nbytes = int(nbytes)
        with self._lock:
            if nbytes > self._by_kind[kind]:
                raise ValueError(f"releasing {nbytes} {kind} bytes but only {self._by_kind[kind]} are reserved")
            self._used -= nbytes
            self._by_kind[kind] -= nbytes
            self._apply_target()

    # -- changing the limit --------------------------------------------------------------------
    def set_limit(self, limit_bytes: int) -> bool:
        """Ask for a new limit. Returns ``True`` when it applies now, ``False`` when it waits for releases."""
        if limit_bytes <= 0:
            raise ResourceExhausted("The VRAM limit must be more than 0 MB.", hint="Choose a positive number of megabytes.")
        with self._lock:
            self._target = int(limit_bytes)
            self._apply_target()
            return self._limit == self._target

    def _apply_target(self) -> None:
        if self._target >= self._limit:
            self._limit = self._target
        else:
            self._limit = max(self._target, self._used)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "limit_bytes": self._limit,
                "target_bytes": self._target,
                "used_bytes": self._used,
                "peak_bytes": self._peak,
                "free_bytes": self._limit - self._used,
                "by_kind": {k: self._by_kind.get(k, 0) for k in KINDS},
            }
