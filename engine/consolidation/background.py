"""Evaluation in the background, for the app: on demand (:func:`start_evaluation`) and after library changes
(:class:`AutoEvaluator`).

* :func:`start_evaluation` runs ``Evaluator(engine).run(...)`` on a worker thread and returns an
  :class:`EvaluationJob` (``wait``, ``cancel``, ``result``, ``error``).
* :class:`AutoEvaluator` subscribes to ``bases.changed`` (a cluster got another base → that cluster) and
  ``cluster.changed`` (re-clustering → every cluster) and evaluates on one worker thread, one run at a
  time. Changes that arrive while a run is going are coalesced into one more run afterwards, so a burst of
  events (an applied consolidation assigns many clusters) ends with an evaluation of the final state.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from ..errors import Cancelled, TimbrelError


class EvaluationJob:
    def __init__(self) -> None:
        self.cancel_event = threading.Event()
        self.done = threading.Event()
        self.result = None
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)


def start_evaluation(engine, cluster: int | None = None, progress: Callable[[int, int, str], None] | None = None,
                     evaluator=None) -> EvaluationJob:
    from .evaluate import Evaluator

    job = EvaluationJob()
    ev = evaluator or Evaluator(engine)

    def work() -> None:
        try:
            job.result = ev.run(cluster=cluster, progress=progress, cancel=job.cancel_event)
        except BaseException as exc:  # handed to the caller through the job
            job.error = exc
        finally:
            job.done.set()

    job.thread = threading.Thread(target=work, name="timbrel-evaluate", daemon=True)
    job.thread.start()
    return job


class AutoEvaluator:
    ALL = "all"

    def __init__(self, engine, evaluator_factory: Callable[[Any], Any] | None = None) -> None:
        from .evaluate import Evaluator

        self.engine = engine
        self.factory = evaluator_factory or Evaluator
        self.runs: list = []
        self.errors: list[str] = []
        self._pending: set = set()
        self._cv = threading.Condition()
        self._busy = False
        self._stop = False
        self._cancel = threading.Event()
        self._unsubscribe: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None

    # -- lifetime -------------------------------------------------------------------------------------------
    def start(self) -> "AutoEvaluator":
        if self._thread is not None:
            return self
        bus = self.engine.events
        self._unsubscribe = [bus.subscribe("bases.changed", self._on_bases), bus.subscribe("cluster.changed", self._on_clusters)]
        self._thread = threading.Thread(target=self._loop, name="timbrel-auto-evaluate", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 30.0) -> None:
        for u in self._unsubscribe:
            u()
        self._unsubscribe = []
        with self._cv:
            self._stop = True
            self._cancel.set()
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def request(self, cluster: int | None = None) -> None:
        """Ask for an evaluation of ``cluster`` (None: all clusters)."""
        with self._cv:
            self._pending.add(self.ALL if cluster is None else int(cluster))
            self._cv.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """True once nothing is pending or running."""
        with self._cv:
            return self._cv.wait_for(lambda: not self._pending and not self._busy, timeout)

    # -- events ---------------------------------------------------------------------------------------------
    def _on_bases(self, event) -> None:
        cid = event.data.get("cluster_id")
        if event.data.get("action") == "assign" and cid is not None:
            self.request(cid)
        elif event.data.get("action", "").startswith("consolidate"):
            self.request(None)

    def _on_clusters(self, event) -> None:
        self.request(None)

    # -- worker ---------------------------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._pending or self._stop)
                if self._stop:
                    return
                todo = [None] if self.ALL in self._pending else sorted(self._pending)
                self._pending.clear()
                self._busy = True
            try:
                for cid in todo:
                    if self._cancel.is_set():
                        break
                    try:
                        self.runs.append(self.factory(self.engine).run(cluster=cid, cancel=self._cancel))
                    except Cancelled:
                        break
                    except TimbrelError as exc:          # e.g. no clusters yet, a cluster that went away
                        self.errors.append(exc.message)
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()
