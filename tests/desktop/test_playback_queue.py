"""engine.playback: the queue, stop/skip, the null output and real PortAudio output into an ALSA capture file."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.events import EventBus, EventRecorder
from engine.playback import NullOutput, Playback, list_output_devices, open_output

RATE = 22050


def sine(freq: float, seconds: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int = RATE) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(np.argmax(spec))])


class Gate:
    """A chunk source that blocks until released: lets tests stop/skip while a job is mid-stream."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.release = threading.Event()
        self.started = threading.Event()
        self.cancelled = threading.Event()

    def __iter__(self):
        for i, c in enumerate(self.chunks):
            if i == 1:
                self.started.set()
                self.release.wait()
                if self.cancelled.is_set():
                    return
            yield c

    def cancel(self):
        self.cancelled.set()
        self.release.set()


def test_null_output_plays_every_chunk_in_order_and_publishes_state():
    got = []
    bus = EventBus()
    rec = EventRecorder(bus, "playback.*")
    out = NullOutput(sink=lambda block, rate: got.append((block.copy(), rate)))
    with Playback(output=out, events=bus) as pb:
        chunks = [(sine(440, 0.1), RATE), (sine(440, 0.2), RATE)]
        job = pb.play_stream(iter(chunks), label="hi")
        assert job.wait(30)
        assert job.state == "done"
    played = np.concatenate([b for b, _ in got])
    assert np.allclose(played, np.concatenate([c for c, _ in chunks]))
    assert {r for _, r in got} == {RATE}
    assert job.frames == len(played)
    states = [e.data["state"] for e in rec.of("playback.state")]
    assert states[:2] == ["playing", "idle"]


def test_chunks_at_another_rate_are_resampled_to_the_first_rate():
    out = NullOutput()
    with Playback(output=out) as pb:
        job = pb.play_stream([(sine(300, 0.5), RATE), (sine(300, 0.5, 44100), 44100)])
        assert job.wait(30)
    assert out.rate == RATE
    assert abs(out.frames - RATE) <= 64


def test_skip_ends_the_current_job_and_the_queue_goes_on():
    out = NullOutput()
    with Playback(output=out) as pb:
        gate = Gate([(sine(440, 0.1), RATE)] * 3)
        first = pb.play_stream(gate, cancel=gate.cancel, label="long")
        second = pb.play(sine(220, 0.1), RATE, label="next")
        assert gate.started.wait(30)
        pb.skip()
        assert first.wait(30) and second.wait(30)
    assert first.state == "skipped" and gate.cancelled.is_set()
    assert second.state == "done"


def test_stop_ends_the_current_job_and_drops_the_queue():
    with Playback(output=NullOutput()) as pb:
        gate = Gate([(sine(440, 0.1), RATE)] * 3)
        first = pb.play_stream(gate, cancel=gate.cancel)
        queued = [pb.play(sine(220, 0.1), RATE) for _ in range(3)]
        assert gate.started.wait(30)
        pb.stop()
        assert first.wait(30)
        assert all(j.wait(30) for j in queued)
        assert pb.idle()
    assert first.state == "stopped"
    assert [j.state for j in queued] == ["stopped"] * 3
    assert all(j.frames == 0 for j in queued)


def test_a_failing_source_does_not_kill_the_queue():
    def broken():
        yield (sine(440, 0.05), RATE)
        raise RuntimeError("synthesis broke")

    with Playback(output=NullOutput()) as pb:
        bad = pb.play_stream(broken())
        good = pb.play(sine(440, 0.05), RATE)
        assert bad.wait(30) and good.wait(30)
    assert bad.state == "failed" and "synthesis broke" in str(bad.error)
    assert good.state == "done"


def test_close_ends_the_thread_and_refuses_new_jobs():
    pb = Playback(output=NullOutput())
    pb.close()
    assert not pb._thread.is_alive()
    with pytest.raises(RuntimeError):
        pb.play(sine(440, 0.05), RATE)


def test_missing_device_falls_back_to_null_with_a_reason(alsa_capture):
    out, reason = open_output("no such device 1234")
    assert isinstance(out, NullOutput)
    assert "no such device 1234" in reason


def test_sounddevice_output_plays_into_the_alsa_capture_file(alsa_capture):
    names = [d.name for d in list_output_devices()]
    assert "default" in names
    with Playback(device="default") as pb:
        assert pb.available, pb.reason
        tone = sine(440, 1.0)
        job = pb.play_stream([(tone[:8000], RATE), (tone[8000:], RATE)], label="sine")
        assert job.wait(60)
        assert job.state == "done", job.error
    captured = alsa_capture.read()
    loud = np.flatnonzero(np.abs(captured) > 0.05)
    assert len(loud) > 0
    span = captured[loud[0]:loud[-1] + 1]
    assert abs(len(span) - RATE) < 200
    assert abs(peak_hz(span) - 440) < 3
