"""The base pool: which bases are resident on the device, in which pre-allocated slots.

* A **slot** is one device buffer packed for an architecture plus the model skeleton the
  backend built around views into it, once. Any base of that architecture can be copied
  into the slot: a swap moves bytes only (no module construction, no allocator churn).
* Every slot byte is reserved in the :class:`Budget` before it is allocated, and freed
  slots give their bytes back, so the budget holds during swaps too.
* A base in use is **leased** (reference-counted) and never evicted.
* **Eviction** takes the unleased base needed furthest in the future (the caller passes
  ``distance(base) → position in the planned queue order``, ``inf`` when not queued) and,
  among bases not needed, the least recently used. Same-architecture victims are reused
  in place; other victims' slots are freed until the new slot fits.
* Loads take the **warm path** (one copy from the staged host buffer, pinned when
  possible) when the base is staged, else the **cold path** (mmap → device per tensor).
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..errors import ResourceExhausted
from .budget import Budget, mb
from .device import CopyHandle, Device
from .hoststage import HostStaging, StagedBase
from .layout import PackedLayout

Distance = Callable[[str], float]


def _never(_key: str) -> float:
    return math.inf


@dataclass
class BaseSpec:
    """What the pool needs to load a base."""

    key: str
    arch: str
    layout: Mapping
    source: Any                                   # .open() → iterator of (group, name, tensor)
    build: Callable[[dict], Any] | None = None    # views → model skeleton (the backend's build_skeleton)
    label: str | None = None

    _packed: PackedLayout | None = field(default=None, repr=False)

    @property
    def packed(self) -> PackedLayout:
        if self._packed is None:
            self._packed = PackedLayout(self.layout)
        return self._packed


@dataclass
class Slot:
    id: int
    arch: str
    packed: PackedLayout
    buffer: Any
    views: dict
    model: Any
    accounted: int
    base: str | None = None
    state: str = "empty"          # empty | loading | ready
    leases: int = 0
    last_used: float = 0.0
    handle: CopyHandle | None = None
    origin: str = "demand"        # demand | prefetch
    last_use: Any = None          # device token of the compute that last read the slot


@dataclass
class Lease:
    pool: "BasePool"
    slot: Slot
    key: str
    swapped: bool                 # this acquire copied the base in
    path: str | None              # warm | cold | None (already resident)
    prefetched: bool              # the base was made resident (or staged) ahead of time by prefetch
    handle: CopyHandle | None
    evicted: str | None = None
    released: bool = False

    @property
    def model(self) -> Any:
        return self.slot.model

    def ready_at(self) -> float | None:
        return self.handle.ready_at if self.handle is not None else None

    def release(self) -> None:
        self.pool.release(self)


class BasePool:
    def __init__(self, device: Device, budget: Budget, *, staging: HostStaging | None = None, metrics=None,
                 headroom: Callable[[], int] | None = None) -> None:
        self.device = device
        self.budget = budget
        self.staging = staging
        self.metrics = metrics
        self.headroom = headroom or (lambda: 0)   # bytes prefetch must leave free (a request's workspace)
        self.clock = device.clock
        self._lock = threading.RLock()
        self._ready = threading.Condition(self._lock)   # a slot finished loading
        self._ids = itertools.count(1)
        self.slots: list[Slot] = []
        self.evictions = 0
        self.allocations = 0

    # -- reading -----------------------------------------------------------------------------------
    def find(self, key: str) -> Slot | None:
        with self._lock:
            for s in self.slots:
                if s.base == key and s.state != "empty":
                    return s
            return None

    def resident(self) -> list[str]:
        with self._lock:
            return [s.base for s in self.slots if s.base is not None and s.state == "ready"]

    def leased(self) -> list[str]:
        with self._lock:
            return [s.base for s in self.slots if s.leases > 0 and s.base is not None]

    def snapshot(self) -> list[dict]:
        with self._lock:
            return [{"slot": s.id, "arch": s.arch, "base": s.base, "state": s.state, "leases": s.leases,
                     "bytes": s.accounted, "origin": s.origin} for s in self.slots]

    # -- room ----------------------------------------------------------------------------------------
    def _victims(self, distance: Distance, exclude: str | None = None, beyond: float = -1.0) -> list[Slot]:
        cands = [s for s in self.slots if s.leases == 0 and s.state != "loading" and s.base != exclude]
        cands = [s for s in cands if s.base is None or distance(s.base) > beyond]
        # empty slots first, then furthest next use, then least recently used
        return sorted(cands, key=lambda s: (s.base is not None, -distance(s.base) if s.base else 0.0, s.last_used))

    def _free_slot(self, slot: Slot) -> None:
        self.slots.remove(slot)
        self.device.free(slot.buffer)
        slot.buffer = None            # drop every reference so the memory really goes (a stale Lease may hold the Slot)
        slot.views = {}
        slot.model = None
        self.budget.release(slot.accounted, "base")

    def _evict(self, slot: Slot) -> str | None:
        if slot.leases > 0:  # a programming error, never a user error: leased bases are not evictable
            raise RuntimeError(f"refusing to evict leased base {slot.base!r}")
        old = slot.base
        if old is not None:
            self.evictions += 1
        slot.base = None
        slot.state = "empty"
        slot.handle = None
        return old

    def make_free(self, nbytes: int, distance: Distance = _never, *, exclude: str | None = None,
                  keep_free: int = 0, beyond: float = -1.0) -> list[str]:
        """Free slots (never leased ones) until ``nbytes + keep_free`` of the budget is free. Returns evicted bases.

        Raises :class:`ResourceExhausted` (changing nothing) when that is impossible.
        """
        with self._lock:
            need = int(nbytes) + int(keep_free)
            victims = self._victims(distance, exclude, beyond)
            if self.budget.free + sum(v.accounted for v in victims) < need:
                raise ResourceExhausted(self._explain(need), hint=self._hint())
            evicted: list[str] = []
            for v in victims:
                if self.budget.free >= need:
                    break
                old = self._evict(v)
                if old:
                    evicted.append(old)
                self._free_slot(v)
            return evicted

    def _explain(self, need: int) -> str:
        leased = [s for s in self.slots if s.leases > 0]
        held = sum(s.accounted for s in leased)
        return (f"{mb(need)} is needed but the VRAM limit is {mb(self.budget.limit)}"
                f" ({mb(self.budget.used)} in use, {mb(held)} by bases serving requests right now).")

    def _hint(self) -> str:
        return "Raise the VRAM limit (Settings → Runtime or 'runtime.vram_limit_mb'), or wait for running requests."

    def _new_slot(self, spec: BaseSpec) -> Slot:
        packed = spec.packed
        acc = self.device.accounted(packed.nbytes)
        self.budget.reserve(acc, "base", what=f"Base '{spec.label or spec.key}'")
        try:
            buffer = self.device.alloc(packed.nbytes)
            views = packed.views(buffer)
        except BaseException:
            self.budget.release(acc, "base")
            raise
        self.allocations += 1
        # the skeleton is built by the caller outside the pool lock (it can take seconds for big models)
        slot = Slot(next(self._ids), spec.arch, packed, buffer, views, None, acc)
        self.slots.append(slot)
        return slot

    def _place(self, spec: BaseSpec, distance: Distance, *, keep_free: int, beyond: float) -> tuple[Slot, str | None]:
        """A slot for ``spec`` (lock held): reuse an idle same-arch slot, allocate, or evict."""
        acc = self.device.accounted(spec.packed.nbytes)
        victims = self._victims(distance, exclude=spec.key, beyond=beyond)
        # 1. an empty slot of the right architecture
        for v in victims:
            if v.base is None and v.arch == spec.arch:
                return v, None
        # 2. room in the budget for a new slot
        if self.budget.free - acc >= keep_free:
            return self._new_slot(spec), None
        # 3. evict: furthest-needed first; reuse a same-arch victim in place, free others until a slot fits
        if self.budget.free + sum(v.accounted for v in victims) < acc + keep_free and not any(
                v.arch == spec.arch for v in victims):
            raise ResourceExhausted(self._explain(acc + keep_free), hint=self._hint())
        evicted = None
        for v in victims:
            if v.arch == spec.arch:
                return v, self._evict(v) or evicted
            old = self._evict(v)
            evicted = evicted or old
            self._free_slot(v)
            if self.budget.free - acc >= keep_free:
                return self._new_slot(spec), evicted
        raise ResourceExhausted(self._explain(acc + keep_free), hint=self._hint())

    # -- loading -------------------------------------------------------------------------------------
    def _copy_in(self, slot: Slot, spec: BaseSpec, staged: StagedBase | None) -> tuple[CopyHandle, str]:
        """Fill a leased, loading slot (pool lock NOT held): build its skeleton once, then copy the bytes."""
        if slot.model is None and spec.build is not None:
            slot.model = spec.build(slot.views)
        self.device.before_overwrite(slot.last_use)
        if staged is not None and staged.packed.digest == slot.packed.digest:
            handle = self.device.copy_async(slot.buffer[: slot.packed.nbytes], staged.buffer[: slot.packed.nbytes],
                                            pinned=staged.pinned)
            staged.busy.append(handle)
            return handle, "warm"
        from .hoststage import fill_from_source  # cold path: mmap → device, tensor by tensor

        pairs: list = []
        seen = set()
        with spec.source.open() as tensors:
            for group, name, tensor in tensors:
                slot.packed.check_tensor(group, name, tensor)
                pairs.append((slot.views[group][name], tensor))
                seen.add((group, name))
            missing = [f"{g}/{n}" for g, n in slot.packed.names() if (g, n) not in seen]
            if missing:
                fill_from_source(slot.packed, slot.views, spec.source)  # raises the plain "missing tensors" error
            handle = self.device.copy_tensors(pairs, slot.packed.payload_bytes)
        return handle, "cold"

    def acquire(self, spec: BaseSpec, distance: Distance = _never, *, cause: str = "demand",
                keep_free: int = 0) -> Lease:
        """Lease ``spec``'s base, loading it (and evicting) when it is not resident."""
        now = self.clock.now()
        with self._lock:
            slot = self.find(spec.key)
            while slot is not None and slot.state == "loading":  # being prefetched: wait for its copy to be issued
                self._ready.wait()
                slot = self.find(spec.key)
            if slot is not None:
                slot.leases += 1
                slot.last_used = now
                prefetched = slot.origin == "prefetch"
                slot.origin = "demand"
                return Lease(self, slot, spec.key, False, None, prefetched, slot.handle)
            slot, evicted = self._place(spec, distance, keep_free=keep_free, beyond=-1.0)
            slot.base, slot.state, slot.leases, slot.last_used, slot.origin = spec.key, "loading", 1, now, "demand"
        staged = self.staging.get(spec.key, now) if self.staging is not None else None
        handle, path = self._fill(slot, spec, staged, keep_lease=True)
        lease = Lease(self, slot, spec.key, True, path, staged is not None, handle, evicted)
        self._report_swap(spec.key, evicted, handle, cause, path)
        return lease

    def prefetch(self, spec: BaseSpec, distance: Distance = _never, *, keep_free: int = 0) -> CopyHandle | None:
        """Copy a staged base into a slot ahead of need, without evicting anything needed sooner.

        Returns the copy handle, or ``None`` when the base is resident already, not staged, or
        there is no room that prefetching may take.
        """
        now = self.clock.now()
        staged = self.staging.get(spec.key, now) if self.staging is not None else None
        if staged is None:
            return None
        with self._lock:
            if self.find(spec.key) is not None:
                return None
            try:
                slot, evicted = self._place(spec, distance, keep_free=keep_free, beyond=distance(spec.key))
            except ResourceExhausted:
                return None
            slot.base, slot.state, slot.leases, slot.last_used, slot.origin = spec.key, "loading", 1, now, "prefetch"
        handle, path = self._fill(slot, spec, staged, keep_lease=False)
        self._report_swap(spec.key, evicted, handle, "prefetch", path)
        return handle

    def _fill(self, slot, spec: BaseSpec, staged, *, keep_lease: bool):
        """Copy ``spec`` into ``slot`` (reserved as "loading" with one lease) and mark it ready; the
        reserving lease is kept for the caller when ``keep_lease``. A failed copy frees the slot again."""
        try:
            handle, path = self._copy_in(slot, spec, staged)
        except BaseException:
            with self._lock:
                slot.leases -= 1
                self._evict(slot)
                self._ready.notify_all()
            raise
        with self._lock:
            if not keep_lease:
                slot.leases -= 1
            slot.handle = handle
            slot.state = "ready"
            self._ready.notify_all()
        return handle, path

    def _report_swap(self, key: str, evicted: str | None, handle: CopyHandle, cause: str, path: str) -> None:
        if self.metrics is None:
            return
        self.metrics.swap(key, evicted, handle.nbytes, handle.seconds, cause, path)
        self.metrics.residency(self.resident(), self.budget.used, self.budget.limit)

    def release(self, lease: Lease) -> None:
        with self._lock:
            if lease.released:
                return
            lease.released = True
            lease.slot.last_use = self.device.record_use()
            lease.slot.leases -= 1
            lease.slot.last_used = self.clock.now()

    def shrink(self, distance: Distance = _never) -> list[str]:
        """Evict idle bases until the budget's target limit is met (after ``set_limit`` lowered it)."""
        with self._lock:
            evicted = []
            for v in self._victims(distance):
                if self.budget.used <= self.budget.target:
                    break
                old = self._evict(v)
                if old:
                    evicted.append(old)
                self._free_slot(v)
            if evicted and self.metrics is not None:
                self.metrics.residency(self.resident(), self.budget.used, self.budget.limit)
            return evicted

    def discard(self, key: str) -> bool:
        """Forget a base's resident bytes (its stored weights changed). Returns False when it is leased."""
        with self._lock:
            slot = self.find(key)
            if slot is None:
                return True
            if slot.leases > 0 or slot.state == "loading":
                return False
            self._evict(slot)
            return True

    def clear(self) -> None:
        """Free every slot (shutdown). Leased slots are freed too: call only when nothing runs."""
        with self._lock:
            for s in list(self.slots):
                s.leases = 0
                self._evict(s)
                self._free_slot(s)

