"""The scheduling mechanism: a worker thread that runs requests and a loader thread that prefetches.

Policy (which request next, which base to evict, what to prefetch) is decided by the pure
:class:`SchedulerPolicy` under ``self._cond``; this module only carries the decisions out:
lease the base in the :class:`BasePool` (swapping it in when needed), reserve the
request's workspace, make compute wait on the copy, stream chunks to the handle, release.

The loader thread stages the next base the policy will need (or a hotkey/GUI hint, or
the most used recent base) from disk into the host staging pool, then copies it into a
free device slot on the copy stream while the worker computes.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from ..errors import Cancelled, ResourceExhausted, TimbrelError
from .budget import Budget
from .hoststage import HostStaging
from .metrics import Metrics
from .policy import PRIORITY_NAMES, Job, SchedulerPolicy, priority_value
from .pool import BasePool, BaseSpec
from .requests import RequestHandle, RequestTimedOut

log = logging.getLogger(__name__)

RECENT = 32  # recent requests remembered for "recent use" prefetch prediction


@dataclass
class Work:
    """Everything needed to run one request once its turn comes."""

    spec: BaseSpec
    backend: Any
    manifest: dict
    request: Any          # backends.base.SynthesisRequest
    references: Any       # backends.base.References
    handle: RequestHandle
    job: Job
    workspace: int = 0
    context: Any = None   # backends.base.SynthesisContext


class SharedModels:
    """Models every base of a backend uses (HuBERT, BERT, SV...), loaded once and kept resident."""

    def __init__(self, device, budget: Budget, pool: BasePool) -> None:
        self.device = device
        self.budget = budget
        self.pool = pool
        self._lock = threading.Lock()
        self.loaded: dict[str, tuple[Any, int]] = {}

    def ensure(self, backend, manifest, distance, context=None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for sm in backend.shared_models(manifest, context):
            with self._lock:
                if sm.name not in self.loaded:
                    acc = int(sm.nbytes)
                    self.pool.make_free(acc, distance)
                    self.budget.reserve(acc, "shared", what=f"The shared model '{sm.name}'")
                    try:
                        obj = backend.load_shared(sm.name, self.device, context)
                    except BaseException:
                        self.budget.release(acc, "shared")
                        raise
                    self.loaded[sm.name] = (obj, acc)
                out[sm.name] = self.loaded[sm.name][0]
        return out

    def clear(self) -> None:
        with self._lock:
            for _, acc in self.loaded.values():
                self.budget.release(acc, "shared")
            self.loaded.clear()

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {name: acc for name, (_, acc) in self.loaded.items()}


class Scheduler:
    def __init__(self, *, device, budget: Budget, pool: BasePool, staging: HostStaging | None,
                 policy: SchedulerPolicy, metrics: Metrics, prefetch: bool = True) -> None:
        self.device = device
        self.clock = device.clock
        self.budget = budget
        self.pool = pool
        self.staging = staging
        self.policy = policy
        self.metrics = metrics
        self.prefetch_enabled = prefetch and staging is not None
        self.shared = SharedModels(device, budget, pool)
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._work: dict[int, Work] = {}
        self._running: Work | None = None
        self._closing = False
        self._closed = False
        self._hints: deque[BaseSpec] = deque(maxlen=4)
        self._recent: deque[str] = deque(maxlen=RECENT)
        self._specs: dict[str, BaseSpec] = {}
        self._loader_kick = False
        self._headroom = 0
        self.loader_error: str | None = None
        self._worker = threading.Thread(target=self._worker_loop, name="timbrel-runtime-worker", daemon=True)
        self._loader = threading.Thread(target=self._loader_loop, name="timbrel-runtime-housekeeper", daemon=True)
        self._started = False

    # -- submitting --------------------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if not self._started:
            self._started = True
            self._worker.start()
            self._loader.start()

    def submit(self, spec: BaseSpec, backend, manifest, request, references, *, context=None,
               priority: str = "interactive", timeout_s: float | None = None) -> RequestHandle:
        prio = priority_value(priority)
        pname = priority if isinstance(priority, str) else {v: k for k, v in PRIORITY_NAMES.items()}[prio]
        workspace = int(backend.workspace_bytes(manifest, request))
        with self._cond:
            if self._closing:
                raise ResourceExhausted("The engine is shutting down and takes no new requests.",
                                        hint="Open the engine again to speak.")
            now = self.clock.now()
            rid = next(self._ids)
            handle = RequestHandle(rid, spec.label or spec.key, pname, now)
            deadline = now + timeout_s if timeout_s is not None else None
            job = Job(rid, spec.key, prio, now, deadline, float(backend.estimate_seconds(manifest, request)))
            work = Work(spec, backend, manifest, request, references, handle, job, workspace, context)
            self._work[rid] = work
            self._specs[spec.key] = spec
            handle._on_cancel = self._cancel_waiting
            self.policy.submit(job)
            self._ensure_started()
            self.metrics.queue(self.policy.lengths())
            self._cond.notify_all()
        return handle

    def _cancel_waiting(self, handle: RequestHandle) -> None:
        with self._cond:
            job = self.policy.cancel(handle.request_id)
            work = self._work.pop(handle.request_id, None) if job is not None else None
            if job is not None:
                self.metrics.queue(self.policy.lengths())
        if work is not None:
            self._finish(work, "cancelled", Cancelled("The request was cancelled."), 0.0, 0.0)

    def hint(self, spec: BaseSpec) -> None:
        """A cue says this base will be wanted soon (hotkey focus, GUI selection): stage it."""
        with self._cond:
            self._specs[spec.key] = spec
            self._hints.append(spec)
            self._loader_kick = True
            self._ensure_started()
            self._cond.notify_all()

    # -- worker --------------------------------------------------------------------------------------------
    def _expire_locked(self, now: float) -> list[Work]:
        expired = [self._work.pop(j.id) for j in self.policy.expire(now) if j.id in self._work]
        if expired:
            self.metrics.queue(self.policy.lengths())
        return expired

    def _time_out(self, expired: list[Work], now: float) -> None:
        for w in expired:
            self._finish(w, "timeout", RequestTimedOut(
                "The request timed out before the device was free.",
                hint="Try again, raise the timeout, or raise the VRAM limit so more bases stay loaded."),
                now - w.job.arrival, 0.0)

    def _next_work(self) -> Work | None:
        while True:
            with self._cond:
                now = self.clock.now()
                expired = self._expire_locked(now)
                d = None if expired else self.policy.next(now)
                if d is not None:
                    work = self._work.pop(d.job.id)
                    self._running = work
                    self.metrics.queue(self.policy.lengths())
                    return work
                if not expired:
                    if self._closing:
                        return None
                    deadline = self.policy.next_deadline()
                    if self.clock.simulated and deadline is not None:
                        self.clock.sleep_until(deadline)
                    else:
                        self._cond.wait(timeout=None if deadline is None else max(0.0, deadline - now))
            self._time_out(expired, now)

    def _worker_loop(self) -> None:
        while True:
            work = self._next_work()
            if work is None:
                return
            try:
                self._run(work)
            except BaseException:  # never let the worker die silently
                log.exception("runtime worker failed")
            finally:
                with self._cond:
                    self._running = None
                    self._cond.notify_all()

    def _run(self, work: Work) -> None:
        handle = work.handle
        dispatched = self.clock.now()
        lease = None
        ws_reserved = 0
        try:
            if handle.cancel_requested:
                raise Cancelled("The request was cancelled.")
            with self._cond:
                dist = self.policy.distance_fn(dispatched)
                self._recent.append(work.spec.key)
            shared = self.shared.ensure(work.backend, work.manifest, dist, work.context)
            lease = self.pool.acquire(work.spec, dist, keep_free=work.workspace)
            self.pool.make_free(work.workspace, dist, exclude=work.spec.key)
            self.budget.reserve(work.workspace, "workspace", what="This request's working memory")
            ws_reserved = work.workspace
            self._headroom = max(self._headroom, work.workspace)
            if lease.handle is not None:
                self.device.ready_for_compute(lease.handle)
                lease.handle.wait()
            if lease.swapped or lease.prefetched:
                self.metrics.prefetch(work.spec.label or work.spec.key, hit=lease.prefetched)
            with self._cond:
                self._loader_kick = True
                self._cond.notify_all()
            start = self.clock.now()
            handle._start(start - work.job.arrival)
            for chunk in work.backend.synthesize(lease.model, shared, work.request, work.references, work.context):
                if handle.cancel_requested:
                    raise Cancelled("The request was cancelled.")
                handle._push(chunk)
            self._finish(work, "done", None, start - work.job.arrival, self.clock.now() - start)
        except Cancelled as exc:
            self._finish(work, "cancelled", exc, dispatched - work.job.arrival, self.clock.now() - dispatched)
        except TimbrelError as exc:
            self._finish(work, "failed", exc, dispatched - work.job.arrival, self.clock.now() - dispatched)
        except Exception as exc:
            log.exception("synthesis failed")
            err = TimbrelError(f"Synthesis failed: {exc}", hint="This is a bug; the log has details.")
            self._finish(work, "failed", err, dispatched - work.job.arrival, self.clock.now() - dispatched)
        finally:
            if ws_reserved:
                self.budget.release(ws_reserved, "workspace")
            if lease is not None:
                lease.release()
            if self.budget.target < self.budget.limit:  # a lowered VRAM limit waited for this request
                with self._cond:
                    dist = self.policy.distance_fn(self.clock.now())
                self.pool.shrink(dist)

    def _finish(self, work: Work, state: str, error, wait_s: float, service_s: float) -> None:
        work.handle._end(state, error, service_s)
        self.metrics.request_done(work.handle.request_id, wait_s, service_s, state,
                                  base=work.spec.label or work.spec.key, priority=work.handle.priority)

    # -- loader (prefetch) ------------------------------------------------------------------------------------
    def _prefetch_target(self) -> BaseSpec | None:
        """Lock held. Next base in the planned order that is not resident; else a hint; else the most used recent base."""
        resident = set(self.pool.resident())
        if self._running is not None:
            resident.add(self._running.spec.key)
        for key in self.policy.planned_order(self.clock.now()):
            if key not in resident and key in self._specs:
                return self._specs[key]
        while self._hints:
            spec = self._hints.pop()
            if spec.key not in resident:
                return spec
        for key, _ in Counter(self._recent).most_common():
            if key not in resident and key in self._specs:
                return self._specs[key]
        return None

    def _loader_loop(self) -> None:
        """Housekeeping thread: times out waiting requests while the worker is busy, and prefetches."""
        while True:
            with self._cond:
                deadline = self.policy.next_deadline()
                now = self.clock.now()
                if not (self._loader_kick or self._closing) and (deadline is None or deadline > now):
                    self._cond.wait(timeout=None if deadline is None else deadline - now)
                if self._closing:
                    return
                now = self.clock.now()
                expired = self._expire_locked(now)
                spec = dist = None
                if self._loader_kick and self.prefetch_enabled:
                    self._loader_kick = False
                    spec = self._prefetch_target()
                    dist = self.policy.distance_fn(now)
            self._time_out(expired, now)
            if spec is None:
                continue
            try:
                self.staging.stage(spec.key, spec.packed, spec.source, self.clock.now())
                self.pool.prefetch(spec, dist, keep_free=self._headroom)
                self.metrics.prefetch_loads += 1
            except TimbrelError as exc:  # a damaged base fails its own request later, with the same message
                self.loader_error = exc.message
            except Exception as exc:
                log.exception("prefetch failed")
                self.loader_error = str(exc)

    def distance_now(self):
        """The policy's eviction distance for the current queue (used when the budget shrinks)."""
        with self._cond:
            return self.policy.distance_fn(self.clock.now())

    # -- status / shutdown ------------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        with self._cond:
            waiting = [{"request_id": j.id, "base": j.base, "priority": j.priority, "waiting_s": self.clock.now() - j.arrival}
                       for j in self.policy.jobs()]
            running = self._running.handle.info() if self._running is not None else None
            return {"queue": self.policy.lengths(), "waiting": waiting, "running": running,
                    "current_base": self.policy.current, "closing": self._closing,
                    "prefetch_error": self.loader_error}

    def close(self, timeout: float | None = 30.0) -> None:
        """Stop taking requests, cancel every waiting one, let the running one finish, stop the threads."""
        with self._cond:
            if self._closed:
                return
            self._closing = True
            drained = [self._work.pop(j.id) for j in self.policy.drain() if j.id in self._work]
            self._cond.notify_all()
        for w in drained:
            self._finish(w, "cancelled", Cancelled("The engine shut down before this request started."), 0.0, 0.0)
        if self._started:
            self._worker.join(timeout)
            if self._loader.is_alive():
                self._loader.join(timeout)
        with self._cond:
            self._closed = True
