"""Discrete-event simulation of the runtime on the simulated device, in virtual time.

It drives the real parts — :class:`SchedulerPolicy` (or the FCFS baseline), the
:class:`BasePool` with its budget, leases and eviction, the :class:`HostStaging` pool and
the :class:`SimulatedDevice` (which really copies the (scaled-down) tensors) — with
modelled service times from a trace. Nothing sleeps: the clock jumps from event to event,
so a 30-minute trace runs in seconds and every run is deterministic.

The property tests use it to check the invariants on random streams; the scheduler
benchmark uses it to compare policies.
"""

from __future__ import annotations

import math
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import torch

from ..errors import ResourceExhausted
from .budget import Budget
from .clock import SimClock
from .device import LinkModel, SimulatedDevice
from .hoststage import HostStaging
from .layout import TensorSpec
from .metrics import Metrics
from .policy import INTERACTIVE, FcfsPolicy, Job, SchedulerPolicy
from .pool import BasePool, BaseSpec, _never
from .sources import TensorSource
from .trace import TraceRequest


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


def simulate(trace: Sequence[TraceRequest], bases: Mapping[str, BaseSpec], cfg: SimConfig) -> SimResult:
    clock = SimClock()
    device = SimulatedDevice(clock, cfg.link, scale=cfg.scale)
    budget = Budget(cfg.budget_bytes)
    metrics = Metrics()
    staging = HostStaging(device, cfg.pinned_pool_bytes) if cfg.prefetch and cfg.pinned_pool_bytes > 0 else None
    pool = BasePool(device, budget, staging=staging, metrics=metrics, headroom=lambda: cfg.workspace_bytes)
    policy = cfg.policy
    budget.reserve(cfg.shared_bytes, "shared", what="The shared models")

    results = {r.id: RequestResult(r.id, r.base, r.priority, r.arrival, service_s=r.service_s) for r in trace}
    by_id = {r.id: r for r in trace}
    pending = deque(sorted(trace, key=lambda r: (r.arrival, r.id)))
    running = None        # (job, lease, end)
    staging_job = None    # (key, ready_at)
    loader_free = 0.0
    over = 0
    order: list[str] = []
    running_at: dict[int, tuple[float, float]] = {}
    hits = misses = 0

    def distance(now: float):
        return policy.distance_fn(now) if cfg.lookahead else _never

    while True:
        now = clock.now()
        while pending and pending[0].arrival <= now:
            r = pending.popleft()
            deadline = r.arrival + r.timeout_s if r.timeout_s is not None else None
            policy.submit(Job(r.id, r.base, r.priority, r.arrival, deadline, r.service_s))
        for j in policy.expire(now):
            res = results[j.id]
            res.status, res.error = "timeout", "did not start before its timeout"
        if staging_job is not None and now >= staging_job[1]:
            key = staging_job[0]
            staging_job = None
            spec = bases[key]
            staging.stage(key, spec.packed, spec.source, now)
            pool.prefetch(spec, distance(now), keep_free=cfg.workspace_bytes)
        if running is not None and now >= running[2]:
            job, lease, _ = running
            lease.release()
            budget.release(cfg.workspace_bytes, "workspace")
            results[job.id].status = "done"
            results[job.id].end = now
            running = None
        if running is None:
            d = policy.next(now)
            if d is not None:
                job = d.job
                res = results[job.id]
                res.dispatch = now
                spec = bases[job.base]
                try:
                    dist = distance(now)
                    lease = pool.acquire(spec, dist, keep_free=cfg.workspace_bytes)
                    try:
                        pool.make_free(cfg.workspace_bytes, dist, exclude=job.base)
                        budget.reserve(cfg.workspace_bytes, "workspace", what="The request's workspace")
                    except ResourceExhausted:
                        lease.release()
                        raise
                except ResourceExhausted as exc:
                    res.status, res.error = "failed", exc.message
                    continue
                if lease.swapped or lease.prefetched:
                    if lease.prefetched:
                        hits += 1
                    else:
                        misses += 1
                start = max(now, lease.ready_at() or now)
                res.start, res.swapped, res.path = start, lease.swapped, lease.path
                running = (job, lease, start + by_id[job.id].service_s)
                running_at[job.id] = (start, running[2])
                order.append(job.base)
                if staging is not None and staging_job is None:
                    resident = set(pool.resident()) | {job.base}
                    target = next((b for b in policy.planned_order(now) if b not in resident), None)
                    if target is not None and staging.get(target) is None:
                        t0 = max(now, loader_free)
                        loader_free = t0 + device.link.disk_seconds(device.accounted(bases[target].packed.nbytes))
                        staging_job = (target, loader_free)
                continue
        if budget.used > budget.limit:
            over += 1
        nxt = [t for t in (
            pending[0].arrival if pending else None,
            running[2] if running is not None else None,
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
    demand = sum(1 for r in results.values() if r.swapped)
    return SimResult(
        policy=getattr(policy, "name", type(policy).__name__), results=sorted(results.values(), key=lambda r: r.id),
        loads=len(device.copies), demand_loads=demand, bytes_moved=moved, by_path=paths,
        prefetch_hits=hits, prefetch_misses=misses, peak_bytes=budget.peak, budget_bytes=cfg.budget_bytes,
        over_budget_steps=over + budget.violations, makespan=clock.now(), service_order=order, running_at=running_at,
    )


def fcfs_lru(cfg: SimConfig) -> SimConfig:
    """The baseline configuration: FCFS order, LRU eviction, no prefetch."""
    return SimConfig(cfg.budget_bytes, cfg.shared_bytes, cfg.workspace_bytes, cfg.link, cfg.scale,
                     0, prefetch=False, lookahead=False, policy=FcfsPolicy())


def latency_bound(res: SimResult, trace: Sequence[TraceRequest], hold_s: float, interactive_hold_s: float,
                  t_swap: float | None = None, batch_max_wait_s: float | None = None) -> dict[int, float]:
    """The documented wait bound W(r) for every request that ran (see ``engine.runtime.policy``)."""
    done = {r.id: r for r in res.results if r.start is not None}
    s_max = max((t.service_s for t in trace), default=0.0)
    if t_swap is None:
        t_swap = max((r.start - r.dispatch for r in done.values()), default=0.0)
    H = max(hold_s, interactive_hold_s)
    bounds: dict[int, float] = {}
    for r in trace:
        if r.id not in done:
            continue
        a = r.arrival
        s_run = max((end - a for (st, end) in res.running_at.values() if st <= a < end), default=0.0)
        # the request dispatched before a whose weights were still loading also counts as running
        s_run = max(s_run, max((res.running_at[q.id][1] - a for q in done.values()
                                if q.dispatch is not None and q.dispatch <= a < res.running_at[q.id][1]), default=0.0))
        older = [q for q in trace if (q.arrival, q.id) < (a, r.id)
                 and (q.priority <= r.priority or batch_max_wait_s is not None)
                 and (done.get(q.id) is None or done[q.id].dispatch is None or done[q.id].dispatch > a)
                 and results_status(res, q.id) != "failed"]
        jumpers = []
        if r.priority != INTERACTIVE:
            jumpers = [q for q in trace if q.priority == INTERACTIVE and a < q.arrival < done[r.id].start]
        work = sum(q.service_s for q in older) + sum(q.service_s for q in jumpers)
        turns = len(older) + len(jumpers) + 1
        bounds[r.id] = s_run + work + turns * (H + s_max + t_swap) + t_swap
    return bounds


def results_status(res: SimResult, rid: int) -> str:
    return res.results[rid].status if rid < len(res.results) and res.results[rid].id == rid else "?"
