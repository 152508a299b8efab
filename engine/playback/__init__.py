"""Audio playback: sounds queued one after another, mixed over each other, or interrupting, on one output.

The engine never imports Qt; this module only uses ``sounddevice`` (imported
lazily: on Linux without ``libportaudio2`` its import raises ``OSError``) and
falls back to a :class:`NullOutput` that consumes audio at once, so the app and
the tests keep working on machines without sound. ``Playback.reason`` then says
why nothing is heard.

    from engine.playback import Playback
    pb = Playback(device=None, events=eng.events)
    job = pb.play_stream(handle.chunks(), cancel=handle.cancel, label="hello")
    job.wait()
    pb.close()

Each item is a :class:`PlaybackJob`: a source of mono float32 chunks (``AudioChunk``-like objects with
``samples`` and ``sample_rate``, or ``(samples, sample_rate)`` tuples), pulled by its own feeder thread (so a
source waiting for synthesis never blocks the others). ``play_stream(..., mode=)``:

* ``queue`` (default) — after the queued sounds, one at a time;
* ``overlap`` — mixed with whatever plays now, starting at the next audio block (a soundboard's "overlap");
* ``interrupt`` — stops everything playing or queued, then starts at the next audio block.

The :class:`Mixer` sums the active jobs block by block (``BLOCK_FRAMES``) and never clips: a block whose sum
would leave [-1, 1] is scaled down as a whole. The playback thread mixes each block right before writing it to
the output (PortAudio's blocking stream, or the :class:`NullOutput`): a sound requested while others play joins
at the next block. A block is written only when every sound that has started has audio for it (or ended): a
sound still waiting for synthesis makes the device wait instead of playing silence into the middle of a
sentence (mixing inside PortAudio's callback would have to play that silence), and a sound whose audio does not
exist yet holds nobody back: it starts at the first block after its audio arrives. The stream opens at the first job's sample rate (later chunks at other rates are resampled) and
closes when nothing is left to play. ``skip()`` ends the sound playing now (the queued one, else the oldest
mixed one); ``cancel(job)`` ends one sound; ``stop()`` ends every sound and empties the queue. Events: ``playback.state`` [state: playing | idle | stopped | skipped, job, label,
frames]; ``on_end(job)`` (optional, per job) runs when its audio ended.
"""

from __future__ import annotations

import collections
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

log = logging.getLogger(__name__)

BLOCK_FRAMES = 1024


@dataclass(frozen=True)
class OutputDevice:
    index: int
    name: str
    hostapi: str
    channels: int
    default_samplerate: float
    is_default: bool = False


class NoOutputDevice(Exception):
    """No usable audio output: PortAudio is missing or there is no output device."""


def _sounddevice():
    """Import sounddevice lazily; raise :class:`NoOutputDevice` with a plain reason when PortAudio is missing."""
    try:
        import sounddevice as sd  # noqa: PLC0415 - lazy on purpose (OSError without libportaudio2)
    except OSError as exc:
        raise NoOutputDevice(
            "PortAudio is not installed, so Timbrel cannot play sound "
            "(on Debian/Ubuntu: sudo apt-get install libportaudio2)."
        ) from exc
    except ImportError as exc:
        raise NoOutputDevice("The 'sounddevice' package is not installed, so Timbrel cannot play sound.") from exc
    return sd


def list_output_devices() -> list[OutputDevice]:
    """Output devices PortAudio knows; raises :class:`NoOutputDevice` when there is no audio system at all."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
    except Exception as exc:  # PortAudioError
        raise NoOutputDevice(f"The audio system reported an error: {exc}.") from exc
    try:
        default_out = sd.default.device[1]
    except Exception:
        default_out = -1
    out = []
    for d in devices:
        if int(d.get("max_output_channels", 0)) <= 0:
            continue
        api = hostapis[d["hostapi"]]["name"] if 0 <= d["hostapi"] < len(hostapis) else "?"
        out.append(OutputDevice(int(d["index"]), str(d["name"]), api, int(d["max_output_channels"]),
                                float(d["default_samplerate"]), int(d["index"]) == default_out))
    return out


def _as_chunk(item: Any) -> tuple[np.ndarray, int]:
    if isinstance(item, tuple):
        samples, rate = item
    else:
        samples, rate = item.samples, item.sample_rate
    arr = np.asarray(samples, dtype=np.float32)
    if arr.ndim > 1:
        arr = arr.mean(axis=1) if arr.shape[-1] <= 8 else arr.reshape(-1)
    return np.ascontiguousarray(arr, dtype=np.float32), int(rate)


class Output:
    """Where the mixed audio goes: ``open(rate)`` → ``write(block)``... → ``close(drain)``."""

    name = "output"

    def open(self, sample_rate: int) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def write(self, block: np.ndarray) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self, drain: bool = True) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class NullOutput(Output):
    """Consumes audio without a sound device. ``sink(samples, rate)`` (optional) sees every block, for tests and
    meters. ``realtime=True`` paces the blocks at the audio's own rate (as a device would), so overlapping
    sounds meet as they would on a speaker; otherwise blocks are consumed as fast as they are mixed."""

    name = "null"

    def __init__(self, sink: Callable[[np.ndarray, int], None] | None = None, *, realtime: bool = False) -> None:
        self.sink = sink
        self.realtime = realtime
        self.rate = 0
        self.frames = 0
        self.opened = 0
        self._next = 0.0

    def open(self, sample_rate: int) -> None:
        import time

        self.rate = int(sample_rate)
        self.opened += 1
        self._next = time.monotonic()

    def write(self, block: np.ndarray) -> None:
        if self.realtime and self.rate:
            import time

            self._next += len(block) / self.rate
            delay = self._next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                self._next = time.monotonic()
        self.frames += len(block)
        if self.sink is not None:
            self.sink(block, self.rate)

    def close(self, drain: bool = True) -> None:
        pass


class SoundDeviceOutput(Output):
    """A PortAudio output stream (blocking writes from the playback thread)."""

    def __init__(self, device: int | str | None = None) -> None:
        self.sd = _sounddevice()
        self.device = device
        self.name = f"sounddevice:{device if device is not None else 'default'}"
        self.stream = None
        # Validate now, so a missing device is reported when playback is set up, not at the first sound.
        try:
            self.sd.query_devices(device, kind="output") if device is not None else self.sd.query_devices(kind="output")
        except Exception as exc:
            which = f"'{device}'" if device is not None else "default"
            raise NoOutputDevice(f"There is no {which} audio output device ({exc}).") from exc

    def open(self, sample_rate: int) -> None:
        self.stream = self.sd.OutputStream(samplerate=int(sample_rate), channels=1, dtype="float32", device=self.device)
        self.stream.start()

    def write(self, block: np.ndarray) -> None:
        self.stream.write(block.reshape(-1, 1))

    def close(self, drain: bool = True) -> None:
        stream, self.stream = self.stream, None
        if stream is None:
            return
        try:
            if drain:
                stream.stop()
            else:
                stream.abort()
        finally:
            stream.close()


def open_output(device: int | str | None = None) -> tuple[Output, str | None]:
    """The best output for ``device``: (output, None), or (NullOutput, reason) when no sound can be played."""
    try:
        return SoundDeviceOutput(device), None
    except NoOutputDevice as exc:
        log.info("playback falls back to the null output: %s", exc)
        return NullOutput(realtime=True), str(exc)


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
                    except Exception:
                        pass
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
                except Exception:
                    pass
            self._report(ended)
