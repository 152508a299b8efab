"""Scheduling policy: a pure state machine over the queues, the current base and the clock.

No threads, no device, no torch: the worker thread and the simulator both call
:meth:`SchedulerPolicy.next` whenever the device is free, and tests drive it directly.

Rules (``SchedulerPolicy``):

1. One FIFO queue per base; inside a queue interactive requests come before batch ones,
   then arrival order.
2. **Strict priority** (up to aging, rule 5): while any interactive request waits, no batch request starts —
   interactive work never waits behind a batch hold (only behind the one request already
   running, which is not preempted).
3. Among the bases whose head has the top waiting priority, the **current** base (the one
   last started) keeps serving while it has work at that priority, but only until
   ``hold`` seconds after another base's request (of that priority) started waiting —
   measured from ``max(that request's arrival, the time the current base took over)``.
   ``hold`` is ``hold_s`` for batch and ``interactive_hold_s`` for interactive work.
4. Otherwise the base whose head request is **oldest** goes next.
5. **Aging** (``batch_max_wait_s``, default 60 s): a batch request that has waited that long
   competes as an interactive one (by its arrival time), but never twice in a row: between two
   aged batch requests at least one other request runs. Batch work cannot starve under a
   continuous interactive stream, and an interactive request waits for at most one aged batch
   request per request ahead of it. Before that age rule 2 holds strictly.

Latency bound (checked by the property tests on random streams). Let ``O(r)`` be the requests
older than ``r`` with the same or a higher priority that are still waiting when ``r`` arrives,
``S_run`` what is left of the request running then (a running request is never preempted),
``H`` the larger hold, ``S_max`` the longest service time and ``T_swap`` the longest swap.
Every base *turn* (a stretch of requests of one base) that starts before ``r`` starts with a
request from ``O(r)`` (the oldest head wins once a hold ends), so at most ``|O(r)| + 1`` turns
precede ``r``'s; inside a turn, requests newer than ``r`` only start during the hold window, so
each turn adds at most ``H + S_max`` of newer work and one swap. Hence

    W(r) ≤ S_run + Σ_{q ∈ O(r)} S_q + (|O(r)| + 1) · (H + S_max + T_swap) + T_swap.

Interactive requests never count batch requests in ``O(r)`` unless aging is on, in which case
batch requests older than ``r`` count too (one of them may age and go first). A batch request can also be
overtaken by interactive requests arriving while it waits (strict priority); each of those adds
its own service time and one more turn to the bound. In the common case (one or two requests
per other base ahead of ``r``) this is ``S_run + (G + 1)·(H + S_max + T_swap)`` beyond the FCFS work
ahead, with ``G`` the number of other bases that have older requests.

Baselines: ``FcfsPolicy`` — one global first-come-first-served queue, no priorities;
``PriorityFifoPolicy`` — interactive first, one global FIFO within a class (no per-base holds, no aging).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

INTERACTIVE = 0
BATCH = 1
PRIORITY_NAMES = {"interactive": INTERACTIVE, "batch": BATCH}


def priority_value(name: str | int) -> int:
    if isinstance(name, int):
        return name
    from ..errors import InvalidInput

    try:
        return PRIORITY_NAMES[name]
    except KeyError:
        raise InvalidInput(f"Unknown priority '{name}'.", hint="Use 'interactive' or 'batch'.") from None


@dataclass(frozen=True)
class Job:
    id: int
    base: str
    priority: int
    arrival: float
    deadline: float | None = None   # must have started by then, else it times out
    cost: float = 0.0               # estimated service seconds (statistics only)

    def order(self) -> tuple:
        return (self.priority, self.arrival, self.id)


@dataclass(frozen=True)
class Decision:
    job: Job
    switched: bool        # a different base than the current one
    reason: str           # continue | hold | oldest | idle


class SchedulerPolicy:
    name = "hold"

    def __init__(self, hold_s: float = 2.0, interactive_hold_s: float = 0.5,
                 batch_max_wait_s: float | None = None) -> None:
        if hold_s < 0 or interactive_hold_s < 0 or (batch_max_wait_s is not None and batch_max_wait_s < 0):
            raise ValueError("hold and wait times cannot be negative")
        self.hold_s = float(hold_s)
        self.interactive_hold_s = float(interactive_hold_s)
        self.batch_max_wait_s = None if batch_max_wait_s is None else float(batch_max_wait_s)
        self.last_was_aged = False   # the previous dispatch was an aged batch request (no two in a row)
        self.queues: dict[str, list[Job]] = {}
        self.current: str | None = None
        self.current_since: float = 0.0

    # -- queue -----------------------------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        q = self.queues.setdefault(job.base, [])
        q.append(job)
        q.sort(key=Job.order)

    def cancel(self, job_id: int) -> Job | None:
        for base, q in self.queues.items():
            for i, j in enumerate(q):
                if j.id == job_id:
                    q.pop(i)
                    if not q:
                        del self.queues[base]
                    return j
        return None

    def expire(self, now: float) -> list[Job]:
        """Remove and return waiting jobs whose start deadline has passed."""
        gone = [j for q in self.queues.values() for j in q if j.deadline is not None and now >= j.deadline]
        for j in gone:
            self.cancel(j.id)
        return gone

    def drain(self) -> list[Job]:
        jobs = [j for q in self.queues.values() for j in q]
        self.queues.clear()
        return sorted(jobs, key=Job.order)

    def waiting(self) -> int:
        return sum(len(q) for q in self.queues.values())

    def lengths(self) -> dict[str, int]:
        return {b: len(q) for b, q in self.queues.items()}

    def jobs(self) -> list[Job]:
        return sorted((j for q in self.queues.values() for j in q), key=Job.order)

    def next_deadline(self) -> float | None:
        ds = [j.deadline for q in self.queues.values() for j in q if j.deadline is not None]
        return min(ds) if ds else None

    # -- choice ------------------------------------------------------------------------------------------
    def hold_for(self, priority: int) -> float:
        return self.interactive_hold_s if priority == INTERACTIVE else self.hold_s

    def effective_priority(self, job: Job, now: float) -> int:
        if job.priority != INTERACTIVE and not self.last_was_aged and self._aged(job, now):
            return INTERACTIVE
        return job.priority

    def _aged(self, job: Job, now: float) -> bool:
        return self.batch_max_wait_s is not None and now - job.arrival >= self.batch_max_wait_s

    def _head(self, q: list[Job], now: float) -> tuple[int, Job, int]:
        """(index, job, effective priority) of the job a base would run next."""
        first = q[0]
        best = (0, first, self.effective_priority(first, now))
        if first.priority == INTERACTIVE and self.batch_max_wait_s is not None:
            for i, j in enumerate(q):  # the oldest batch job, if it has aged and is older than the head
                if j.priority != INTERACTIVE:
                    if self.effective_priority(j, now) == INTERACTIVE and j.arrival < first.arrival:
                        best = (i, j, INTERACTIVE)
                    break
        return best

    def _choose(self, now: float) -> tuple[str, str] | None:
        if not self.queues:
            return None
        heads_full = {b: self._head(q, now) for b, q in self.queues.items()}
        top = min(p for _, _, p in heads_full.values())
        cands = {b: h for b, (_, h, p) in heads_full.items() if p == top}
        cur = self.current
        if cur in cands:
            others = [h for b, h in cands.items() if b != cur]
            if not others:
                return cur, "continue"
            oldest_other = min(h.arrival for h in others)
            # "oldest" is (arrival, id): a request that arrived at the same instant but later in order does not
            # keep the current base ahead of an older one (the latency bound counts it as newer)
            if (cands[cur].arrival, cands[cur].id) <= min((h.arrival, h.id) for h in others):
                return cur, "oldest"
            if now < max(oldest_other, self.current_since) + self.hold_for(top):
                return cur, "hold"
            cands = {b: h for b, h in cands.items() if b != cur}
        base = min(cands, key=lambda b: cands[b].order())
        return base, "oldest"

    def next(self, now: float) -> Decision | None:
        """Pop the job to start now (the device is free), or ``None`` when nothing waits."""
        choice = self._choose(now)
        if choice is None:
            return None
        base, reason = choice
        q = self.queues[base]
        job = q.pop(self._head(q, now)[0])
        self.last_was_aged = job.priority != INTERACTIVE and self._aged(job, now)
        if not q:
            del self.queues[base]
        switched = base != self.current
        if switched:
            self.current = base
            self.current_since = now
        return Decision(job, switched, reason)

    def planned_order(self, now: float) -> list[str]:
        """Bases in the order they would be served if nothing else arrived (for eviction and prefetch)."""
        heads = sorted(((p, h.arrival, h.id, b) for b, (_, h, p) in
                        ((b, self._head(q, now)) for b, q in self.queues.items())))
        order = [b for *_, b in heads]
        choice = self._choose(now)
        if choice is not None:
            order.remove(choice[0])
            order.insert(0, choice[0])
        return order

    def distance_fn(self, now: float) -> Callable[[str], float]:
        ranks = {b: i for i, b in enumerate(self.planned_order(now))}
        return lambda b: ranks.get(b, math.inf)


class FcfsPolicy(SchedulerPolicy):
    """Baseline: one global FIFO over every request, no priorities, no holds."""

    name = "fcfs"

    def __init__(self) -> None:
        super().__init__(0.0, 0.0)

    def _choose(self, now: float) -> tuple[str, str] | None:
        if not self.queues:
            return None
        base = min(self.queues, key=lambda b: (self.queues[b][0].arrival, self.queues[b][0].id))
        return base, "oldest"

    def submit(self, job: Job) -> None:
        q = self.queues.setdefault(job.base, [])
        q.append(job)
        q.sort(key=lambda j: (j.arrival, j.id))

    def planned_order(self, now: float) -> list[str]:
        seen: list[str] = []
        for j in sorted((j for q in self.queues.values() for j in q), key=lambda j: (j.arrival, j.id)):
            if j.base not in seen:
                seen.append(j.base)
        return seen


class PriorityFifoPolicy(SchedulerPolicy):
    """Baseline: interactive requests first, then one global FIFO within each class; no holds, no aging."""

    name = "prio-fifo"

    def __init__(self) -> None:
        super().__init__(0.0, 0.0, None)

    def _choose(self, now: float) -> tuple[str, str] | None:
        if not self.queues:
            return None
        base = min(self.queues, key=lambda b: self.queues[b][0].order())
        return base, "oldest"

    def planned_order(self, now: float) -> list[str]:
        seen: list[str] = []
        for j in sorted((j for q in self.queues.values() for j in q), key=Job.order):
            if j.base not in seen:
                seen.append(j.base)
        return seen
