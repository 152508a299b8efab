"""Engine events → Qt signals on the GUI thread.

Engine handlers run on the publishing thread (a worker, the playback thread,
the runtime's prefetch thread). The bridge's handler only emits a Qt signal;
the bridge lives on the GUI thread, so its own slot runs there (queued) and
re-emits :attr:`EventBridge.event` for widgets. Widgets connect bound methods
(or lambdas: the re-emission already happens on the GUI thread).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal, Slot


class EventBridge(QObject):
    event = Signal(str, object)      # topic, data (dict) — emitted on the GUI thread
    _relay = Signal(str, object)

    def __init__(self, bus, pattern: str = "*", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay.connect(self._deliver)
        self._unsubscribe = bus.subscribe(pattern, self._on_engine_event)

    def _on_engine_event(self, ev: Any) -> None:  # any thread
        self._relay.emit(ev.topic, dict(ev.data))

    @Slot(str, object)
    def _deliver(self, topic: str, data: dict) -> None:
        self.event.emit(topic, data)

    def close(self) -> None:
        self._unsubscribe()
