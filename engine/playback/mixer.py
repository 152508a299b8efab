"""Sounds and their mixing: a :class:`PlaybackJob` per sound, and the :class:`Mixer` that sums the active jobs
block by block without clipping (see :mod:`engine.playback`)."""

from __future__ import annotations

import collections
import threading
from typing import Any, Callable, Iterable

import numpy as np

BLOCK_FRAMES = 1024


def _as_chunk(item: Any) -> tuple[np.ndarray, int]:
    if isinstance(item, tuple):
        samples, rate = item
    else:
        samples, rate = item.samples, item.sample_rate
    arr = np.asarray(samples, dtype=np.float32)
    if arr.ndim > 1:
        arr = arr.mean(axis=1) if arr.shape[-1] <= 8 else arr.reshape(-1)
    return np.ascontiguousarray(arr, dtype=np.float32), int(rate)


MODES = ("queue", "overlap", "interrupt")


class PlaybackJob:
    """One sound. ``wait()`` blocks until it finished, was skipped or stopped. ``frames``: samples played;
    ``started_frame``: the mixer position (in frames since the stream opened) of its first sample."""

    _ids = iter(range(1, 1 << 62))

    def __init__(self, source: Iterable[Any], cancel: Callable[[], None] | None, label: str, mode: str = "queue",
                 on_end: Callable[["PlaybackJob"], None] | None = None) -> None:
        self.id = next(PlaybackJob._ids)
        self.source = source
        self.cancel_source = cancel
        self.label = label
        self.mode = mode
        self.on_end = on_end
        self.frames = 0
        self.state = "queued"  # queued | playing | done | skipped | stopped | failed
        self.error: BaseException | None = None
        self.started_frame: int | None = None
        self._stop = threading.Event()
        self._reason = "stopped"
        self._done = threading.Event()
        # fed by the feeder thread: chunks as (samples, rate), consumed by the mixer
        self._chunks: collections.deque[np.ndarray] = collections.deque()
        self._rates: collections.deque[int] = collections.deque()
        self._offset = 0
        self._eof = False
        self._feeder: threading.Thread | None = None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def _finish(self, state: str) -> None:
        self.state = state
        self._done.set()


class Mixer:
    """Sums the active jobs' audio block by block at ``rate`` (lock held by the caller)."""

    def __init__(self) -> None:
        self.rate: int | None = None
        self.position = 0          # frames rendered since the stream opened
        self.active: list[PlaybackJob] = []

    def _pull(self, job: PlaybackJob, frames: int) -> np.ndarray:
        out = np.zeros(frames, dtype=np.float32)
        filled = 0
        while filled < frames and job._chunks:
            head = job._chunks[0]
            rate = job._rates[0]
            if rate != self.rate:   # resampled once, when it reaches the mixer
                from ..audio.io import resample

                head = resample(head, rate, self.rate).astype(np.float32, copy=False)
                job._chunks[0], job._rates[0] = head, self.rate
            take = min(frames - filled, len(head) - job._offset)
            out[filled:filled + take] = head[job._offset:job._offset + take]
            filled += take
            job._offset += take
            if job._offset >= len(head):
                job._chunks.popleft()
                job._rates.popleft()
                job._offset = 0
        if filled and job.started_frame is None:
            job.started_frame = self.position
        job.frames += filled
        return out

    def _buffered(self, job: PlaybackJob) -> float:
        return sum(len(c) * self.rate / r for c, r in zip(job._chunks, job._rates)) - job._offset

    def ready(self, frames: int) -> bool:
        """A full block can be mixed without waiting: some job has audio, and every job that has started has
        ``frames`` buffered or has ended (a job whose audio does not exist yet holds nobody back)."""
        return any(j._chunks for j in self.active) and all(
            j._eof or j._stop.is_set() or j.started_frame is None or self._buffered(j) >= frames for j in self.active)

    def render(self, frames: int) -> tuple[np.ndarray, list[PlaybackJob], int]:
        """One block: the sum of the active jobs (scaled down as a whole when it would clip), the jobs that
        ended in it, and how many of its frames carried audio."""
        mix = np.zeros(frames, dtype=np.float32)
        ended = []
        used = 0
        for job in list(self.active):
            if job._stop.is_set():
                self.active.remove(job)
                ended.append(job)
                continue
            before = job.frames
            mix += self._pull(job, frames)
            used = max(used, job.frames - before)
            if job._eof and not job._chunks:
                self.active.remove(job)
                ended.append(job)
        peak = float(np.max(np.abs(mix))) if frames else 0.0
        if peak > 1.0:
            mix /= peak
        self.position += frames
        return mix, ended, used
