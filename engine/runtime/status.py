"""The shape of :meth:`engine.runtime.Runtime.status` (typed dictionaries: the same plain JSON-ready dict the CLI,
the server and the desktop read, with its fields named for type checkers and readers)."""

from __future__ import annotations

from typing import Any, TypedDict


class BudgetStatus(TypedDict):
    """Bytes under the VRAM budget (``Budget.snapshot``)."""

    limit_bytes: int
    target_bytes: int
    used_bytes: int
    peak_bytes: int
    free_bytes: int
    by_kind: dict[str, int]     # bytes per kind: bases, shared models, workspace, …


class RuntimeStatus(TypedDict):
    """What the runtime holds and does right now."""

    device: dict[str, Any]              # the device's ``info()``: kind, name, memory (CUDA: free / total bytes)
    budget: BudgetStatus
    vram_limit_mb: float
    used_mb: float
    resident: list[str]                 # keys of the bases resident and ready
    slots: list[dict[str, Any]]         # every device slot: base, state, leases, bytes, last use
    shared_models: list[dict[str, Any]]  # models every base of a backend uses (HuBERT, BERT, SV, …)
    staging: dict[str, Any] | None      # pinned host staging (prefetch), None when off
    scheduler: dict[str, Any]           # queues, running batch, max_batch, hold settings
    metrics: dict[str, Any]             # counters: swaps, prefetch hits, batch sizes, latencies
