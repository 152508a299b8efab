"""Discrete-event simulation of the runtime on the simulated device, in virtual time.

It drives the shipped serving step — :class:`engine.runtime.serving.Serving` (batch choice, lease, room,
workspace reservation, release, prefetch choice and prefetch), with the shipped policy
(:class:`SchedulerPolicy`, or a baseline), :class:`BasePool` (budget, leases, eviction), :class:`HostStaging` and
the :class:`SimulatedDevice` (which really copies the (scaled-down) tensors) — and replaces only the compute by a
service-time model: ``SimConfig.batch_time(rows)`` seconds for a batch of trace rows (default: the sum of the
rows' ``service_s``, i.e. no batching gain; the batching work passes a measured curve). Nothing sleeps: the
clock jumps from event to event, so a 30-minute trace runs in seconds and every run is deterministic.
Continuous joins (``admit``) happen at batch formation only here: a batch's rows all end when the batch ends.

The property tests use it to check the invariants on random streams; the scheduler benchmark uses it to
compare policies.
"""

from __future__ import annotations

import math
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import torch

from ...errors import ResourceExhausted
from ..budget import Budget
from ..clock import SimClock
from ..device import LinkModel, SimulatedDevice
from ..hoststage import HostStaging
from ..layout import TensorSpec
from ..metrics import Metrics
from ..policy import FcfsPolicy, Job, PriorityFifoPolicy, SchedulerPolicy
from ..pool import BasePool, BaseSpec
from ..serving import Row, Serving
from ..weight_sources import TensorSource
from .trace import TraceRequest


def serial_batch_time(rows: Sequence[TraceRequest]) -> float:
    """The default batch model: no gain, a batch takes as long as its rows one after another."""
    return float(sum(r.service_s for r in rows))


@dataclass
class SimConfig:
    budget_bytes: int
    shared_bytes: int = 0
    workspace_bytes: int = 0
    link: LinkModel = field(default_factory=LinkModel.pcie4)
    scale: int = 1
    pinned_pool_bytes: int = 0        # 0: no host staging
    prefetch: bool = True
    lookahead: bool = True            # eviction looks at the queue (else plain LRU)
    policy: SchedulerPolicy = field(default_factory=SchedulerPolicy)
    max_batch: int = 1                # rows of one base served together (1: no batching)
    batch_time: Callable[[Sequence[TraceRequest]], float] = serial_batch_time


@dataclass
class RequestResult:
    id: int
    base: str
    priority: int
    arrival: float
    status: str = "waiting"           # done | failed | timeout
    dispatch: float | None = None     # the scheduler picked it
    start: float | None = None        # weights ready, service began
    end: float | None = None
    service_s: float = 0.0
    error: str | None = None
    swapped: bool = False
    path: str | None = None
    batch: int = 1                    # rows in the batch that served it

    @property
    def wait(self) -> float:
        return (self.start - self.arrival) if self.start is not None else math.nan


@dataclass
class SimResult:
    policy: str
    results: list[RequestResult]
    loads: int                        # bases copied to the device (demand + prefetch)
    demand_loads: int
    bytes_moved: int
    by_path: dict
    prefetch_hits: int
    prefetch_misses: int
    peak_bytes: int
    budget_bytes: int
    over_budget_steps: int
    makespan: float
    service_order: list[str]
    running_at: dict[int, tuple[float, float]] = field(default_factory=dict)

    def done(self) -> list[RequestResult]:
        return [r for r in self.results if r.status == "done"]


def make_sim_bases(sizes: Mapping[str, int], arch_of: Mapping[str, str] | None = None, *,
                   scale: int = 1) -> dict[str, BaseSpec]:
    """Bases with real (scaled-down) tensors: ``sizes`` are accounted bytes, stored bytes are ``size // scale``.

    Bases of one architecture must have one size (they share a layout).
    """
    specs: dict[str, BaseSpec] = {}
    for key, size in sizes.items():
        arch = (arch_of or {}).get(key, f"size-{size}")
        n = max(1, int(size) // scale)
        layout = {"w": {"data": TensorSpec((n,), "uint8")}}
        gen = torch.Generator().manual_seed(zlib.crc32(key.encode()))
        data = torch.randint(0, 256, (n,), dtype=torch.uint8, generator=gen)
        specs[key] = BaseSpec(key, arch, layout, TensorSource({"w": {"data": data}}), build=lambda views: views)
    return specs


class _SimBackend:
    """What the serving step asks a backend in the simulator: how many rows may share a batch."""

    name = "sim"

    def __init__(self, rows: int) -> None:
        self.rows = rows

    def max_batch_rows(self, manifest) -> int:
        return self.rows

    def shared_models(self, manifest, context=None) -> list:
        return []


def simulate(trace: Sequence[TraceRequest], bases: Mapping[str, BaseSpec], cfg: SimConfig) -> SimResult:
    return _Simulation(trace, bases, cfg).run()


class _Simulation:
    """The event loop of :func:`simulate`: each step admits arrivals, times out, completes a staging copy and
    the running batch, starts the next batch, then jumps the clock to the next event."""

    def __init__(self, trace: Sequence[TraceRequest], bases: Mapping[str, BaseSpec], cfg: SimConfig) -> None:
        self.bases, self.cfg = bases, cfg
        self.clock = SimClock()
        self.device = SimulatedDevice(self.clock, cfg.link, scale=cfg.scale)
        self.budget = Budget(cfg.budget_bytes)
        metrics = Metrics()
        self.staging = HostStaging(self.device, cfg.pinned_pool_bytes) if cfg.prefetch and cfg.pinned_pool_bytes > 0 else None
        pool = BasePool(self.device, self.budget, staging=self.staging, metrics=metrics,
                        headroom=lambda: cfg.workspace_bytes)
        self.policy = cfg.policy
        self.serving = Serving(clock=self.clock, device=self.device, budget=self.budget, pool=pool,
                               staging=self.staging, policy=self.policy, metrics=metrics, max_batch=cfg.max_batch,
                               lookahead=cfg.lookahead)
        self.backend = _SimBackend(max(1, cfg.max_batch))
        self.budget.reserve(cfg.shared_bytes, "shared", what="The shared models")
        self.results = {r.id: RequestResult(r.id, r.base, r.priority, r.arrival, service_s=r.service_s) for r in trace}
        self.pending = deque(sorted(trace, key=lambda r: (r.arrival, r.id)))
        self.running = None        # (batch, end)
        self.staging_job = None    # (key, ready_at)
        self.loader_free = 0.0
        self.over = 0
        self.order: list[str] = []
        self.running_at: dict[int, tuple[float, float]] = {}
        self.hits = self.misses = self.demand_loads = 0

    def run(self) -> SimResult:
        while True:
            now = self.clock.now()
            self._arrive(now)
            self._expire(now)
            self._staged(now)
            self._complete(now)
            if self.running is None and self._dispatch(now):
                continue
            if self.budget.used > self.budget.limit:
                self.over += 1
            nxt = [t for t in (
                self.pending[0].arrival if self.pending else None,
                self.running[1] if self.running is not None else None,
                self.staging_job[1] if self.staging_job is not None else None,
                self.policy.next_deadline(),
            ) if t is not None]
            if not nxt:
                break
            self.clock.sleep_until(max(min(nxt), now))
        return self._result()

    def _arrive(self, now: float) -> None:
        while self.pending and self.pending[0].arrival <= now:
            r = self.pending.popleft()
            deadline = r.arrival + r.timeout_s if r.timeout_s is not None else None
            job = Job(r.id, r.base, r.priority, r.arrival, deadline, r.service_s)
            self.serving.submit(Row(job, self.bases[r.base], self.backend, {}, self.cfg.workspace_bytes, r))

    def _expire(self, now: float) -> None:
        for row in self.serving.expire(now):
            res = self.results[row.id]
            res.status, res.error = "timeout", "did not start before its timeout"

    def _staged(self, now: float) -> None:
        if self.staging_job is not None and now >= self.staging_job[1]:
            key = self.staging_job[0]
            self.staging_job = None
            self.serving.prefetch(self.bases[key], self.serving.distance(now), now)

    def _complete(self, now: float) -> None:
        if self.running is not None and now >= self.running[1]:
            batch, _ = self.running
            for row in batch.rows:
                self.serving.finish_row(batch, row)
                self.results[row.id].status = "done"
                self.results[row.id].end = now
            self.serving.finish(batch, self.serving.distance(now))
            self.running = None

    def _dispatch(self, now: float) -> bool:
        """Start the next batch, if any (True: a batch was taken, started or failed)."""
        serving = self.serving
        batch = serving.next_batch(now)
        if batch is None:
            return False
        try:
            serving.start(batch, serving.distance(now))   # rows that do not fit go back to the queue
        except ResourceExhausted as exc:
            res = self.results[batch.head.id]
            res.dispatch, res.status, res.error = now, "failed", exc.message
            return True
        for row in batch.rows:
            self.results[row.id].dispatch = now
        lease = batch.lease
        self.demand_loads += bool(lease.swapped)
        if lease.swapped or lease.prefetched:
            if lease.prefetched:
                self.hits += 1
            else:
                self.misses += 1
        start = max(now, lease.ready_at() or now)
        end = start + float(self.cfg.batch_time([row.payload for row in batch.rows]))
        for row in batch.rows:
            res = self.results[row.id]
            res.start, res.swapped, res.path, res.batch = start, lease.swapped, lease.path, len(batch.rows)
            self.running_at[row.id] = (start, end)
        self.running = (batch, end)
        self.order.append(batch.key)
        self._stage_next(now, batch.key)
        return True

    def _stage_next(self, now: float, running_key: str) -> None:
        """While a batch runs, the loader copies the next base to pinned host memory (the disk time it takes)."""
        staging = self.staging
        if staging is None or self.staging_job is not None:
            return
        target = self.serving.prefetch_target(now, running=running_key)
        if target is not None:
            t0 = max(now, self.loader_free)
            disk = 0.0 if staging.get(target.key) is not None else self.device.link.disk_seconds(
                self.device.accounted(target.packed.nbytes))
            self.loader_free = t0 + disk
            self.staging_job = (target.key, self.loader_free)

    def _result(self) -> SimResult:
        device, budget = self.device, self.budget
        moved = sum(n for _, n, _ in device.copies)
        paths: dict[str, int] = {}
        for p, _, pinned in device.copies:
            name = p + ("-pinned" if pinned else "")
            paths[name] = paths.get(name, 0) + 1
        return SimResult(
            policy=getattr(self.policy, "name", type(self.policy).__name__),
            results=sorted(self.results.values(), key=lambda r: r.id),
            loads=len(device.copies), demand_loads=self.demand_loads, bytes_moved=moved, by_path=paths,
            prefetch_hits=self.hits, prefetch_misses=self.misses, peak_bytes=budget.peak,
            budget_bytes=self.cfg.budget_bytes, over_budget_steps=self.over + budget.violations,
            makespan=self.clock.now(), service_order=self.order, running_at=self.running_at,
        )


def fcfs_lru(cfg: SimConfig) -> SimConfig:
    """The baseline configuration: FCFS order, LRU eviction, no prefetch."""
    return SimConfig(cfg.budget_bytes, cfg.shared_bytes, cfg.workspace_bytes, cfg.link, cfg.scale,
                     0, prefetch=False, lookahead=False, policy=FcfsPolicy(), max_batch=cfg.max_batch,
                     batch_time=cfg.batch_time)


def priority_fifo_lru(cfg: SimConfig) -> SimConfig:
    """The stronger baseline: interactive first, one global FIFO within a class, LRU eviction, no prefetch."""
    return SimConfig(cfg.budget_bytes, cfg.shared_bytes, cfg.workspace_bytes, cfg.link, cfg.scale,
                     0, prefetch=False, lookahead=False, policy=PriorityFifoPolicy(), max_batch=cfg.max_batch,
                     batch_time=cfg.batch_time)


def latency_bound(res: SimResult, trace: Sequence[TraceRequest], hold_s: float, interactive_hold_s: float,
                  t_swap: float | None = None, batch_max_wait_s: float | None = None) -> dict[int, float]:
    """The documented wait bound W(r) for every request that ran (see :mod:`engine.runtime.simulation.bound`)."""
    from .bound import latency_bound as _bound

    return _bound(res, trace, hold_s, interactive_hold_s, t_swap=t_swap, batch_max_wait_s=batch_max_wait_s)
