"""A small thread-safe publish/subscribe bus for engine events.

Engine parts publish :class:`Event` objects (``topic`` + ``data``); the
desktop bridges them onto the GUI thread, the CLI prints them, tests collect
them. Handlers run on the publishing thread and must be quick; a handler that
raises is logged and does not disturb the publisher.

Topics in use (``data`` keys in brackets):

* ``library.changed`` [voice, action]
* ``import.progress`` [done, total, path]
* ``analysis.progress`` [done, total, phase (``emotion`` for the emotion2vec+ pass of ``analyze``)]
* ``cluster.changed`` [clustering_id]
* ``bases.changed`` [base, action (register | remove | assign), cluster_id (assign)]
* ``runtime.residency`` [resident: list, used_bytes, budget_bytes]
* ``runtime.swap`` [base, evicted, bytes, seconds, cause, path]
* ``runtime.prefetch`` [base, hit]
* ``runtime.queue`` [lengths: dict]
* ``request.done`` [request_id, wait_s, service_s, ok, status, base, priority]
* ``playback.state`` [state]
* ``cues.changed`` [cue, action]
* ``consolidation.progress`` [stage, done, total, item]
* ``consolidation.evaluated`` [run_id, flagged]
* ``training.progress`` [run, step, total, losses]
"""

from __future__ import annotations

import fnmatch
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

log = logging.getLogger(__name__)

Handler = Callable[["Event"], None]


@dataclass(frozen=True)
class Event:
    topic: str
    data: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.monotonic)


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[tuple[str, Handler]] = []

    def subscribe(self, pattern: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` for every event whose topic matches ``pattern`` (fnmatch). Returns an unsubscribe function."""
        entry = (pattern, handler)
        with self._lock:
            self._subs.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                try:
                    self._subs.remove(entry)
                except ValueError:
                    pass

        return unsubscribe

    def publish(self, topic: str, **data: Any) -> Event:
        event = Event(topic, data)
        with self._lock:
            subs = list(self._subs)
        for pattern, handler in subs:
            if pattern == topic or fnmatch.fnmatchcase(topic, pattern):
                try:
                    handler(event)
                except Exception:  # a broken listener must not break the engine
                    log.exception("event handler for %s failed", topic)
        return event


class EventRecorder:
    """Collects events (for tests and the CLI's --verbose)."""

    def __init__(self, bus: EventBus, pattern: str = "*") -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()
        self.close = bus.subscribe(pattern, self._on)

    def _on(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def topics(self) -> list[str]:
        with self._lock:
            return [e.topic for e in self.events]

    def of(self, topic: str) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e.topic == topic]
