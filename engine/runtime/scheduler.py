"""The threaded scheduler: a worker thread that serves batches and a loader thread that prefetches.

Every decision and resource step is :class:`~engine.runtime.serving.Serving`'s (the same code the simulator
drives in virtual time): which rows form the next batch, leasing the base, freeing room, reserving the rows'
workspace, releasing it, and what to prefetch. This module only adds the threads, the waiting, the request
handles, and the backend call: ``synthesize_batch`` streams each row's chunks to its own handle as they come, and
its ``admit()`` callback lets rows queued for the same base join the running batch (continuous batching).
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass
from typing import Any

from ..backends.base import Backend, BatchRow
from ..errors import Cancelled, ResourceExhausted, TimbrelError
from .budget import Budget
from .hoststage import HostStaging
from .metrics import Metrics
from .policy import PRIORITY_NAMES, Job, SchedulerPolicy, priority_value
from .pool import BasePool, BaseSpec
from .requests import RequestHandle, RequestTimedOut
from .serving import Batch, Row, Serving

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Work:
    """What the worker needs to run one row besides the orchestration's :class:`Row`."""

    request: Any          # backends.base.SynthesisRequest
    references: Any       # backends.base.References
    handle: RequestHandle
    finished: bool = False


class Scheduler:
    def __init__(self, *, device, budget: Budget, pool: BasePool, staging: HostStaging | None,
                 policy: SchedulerPolicy, metrics: Metrics, prefetch: bool = True, max_batch: int = 1) -> None:
        self.device = device
        self.clock = device.clock
        self.budget = budget
        self.pool = pool
        self.staging = staging
        self.policy = policy
        self.metrics = metrics
        self.prefetch_enabled = prefetch and staging is not None
        self.serving = Serving(clock=self.clock, device=device, budget=budget, pool=pool, staging=staging,
                               policy=policy, metrics=metrics, max_batch=max_batch)
        self.shared = self.serving.shared
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._running: Batch | None = None
        self._closing = False
        self._closed = False
        self._loader_kick = False
        self.loader_error: str | None = None
        self._worker = threading.Thread(target=self._worker_loop, name="timbrel-runtime-worker", daemon=True)
        self._loader = threading.Thread(target=self._loader_loop, name="timbrel-runtime-housekeeper", daemon=True)
        self._started = False

    @property
    def max_batch(self) -> int:
        return self.serving.max_batch

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
            row = Row(job, spec, backend, manifest, workspace, Work(request, references, handle), context)
            handle._on_cancel = self._cancel_waiting
            self.serving.submit(row)
            self._ensure_started()
            self.metrics.queue(self.policy.lengths())
            self._cond.notify_all()
        return handle

    def _cancel_waiting(self, handle: RequestHandle) -> None:
        with self._cond:
            row = self.serving.cancel(handle.request_id)
            if row is not None:
                self.metrics.queue(self.policy.lengths())
        if row is not None:
            self._finish(row, "cancelled", Cancelled("The request was cancelled."), 0.0, 0.0)

    def hint(self, spec: BaseSpec) -> None:
        """A cue says this base will be wanted soon (hotkey focus, GUI selection): stage it."""
        with self._cond:
            self.serving.hint(spec)
            self._loader_kick = True
            self._ensure_started()
            self._cond.notify_all()

    # -- worker --------------------------------------------------------------------------------------------
    def _expire_locked(self, now: float) -> list[Row]:
        expired = self.serving.expire(now)
        if expired:
            self.metrics.queue(self.policy.lengths())
        return expired

    def _time_out(self, expired: list[Row], now: float) -> None:
        for row in expired:
            self._finish(row, "timeout", RequestTimedOut(
                "The request timed out before the device was free.",
                hint="Try again, raise the timeout, or raise the VRAM limit so more bases stay loaded."),
                now - row.job.arrival, 0.0)

    def _next_batch(self) -> Batch | None:
        while True:
            with self._cond:
                now = self.clock.now()
                expired = self._expire_locked(now)
                batch = None if expired else self.serving.next_batch(now)
                if batch is not None:
                    self._running = batch
                    self.metrics.queue(self.policy.lengths())
                    return batch
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
            batch = self._next_batch()
            if batch is None:
                return
            try:
                self._run(batch)
            except BaseException:  # never let the worker die silently
                log.exception("runtime worker failed")
            finally:
                with self._cond:
                    self._running = None
                    self._cond.notify_all()

    def _run(self, batch: Batch) -> None:
        run = _BatchRun(self, batch)
        try:
            if not run.drop_cancelled():
                return
            run.start()
            run.serve()
        except Cancelled as exc:
            run.end_unfinished("cancelled", exc)
        except TimbrelError as exc:
            run.end_unfinished("failed", exc)
        except Exception as exc:
            log.exception("synthesis failed")
            run.end_unfinished("failed", TimbrelError(f"Synthesis failed: {exc}",
                                                      hint="This is a bug; the log has details."))
        finally:
            self.serving.finish(batch, self.distance_now() if self.budget.target < self.budget.limit else None)

    def _finish(self, row: Row, state: str, error, wait_s: float, service_s: float) -> None:
        work = row.payload
        work.finished = True
        work.handle._end(state, error, service_s)
        self.metrics.request_done(work.handle.request_id, wait_s, service_s, state,
                                  base=row.spec.label or row.spec.key, priority=work.handle.priority)

    # -- loader (prefetch) ------------------------------------------------------------------------------------
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
                    running = self._running.key if self._running is not None else None
                    spec = self.serving.prefetch_target(now, running)
                    dist = self.serving.distance(now)
            self._time_out(expired, now)
            if spec is None:
                continue
            try:
                self.serving.prefetch(spec, dist)
                self.metrics.prefetch_loads += 1
            except TimbrelError as exc:  # a damaged base fails its own request later, with the same message
                self.loader_error = exc.message
            except Exception as exc:
                log.exception("prefetch failed")
                self.loader_error = str(exc)

    def distance_now(self):
        """The policy's eviction distance for the current queue (used when the budget shrinks)."""
        with self._cond:
            return self.serving.distance(self.clock.now())

    # -- status / shutdown ------------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        with self._cond:
            waiting = [{"request_id": j.id, "base": j.base, "priority": j.priority, "waiting_s": self.clock.now() - j.arrival}
                       for j in self.policy.jobs()]
            batch = [r.payload.handle.info() for r in self._running.rows] if self._running is not None else []
            return {"queue": self.policy.lengths(), "waiting": waiting, "running": batch[0] if batch else None,
                    "running_batch": batch, "max_batch": self.serving.max_batch,
                    "current_base": self.policy.current, "closing": self._closing,
                    "prefetch_error": self.loader_error}

    def close(self, timeout: float | None = 30.0) -> None:
        """Stop taking requests, cancel every waiting one, let the running batch finish, stop the threads."""
        with self._cond:
            if self._closed:
                return
            self._closing = True
            drained = self.serving.drain()
            self._cond.notify_all()
        for row in drained:
            self._finish(row, "cancelled", Cancelled("The engine shut down before this request started."), 0.0, 0.0)
        if self._started:
            self._worker.join(timeout)
            if self._loader.is_alive():
                self._loader.join(timeout)
        with self._cond:
            self._closed = True


class _BatchRun:
    """One batch on the device, for :meth:`Scheduler._run`: its rows by id (those that joined later too), the
    backend's chunk stream, and how each row ends. Every step runs on the worker thread."""

    def __init__(self, scheduler: Scheduler, batch: Batch) -> None:
        self.s = scheduler
        self.batch = batch
        self.dispatched = batch.dispatched
        self.rows: dict[int, Row] = {}
        self.started: float | None = None

    def begin(self, joined: list[Row]) -> list[BatchRow]:
        out = []
        t = self.s.clock.now()
        for row in joined:
            self.rows[row.id] = row
            row.payload.handle._start(t - row.job.arrival)
            out.append(BatchRow(row.id, row.payload.request, row.payload.references))
        return out

    def admit(self) -> list[BatchRow]:
        """The backend's callback: rows queued for the same base join the running batch."""
        s = self.s
        if s._closing:
            return []
        joined = s.serving.admit(self.batch, lock=s._cond)
        if joined:
            with s._cond:
                s.metrics.queue(s.policy.lengths())
        return self.begin(joined)

    def live(self) -> list[Row]:
        return [r for r in self.rows.values() if not r.payload.finished]

    def drop_cancelled(self) -> bool:
        """End the rows cancelled while waiting; whether any row is left to serve."""
        batch = self.batch
        for r in [r for r in batch.rows if r.payload.handle.cancel_requested]:
            batch.rows.remove(r)
            self.s._finish(r, "cancelled", Cancelled("The request was cancelled."), self.dispatched - r.job.arrival, 0.0)
        return bool(batch.rows)

    def start(self) -> None:
        """Lease the base (loading it when needed), wait until its weights are ready, wake the loader."""
        s = self.s
        with s._cond:
            dist = s.serving.distance(self.dispatched)
        s.serving.start(self.batch, dist, lock=s._cond)
        self.lease = self.batch.lease
        if self.lease.handle is not None:
            s.device.ready_for_compute(self.lease.handle)
            self.lease.handle.wait()
        with s._cond:
            s._loader_kick = True
            s._cond.notify_all()

    def serve(self) -> None:
        """Run the backend and hand each chunk to its row's handle until every row has ended."""
        s, batch = self.s, self.batch
        self.started = s.clock.now()
        first = self.begin(list(batch.rows))
        head = batch.head
        # a batch that can hold one row runs the backend's plain one-row-at-a-time path (synthesize per row)
        run = head.backend.synthesize_batch if batch.limit > 1 else Backend.synthesize_batch.__get__(head.backend)
        stream = run(self.lease.model, batch.shared, first, head.context, self.admit)
        try:
            for key, chunk in stream:
                if self._deliver(key, chunk):
                    break   # nothing left to serve after a cancel: stop the backend
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        for row in self.live():   # the backend ended without closing these rows
            self._end(row, "done", None)

    def _deliver(self, key: int, chunk) -> bool:
        """One item of the stream (``chunk`` None: that row is complete); True when the backend should stop."""
        row = self.rows.get(key)
        if row is None or row.payload.finished:
            return False
        handle = row.payload.handle
        if chunk is None:
            self._end(row, "done", None)
            self.s.serving.finish_row(self.batch, row)
        elif handle.cancel_requested:
            self._end(row, "cancelled", Cancelled("The request was cancelled."))
            self.s.serving.finish_row(self.batch, row)
        else:
            handle._push(chunk)
        return not self.live() and any(r.payload.handle.state == "cancelled" for r in self.rows.values())

    def _end(self, row: Row, state: str, error) -> None:
        self.s._finish(row, state, error, self.started - row.job.arrival, self.s.clock.now() - self.started)

    def end_unfinished(self, state: str, error) -> None:
        """The batch failed or was cancelled as a whole: end every row that has not ended yet."""
        s = self.s
        for row in [r for r in self.batch.rows if not r.payload.finished]:
            s._finish(row, state, error, self.dispatched - row.job.arrival, s.clock.now() - self.dispatched)
