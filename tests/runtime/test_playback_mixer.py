"""engine.playback's mixer: overlap sums without clipping, interrupt stops what plays, sounds requested in quick
succession each start at the next audio block (a stepping sink makes it deterministic, no timing)."""

from __future__ import annotations

import threading

import numpy as np

from engine.playback import BLOCK_FRAMES, NullOutput, Playback

RATE = 16000


def tone(freq: float, seconds: float, amp: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


class Stepper:
    """A sink that holds the playback thread after each block until the test lets it go on."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.arrived = threading.Semaphore(0)
        self.go = threading.Semaphore(0)
        self.free = threading.Event()

    def __call__(self, block, rate) -> None:
        self.blocks.append(block.copy())
        if not self.free.is_set():
            self.arrived.release()
            self.go.acquire()

    def hold_at(self, k: int) -> None:
        """Return once ``k`` blocks were written and the playback thread is held inside the k-th."""
        for i in range(k):
            assert self.arrived.acquire(timeout=30)
            if i < k - 1:
                self.go.release()

    def run_free(self) -> None:
        self.free.set()
        for _ in range(1000):
            self.go.release()

    def played(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.float32)


def expected_mix(parts: list[tuple[int, np.ndarray]], total: int) -> np.ndarray:
    out = np.zeros(total, np.float64)
    for start, audio in parts:
        n = min(len(audio), total - start)
        out[start:start + n] += audio[:n]
    for b in range(0, total, BLOCK_FRAMES):   # a clipping block is scaled down as a whole
        peak = np.abs(out[b:b + BLOCK_FRAMES]).max(initial=0.0)
        if peak > 1.0:
            out[b:b + BLOCK_FRAMES] /= peak
    return out.astype(np.float32)


def _wait_fed(job) -> None:
    for _ in range(3000):
        if job._eof:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the feeder did not finish")


def test_overlap_mixes_and_never_clips():
    st = Stepper()
    with Playback(output=NullOutput(sink=st)) as pb:
        a = tone(220, 0.5, 0.8)
        first = pb.play(a, RATE, label="a")
        st.hold_at(2)                               # two blocks of 'a' played
        b = tone(330, 0.3, 0.8)
        second = pb.play(b, RATE, label="b", mode="overlap")
        _wait_fed(second)
        st.run_free()
        assert first.wait(30) and second.wait(30)
    assert first.state == second.state == "done"
    assert first.started_frame == 0 and second.started_frame == 2 * BLOCK_FRAMES
    played = st.played()
    assert np.abs(played).max() <= 1.0
    want = expected_mix([(0, a), (second.started_frame, b)], len(played))
    assert len(played) == len(a) and np.allclose(played, want, atol=1e-6)
    assert first.frames == len(a) and second.frames == len(b)


def test_interrupt_stops_what_plays_and_starts_at_the_next_block():
    st = Stepper()
    with Playback(output=NullOutput(sink=st)) as pb:
        a = tone(220, 1.0, 0.4)
        first = pb.play(a, RATE)
        queued = pb.play(tone(500, 0.2, 0.4), RATE)
        st.hold_at(3)
        b = tone(440, 0.25, 0.4)
        cue = pb.play(b, RATE, mode="interrupt")
        _wait_fed(cue)
        st.run_free()
        assert first.wait(30) and cue.wait(30) and queued.wait(30)
    assert first.state == "stopped" and queued.state == "stopped" and cue.state == "done"
    assert first.frames == 3 * BLOCK_FRAMES and cue.started_frame == 3 * BLOCK_FRAMES
    played = st.played()
    assert np.allclose(played, expected_mix([(0, a[:first.frames]), (cue.started_frame, b)], len(played)), atol=1e-6)


def test_cues_in_quick_succession_each_start_within_one_block():
    st = Stepper()
    with Playback(output=NullOutput(sink=st)) as pb:
        bed = pb.play(tone(200, 1.0, 0.2), RATE)
        st.hold_at(1)
        starts = []
        for i in range(3):          # three cues requested while block 1 is being played
            requested_at = pb._mixer.position
            job = pb.play(tone(300 + 100 * i, 0.2, 0.2), RATE, mode="overlap")
            _wait_fed(job)
            starts.append((requested_at, job))
        st.run_free()
        assert bed.wait(30) and all(j.wait(30) for _, j in starts)
    for requested_at, job in starts:
        assert job.state == "done" and job.started_frame - requested_at <= BLOCK_FRAMES


def test_cancel_ends_one_sound_and_events_say_when_audio_ends():
    from engine.events import EventBus, EventRecorder

    bus = EventBus()
    rec = EventRecorder(bus, "playback.*")
    ended = []
    st = Stepper()
    with Playback(output=NullOutput(sink=st), events=bus) as pb:
        long = pb.play(tone(220, 1.0, 0.3), RATE, on_end=ended.append)
        short = pb.play(tone(330, 0.1, 0.3), RATE, mode="overlap", on_end=ended.append)
        st.hold_at(1)
        pb.cancel(long)
        st.run_free()
        assert long.wait(30) and short.wait(30)
    assert long.state == "stopped" and short.state == "done" and set(ended) == {long, short}
    states = [(e.data["job"], e.data["state"]) for e in rec.of("playback.state")]
    assert (long.id, "stopped") in states and (short.id, "idle") in states
