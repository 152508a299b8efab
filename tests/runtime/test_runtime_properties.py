"""Property-based tests: random request streams, budgets and base sizes through the simulator, which drives the
shipped serving step (engine.runtime.serving), policy, pool, budget and staging in virtual time.

Invariants: the budget is never exceeded (also during swaps), no leased base is evicted
(the pool raises if it ever tries), every request completes or fails clearly,
interactive requests never wait while a batch request starts, and every request
meets the documented latency bound.
"""

from __future__ import annotations

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.runtime.device import LinkModel
from engine.runtime.policy import BATCH, INTERACTIVE, SchedulerPolicy
from engine.runtime.simulation.sim import SimConfig, fcfs_lru, latency_bound, make_sim_bases, simulate
from engine.runtime.simulation.trace import TraceRequest

KB = 1024


@st.composite
def scenarios(draw):
    n_arch = draw(st.integers(1, 3))
    arch_sizes = [draw(st.integers(2, 24)) * KB for _ in range(n_arch)]
    n_bases = draw(st.integers(1, 5))
    arch_of = {f"b{i}": draw(st.integers(0, n_arch - 1)) for i in range(n_bases)}
    sizes = {k: arch_sizes[a] for k, a in arch_of.items()}
    shared = draw(st.integers(0, 8)) * KB
    workspace = draw(st.integers(0, 4)) * KB
    budget = shared + workspace + draw(st.integers(1, 60)) * KB
    reqs = []
    t = 0.0
    for i in range(draw(st.integers(1, 30))):
        t += draw(st.sampled_from([0.0, 0.0, 0.05, 0.3, 1.0, 4.0]))
        timeout = draw(st.one_of(st.none(), st.sampled_from([0.5, 2.0, 10.0])))
        reqs.append(TraceRequest(i, t, f"b{draw(st.integers(0, n_bases - 1))}",
                                 draw(st.sampled_from([INTERACTIVE, BATCH])),
                                 draw(st.sampled_from([0.05, 0.2, 0.7, 1.5])), 0, timeout))
    link = LinkModel(latency_s=draw(st.sampled_from([0.0, 0.001])), pinned_bw=draw(st.sampled_from([1e5, 1e6])),
                     pageable_bw=draw(st.sampled_from([2e4, 2e5])), disk_bw=draw(st.sampled_from([5e4, 1e6])))
    hold = draw(st.sampled_from([0.0, 0.5, 2.0]))
    ihold = draw(st.sampled_from([0.0, 0.3]))
    aging = draw(st.sampled_from([None, None, 1.0, 4.0]))
    cfg = SimConfig(budget, shared, workspace, link, 1, draw(st.sampled_from([0, 16 * KB, 64 * KB])),
                    prefetch=draw(st.booleans()), lookahead=draw(st.booleans()),
                    policy=SchedulerPolicy(hold, ihold, aging))
    return {k: (sizes[k], f"arch{arch_of[k]}") for k in sizes}, reqs, cfg


def _run(scn):
    sizes, reqs, cfg = scn
    bases = make_sim_bases({k: s for k, (s, _) in sizes.items()}, {k: a for k, (_, a) in sizes.items()})
    return bases, reqs, cfg, simulate(reqs, bases, cfg)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_budget_leases_and_clear_outcomes(scn):
    bases, reqs, cfg, res = _run(scn)
    assert res.over_budget_steps == 0
    assert res.peak_bytes <= cfg.budget_bytes
    by_id = {r.id: r for r in reqs}
    for r in res.results:
        assert r.status in ("done", "failed", "timeout"), r
        if r.status == "done":
            assert r.start is not None and r.end >= r.start >= r.arrival
        elif r.status == "failed":
            assert "VRAM limit" in r.error
            # failing is allowed only when the base cannot fit beside the shared models and the workspace
            need = bases[r.base].packed.nbytes + cfg.workspace_bytes
            assert need > cfg.budget_bytes - cfg.shared_bytes
        else:
            assert by_id[r.id].timeout_s is not None and r.start is None


def _batched(scn, rows):
    import dataclasses

    sizes, reqs, cfg = scn
    # a sublinear batch: the longest row plus 30% of the others (the batching work passes a measured curve)
    model = lambda rs: max(r.service_s for r in rs) + 0.3 * (sum(r.service_s for r in rs) - max(r.service_s for r in rs))  # noqa: E731
    return sizes, reqs, dataclasses.replace(cfg, max_batch=rows, batch_time=model)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.sampled_from([2, 4, 8]))
def test_batches_keep_the_budget_and_every_row_ends_clearly(scn, rows):
    bases, reqs, cfg, res = _run(_batched(scn, rows))
    assert res.over_budget_steps == 0 and res.peak_bytes <= cfg.budget_bytes
    assert all(r.status in ("done", "failed", "timeout") for r in res.results)
    assert max(r.batch for r in res.results) <= rows
    for r in res.done():
        assert r.end >= r.start >= r.arrival
    # rows of one batch share a base and a start
    starts = {}
    for r in res.done():
        starts.setdefault((r.start, r.end), set()).add(r.base)
    assert all(len(b) == 1 for b in starts.values())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.sampled_from([1, 4]))
def test_interactive_never_waits_while_batch_starts(scn, rows):
    _, reqs, cfg, res = _run(_batched(scn, rows))
    by_id = {r.id: r for r in reqs}
    inter = [r for r in res.results if r.priority == INTERACTIVE]
    aging = cfg.policy.batch_max_wait_s
    for b in res.results:
        if b.priority != BATCH or b.dispatch is None:
            continue
        t = b.dispatch
        if aging is not None and t - b.arrival >= aging:
            continue  # an aged batch request competes as interactive (rule 5)
        for r in inter:
            if r.arrival > t:
                continue
            if r.dispatch is not None:
                waiting = r.dispatch > t
            else:
                deadline = r.arrival + by_id[r.id].timeout_s if by_id[r.id].timeout_s is not None else float("inf")
                waiting = r.status != "failed" and deadline > t
            assert not waiting, (b, r)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_documented_latency_bound_holds(scn):
    _, reqs, cfg, res = _run(scn)
    bounds = latency_bound(res, reqs, cfg.policy.hold_s, cfg.policy.interactive_hold_s,
                           batch_max_wait_s=cfg.policy.batch_max_wait_s)
    for r in res.done():
        assert r.wait <= bounds[r.id] + 1e-9, (r, bounds[r.id])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_baseline_keeps_the_same_invariants(scn):
    sizes, reqs, cfg = scn
    bases = make_sim_bases({k: s for k, (s, _) in sizes.items()}, {k: a for k, (_, a) in sizes.items()})
    res = simulate(reqs, bases, fcfs_lru(cfg))
    assert res.over_budget_steps == 0 and res.peak_bytes <= cfg.budget_bytes
    assert all(r.status in ("done", "failed", "timeout") for r in res.results)


@st.composite
def starvation(draw):
    """One base gets a steady stream; another base's single request must not starve behind it."""
    gap = draw(st.sampled_from([0.3, 0.6, 1.0]))
    service = draw(st.sampled_from([0.1, 0.25]))
    n = draw(st.integers(20, 60))
    prio_a = draw(st.sampled_from([INTERACTIVE, BATCH]))
    prio_b = draw(st.sampled_from([INTERACTIVE, BATCH]))
    reqs = [TraceRequest(i, i * gap, "a", prio_a, service) for i in range(n)]
    t_b = draw(st.integers(1, n - 5)) * gap + draw(st.sampled_from([0.0, 0.05]))
    reqs.append(TraceRequest(n, t_b, "b", prio_b, service))
    reqs.sort(key=lambda r: (r.arrival, r.id))
    hold = draw(st.sampled_from([0.5, 1.0, 3.0]))
    cfg = SimConfig(40 * KB, 0, 0, LinkModel(latency_s=0.001, pinned_bw=1e6, pageable_bw=1e5), 1, 0,
                    prefetch=False, policy=SchedulerPolicy(hold, min(hold, 0.5)))
    return reqs, cfg


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(starvation())
def test_a_busy_base_cannot_starve_another(scn):
    reqs, cfg = scn
    bases = make_sim_bases({"a": 30 * KB, "b": 30 * KB})       # only one fits: every switch is a swap
    res = simulate(reqs, bases, cfg)
    bounds = latency_bound(res, reqs, cfg.policy.hold_s, cfg.policy.interactive_hold_s)
    b = next(r for r in res.results if r.base == "b")
    assert b.status == "done" and b.wait <= bounds[b.id] + 1e-9
    if b.priority == INTERACTIVE or all(r.priority == BATCH for r in reqs):
        # nothing with priority over b arrives later: b waits at most one hold, one running request, two swaps
        t_swap = max(r.start - r.dispatch for r in res.done())
        assert b.wait <= cfg.policy.hold_for(b.priority) + 2 * 0.25 + 2 * t_swap + 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["stage", "discard"]), st.integers(0, 7)), min_size=1, max_size=40),
       st.integers(8, 40))
def test_staging_pool_regions_never_overlap_and_keep_their_bytes(ops, capacity_kb):
    from engine.runtime.clock import SimClock
    from engine.runtime.device import SimulatedDevice
    from engine.runtime.hoststage import HostStaging

    sizes = {f"s{i}": (1 + (i * 5) % 12) * KB for i in range(8)}
    bases = make_sim_bases(sizes)
    staging = HostStaging(SimulatedDevice(SimClock()), capacity_kb * KB)
    for t, (op, i) in enumerate(ops):
        key = f"s{i}"
        if op == "stage":
            entry = staging.stage(key, bases[key].packed, bases[key].source, float(t))
            assert entry is not None and entry.ready
        else:
            staging.discard(key)
        regions = sorted((e.offset, e.offset + e.packed.nbytes) for e in staging._entries.values())
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(regions, regions[1:]))
        assert all(end <= staging._stored_capacity for _, end in regions)
        if staging._pool is not None:  # allocated on first use
            free = sum(sz for _, sz in staging._free)
            assert free + sum(end - start for start, end in regions) == staging._stored_capacity
        for k in staging.keys():
            e = staging.get(k)
            data = bases[k].packed.views(e.buffer)["w"]["data"]
            assert torch.equal(data, bases[k].source.groups["w"]["data"])
