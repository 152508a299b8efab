"""The documented latency bound (docs/runtime.md, "Latency bound"), evaluated for a simulated run.

Assumptions: one worker, no preemption, batching off (``max_batch`` 1), a work-conserving policy (the device is
never idle while a request waits), service times known per request (the trace's), swaps bounded by ``T_swap``
(measured: the longest time from dispatch to the start of compute, which includes waiting for the copy engine).

For a request ``r`` arriving at ``a`` with priority ``p``:

* ``S_run`` — what is left at ``a`` of the request running (or dispatched and still loading) then;
* ``O(r)`` — requests older than ``r`` (by arrival, then id) still waiting at ``a`` with priority ``p`` or higher
  (with aging on: every older request, since one may age and compete as interactive);
* ``J(r)`` — for a batch ``r``: interactive requests newer than ``r`` (same arrival time and a larger id counts
  as newer) that arrive before ``r`` is dispatched: strict priority lets them overtake ``r``;
* ``H`` — the larger hold, ``S_max`` the longest service time.

Every base turn that starts while ``r`` waits starts with a request of ``O(r) ∪ J(r)`` (the oldest top-priority
head wins once a hold ends), so at most ``|O ∪ J| + 1`` turns precede ``r``'s (the one running at ``a`` included);
inside a turn, requests newer than ``r`` of the same priority start only during the hold window, so each turn
adds at most ``H + S_max`` of such work and at most one swap. Hence

    W(r) ≤ S_run + Σ_{q ∈ O ∪ J} S_q + (|O ∪ J| + 1) · (H + S_max + T_swap) + T_swap.
"""

from __future__ import annotations

from typing import Sequence

from ..policy import INTERACTIVE
from .trace import TraceRequest


def latency_bound(res, trace: Sequence[TraceRequest], hold_s: float, interactive_hold_s: float,
                  t_swap: float | None = None, batch_max_wait_s: float | None = None) -> dict[int, float]:
    """``request id → bound`` for every request that started."""
    done = {r.id: r for r in res.results if r.start is not None}
    status = {r.id: r.status for r in res.results}
    s_max = max((t.service_s for t in trace), default=0.0)
    if t_swap is None:
        t_swap = max((r.start - r.dispatch for r in done.values()), default=0.0)
    H = max(hold_s, interactive_hold_s)
    bounds: dict[int, float] = {}
    for r in trace:
        if r.id not in done:
            continue
        a = r.arrival
        me = done[r.id]
        s_run = max((end - a for rid, (st, end) in res.running_at.items()
                     if (st <= a or (done[rid].dispatch is not None and done[rid].dispatch <= a)) and a < end),
                    default=0.0)

        def waiting_at_a(q) -> bool:
            d = done.get(q.id)
            return status.get(q.id) != "failed" and (d is None or d.dispatch is None or d.dispatch > a)

        older = [q for q in trace if (q.arrival, q.id) < (a, r.id)
                 and (q.priority <= r.priority or batch_max_wait_s is not None) and waiting_at_a(q)]
        jumpers = []
        if r.priority != INTERACTIVE:
            jumpers = [q for q in trace if q.priority == INTERACTIVE and (q.arrival, q.id) > (a, r.id)
                       and q.arrival <= me.dispatch]
        ahead = older + jumpers
        work = sum(q.service_s for q in ahead)
        bounds[r.id] = s_run + work + (len(ahead) + 1) * (H + s_max + t_swap) + t_swap
    return bounds
