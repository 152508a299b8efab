"""Simulator, traces and lower bounds (regression checks, not performance claims)."""

from __future__ import annotations

import numpy as np

from engine.runtime.simulation.belady import belady_loads, collapse_runs, compulsory_loads
from engine.runtime.device import LinkModel
from engine.runtime.policy import INTERACTIVE, SchedulerPolicy
from engine.runtime.simulation.sim import SimConfig, fcfs_lru, make_sim_bases, simulate
from engine.runtime.simulation.trace import TraceConfig, cluster_map, offered_load, synthetic_trace

MB = 2**20


def test_belady_is_optimal_on_small_sequences():

    seq = list("abcadbeacbdae")
    assert compulsory_loads(seq) == 5
    assert belady_loads(seq, 5) == 5
    assert belady_loads(seq, 1) == len(collapse_runs(seq))
    # brute force over every eviction choice for k = 2
    def best(i, resident):
        if i == len(seq):
            return 0
        b = seq[i]
        if b in resident:
            return best(i + 1, resident)
        if len(resident) < 2:
            return 1 + best(i + 1, resident | {b})
        return 1 + min(best(i + 1, (resident - {v}) | {b}) for v in resident)

    assert belady_loads(seq, 2) == best(0, frozenset())
    assert belady_loads(collapse_runs(list("aaabbbaaa")), 1) == 3


def test_trace_is_deterministic_and_shaped():
    cfg = TraceConfig(duration_s=600)
    a, b = synthetic_trace(cfg, seed=3), synthetic_trace(cfg, seed=3)
    assert a == b and a != synthetic_trace(cfg, seed=4)
    assert {r.priority for r in a} == {0, 1}
    assert all(x.arrival <= y.arrival for x, y in zip(a, a[1:]))
    counts = np.bincount(cluster_map(300, 8, np.random.default_rng(0)), minlength=8)
    assert counts.sum() == 300 and counts.min() >= 1
    assert 0 < offered_load(a) < 2


def test_ours_swaps_less_than_fcfs_without_hurting_interactive_tail():
    trace = synthetic_trace(TraceConfig(duration_s=900, batch_job_rate=1 / 15), seed=2)
    sizes = {f"cluster-{i}": (240, 290, 330)[i % 3] * MB for i in range(8)}
    bases = make_sim_bases(sizes, scale=2**10)
    cfg = SimConfig(2000 * MB, 950 * MB, 300 * MB, LinkModel.pcie4(), 2**10, 1024 * MB,
                    policy=SchedulerPolicy(2.0, 0.5))
    ours, base = simulate(trace, bases, cfg), simulate(trace, bases, fcfs_lru(cfg))
    assert ours.loads < base.loads
    p99 = lambda res: np.percentile([r.wait for r in res.done() if r.priority == INTERACTIVE], 99)  # noqa: E731
    assert p99(ours) <= p99(base)
    assert ours.over_budget_steps == base.over_budget_steps == 0
    k = (2000 - 950 - 300) // 240
    assert belady_loads(collapse_runs(ours.service_order), k) <= ours.loads
    assert ours.prefetch_hits > 0 and "warm-pinned" in ours.by_path


def test_aging_bounds_batch_waits_under_a_continuous_interactive_stream():
    from engine.runtime.policy import BATCH
    from engine.runtime.simulation.trace import TraceRequest

    reqs = [TraceRequest(i, i * 0.2, "a", INTERACTIVE, 0.25) for i in range(60)]   # overloaded: always waiting
    reqs.append(TraceRequest(60, 1.0, "b", BATCH, 0.25))
    reqs.sort(key=lambda r: (r.arrival, r.id))
    bases = make_sim_bases({"a": 30 * 1024, "b": 30 * 1024})
    link = LinkModel(latency_s=0.001, pinned_bw=1e7, pageable_bw=1e6)

    def wait_of_b(aging):
        res = simulate(reqs, bases, SimConfig(40 * 1024, link=link, policy=SchedulerPolicy(2.0, 0.5, aging)))
        b = next(r for r in res.results if r.base == "b")
        assert b.status == "done"
        return b.wait

    assert wait_of_b(None) >= 60 * 0.25 - 1.0          # strict priority: after the whole interactive backlog
    assert wait_of_b(5.0) <= 5.0 + 0.5 + 2 * 0.25 + 2 * 0.05
