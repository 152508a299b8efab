"""Background tasks: run engine work off the GUI thread, report progress, deliver results on the GUI thread.

    task = runner.submit(lambda t: eng.importer.import_paths(paths, progress=t.progress, cancel=t.is_cancelled),
                         label=self.tr("Importing"), on_done=self.imported, on_error=self.failed)
    task.cancel()

The function gets the :class:`Task`; ``t.progress(done, total, text)`` may be
called from any thread, ``t.is_cancelled()`` polled. ``on_done``/``on_error``/
``on_progress`` callbacks always run on the GUI thread (the Task object lives
there and relays through queued signals to its own methods; see notes §7.1:
lambdas connected straight to cross-thread signals would run on the worker).

Workers are plain Python threads from two pools: ``engine`` work is serialised
(one thread: catalog writes, imports, clustering) while ``speech`` and ``io``
run beside it, so a long import never blocks speaking. :meth:`TaskRunner.shutdown`
cancels and joins everything (tests call it in teardown).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class Task(QObject):
    """One background job. Signals are emitted on the GUI thread."""

    progressed = Signal(int, int, str)   # done, total, text
    finished = Signal(object)            # result
    failed = Signal(object)              # exception
    ended = Signal()                     # after finished/failed (either way)

    _progress_relay = Signal(int, int, str)
    _result_relay = Signal(object)
    _error_relay = Signal(object)

    def __init__(self, label: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self._cancel = threading.Event()
        self._done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.state = "running"  # running | done | failed | cancelled
        self._progress_relay.connect(self._on_progress)
        self._result_relay.connect(self._on_result)
        self._error_relay.connect(self._on_error)

    # -- worker side (any thread) ----------------------------------------------------------------
    def progress(self, done: int | float = 0, total: int | float = 0, text: str = "", **_: Any) -> None:
        self._progress_relay.emit(int(done), int(total), str(text or ""))

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the worker function returned (its GUI-side callbacks may still be queued)."""
        return self._done.wait(timeout)

    # -- GUI side --------------------------------------------------------------------------------
    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progressed.emit(done, total, text)

    @Slot(object)
    def _on_result(self, result: Any) -> None:
        self.result = result
        self.state = "cancelled" if self._cancel.is_set() else "done"
        self.finished.emit(result)
        self.ended.emit()

    @Slot(object)
    def _on_error(self, exc: BaseException) -> None:
        self.error = exc
        from engine.api import Cancelled

        self.state = "cancelled" if isinstance(exc, Cancelled) or self._cancel.is_set() else "failed"
        self.failed.emit(exc)
        self.ended.emit()


class TaskRunner(QObject):
    """Owns the worker pools and the running tasks."""

    taskStarted = Signal(object)
    taskEnded = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools = {
            "engine": ThreadPoolExecutor(1, thread_name_prefix="timbrel-engine"),
            "speech": ThreadPoolExecutor(1, thread_name_prefix="timbrel-speech"),
            "io": ThreadPoolExecutor(2, thread_name_prefix="timbrel-io"),
        }
        self._tasks: list[Task] = []
        self._closed = False

    def submit(
        self,
        fn: Callable[[Task], Any],
        *,
        label: str = "",
        pool: str = "engine",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Task:
        task = Task(label, self)
        if self._closed:   # the window is closing: late requests (a queued refresh) are dropped quietly
            task.cancel()
            task.state = "cancelled"
            task._done.set()
            return task
        if on_done is not None:
            task.finished.connect(on_done)
        if on_error is not None:
            task.failed.connect(on_error)
        if on_progress is not None:
            task.progressed.connect(on_progress)
        task.ended.connect(self._on_ended)
        self._tasks.append(task)
        self.taskStarted.emit(task)
        self._pools[pool].submit(self._run, task, fn)
        return task

    @staticmethod
    def _run(task: Task, fn: Callable[[Task], Any]) -> None:
        try:
            if task.is_cancelled():
                from engine.api import Cancelled

                raise Cancelled("Cancelled before it started.")
            result = fn(task)
        except BaseException as exc:  # delivered to the GUI, never lost
            if not _is_user_error(exc):
                log.exception("background task %r failed", task.label)
            task._done.set()
            task._error_relay.emit(exc)
        else:
            task._done.set()
            task._result_relay.emit(result)

    @Slot()
    def _on_ended(self) -> None:
        task = self.sender()
        if task in self._tasks:
            self._tasks.remove(task)
        self.taskEnded.emit(task)

    def running(self) -> list[Task]:
        return list(self._tasks)

    def busy(self) -> bool:
        return bool(self._tasks)

    def shutdown(self) -> None:
        """Cancel every task and wait for the worker threads to end."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)


def _is_user_error(exc: BaseException) -> bool:
    try:
        from engine.api import TimbrelError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, TimbrelError)


def describe_error(exc: BaseException) -> str:
    """A plain sentence (plus hint) for an exception shown in the GUI."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    hint = getattr(exc, "hint", None)
    return f"{message}\n{hint}" if hint else message
