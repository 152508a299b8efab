"""The serving step: one implementation used by the threaded :class:`~engine.runtime.scheduler.Scheduler` and by the
simulator (:mod:`engine.runtime.simulation`).

:class:`Serving` owns the waiting rows and carries out, for a **batch** of rows of one base (a batch of one when
batching is off), the steps every served unit of work goes through:

1. **choose** (:meth:`Serving.next_batch`) — the policy picks the next request; requests queued for the same base
   join it up to the batch limit (``max_batch`` setting × the backend's ``max_batch_rows``). A batch-priority row
   joins only while no interactive request waits for another base (interactive work is never held back to fill a
   batch) and nothing waits to fill a batch: rows join only if they are queued already;
2. **start** (:meth:`Serving.start`) — ensure the shared models, lease the base (swap it in when needed, evicting by
   the policy's queue distance), free room and reserve the workspace: the sum of the rows' ``workspace_bytes``;
   rows whose workspace does not fit go back to the queue (the budget is a hard limit, never exceeded);
3. the caller **waits for the copy** (``batch.lease.handle``) and **runs** the batch (the scheduler through the
   backend's ``synthesize_batch``, the simulator with a service-time model); between decoding steps the backend's
   ``admit()`` callback calls :meth:`Serving.admit` (continuous joins, same rules and budget);
4. **finish** (:meth:`Serving.finish_row` as each row ends, :meth:`Serving.finish` for the batch) — release the
   workspace and the lease; shrink the pool when a lowered VRAM limit waited for this batch.

It also chooses what to **prefetch** (:meth:`Serving.prefetch_target`: the next base in the planned order that is
not resident, else a recent hint, else the most used recent base) and carries it out (:meth:`Serving.prefetch`).

Locking: the queue methods (``submit``, ``cancel``, ``expire``, ``next_batch``, ``prefetch_target``, the
``distance``) must be called with the caller's lock held (the scheduler's condition; the simulator is single
threaded); the resource steps (``start``, ``admit``'s reservations, ``finish*``, ``prefetch``) take the pool's and
budget's own locks and may block on a copy, so they are called without it. ``admit`` takes the lock it is given.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..errors import ResourceExhausted
from .budget import Budget
from .policy import INTERACTIVE, Job, SchedulerPolicy
from .pool import BasePool, BaseSpec, Lease, _never

log = logging.getLogger(__name__)

RECENT = 32  # recent requests remembered for "recent use" prefetch prediction


@dataclass(eq=False)
class Row:
    """One waiting request as the orchestration sees it; ``payload`` belongs to the caller."""

    job: Job
    spec: BaseSpec
    backend: Any = None
    manifest: Mapping[str, Any] = field(default_factory=dict)
    workspace: int = 0
    payload: Any = None
    context: Any = None

    @property
    def id(self) -> int:
        return self.job.id


@dataclass(eq=False)
class Batch:
    """Rows of one base served together."""

    rows: list[Row]
    dispatched: float
    switched: bool = False
    lease: Lease | None = None
    shared: dict = field(default_factory=dict)
    reserved: dict[int, int] = field(default_factory=dict)   # row id → workspace bytes held
    limit: int = 1

    @property
    def spec(self) -> BaseSpec:
        return self.rows[0].spec

    @property
    def key(self) -> str:
        return self.rows[0].spec.key

    @property
    def head(self) -> Row:
        return self.rows[0]


class ResidentModels:
    """Models every base of a backend uses (HuBERT, BERT, SV...), loaded once and kept resident (the backend
    describes them; ``engine.backends.gptsovits.pipeline.SharedModels`` is the loaded set one synthesis uses)."""

    def __init__(self, device, budget: Budget, pool: BasePool) -> None:
        self.device = device
        self.budget = budget
        self.pool = pool
        self._lock = threading.Lock()
        self.loaded: dict[str, tuple[Any, int]] = {}

    def ensure(self, backend, manifest, distance, context=None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if backend is None:
            return out
        for sm in backend.shared_models(manifest, context):
            with self._lock:
                if sm.name not in self.loaded:
                    acc = int(sm.nbytes)
                    self.pool.make_free(acc, distance)
                    self.budget.reserve(acc, "shared", what=f"The shared model '{sm.name}'")
                    try:
                        obj = backend.load_shared(sm.name, self.device, context)
                    except BaseException:
                        self.budget.release(acc, "shared")
                        raise
                    self.loaded[sm.name] = (obj, acc)
                out[sm.name] = self.loaded[sm.name][0]
        return out

    def clear(self) -> None:
        with self._lock:
            for _, acc in self.loaded.values():
                self.budget.release(acc, "shared")
            self.loaded.clear()

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {name: acc for name, (_, acc) in self.loaded.items()}


class Serving:
    """Rows, batches, resources and prefetch choice (see the module docstring)."""

    def __init__(self, *, clock, device, budget: Budget, pool: BasePool, staging, policy: SchedulerPolicy,
                 metrics=None, max_batch: int = 1, lookahead: bool = True) -> None:
        self.clock = clock
        self.device = device
        self.budget = budget
        self.pool = pool
        self.staging = staging
        self.policy = policy
        self.metrics = metrics
        self.max_batch = max(1, int(max_batch))
        self.lookahead = lookahead
        self.shared = ResidentModels(device, budget, pool)
        self.rows: dict[int, Row] = {}
        self.specs: dict[str, BaseSpec] = {}
        self.hints: deque[BaseSpec] = deque(maxlen=4)
        self.recent: deque[str] = deque(maxlen=RECENT)
        self.headroom = 0   # the largest workspace seen: prefetch leaves that much free

    # -- queue (caller's lock held) ------------------------------------------------------------------
    def submit(self, row: Row) -> None:
        self.rows[row.id] = row
        self.specs[row.spec.key] = row.spec
        self.policy.submit(row.job)

    def hint(self, spec: BaseSpec) -> None:
        self.specs[spec.key] = spec
        self.hints.append(spec)

    def cancel(self, row_id: int) -> Row | None:
        job = self.policy.cancel(row_id)
        return self.rows.pop(row_id, None) if job is not None else None

    def expire(self, now: float) -> list[Row]:
        return [self.rows.pop(j.id) for j in self.policy.expire(now) if j.id in self.rows]

    def drain(self) -> list[Row]:
        return [self.rows.pop(j.id) for j in self.policy.drain() if j.id in self.rows]

    def distance(self, now: float):
        return self.policy.distance_fn(now) if self.lookahead else _never

    def batch_limit(self, row: Row) -> int:
        if self.max_batch <= 1 or row.backend is None:
            return 1
        try:
            return max(1, min(self.max_batch, int(row.backend.max_batch_rows(row.manifest))))
        except Exception:   # a backend that cannot say serves one row at a time; the log says why
            log.warning("%s: max_batch_rows failed, serving one row per batch", getattr(row.backend, "name", "backend"),
                        exc_info=True)
            return 1

    def _interactive_elsewhere(self, base: str, now: float) -> bool:
        """An interactive (or aged) request waits for another base: batch rows may not join then."""
        for b, q in self.policy.queues.items():
            if b != base and q and self.policy._head(q, now)[2] == INTERACTIVE:
                return True
        return False

    def joinable(self, batch: Batch, now: float, room: int) -> list[Row]:
        """Rows queued for ``batch``'s base that may join it now, in queue order (removed from the queue)."""
        if room <= 0:
            return []
        q = self.policy.queues.get(batch.key)
        if not q:
            return []
        batch_ok = not self._interactive_elsewhere(batch.key, now)
        taken: list[Row] = []
        for job in list(q):
            if len(taken) >= room:
                break
            if job.priority != INTERACTIVE and self.policy.effective_priority(job, now) != INTERACTIVE and not batch_ok:
                break   # the queue is ordered interactive first: the rest are batch rows too
            row = self.rows.get(job.id)
            if row is None:
                continue
            self.policy.cancel(job.id)
            self.rows.pop(job.id, None)
            taken.append(row)
        return taken

    def next_batch(self, now: float) -> Batch | None:
        """Pop the next batch to serve (the device is free), or ``None``."""
        d = self.policy.next(now)
        if d is None:
            return None
        row = self.rows.pop(d.job.id)
        batch = Batch([row], now, d.switched)
        batch.limit = self.batch_limit(row)
        batch.rows += self.joinable(batch, now, batch.limit - 1)
        self.recent.append(row.spec.key)
        return batch

    def requeue(self, rows: list[Row]) -> None:
        for row in rows:
            self.rows[row.id] = row
            self.policy.submit(row.job)

    # -- resources (no caller lock) --------------------------------------------------------------------
    def start(self, batch: Batch, dist=None, lock: Any = None) -> list[Row]:
        """Lease the base and reserve the workspace of as many rows as fit (the head row must fit: else this
        raises :class:`ResourceExhausted` and nothing is held). Returns the rows that did not fit (already put
        back in the queue, under ``lock``)."""
        dist = dist or _never
        head = batch.head
        try:
            batch.shared = self.shared.ensure(head.backend, head.manifest, dist, head.context)
            lease = self.pool.acquire(head.spec, dist, keep_free=head.workspace)
            try:
                self._reserve(head, dist)
            except BaseException:
                lease.release()
                raise
        except BaseException:
            if len(batch.rows) > 1:   # the rows that joined wait for their own turn
                with lock if lock is not None else contextlib.nullcontext():
                    self.requeue(batch.rows[1:])
                del batch.rows[1:]
            raise
        batch.lease = lease
        batch.reserved[head.id] = head.workspace
        left = self._reserve_more(batch, batch.rows[1:], dist)
        if left:
            batch.rows = [r for r in batch.rows if r not in left]
            with lock if lock is not None else contextlib.nullcontext():
                self.requeue(left)
        if self.metrics is not None and (lease.swapped or lease.prefetched):
            self.metrics.prefetch(head.spec.label or head.spec.key, hit=lease.prefetched)
        return left

    def _reserve(self, row: Row, dist) -> None:
        if row.workspace:
            self.pool.make_free(row.workspace, dist, exclude=row.spec.key)
            self.budget.reserve(row.workspace, "workspace", what="This request's working memory")
        self.headroom = max(self.headroom, row.workspace)

    def _reserve_more(self, batch: Batch, rows: list[Row], dist) -> list[Row]:
        """Reserve each row's workspace in turn; return those that did not fit."""
        left = []
        for row in rows:
            if left:
                left.append(row)
                continue
            try:
                self._reserve(row, dist)
                batch.reserved[row.id] = row.workspace
            except ResourceExhausted:
                left.append(row)
        return left

    def admit(self, batch: Batch, lock: Any = None) -> list[Row]:
        """Continuous batching: rows that join the running ``batch`` now (their workspace reserved)."""
        room = batch.limit - len(batch.reserved)
        if room <= 0:
            return []
        with lock if lock is not None else contextlib.nullcontext():
            now = self.clock.now()
            rows = self.joinable(batch, now, room)
            dist = self.distance(now)
        if not rows:
            return []
        left = self._reserve_more(batch, rows, dist)
        if left:
            with lock if lock is not None else contextlib.nullcontext():
                self.requeue(left)
        joined = [r for r in rows if r not in left]
        batch.rows += joined
        return joined

    def finish_row(self, batch: Batch, row: Row) -> None:
        ws = batch.reserved.pop(row.id, 0)
        if ws:
            self.budget.release(ws, "workspace")

    def finish(self, batch: Batch, dist=None) -> None:
        """Release what the batch still holds; shrink the pool when a lowered limit waited for it."""
        if batch.rows:
            self.metrics.batch(len(batch.rows))
        for rid in list(batch.reserved):
            ws = batch.reserved.pop(rid)
            if ws:
                self.budget.release(ws, "workspace")
        if batch.lease is not None:
            batch.lease.release()
            batch.lease = None
        if self.budget.target < self.budget.limit:
            self.pool.shrink(dist or _never)

    # -- prefetch ------------------------------------------------------------------------------------------
    def prefetch_target(self, now: float, running: str | None = None) -> BaseSpec | None:
        """Caller's lock held. The next base in the planned order that is not resident; else a hint; else the
        most used recent base."""
        resident = set(self.pool.resident())
        if running is not None:
            resident.add(running)
        for key in self.policy.planned_order(now):
            if key not in resident and key in self.specs:
                return self.specs[key]
        while self.hints:
            spec = self.hints.pop()
            if spec.key not in resident:
                return spec
        for key, _ in Counter(self.recent).most_common():
            if key not in resident and key in self.specs:
                return self.specs[key]
        return None

    def prefetch(self, spec: BaseSpec, dist, now: float | None = None):
        """Stage ``spec`` in host memory and copy it into a free slot (never evicting anything needed sooner)."""
        if self.staging is None:
            return None
        self.staging.stage(spec.key, spec.packed, spec.source, self.clock.now() if now is None else now)
        return self.pool.prefetch(spec, dist, keep_free=self.headroom)


Distance = Callable[[str], float]

__all__ = ["Serving", "Row", "Batch", "ResidentModels", "RECENT"]
