"""Request handles: what ``Runtime.submit`` / ``engine.speech.say`` return to callers."""

from __future__ import annotations

import threading
from typing import Iterator

import numpy as np

from ..errors import Cancelled, TimbrelError


class RequestTimedOut(TimbrelError):
    """A request did not start before its timeout (the device was busy with other work)."""


class RequestHandle:
    """Follow one request: stream its chunks, wait for all audio, or cancel it.

    ``chunks()`` may be called by several consumers; each sees every chunk in order.
    States: waiting → running → done | failed | cancelled | timeout.
    """

    def __init__(self, request_id: int, base: str, priority: str, submitted_at: float) -> None:
        self.request_id = request_id
        self.base = base
        self.priority = priority
        self.submitted_at = submitted_at
        self.state = "waiting"
        self.error: TimbrelError | None = None
        self.wait_s: float | None = None
        self.service_s: float | None = None
        self._chunks: list = []
        self._cond = threading.Condition()
        self._cancel = threading.Event()
        self._on_cancel = None  # set by the scheduler: removes a waiting request from the queue
        # set by engine.speech: the prompt clip chosen (None with explicit references), spoken by the preview
        # backend, the request options the backend ignores
        self.used_clip = None
        self.preview = False
        self.unsupported_options: list[str] = []

    @property
    def id(self) -> int:
        return self.request_id

    # -- called by the scheduler ------------------------------------------------------------------------
    def _start(self, wait_s: float) -> None:
        with self._cond:
            self.state = "running"
            self.wait_s = wait_s

    def _push(self, chunk) -> None:
        with self._cond:
            self._chunks.append(chunk)
            self._cond.notify_all()

    def _end(self, state: str, error: TimbrelError | None = None, service_s: float | None = None) -> None:
        with self._cond:
            if self.state in ("done", "failed", "cancelled", "timeout"):
                return
            self.state = state
            self.error = error
            self.service_s = service_s
            self._cond.notify_all()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    # -- public -------------------------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled", "timeout")

    def cancel(self) -> None:
        """Stop the request: a waiting one leaves the queue, a running one stops after the current chunk."""
        self._cancel.set()
        cb = self._on_cancel
        if cb is not None:
            cb(self)

    def chunks(self, timeout: float | None = None) -> Iterator:
        """Yield chunks as they are ready; raises the request's error (Cancelled, ResourceExhausted...) at the end."""
        i = 0
        while True:
            with self._cond:
                ok = self._cond.wait_for(lambda: len(self._chunks) > i or self.finished, timeout=timeout)
                if not ok:
                    raise TimeoutError(f"request {self.request_id}: no audio within {timeout} s")
                if len(self._chunks) > i:
                    chunk = self._chunks[i]
                else:
                    if self.error is not None:
                        raise self.error
                    return
            i += 1
            yield chunk

    def wait(self, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.finished, timeout=timeout)

    def result(self, timeout: float | None = None):
        """All audio as one :class:`AudioChunk` (raises the request's error, or TimeoutError)."""
        from ..backends.base import AudioChunk

        if not self.wait(timeout):
            raise TimeoutError(f"request {self.request_id} did not finish within {timeout} s")
        if self.error is not None:
            raise self.error
        if not self._chunks:
            return AudioChunk(np.zeros(0, dtype=np.float32), 16000)
        sr = self._chunks[0].sample_rate
        return AudioChunk(np.concatenate([c.samples for c in self._chunks]).astype(np.float32, copy=False), sr)

    def info(self) -> dict:
        return {"request_id": self.request_id, "base": self.base, "priority": self.priority, "state": self.state,
                "wait_s": self.wait_s, "service_s": self.service_s,
                "error": self.error.message if self.error is not None else None}


__all__ = ["RequestHandle", "RequestTimedOut", "Cancelled"]
