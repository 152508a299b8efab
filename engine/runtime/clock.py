"""Clocks: real monotonic time, and a simulated clock the tests and the simulator control.

Everything in the runtime that needs "now" or "wait until" goes through a clock, so the
same code runs in real time on a machine and in virtual time in tests (no timing
thresholds, fully deterministic).
"""

from __future__ import annotations

import threading
import time


class MonotonicClock:
    """Real time (``time.monotonic``); ``sleep_until`` really sleeps."""

    simulated = False

    def now(self) -> float:
        return time.monotonic()

    def sleep_until(self, t: float) -> None:
        delay = t - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class SimClock:
    """Virtual time. ``advance`` moves it forward; ``sleep_until`` jumps to the target (never backwards).

    Waiting on a simulated clock therefore costs no real time: a modelled 30 ms copy
    "takes" 30 ms of virtual time and returns at once.
    """

    simulated = True

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, dt: float) -> float:
        if dt < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += dt
            return self._now

    def sleep_until(self, t: float) -> None:
        with self._lock:
            if t > self._now:
                self._now = float(t)
