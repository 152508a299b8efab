"""Which engine replica is each base's home (routing by base on Ray Serve; no Ray import here).

Serve's stock multiplexed routing only *prefers* a replica that reported the model id, and spills to "the
replica with the fewest models" whenever the preferred one does not accept at once (a queue-length probe that
misses its 0.1 s deadline on a busy machine is enough), and its replicas' LRU lists of ids then drift away
from what Timbrel's pool keeps resident. Measured on this machine, that made swaps with multiplexed routing
no lower than with base-blind routing. :class:`BasePlacement` is the rule that replaces it: each base has one
**home** replica, kept for as long as that replica lives, so every request for a base goes where its base is
resident and each replica's pool holds only its own share of the bases.

* a base without a home goes to a live replica that already holds it (the ids replicas report — several
  ingress routers converge that way), else to the live replica with the fewest homes (ties: the least busy,
  then the replica id, so the choice is deterministic);
* a replica that disappears (died, scaled down) hands its bases back; they are placed again by that rule;
* a replica that appears (restarted, scaled up) takes bases over from the replicas with the most homes until
  the counts differ by at most one — the least recently requested bases move (each move costs one swap).
"""

from __future__ import annotations

import itertools
from typing import Iterable, Mapping


class BasePlacement:
    def __init__(self) -> None:
        self.homes: dict[str, str] = {}        # base → replica id
        self._used: dict[str, int] = {}        # base → request sequence number (its last request)
        self._tick = itertools.count(1)
        self._live: frozenset[str] = frozenset()
        self.moves = 0                          # homes moved by rebalancing (not counting first placements)

    def home(self, base: str, live: Iterable[str], *, holders: Mapping[str, Iterable[str]] | None = None,
             busy: Mapping[str, int] | None = None) -> str:
        """The home replica of ``base`` among the ``live`` replica ids (``holders``: replica id → the bases it
        reports; ``busy``: replica id → requests in flight, a tie-breaker)."""
        live_set = frozenset(live)
        if not live_set:
            raise ValueError("no live replica")
        self._used[base] = next(self._tick)
        if live_set != self._live:
            self._replicas_changed(live_set)
        home = self.homes.get(base)
        if home in live_set:
            return home
        holding = [r for r in sorted(live_set) if base in set((holders or {}).get(r, ()))]
        counts = self.counts()
        home = min(holding or sorted(live_set), key=lambda r: (counts.get(r, 0), (busy or {}).get(r, 0), r))
        self.homes[base] = home
        return home

    def counts(self) -> dict[str, int]:
        out = {r: 0 for r in self._live}
        for r in self.homes.values():
            if r in out:
                out[r] += 1
        return out

    def _replicas_changed(self, live: frozenset[str]) -> None:
        gone = self._live - live
        new = live - self._live
        self._live = live
        if gone:
            self.homes = {b: r for b, r in self.homes.items() if r in live}
        if new and self.homes:
            self._rebalance()

    def _rebalance(self) -> None:
        """Move least recently requested bases from the fullest replicas to the emptiest, until balanced."""
        while True:
            counts = self.counts()
            most = max(counts, key=lambda r: (counts[r], r))
            least = min(counts, key=lambda r: (counts[r], r))
            if counts[most] - counts[least] <= 1:
                return
            victim = min((b for b, r in self.homes.items() if r == most), key=lambda b: self._used.get(b, 0))
            self.homes[victim] = least
            self.moves += 1


__all__ = ["BasePlacement"]
