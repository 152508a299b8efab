"""Runtime counters and the events the GUI and CLI watch (topics listed in ``engine.events``)."""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any

import numpy as np

WINDOW = 2000  # per-request samples kept for percentiles


def percentiles(values, qs=(50, 95, 99)) -> dict[str, float | None]:
    arr = np.asarray(list(values), dtype=float)
    out: dict[str, float | None] = {}
    for q in qs:
        out[f"p{q}"] = float(np.percentile(arr, q)) if arr.size else None
    out["max"] = float(arr.max()) if arr.size else None
    out["mean"] = float(arr.mean()) if arr.size else None
    return out


class Metrics:
    def __init__(self, events=None) -> None:
        self.events = events
        self._lock = threading.Lock()
        self.swaps = 0
        self.swap_bytes = 0
        self.swap_seconds = 0.0
        self.swap_causes: Counter[str] = Counter()
        self.swap_paths: Counter[str] = Counter()
        self.prefetch_hits = 0
        self.prefetch_misses = 0
        self.prefetch_loads = 0
        self.requests: Counter[str] = Counter()
        self.waits: deque[float] = deque(maxlen=WINDOW)
        self.services: deque[float] = deque(maxlen=WINDOW)
        self.last_swap: dict[str, Any] | None = None
        self.queue_lengths: dict[str, int] = {}
        self.batch_sizes: Counter[int] = Counter()   # rows served together (rows that joined included) → batches

    def _publish(self, topic: str, **data: Any) -> None:
        if self.events is not None:
            self.events.publish(topic, **data)

    def swap(self, base: str, evicted: str | None, nbytes: int, seconds: float, cause: str, path: str) -> None:
        with self._lock:
            self.swaps += 1
            self.swap_bytes += int(nbytes)
            self.swap_seconds += float(seconds)
            self.swap_causes[cause] += 1
            self.swap_paths[path] += 1
            self.last_swap = {"base": base, "evicted": evicted, "bytes": int(nbytes), "seconds": float(seconds),
                              "cause": cause, "path": path}
        self._publish("runtime.swap", base=base, evicted=evicted, bytes=int(nbytes), seconds=float(seconds),
                      cause=cause, path=path)

    def residency(self, resident: list[str], used_bytes: int, budget_bytes: int) -> None:
        self._publish("runtime.residency", resident=list(resident), used_bytes=int(used_bytes), budget_bytes=int(budget_bytes))

    def prefetch(self, base: str, hit: bool) -> None:
        with self._lock:
            if hit:
                self.prefetch_hits += 1
            else:
                self.prefetch_misses += 1
        self._publish("runtime.prefetch", base=base, hit=bool(hit))

    def queue(self, lengths: dict[str, int]) -> None:
        with self._lock:
            self.queue_lengths = dict(lengths)
        self._publish("runtime.queue", lengths=dict(lengths))

    def batch(self, rows: int) -> None:
        with self._lock:
            self.batch_sizes[int(rows)] += 1

    def request_done(self, request_id: int, wait_s: float, service_s: float, status: str, **extra: Any) -> None:
        with self._lock:
            self.requests[status] += 1
            if status == "done":
                self.waits.append(float(wait_s))
                self.services.append(float(service_s))
        self._publish("request.done", request_id=request_id, wait_s=float(wait_s), service_s=float(service_s),
                      ok=status == "done", status=status, **extra)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "swaps": self.swaps,
                "swap_bytes": self.swap_bytes,
                "swap_seconds": self.swap_seconds,
                "swap_causes": dict(self.swap_causes),
                "swap_paths": dict(self.swap_paths),
                "last_swap": self.last_swap,
                "prefetch": {"hits": self.prefetch_hits, "misses": self.prefetch_misses},
                "requests": dict(self.requests),
                "wait_s": percentiles(self.waits),
                "service_s": percentiles(self.services),
                "queue_lengths": dict(self.queue_lengths),
                "batch_sizes": dict(sorted(self.batch_sizes.items())),
            }
