"""What every view gets: the engine, the task runner, the event bridge, and a way to report."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from .services import part
from .tasks import Task, TaskRunner, describe_error


class AppContext(QObject):
    status = Signal(str)            # a short message for the status bar
    problem = Signal(str, str)      # title, text (shown to the user; never a crash)
    voicesChanged = Signal()        # the library changed (import, edit, delete)
    voiceSelected = Signal(str)     # a view picked a voice (other views may follow)

    def __init__(self, engine, runner: TaskRunner, bridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.runner = runner
        self.bridge = bridge
        self.last_problem: tuple[str, str] | None = None
        bridge.event.connect(self._on_event)

    # -- engine access -----------------------------------------------------------------------------
    def part(self, name: str):
        """Engine subsystem (call from worker functions only)."""
        return part(self.engine, name)

    def run(self, fn: Callable[[Task], Any], **kw: Any) -> Task:
        return self.runner.submit(fn, **kw)

    def report(self, title: str) -> Callable[[BaseException], None]:
        """An ``on_error`` callback that shows the error under ``title``."""
        def show(exc: BaseException) -> None:
            from engine.api import Cancelled

            if isinstance(exc, Cancelled):
                self.status.emit(self.tr("Cancelled."))
                return
            text = describe_error(exc)
            self.last_problem = (title, text)
            self.problem.emit(title, text)
        return show

    def _on_event(self, topic: str, data: dict) -> None:
        if topic == "library.changed":
            self.voicesChanged.emit()
