"""Audio playback: a queue of sounds played one after another on an output device.

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

Each queued item is a :class:`PlaybackJob`: a source of mono float32 chunks
(``AudioChunk``-like objects with ``samples`` and ``sample_rate``, or
``(samples, sample_rate)`` tuples). One worker thread pulls jobs from the
queue, opens one output stream per job at the job's first sample rate (later
chunks at another rate are resampled) and writes the audio in small blocks,
checking for stop/skip between blocks. ``skip()`` ends the current job;
``stop()`` ends it and empties the queue. Events: ``playback.state``
[state: playing | idle | stopped, job, label, frames].
"""

from __future__ import annotations

import collections
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

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
    """Where a job's audio goes. ``open(rate)`` → ``write(block)``... → ``close(drain)``."""

    name = "output"

    def open(self, sample_rate: int) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def write(self, block: np.ndarray) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self, drain: bool = True) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class NullOutput(Output):
    """Consumes audio immediately. ``sink(samples, rate)`` (optional) sees every block, for tests and meters."""

    name = "null"

    def __init__(self, sink: Callable[[np.ndarray, int], None] | None = None) -> None:
        self.sink = sink
        self.rate = 0
        self.frames = 0
        self.opened = 0

    def open(self, sample_rate: int) -> None:
        self.rate = int(sample_rate)
        self.opened += 1

    def write(self, block: np.ndarray) -> None:
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
        return NullOutput(), str(exc)


class PlaybackJob:
    """One queued sound. ``wait()`` blocks until it finished, was skipped or stopped."""

    _ids = iter(range(1, 1 << 62))

    def __init__(self, source: Iterable[Any], cancel: Callable[[], None] | None, label: str) -> None:
        self.id = next(PlaybackJob._ids)
        self.source = source
        self.cancel_source = cancel
        self.label = label
        self.frames = 0
        self.state = "queued"  # queued | playing | done | skipped | stopped | failed
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._reason = "stopped"
        self._done = threading.Event()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def _finish(self, state: str) -> None:
        self.state = state
        self._done.set()


class Playback:
    """A playback queue on one output (see the module docstring)."""

    def __init__(self, device: int | str | None = None, *, events=None, output: Output | None = None) -> None:
        self.events = events
        self.device = device
        if output is not None:
            self.output, self.reason = output, None
        else:
            self.output, self.reason = open_output(device)
        self._cv = threading.Condition()
        self._queue: collections.deque[PlaybackJob] = collections.deque()
        self._current: PlaybackJob | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="timbrel-playback", daemon=True)
        self._thread.start()

    # -- public ------------------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """False when sound goes to the null output because no device could be opened."""
        return self.reason is None

    def play(self, samples: np.ndarray, sample_rate: int, label: str = "") -> PlaybackJob:
        return self.play_stream([(samples, sample_rate)], label=label)

    def play_stream(self, chunks: Iterable[Any], *, cancel: Callable[[], None] | None = None, label: str = "") -> PlaybackJob:
        """Queue a stream of chunks (pulled lazily, so synthesis and playback overlap)."""
        job = PlaybackJob(chunks, cancel, label)
        with self._cv:
            if self._closed:
                raise RuntimeError("playback is closed")
            self._queue.append(job)
            self._cv.notify_all()
        return job

    def skip(self) -> None:
        """End the sound playing now; the queue goes on."""
        with self._cv:
            current = self._current
            if current is not None:
                current._reason = "skipped"
                current._stop.set()
        if current is not None:
            self._cancel_source(current)  # unblocks a source still waiting for synthesis

    def stop(self) -> None:
        """End the sound playing now and drop everything queued."""
        with self._cv:
            dropped = list(self._queue)
            self._queue.clear()
            current = self._current
            if current is not None:
                current._reason = "stopped"
                current._stop.set()
        if current is not None:
            self._cancel_source(current)
        for job in dropped:
            self._cancel_source(job)
            job._finish("stopped")
        if dropped:
            self._publish("stopped", None)

    def queued(self) -> list[PlaybackJob]:
        with self._cv:
            return ([self._current] if self._current else []) + list(self._queue)

    def idle(self) -> bool:
        with self._cv:
            return self._current is None and not self._queue

    def set_device(self, device: int | str | None) -> str | None:
        """Switch the output (takes effect from the next sound). Returns the reason when it falls back to null."""
        output, reason = open_output(device)
        with self._cv:
            self.device, self.output, self.reason = device, output, reason
        return reason

    def close(self) -> None:
        """Stop everything and end the playback thread (waits for it)."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        self.stop()
        self._thread.join()

    def __enter__(self) -> "Playback":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- worker ------------------------------------------------------------------------------------
    def _publish(self, state: str, job: PlaybackJob | None) -> None:
        if self.events is not None:
            self.events.publish("playback.state", state=state, job=job.id if job else None,
                                label=job.label if job else "", frames=job.frames if job else 0)

    @staticmethod
    def _cancel_source(job: PlaybackJob) -> None:
        if job.cancel_source is not None:
            try:
                job.cancel_source()
            except Exception:
                log.exception("cancelling a playback source failed")

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self._closed:
                    self._cv.wait()
                if self._closed and not self._queue:
                    return
                job = self._queue.popleft()
                self._current = job
                output = self.output
            job.state = "playing"
            self._publish("playing", job)
            try:
                state = self._play(job, output)
            except Exception as exc:  # a device error must not kill the queue
                if job._stop.is_set():   # the source ended with an error because it was cancelled
                    state = job._reason
                else:
                    log.exception("playback of %r failed", job.label)
                    job.error = exc
                    state = "failed"
            with self._cv:
                self._current = None
            job._finish(state)
            self._publish("idle" if state in ("done", "failed") else state, job)

    def _play(self, job: PlaybackJob, output: Output) -> str:
        rate = None
        iterator: Iterator[Any] = iter(job.source)
        try:
            for item in iterator:
                if job._stop.is_set():
                    break
                samples, sr = _as_chunk(item)
                if rate is None:
                    rate = sr
                    output.open(rate)
                elif sr != rate:
                    from ..audio.io import resample

                    samples = resample(samples, sr, rate)
                for start in range(0, len(samples), BLOCK_FRAMES):
                    if job._stop.is_set():
                        break
                    block = samples[start:start + BLOCK_FRAMES]
                    output.write(block)
                    job.frames += len(block)
        finally:
            stopped = job._stop.is_set()
            close = getattr(iterator, "close", None)
            if close is not None and stopped:
                try:
                    close()
                except Exception:
                    pass
            if rate is not None:
                output.close(drain=not stopped)
        return job._reason if stopped else "done"
