"""Scheduler benchmark on the simulated device (virtual time; link costs are MODELLED, printed below).

Synthetic trace: Zipf(1) popularity over 300 voices in 8 clusters (one base each; GPT-SoVITS v2 /
v2Pro / v2ProPlus sizes 240/290/330 MB), bursty interactive requests (Gamma arrivals, cv 3) mixed with
batch jobs (runs of sentences for one voice queued at once), ~80% offered load. The VRAM limit leaves
room for the shared models (950 MB), one request's workspace (300 MB) and two to three bases.

Policies, each on the same trace and link, all through the shipped serving step (engine.runtime.serving):
  fcfs+lru        one global FIFO, no priorities, LRU eviction, no prefetch (the weak baseline)
  prio-fifo+lru   interactive first, one global FIFO within a class, LRU eviction, no prefetch (the honest
                  baseline: it has the same strict priority as ours, so the comparison isolates holds,
                  queue-lookahead eviction and prefetch)
  ours-noprefetch per-base queues, oldest head first, hold, strict interactive priority, queue-lookahead eviction
  ours            the same plus prefetch (disk → pinned staging → free slot on the copy engine)
Lower bounds on swaps: every distinct base once (compulsory), and Belady's MIN for the service order
of each policy with k = how many of the smallest base fit (a relaxation, so a true lower bound).

    python benchmarks/scheduler.py [--seed 1] [--duration 1800]
Writes benchmarks/results/scheduler.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.runtime.simulation.belady import belady_loads, collapse_runs, compulsory_loads  # noqa: E402
from engine.runtime.device import LinkModel  # noqa: E402
from engine.runtime.policy import BATCH, INTERACTIVE, SchedulerPolicy  # noqa: E402
from engine.runtime.simulation.sim import SimConfig, fcfs_lru, make_sim_bases, priority_fifo_lru, simulate  # noqa: E402
from engine.runtime.simulation.trace import TraceConfig, offered_load, synthetic_trace  # noqa: E402

MB = 2**20
SCALE = 2**10  # the simulated device stores 1 KiB per accounted MiB (tensors are really copied)
ARCH_MB = {"v2": 240, "v2pro": 290, "v2proplus": 330}
LINKS = {
    "desktop (PCIe 4 x16, NVMe)": LinkModel(latency_s=20e-6, pinned_bw=24e9, pageable_bw=6e9, disk_bw=3.5e9),
    "laptop (PCIe 3 x8, SATA SSD)": LinkModel(latency_s=50e-6, pinned_bw=6e9, pageable_bw=3e9, disk_bw=0.5e9),
}


def pct(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


def summarize(res, trace):
    done = res.done()
    by_prio = {p: np.array([r.wait for r in done if r.priority == p]) for p in (INTERACTIVE, BATCH)}
    allw = np.array([r.wait for r in done])
    stall = sum(r.start - r.dispatch for r in done)
    busy = sum(r.service_s for r in done) + stall
    return {
        "swaps": res.loads, "demand_swaps": res.demand_loads, "prefetch_swaps": res.loads - res.demand_loads,
        "gb_moved": res.bytes_moved / 2**30, "by_path": res.by_path,
        "prefetch_hits": res.prefetch_hits, "prefetch_misses": res.prefetch_misses,
        "swap_stall_s": stall, "throughput_rps": len(done) / res.makespan, "busy_fraction": busy / res.makespan,
        "done": len(done), "failed": sum(r.status != "done" for r in res.results),
        "peak_mb": res.peak_bytes / MB, "over_budget_steps": res.over_budget_steps,
        "wait": {name: {"p50": pct(w, 50), "p95": pct(w, 95), "p99": pct(w, 99), "max": float(w.max()) if len(w) else None}
                 for name, w in (("all", allw), ("interactive", by_prio[INTERACTIVE]), ("batch", by_prio[BATCH]))},
        "service_order": res.service_order,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="scheduler benchmark on the simulated device")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=1800.0)
    ap.add_argument("--budget-mb", type=int, default=2000)
    ap.add_argument("--hold", type=float, default=2.0)
    ap.add_argument("--interactive-hold", type=float, default=0.5)
    ap.add_argument("--batch-max-wait", type=float, default=60.0, help="aging; 0 = strict priority")
    ap.add_argument("--sweep", type=int, nargs="*", default=[2400, 3000], help="more VRAM limits (MB) to compare")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scheduler.json"))
    args = ap.parse_args(argv)

    aging = args.batch_max_wait if args.batch_max_wait > 0 else None
    tcfg = TraceConfig(duration_s=args.duration, batch_job_rate=1 / 15.0)
    trace = synthetic_trace(tcfg, seed=args.seed)
    archs = list(ARCH_MB)
    arch_of = {f"cluster-{i}": archs[i % len(archs)] for i in range(tcfg.n_clusters)}
    sizes = {k: ARCH_MB[a] * MB for k, a in arch_of.items()}
    bases = make_sim_bases(sizes, arch_of, scale=SCALE)
    shared, workspace = 950 * MB, 300 * MB
    room = args.budget_mb * MB - shared - workspace
    k_relaxed = max(1, room // min(sizes.values()))
    n_int = sum(r.priority == INTERACTIVE for r in trace)
    print(f"trace: {len(trace)} requests ({n_int} interactive, {len(trace) - n_int} batch) over {args.duration:.0f} s, "
          f"offered load {offered_load(trace):.2f}; {len(bases)} bases; VRAM limit {args.budget_mb} MB "
          f"(shared {shared // MB} MB, workspace {workspace // MB} MB); hold {args.hold} s / interactive {args.interactive_hold} s;"
          f" batch aging {aging} s")
    out = {"trace": {"requests": len(trace), "interactive": n_int, "offered_load": offered_load(trace),
                     "config": tcfg.__dict__, "seed": args.seed},
           "budget_mb": args.budget_mb, "hold_s": args.hold, "interactive_hold_s": args.interactive_hold,
           "batch_max_wait_s": aging, "shared_mb": shared // MB, "workspace_mb": workspace // MB,
           "base_mb": {k: v // MB for k, v in sizes.items()}, "scale": SCALE, "links": {}, "k_relaxed": int(k_relaxed)}
    for link_name, link in LINKS.items():
        base = dict(budget_bytes=args.budget_mb * MB, shared_bytes=shared, workspace_bytes=workspace, link=link,
                    scale=SCALE, pinned_pool_bytes=1024 * MB)
        policy = lambda: SchedulerPolicy(args.hold, args.interactive_hold, aging)  # noqa: E731
        configs = {
            "fcfs+lru": fcfs_lru(SimConfig(**base)),
            "prio-fifo+lru": priority_fifo_lru(SimConfig(**base)),
            "ours-noprefetch": SimConfig(**base, prefetch=False, policy=policy()),
            "ours": SimConfig(**base, policy=policy()),
        }
        rows = {}
        for name, cfg in configs.items():
            t0 = time.perf_counter()
            res = simulate(trace, bases, cfg)
            rows[name] = summarize(res, trace)
            rows[name]["sim_seconds"] = time.perf_counter() - t0
            rows[name]["belady_lower_bound"] = belady_loads(collapse_runs(res.service_order), int(k_relaxed))
        fc, pf, us = rows["fcfs+lru"], rows["prio-fifo+lru"], rows["ours"]
        bounds = {"compulsory": compulsory_loads([r.base for r in trace])}
        print(f"\nlink: {link_name}: {json.dumps(link.to_dict())}")
        print(f"{'policy':16} {'swaps':>5} {'(pref.)':>7} {'GB':>6} {'stall s':>7} {'req/s':>6} "
              f"{'int p50':>7} {'int p95':>7} {'int p99':>7} {'int max':>7} {'all p50':>7} {'all p99':>7} {'bat p99':>7} {'Belady':>6}")
        for name, r in rows.items():
            wi, wa, wb = r["wait"]["interactive"], r["wait"]["all"], r["wait"]["batch"]
            print(f"{name:16} {r['swaps']:5d} {r['prefetch_swaps']:7d} {r['gb_moved']:6.1f} {r['swap_stall_s']:7.1f} "
                  f"{r['throughput_rps']:6.3f} {wi['p50']:7.2f} {wi['p95']:7.2f} {wi['p99']:7.2f} {wi['max']:7.2f} "
                  f"{wa['p50']:7.2f} {wa['p99']:7.2f} {wb['p99']:7.2f} {r['belady_lower_bound']:6d}")
        ratios = {
            "swaps_ours_vs_priofifo": us["swaps"] / pf["swaps"],
            "stall_ours_vs_priofifo": us["swap_stall_s"] / pf["swap_stall_s"] if pf["swap_stall_s"] else None,
            "interactive_p50_ours_vs_priofifo": us["wait"]["interactive"]["p50"] / pf["wait"]["interactive"]["p50"]
            if pf["wait"]["interactive"]["p50"] else None,
            "interactive_p99_ours_vs_priofifo": us["wait"]["interactive"]["p99"] / pf["wait"]["interactive"]["p99"],
            "all_p50_ours_vs_priofifo": us["wait"]["all"]["p50"] / pf["wait"]["all"]["p50"] if pf["wait"]["all"]["p50"] else None,
            "all_p99_ours_vs_priofifo": us["wait"]["all"]["p99"] / pf["wait"]["all"]["p99"],
            "swaps_ours_vs_fcfs": us["swaps"] / fc["swaps"],
            "interactive_p99_ours_vs_fcfs": us["wait"]["interactive"]["p99"] / fc["wait"]["interactive"]["p99"],
            "all_p99_ours_vs_fcfs": us["wait"]["all"]["p99"] / fc["wait"]["all"]["p99"],
            "ours_vs_belady_own_order": us["swaps"] / us["belady_lower_bound"],
            "ours_vs_compulsory": us["swaps"] / bounds["compulsory"],
        }
        print(f"ours/prio-fifo+lru: swaps {ratios['swaps_ours_vs_priofifo']:.2f}x, stall "
              f"{ratios['stall_ours_vs_priofifo'] or float('nan'):.2f}x, interactive p99 wait "
              f"{ratios['interactive_p99_ours_vs_priofifo']:.2f}x, all p99 {ratios['all_p99_ours_vs_priofifo']:.2f}x")
        print(f"ours/fcfs: swaps {ratios['swaps_ours_vs_fcfs']:.2f}x, interactive p99 wait "
              f"{ratios['interactive_p99_ours_vs_fcfs']:.2f}x, all p99 {ratios['all_p99_ours_vs_fcfs']:.2f}x; "
              f"gap to Belady (same order, k={k_relaxed}): {ratios['ours_vs_belady_own_order']:.2f}x; "
              f"compulsory swaps: {bounds['compulsory']}")
        for r in rows.values():
            r.pop("service_order")
        out["links"][link_name] = {"link": link.to_dict(), "rows": rows, "bounds": bounds, "ratios": ratios}
    # budget sweep on the desktop link: how the comparison moves with room for more bases
    link = LINKS["desktop (PCIe 4 x16, NVMe)"]
    print(f"\nbudget sweep (desktop link): {'limit MB':>8} {'policy':>13} {'swaps':>6} {'demand':>6} {'prefetch':>8} "
          f"{'stall s':>7} {'int p99':>7} {'all p99':>7}")
    out["budget_sweep"] = []
    for budget_mb in args.sweep:
        base = dict(budget_bytes=budget_mb * MB, shared_bytes=shared, workspace_bytes=workspace, link=link,
                    scale=SCALE, pinned_pool_bytes=1024 * MB)
        for name, cfg in (("fcfs+lru", fcfs_lru(SimConfig(**base))),
                          ("prio-fifo+lru", priority_fifo_lru(SimConfig(**base))),
                          ("ours", SimConfig(**base, policy=SchedulerPolicy(args.hold, args.interactive_hold, aging)))):
            r = summarize(simulate(trace, bases, cfg), trace)
            r.pop("service_order")
            print(f"{'':29}{budget_mb:8d} {name:>13} {r['swaps']:6d} {r['demand_swaps']:6d} {r['prefetch_swaps']:8d} "
                  f"{r['swap_stall_s']:7.1f} {r['wait']['interactive']['p99']:7.2f} {r['wait']['all']['p99']:7.2f}")
            out["budget_sweep"].append({"budget_mb": budget_mb, "policy": name, **r})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
