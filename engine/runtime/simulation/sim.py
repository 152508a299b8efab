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
from ..policy import INTERACTIVE, FcfsPolicy, Job, PriorityFifoPolicy, SchedulerPolicy
from ..pool import BasePool, BaseSpec
from ..serving import Row, Serving
from ..sources import TensorSource
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
    clock = SimClock()
    device = SimulatedDevice(clock, cfg.link, scale=cfg.scale)
    budget = Budget(cfg.budget_bytes)
    metrics = Metrics()
    staging = HostStaging(device, cfg.pinned_pool_bytes) if cfg.prefetch and cfg.pinned_pool_bytes > 0 else None
    pool = BasePool(device, budget, staging=staging, metrics=metrics, headroom=lambda: cfg.workspace_bytes)
    policy = cfg.policy
    serving = Serving(clock=clock, device=device, budget=budget, pool=pool, staging=staging, policy=policy,
                      metrics=metrics, max_batch=cfg.max_batch, lookahead=cfg.lookahead)
    backend = _SimBackend(max(1, cfg.max_batch))
    budget.reserve(cfg.shared_bytes, "shared", what="The shared models")

    results = {r.id: RequestResult(r.id, r.base, r.priority, r.arrival, service_s=r.service_s) for r in trace}
    pending = deque(sorted(trace, key=lambda r: (r.arrival, r.id)))
    running = None        # (batch, end)
    staging_job = None    # (key, ready_at)
    loader_free = 0.0
    over = 0
    order: list[str] = []
    running_at: dict[int, tuple[float, float]] = {}
    hits = misses = demand_loads = 0

    while True:
        now = clock.now()
        while pending and pending[0].arrival <= now:
            r = pending.popleft()
            deadline = r.arrival + r.timeout_s if r.timeout_s is not None else None
            job = Job(r.id, r.base, r.priority, r.arrival, deadline, r.service_s)
            serving.submit(Row(job, bases[r.base], backend, {}, cfg.workspace_bytes, r))
        for row in serving.expire(now):
            res = results[row.id]
            res.status, res.error = "timeout", "did not start before its timeout"
        if staging_job is not None and now >= staging_job[1]:
            key = staging_job[0]
            staging_job = None
            serving.prefetch(bases[key], serving.distance(now), now)
        if running is not None and now >= running[1]:
            batch, _ = running
            for row in batch.rows:
                serving.finish_row(batch, row)
                results[row.id].status = "done"
                results[row.id].end = now
            serving.finish(batch, serving.distance(now))
            running = None
        if running is None:
            batch = serving.next_batch(now)
            if batch is not None:
                try:
                    serving.start(batch, serving.distance(now))   # rows that do not fit go back to the queue
                except ResourceExhausted as exc:
                    res = results[batch.head.id]
                    res.dispatch, res.status, res.error = now, "failed", exc.message
                    continue
                for row in batch.rows:
                    results[row.id].dispatch = now
                lease = batch.lease
                demand_loads += bool(lease.swapped)
                if lease.swapped or lease.prefetched:
                    if lease.prefetched:
                        hits += 1
                    else:
                        misses += 1
                start = max(now, lease.ready_at() or now)
                end = start + float(cfg.batch_time([row.payload for row in batch.rows]))
                for row in batch.rows:
                    res = results[row.id]
                    res.start, res.swapped, res.path, res.batch = start, lease.swapped, lease.path, len(batch.rows)
                    running_at[row.id] = (start, end)
                running = (batch, end)
                order.append(batch.key)
                if staging is not None and staging_job is None:
                    target = serving.prefetch_target(now, running=batch.key)
                    if target is not None:
                        t0 = max(now, loader_free)
                        disk = 0.0 if staging.get(target.key) is not None else device.link.disk_seconds(
                            device.accounted(target.packed.nbytes))
                        loader_free = t0 + disk
                        staging_job = (target.key, loader_free)
                continue
        if budget.used > budget.limit:
            over += 1
        nxt = [t for t in (
            pending[0].arrival if pending else None,
            running[1] if running is not None else None,
            staging_job[1] if staging_job is not None else None,
            policy.next_deadline(),
        ) if t is not None]
        if not nxt:
            break
        clock.sleep_until(max(min(nxt), now))

    moved = sum(n for _, n, _ in device.copies)
    paths: dict[str, int] = {}
    for p, _, pinned in device.copies:
        name = p + ("-pinned" if pinned else "")
        paths[name] = paths.get(name, 0) + 1
    return SimResult(
        policy=getattr(policy, "name", type(policy).__name__), results=sorted(results.values(), key=lambda r: r.id),
        loads=len(device.copies), demand_loads=demand_loads, bytes_moved=moved, by_path=paths,
        prefetch_hits=hits, prefetch_misses=misses, peak_bytes=budget.peak, budget_bytes=cfg.budget_bytes,
        over_budget_steps=over + budget.violations, makespan=clock.now(), service_order=order, running_at=running_at,
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
