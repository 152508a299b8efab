"""The runtime: device + VRAM budget, base pool, host staging/prefetch and the scheduler.

``engine.runtime`` is a :class:`Runtime`. Parts (one job each):

===============  ==============================================================
``clock``        real and simulated clocks
``budget``       byte accounting under the VRAM limit (never exceeded)
``layout``       tensor layouts packed into one flat buffer (slots, staging)
``device``       device interface, the CPU device (host memory) and the simulated one; ``cuda``: CUDA
``hoststage``    pre-allocated pinned host pool for prefetched bases
``pool``         resident bases in pre-allocated slots, leases, eviction
``policy``       the pure scheduling state machine (hold, priorities)
``serving``      THE serving step (batch choice, lease, room, workspace, release) and the
                 prefetch choice, shared by the scheduler and the simulator
``scheduler``    worker + loader threads carrying out ``serving``'s steps
``metrics``      counters and ``runtime.*`` / ``request.done`` events
``spec``         ``ResolvedBase``: what the speech layer hands the runtime
``simulation``   the simulator (drives ``serving`` in virtual time), traces, Belady bounds
===============  ==============================================================
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from .status import RuntimeStatus

MB = 2**20
#: rows of one base served together when ``runtime.max_batch`` is unset and the device is a GPU
GPU_MAX_BATCH = 8


def _total_ram_mb() -> float | None:
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / MB
    except (ValueError, OSError, AttributeError):  # not available on this platform (Windows)
        return None


class Runtime:
    """Owns the device, budget, pool, staging and scheduler threads for one engine.

    ``Runtime(engine)`` reads ``runtime.device``, ``runtime.vram_limit_mb``,
    ``runtime.pinned_pool_mb``, ``runtime.hold_s`` (and ``runtime.interactive_hold_s``,
    ``runtime.batch_max_wait_s``: 60 s by default, 0 turns aging off), ``runtime.max_batch`` (rows of one base
    served together, capped by the backend's ``max_batch_rows``; 1 turns batching off; unset: 8 on a CUDA device,
    1 on a CPU, where a lone request decodes faster unbatched)
    from the engine's settings. Tests may pass ``device=`` (e.g. a simulated device).
    """

    def __init__(self, engine=None, *, device=None, vram_limit_mb: float | None = None,
                 pinned_pool_mb: float | None = None, hold_s: float | None = None,
                 interactive_hold_s: float | None = None, batch_max_wait_s: float | None = None,
                 events=None, prefetch: bool = True, max_batch: int | None = None) -> None:
        from ..torchutil import configure_torch
        from .budget import Budget
        from .device_factory import make_device
        from .hoststage import HostStaging
        from .metrics import Metrics
        from .policy import SchedulerPolicy
        from .pool import BasePool
        from .scheduler import Scheduler

        configure_torch()
        self.engine = engine
        settings = getattr(engine, "settings", None)

        def setting(key: str, default: Any) -> Any:
            value = settings.get(key, default) if settings is not None else default
            return default if value is None else value

        self.device = device or make_device(getattr(engine, "device_spec", None) or setting("runtime.device", "auto"))
        if vram_limit_mb is None:
            vram_limit_mb = engine.vram_limit_mb if engine is not None else setting("runtime.vram_limit_mb", 4096)
        pinned_pool_mb = setting("runtime.pinned_pool_mb", 1024) if pinned_pool_mb is None else pinned_pool_mb
        ram_mb = _total_ram_mb()
        if ram_mb is not None:  # pinned memory cannot be swapped out: never take more than a quarter of RAM
            pinned_pool_mb = min(float(pinned_pool_mb), ram_mb / 4)
        hold_s = float(setting("runtime.hold_s", 2.0) if hold_s is None else hold_s)
        interactive_hold_s = float(setting("runtime.interactive_hold_s", min(0.5, hold_s))
                                   if interactive_hold_s is None else interactive_hold_s)
        self.events = events if events is not None else getattr(engine, "events", None)
        self.budget = Budget(int(float(vram_limit_mb) * MB))
        self.metrics = Metrics(self.events)
        # pinning only helps copies to a GPU: the CPU device never asks for it (nor claims it)
        self.staging = (HostStaging(self.device, int(float(pinned_pool_mb) * MB), want_pinned=self.device.kind != "cpu")
                        if float(pinned_pool_mb) > 0 else None)
        if batch_max_wait_s is None:
            batch_max_wait_s = setting("runtime.batch_max_wait_s", 60.0)
        batch_max_wait_s = None if batch_max_wait_s is not None and float(batch_max_wait_s) <= 0 else batch_max_wait_s
        self.policy = SchedulerPolicy(hold_s=hold_s, interactive_hold_s=interactive_hold_s,
                                      batch_max_wait_s=batch_max_wait_s)
        self.pool = BasePool(self.device, self.budget, staging=self.staging, metrics=self.metrics)
        if max_batch is None:
            max_batch = setting("runtime.max_batch", None)
        if max_batch is None:   # batched steps pad to blocks of rows: free on a GPU, a lone request's cost on a CPU
            max_batch = GPU_MAX_BATCH if self.device.kind == "cuda" else 1
        max_batch = int(max_batch)
        if max_batch < 1:
            raise InvalidInput(f"runtime.max_batch is {max_batch}; it must be at least 1.",
                               hint="Use 1 to turn batching off, or e.g. 8.")
        self.scheduler = Scheduler(device=self.device, budget=self.budget, pool=self.pool, staging=self.staging,
                                   policy=self.policy, metrics=self.metrics, prefetch=prefetch, max_batch=max_batch)
        self._closed = False

    # -- bases ------------------------------------------------------------------------------------------
    def resolve(self, base):
        """A :class:`~engine.runtime.spec.ResolvedBase` for ``base``: returned as is when it already is one; a
        stored base (name, id or record) is resolved by the speech layer (``engine.speech.resolved_base``)."""
        from .spec import ResolvedBase

        if isinstance(base, ResolvedBase):
            return base
        if self.engine is None:
            raise InvalidInput("This runtime has no library to find the base in.", hint="Pass a resolved base.")
        return self.engine.speech.resolved_base(base)

    def base_spec(self, base) -> tuple[Any, Any, dict]:
        """(BaseSpec, backend, manifest) for a stored base (a name, id or ``BaseRecord``)."""
        r = self.resolve(base)
        return r.spec, r.backend, r.manifest

    def forget(self, key: str) -> None:
        """Drop a base's bytes from the pool and the staging area (the base changed under the same key)."""
        self.pool.discard(key)
        if self.staging is not None:
            self.staging.discard(key)

    def context_for(self, spec, backend):
        """The context for a base that is not in the library (tests, benchmarks)."""
        from .spec import default_context

        assets = None
        if self.engine is not None:
            assets = self.engine.speech.assets()
        return default_context(spec.key, backend.name, assets=assets, device=getattr(self.device, "storage", None))

    # -- requests -----------------------------------------------------------------------------------------
    def submit(self, base, request, references, *, priority: str = "interactive", timeout_s: float | None = None):
        """Queue a synthesis request for a resolved base (see :meth:`resolve`); returns a :class:`RequestHandle`."""
        r = self.resolve(base)
        return self.scheduler.submit(r.spec, r.backend, r.manifest, request, references, context=r.context,
                                     priority=priority, timeout_s=timeout_s)

    def submit_spec(self, spec, backend, manifest, request, references, *, priority: str = "interactive",
                    timeout_s: float | None = None, context=None):
        """Queue a request for a base that is not in the library (tests, benchmarks)."""
        context = context if context is not None else self.context_for(spec, backend)
        return self.scheduler.submit(spec, backend, manifest, request, references, context=context,
                                     priority=priority, timeout_s=timeout_s)

    def hint_prefetch(self, base) -> None:
        """A cue: ``base`` will probably be needed soon (hotkey focus, a voice selected in the GUI)."""
        self.scheduler.hint(self.resolve(base).spec)

    # -- budget -----------------------------------------------------------------------------------------
    def set_vram_limit(self, mb: float) -> dict:
        """Change the VRAM limit now. Idle bases are evicted to fit; memory held by a running
        request is released when it finishes (``pending`` is then ``True`` until it does)."""
        if mb is None or float(mb) <= 0:
            raise InvalidInput("The VRAM limit must be a positive number of megabytes.", hint="For example: 4096.")
        self.budget.set_limit(int(float(mb) * MB))
        self.pool.shrink(self.scheduler.distance_now())
        applied = self.budget.limit == self.budget.target
        self.metrics.residency(self.pool.resident(), self.budget.used, self.budget.limit)
        return {"limit_mb": self.budget.limit / MB, "target_mb": self.budget.target / MB, "pending": not applied}

    # -- status -------------------------------------------------------------------------------------------
    def status(self) -> RuntimeStatus:
        b = self.budget.snapshot()
        return {
            "device": self.device.info(),
            "budget": {k: v for k, v in b.items()},
            "vram_limit_mb": b["limit_bytes"] / MB,
            "used_mb": b["used_bytes"] / MB,
            "resident": self.pool.resident(),
            "slots": self.pool.snapshot(),
            "shared_models": self.scheduler.shared.snapshot(),
            "staging": self.staging.snapshot() if self.staging is not None else None,
            "scheduler": {**self.scheduler.snapshot(), "hold_s": self.policy.hold_s,
                          "interactive_hold_s": self.policy.interactive_hold_s,
                          "batch_max_wait_s": self.policy.batch_max_wait_s},
            "metrics": self.metrics.snapshot(),
        }

    def close(self) -> None:
        """Cancel waiting requests, finish the running one, free the device."""
        if self._closed:
            return
        self._closed = True
        self.scheduler.close()
        self.pool.clear()
        self.scheduler.shared.clear()
        self.device.synchronize()


__all__ = ["Runtime", "RuntimeStatus"]
