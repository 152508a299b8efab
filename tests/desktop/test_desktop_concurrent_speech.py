"""The desktop speaks concurrently: a cue starts while the Speak tab is still playing, mixed (overlap) or
stopping it (interrupt), and the samples that reached the output are exactly that mix. No engine work runs on
the GUI thread (requests are submitted by workers; playback ends come back as queued signals)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from desktop_testutil import set_playback, wait_idle


@pytest.fixture
def voiced(qtbot, window, import_folder):
    from engine.backends.tone import create_tone_base

    window.engine.importer.import_paths([str(import_folder / "en_flite_awb")], voice="Alice")
    create_tone_base(window.engine, "tone-test")
    window.start()
    wait_idle(qtbot, window)
    return window


class Stepper:
    """A null-output sink that holds the playback thread after each block until the test lets it go on."""

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

    def hold_at(self, qtbot, k: int) -> None:
        """Return once ``k`` blocks were written and the playback thread is held inside the k-th."""
        for i in range(k):
            qtbot.waitUntil(lambda: self.arrived.acquire(blocking=False), timeout=120_000)
            if i < k - 1:
                self.go.release()

    def run_free(self) -> None:
        self.free.set()
        for _ in range(10_000):
            self.go.release()


def expected_mix(parts, total: int, block: int) -> np.ndarray:
    out = np.zeros(total, np.float64)
    for start, audio in parts:
        n = min(len(audio), total - start)
        out[start:start + n] += audio[:n]
    for b in range(0, total, block):
        peak = np.abs(out[b:b + block]).max(initial=0.0)
        if peak > 1.0:
            out[b:b + block] /= peak
    return out.astype(np.float32)


@pytest.mark.parametrize("mode", ["overlap", "interrupt"])
def test_a_cue_starts_while_the_speak_tab_is_playing(qtbot, voiced, mode):
    from PySide6.QtCore import Qt

    from engine.playback import BLOCK_FRAMES, NullOutput, Playback

    win = voiced
    eng = win.engine
    stepper = Stepper()
    pb = set_playback(win, Playback(output=NullOutput(sink=stepper), events=eng.events))
    eng.cues.add("cheer", "Alice", "Well played!", emotion="happy", mode=mode)
    speak_text = "One two three. Four five six. Seven eight nine. Ten eleven twelve."

    main = threading.main_thread()
    on_gui: list[str] = []
    jobs: dict[str, object] = {}
    say, play_stream = eng.speech.say, pb.play_stream

    def say_spy(*a, **kw):
        if threading.current_thread() is main:
            on_gui.append("say")
        return say(*a, **kw)

    def play_spy(*a, **kw):
        if threading.current_thread() is main:
            on_gui.append("play_stream")
        job = play_stream(*a, **kw)
        jobs[kw.get("label", "")] = job
        return job

    eng.speech.say, pb.play_stream = say_spy, play_spy
    cues = win.cues_view
    view = win.speak_view
    qtbot.waitUntil(lambda: view.voice.findText("Alice") >= 0 and cues.has_cue("cheer"), timeout=60_000)
    view.voice.setCurrentText("Alice")
    view.text.setPlainText(speak_text)
    results: dict = {}
    cues.played.connect(lambda name, r: results.__setitem__(name, r))
    view.spoken.connect(lambda r: results.__setitem__("speak", r))

    qtbot.mouseClick(view.speak_button, Qt.MouseButton.LeftButton)   # returns at once: a worker submits
    assert view.stop_button.isEnabled() and "speak" not in results
    stepper.hold_at(qtbot, 2)                                          # the Speak tab is playing
    speak_job = jobs[speak_text[:40]]
    assert speak_job.state == "playing" and speak_job.frames == 2 * BLOCK_FRAMES
    cues.play("cheer")
    qtbot.waitUntil(lambda: "cheer" in jobs and (jobs["cheer"]._eof or len(jobs["cheer"]._chunks) > 0), timeout=120_000)
    stepper.run_free()
    qtbot.waitUntil(lambda: "cheer" in results and "speak" in results, timeout=120_000)

    eng.speech.say, pb.play_stream = say, play_stream
    assert on_gui == [], f"engine work on the GUI thread: {on_gui}"
    cue_job = jobs["cheer"]
    assert results["cheer"]["state"] == "done" and results["cheer"]["mode"] == mode
    speak_audio = say(speak_text, "Alice").result(120).samples
    cue_audio = eng.cues.say("cheer").result(120).samples
    # the cue started while the Speak tab's audio was still playing, at the next block after it existed
    assert speak_job.started_frame == 0 and cue_job.started_frame >= 2 * BLOCK_FRAMES
    assert cue_job.started_frame < len(speak_audio)
    if mode == "overlap":
        assert results["speak"]["state"] == "done" and speak_job.frames == len(speak_audio)
        parts = [(0, speak_audio), (cue_job.started_frame, cue_audio)]
    else:
        assert results["speak"]["state"] == "stopped" and speak_job.frames < len(speak_audio)
        assert speak_job.frames <= cue_job.started_frame
        parts = [(0, speak_audio[:speak_job.frames]), (cue_job.started_frame, cue_audio)]
    played = np.concatenate(stepper.blocks)
    assert np.abs(played).max() <= 1.0
    want = expected_mix(parts, len(played), BLOCK_FRAMES)
    assert len(played) == max(s + len(a) for s, a in parts)
    assert np.allclose(played, want, atol=1e-6)
    assert cue_job.frames == len(cue_audio)
    assert view.speak_button.isEnabled() and win.problems == []


def test_engine_status_asks_the_running_app_and_says_which(qtbot, window, monkeypatch):
    import json
    import os
    import subprocess
    import sys
    import uuid

    from desktop.adapters import runtime_state
    from desktop.ipc import InstanceServer

    name = f"timbrel-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("TIMBREL_SOCKET", name)
    lib = str(window.engine.library_path)
    cmd = [sys.executable, "-m", "desktop", "--library", lib, "engine", "status", "--json"]
    alone = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert alone.returncode == 0, alone.stderr
    local = json.loads(alone.stdout)
    assert local["source"] == {"where": "local", "pid": None, "app": False}
    assert local["device"]["kind"] == "cpu" and local["device"]["pinned"] is False

    server = InstanceServer(window.handle_message, parent=window)
    assert server.listen()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=120_000)
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        remote = json.loads(out)
        assert remote["source"]["where"] == "app" and remote["source"]["pid"] == os.getpid()
        assert remote["vram_limit_mb"] == window.engine.runtime.status()["vram_limit_mb"]
        proc = subprocess.Popen(cmd[:-1], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)   # plain text
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=120_000)
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert f"the running desktop app (pid {os.getpid()})" in out and "CPU (host memory)" in out
    finally:
        server.close()
    # the Engine tab's device line says what the CPU device is
    assert runtime_state(window.engine.runtime.status()).device == "CPU (no GPU: models run in host memory)"
