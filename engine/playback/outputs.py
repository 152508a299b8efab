"""Where played audio goes: PortAudio output devices (``sounddevice``, imported lazily: on Linux without
``libportaudio2`` its import raises ``OSError``) and the :class:`NullOutput` that consumes audio without one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np

log = logging.getLogger(__name__)


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
    except Exception as exc:  # PortAudioError: no default output; the devices are still listed
        log.debug("no default output device: %s", exc)
        default_out = -1
    out = []
    for d in devices:
        if int(d.get("max_output_channels", 0)) <= 0:
            continue
        api = hostapis[d["hostapi"]]["name"] if 0 <= d["hostapi"] < len(hostapis) else "?"
        out.append(OutputDevice(int(d["index"]), str(d["name"]), api, int(d["max_output_channels"]),
                                float(d["default_samplerate"]), int(d["index"]) == default_out))
    return out


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
