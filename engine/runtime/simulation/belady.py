"""Offline lower bounds on the number of base loads (swaps) for a trace.

* ``compulsory_loads`` — every distinct base must be loaded at least once: a lower bound
  for any schedule and any eviction policy.
* ``belady_loads`` — Belady's MIN (evict the base whose next use is furthest) for a fixed
  order of uses and ``k`` equal slots: the fewest loads any eviction policy can achieve
  for that order. With bases of different sizes, use ``k`` = how many of the *smallest*
  base fit: more room can only mean fewer loads, so it stays a lower bound.
"""

from __future__ import annotations

from typing import Sequence


def compulsory_loads(seq: Sequence[str]) -> int:
    return len(set(seq))


def belady_loads(seq: Sequence[str], k: int) -> int:
    if k <= 0:
        raise ValueError("at least one slot is needed")
    n = len(seq)
    nxt = [n] * n
    last: dict[str, int] = {}
    for i in range(n - 1, -1, -1):
        nxt[i] = last.get(seq[i], n + 1 + i)  # never used again: beyond the end (ties broken by position)
        last[seq[i]] = i
    resident: dict[str, int] = {}  # base → index of its next use
    loads = 0
    for i, b in enumerate(seq):
        if b in resident:
            resident[b] = nxt[i]
            continue
        loads += 1
        if len(resident) >= k:
            victim = max(resident, key=resident.__getitem__)
            del resident[victim]
        resident[b] = nxt[i]
    return loads


def collapse_runs(seq: Sequence[str]) -> list[str]:
    """Consecutive uses of one base need one load: the run-collapsed sequence has the same Belady count."""
    out: list[str] = []
    for b in seq:
        if not out or out[-1] != b:
            out.append(b)
    return out
