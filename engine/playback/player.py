"""The player: one output, a queue of sounds, overlapping and interrupting sounds, a feeder thread per sound
and the playback thread that mixes each block right before writing it (see :mod:`engine.playback`)."""

from __future__ import annotations

import collections
import logging
import threading
from typing import Any, Callable, Iterable

import numpy as np

from .mixer import BLOCK_FRAMES, MODES, Mixer, PlaybackJob, _as_chunk
from .outputs import Output, open_output

log = logging.getLogger(__name__)


class Playback:
    """Sounds on one output (see the module docstring)."""

    def __init__(self, device: int | str | None = None, *, events=None, output: Output | None = None) -> None:
        self.events = events
        self.device = device
        if output is not None:
            self.output, self.reason = output, None
        else:
            self.output, self.reason = open_output(device)
        self._cv = threading.Condition()
        self._queue: collections.deque[PlaybackJob] = collections.deque()
        self._current: PlaybackJob | None = None       # the queued-mode job playing now
        self._mixer = Mixer()
        self._stream: Output | None = None               # the output while a stream is open
        self._ended: list[PlaybackJob] = []
        self._hard_stop = False
        self._closed = False
        self._feeders: set[threading.Thread] = set()
        self._thread = threading.Thread(target=self._run, name="timbrel-playback", daemon=True)
        self._thread.start()

    # -- public ------------------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """False when sound goes to the null output because no device could be opened."""
        return self.reason is None

    def play(self, samples: np.ndarray, sample_rate: int, label: str = "", *, mode: str = "queue",
             on_end=None) -> PlaybackJob:
        return self.play_stream([(samples, sample_rate)], label=label, mode=mode, on_end=on_end)

    def play_stream(self, chunks: Iterable[Any], *, cancel: Callable[[], None] | None = None, label: str = "",
                    mode: str = "queue", on_end: Callable[[PlaybackJob], None] | None = None) -> PlaybackJob:
        """Play a stream of chunks (pulled as they come, so synthesis and playback overlap); returns at once."""
        if mode not in MODES:
            raise ValueError(f"unknown playback mode {mode!r}")
        job = PlaybackJob(chunks, cancel, label, mode, on_end)
        with self._cv:
            if self._closed:
                raise RuntimeError("playback is closed")
        if mode == "interrupt":
            self.stop(keep=job)
        job._feeder = threading.Thread(target=self._feed, args=(job,), name=f"timbrel-playback-feed-{job.id}", daemon=True)
        with self._cv:
            if mode == "queue":
                self._queue.append(job)
                self._promote_locked()
            else:
                self._activate_locked(job)
            self._feeders.add(job._feeder)
            self._cv.notify_all()
        job._feeder.start()
        return job

    def skip(self) -> None:
        """End the sound playing now (the queued one, else the oldest mixed one); the rest goes on."""
        with self._cv:
            current = self._current or (self._mixer.active[0] if self._mixer.active else None)
            if current is not None:
                current._reason = "skipped"
                current._stop.set()
            self._cv.notify_all()
        if current is not None:
            self._cancel_source(current)  # unblocks a source still waiting for synthesis

    def cancel(self, job: PlaybackJob) -> None:
        """End one sound (playing, mixed or queued); the others go on."""
        with self._cv:
            queued = job in self._queue
            if queued:
                self._queue.remove(job)
            elif not job.done:
                job._reason = "stopped"
                job._stop.set()
            self._cv.notify_all()
        self._cancel_source(job)
        if queued:
            self._end(job, "stopped")
            self._publish("stopped", job)

    def stop(self, keep: PlaybackJob | None = None) -> None:
        """End every sound playing now and drop everything queued."""
        with self._cv:
            dropped = list(self._queue)
            self._queue.clear()
            playing = list(self._mixer.active)
            if self._current is not None and self._current not in playing:
                playing.append(self._current)
            for job in playing:
                if job is not keep:
                    job._reason = "stopped"
                    job._stop.set()
            if playing:
                self._hard_stop = True
            self._cv.notify_all()
        for job in playing:
            if job is not keep:
                self._cancel_source(job)
        for job in dropped:
            self._cancel_source(job)
            self._end(job, "stopped")
        if dropped:
            self._publish("stopped", None)

    def queued(self) -> list[PlaybackJob]:
        with self._cv:
            extra = [j for j in self._mixer.active if j is not self._current]
            return ([self._current] if self._current else []) + extra + list(self._queue)

    def playing(self) -> list[PlaybackJob]:
        """The sounds being mixed now."""
        with self._cv:
            return list(self._mixer.active)

    def idle(self) -> bool:
        with self._cv:
            return self._current is None and not self._queue and not self._mixer.active

    def set_device(self, device: int | str | None) -> str | None:
        """Switch the output (takes effect from the next stream). Returns the reason when it falls back to null."""
        output, reason = open_output(device)
        with self._cv:
            self.device, self.output, self.reason = device, output, reason
        return reason

    def close(self) -> None:
        """Stop everything and end the playback thread (waits for it)."""
        self.stop()
        with self._cv:
            self._closed = True
            self._cv.notify_all()
            feeders = list(self._feeders)
        self._thread.join()
        for t in feeders:   # each ends at its source's next chunk (sources are cancelled by stop())
            t.join(10)

    def __enter__(self) -> "Playback":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- jobs --------------------------------------------------------------------------------------
    def _publish(self, state: str, job: PlaybackJob | None) -> None:
        if self.events is not None:
            self.events.publish("playback.state", state=state, job=job.id if job else None,
                                label=job.label if job else "", frames=job.frames if job else 0,
                                mode=job.mode if job else "")

    @staticmethod
    def _cancel_source(job: PlaybackJob) -> None:
        if job.cancel_source is not None:
            try:
                job.cancel_source()
            except Exception:
                log.exception("cancelling a playback source failed")

    def _activate_locked(self, job: PlaybackJob) -> None:
        job.state = "playing"
        self._mixer.active.append(job)
        self._publish("playing", job)

    def _promote_locked(self) -> None:
        if self._current is None and self._queue:
            self._current = self._queue.popleft()
            self._activate_locked(self._current)

    def _feed(self, job: PlaybackJob) -> None:
        """Feeder thread: pulls the job's source (may block on synthesis) into its buffer."""
        iterator = iter(job.source)
        try:
            for item in iterator:
                if job._stop.is_set():
                    break
                samples, sr = _as_chunk(item)
                if not len(samples):
                    continue
                with self._cv:
                    job._chunks.append(samples)
                    job._rates.append(sr)
                    self._cv.notify_all()
        except Exception as exc:
            if not job._stop.is_set():   # an error because it was cancelled is just the stop
                log.exception("playback source of %r failed", job.label)
                job.error = exc
        finally:
            if job._stop.is_set():
                close = getattr(iterator, "close", None)
                if close is not None:
                    try:
                        close()
                    except Exception:   # the sound is stopped either way; say why its source did not close
                        log.warning("closing the stopped playback source of %r failed", job.label, exc_info=True)
            with self._cv:
                job._eof = True
                self._feeders.discard(threading.current_thread())
                self._cv.notify_all()

    def _end(self, job: PlaybackJob, state: str) -> None:
        job._finish(state)
        if job.on_end is not None:
            try:
                job.on_end(job)
            except Exception:
                log.exception("a playback end callback failed")

    def _report(self, ended: list[PlaybackJob]) -> None:
        """Lock NOT held: finish ended jobs (state, events, callbacks)."""
        for job in ended:
            if job._stop.is_set():
                state = job._reason
            elif job.error is not None:
                state = "failed"
            else:
                state = "done"
            self._end(job, state)
            self._publish("idle" if state in ("done", "failed") else state, job)

    def _retire_locked(self, ended: list[PlaybackJob]) -> None:
        if self._current is not None and self._current in ended:
            self._current = None
            self._promote_locked()

    def _next_action_locked(self):
        mixer, stream = self._mixer, self._stream
        active = mixer.active
        if self._ended:
            return "report"
        if stream is None:
            if any(j._chunks for j in active):
                return "open"
            if active and all(j._eof or j._stop.is_set() for j in active):
                return "drop"
            if self._closed and not active and not self._queue:
                return "exit"
            return None
        if not active:
            return "close"
        if any(j._stop.is_set() for j in active) or all(j._eof for j in active) or mixer.ready(BLOCK_FRAMES):
            return "write"
        return None

    def _run(self) -> None:
        while True:
            ended: list[PlaybackJob] = []
            block = None
            with self._cv:
                action = self._next_action_locked()
                while action is None:
                    self._cv.wait()
                    action = self._next_action_locked()
                ended, self._ended = self._ended, []
                stream, rate, drain = self._stream, self._mixer.rate, True
                if action == "exit":
                    return
                if action == "open":
                    first = next(j for j in self._mixer.active if j._chunks)
                    rate = first._rates[0]
                    self._mixer.rate, self._mixer.position = rate, 0
                    stream = self._stream = self.output
                    self._hard_stop = False
                elif action == "drop":
                    ended += list(self._mixer.active)
                    self._mixer.active.clear()
                    self._retire_locked(ended)
                elif action == "close":
                    drain, self._hard_stop = not self._hard_stop, False
                    self._stream, self._mixer.rate = None, None
                elif action == "write":
                    block, more, used = self._mixer.render(BLOCK_FRAMES)
                    if more:
                        self._retire_locked(more)
                        ended += more
                    if self._mixer.active:
                        self._hard_stop = False
                    elif not self._queue:
                        block = block[:used]   # no silent padding after the last sound
            try:
                if action == "open":
                    stream.open(rate)
                elif action == "close":
                    stream.close(drain=drain)
                elif block is not None and len(block):
                    stream.write(block)
            except Exception as exc:  # a device error must not kill the playback thread
                log.exception("audio output failed")
                with self._cv:
                    failed = list(self._mixer.active)
                    self._mixer.active.clear()
                    for j in failed:
                        j.error = exc
                    self._current = None
                    self._stream, self._mixer.rate = None, None
                    self._promote_locked()
                ended += failed
                try:
                    stream.close(drain=False)
                except Exception:   # already reported above; the next sound opens a new stream
                    log.debug("closing the failed audio output failed too", exc_info=True)
            self._report(ended)
