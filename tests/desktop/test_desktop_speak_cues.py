"""Speak panel and soundboard with the tone test backend: audio goes through the real playback path
(PortAudio into the ALSA capture file) or the null output; cues play from buttons, shortcuts and
`timbrel trigger`; a second app instance focuses the first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt

from desktop_testutil import set_playback, wait_idle


@pytest.fixture
def voiced(qtbot, window, import_folder):
    from engine.backends.tone import create_tone_base

    window.engine.importer.import_paths([str(import_folder / "en_flite_awb")], voice="Alice")
    create_tone_base(window.engine, "tone-test")
    window.start()
    wait_idle(qtbot, window)
    return window


@pytest.fixture
def socket_name(monkeypatch):
    name = f"timbrel-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("TIMBREL_SOCKET", name)
    return name


def test_speak_streams_to_the_sound_card_and_saves_a_wav(qtbot, voiced, alsa_capture, tmp_path):
    from engine.playback import Playback

    win = voiced
    set_playback(win, Playback(device="default", events=win.engine.events))
    assert win.engine.playback.available, win.engine.playback.reason
    view = win.speak_view
    win.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.voice.findText("Alice") >= 0)
    view.voice.setCurrentText("Alice")
    view.emotion.setCurrentIndex(view.emotion.findData("happy"))
    view.text.setPlainText("Hello chat. Thanks for the follow!")
    with qtbot.waitSignal(view.spoken, timeout=120_000) as blocker:
        qtbot.mouseClick(view.speak_button, Qt.MouseButton.LeftButton)
        assert view.stop_button.isEnabled()
    result = blocker.args[0]
    assert result["state"] == "done", (result, win.problems)
    assert result["frames"] > 0 and result["sample_rate"] > 0
    # what PortAudio played is in the capture file (resampled by ALSA's plug to the capture rate)
    captured = alsa_capture.read()
    from desktop_testutil import CAPTURE_RATE

    expected = result["frames"] * CAPTURE_RATE / result["sample_rate"]
    assert abs(len(captured) - expected) < 0.02 * expected + 2048
    assert float(np.sqrt(np.mean(captured ** 2))) > 0.005
    assert view.speak_button.isEnabled() and not view.stop_button.isEnabled()

    # save the same request as WAV (reuses the audio just spoken)
    path = tmp_path / "out.wav"
    with qtbot.waitSignal(view.saved, timeout=120_000):
        view.save_wav(str(path))
    audio, rate = sf.read(path)
    assert rate == result["sample_rate"] and len(audio) == result["frames"]
    assert win.problems == []


def test_stop_ends_speech(qtbot, voiced):
    import threading

    from engine.playback import NullOutput, Playback

    win = voiced
    first_block, release = threading.Event(), threading.Event()

    def sink(block, rate):   # hold the playback thread at the first block until Stop was pressed
        first_block.set()
        release.wait(60)

    set_playback(win, Playback(output=NullOutput(sink=sink), events=win.engine.events))
    view = win.speak_view
    qtbot.waitUntil(lambda: view.voice.findText("Alice") >= 0)
    view.voice.setCurrentText("Alice")
    view.text.setPlainText("One. Two. Three. Four. Five. Six. Seven. Eight. Nine. Ten.")
    with qtbot.waitSignal(view.spoken, timeout=120_000) as blocker:
        qtbot.mouseClick(view.speak_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(first_block.is_set, timeout=60_000)
        qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
        release.set()
    result = blocker.args[0]
    assert result["state"] == "stopped"
    assert result["frames"] <= 1024          # nothing after the first block was played
    assert view.state.text() == "Stopped."
    assert view.speak_button.isEnabled() and not view.stop_button.isEnabled()
    assert win.problems == []


def test_picking_a_voice_hints_its_base_to_the_runtime(qtbot, voiced):
    win = voiced
    view = win.speak_view
    qtbot.waitUntil(lambda: view.voice.findText("Alice") >= 0)
    with qtbot.waitSignal(view.prefetched, timeout=120_000) as blocker:
        view.voice.activated.emit(view.voice.findText("Alice"))
    assert blocker.args == ["tone-test"]
    assert win.problems == []


def test_skip_ends_the_playing_cue_and_the_next_one_plays(qtbot, voiced):
    import threading

    from engine.playback import NullOutput, Playback

    win = voiced
    first_block, release = threading.Event(), threading.Event()

    def sink(block, rate):
        if not first_block.is_set():
            first_block.set()
            release.wait(60)

    set_playback(win, Playback(output=NullOutput(sink=sink), events=win.engine.events))
    win.engine.cues.add("one", "Alice", "First line. It is long. Very long indeed.")
    win.engine.cues.add("two", "Alice", "Second line.")
    view = win.cues_view
    qtbot.waitUntil(lambda: view.has_cue("one") and view.has_cue("two"), timeout=60_000)
    results = {}
    view.played.connect(lambda name, r: results.__setitem__(name, r))
    view.play("one")
    qtbot.waitUntil(first_block.is_set, timeout=120_000)
    view.play("two")
    qtbot.mouseClick(view.skip_button, Qt.MouseButton.LeftButton)
    release.set()
    qtbot.waitUntil(lambda: len(results) == 2, timeout=120_000)
    assert results["one"]["state"] == "skipped"
    assert results["two"]["state"] == "done" and results["two"]["frames"] > 0
    assert win.problems == []


def add_cue_through_the_editor(qtbot, win, **values):
    from desktop.views.cues import CueEditor

    view = win.cues_view
    dialog = CueEditor(view.voices, None, view)
    dialog.name.setText(values["name"])
    dialog.voice.setCurrentText(values["voice"])
    dialog.emotion.setCurrentIndex(dialog.emotion.findData(values.get("emotion")))
    dialog.text.setPlainText(values["text"])
    if values.get("shortcut"):
        from PySide6.QtGui import QKeySequence

        dialog.shortcut.setKeySequence(QKeySequence(values["shortcut"]))
    with qtbot.waitSignal(view.cuesLoaded, timeout=60_000):
        view.save_cue(None, dialog.values())
    dialog.deleteLater()


def test_soundboard_button_and_shortcut_play_a_cue(qtbot, voiced):
    from engine.playback import NullOutput, Playback

    win = voiced
    played_frames = []
    set_playback(win, Playback(output=NullOutput(sink=lambda b, r: played_frames.append(len(b))),
                               events=win.engine.events))
    view = win.cues_view
    win.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: "Alice" in view.voices)
    add_cue_through_the_editor(qtbot, win, name="hello", voice="Alice", emotion="happy", text="Hello chat!",
                               shortcut="Ctrl+Shift+1")
    cue = win.engine.cues.get("hello")
    assert (cue.voice, cue.emotion, cue.shortcut) == ("Alice", "happy", "Ctrl+Shift+1")
    button = view.button("hello")
    assert button is not None and "Ctrl+Shift+1" in button.text()
    with qtbot.waitSignal(view.played, timeout=120_000) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    name, result = blocker.args
    assert name == "hello" and result["state"] == "done" and result["frames"] == sum(played_frames) > 0
    # the in-app shortcut plays it too
    played_frames.clear()
    win.activateWindow()
    with qtbot.waitSignal(view.played, timeout=120_000):
        view.shortcuts[0].activated.emit()
    assert sum(played_frames) > 0
    assert win.problems == []


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def wait_process(qtbot, proc, timeout=120_000):
    """Let the GUI serve the socket while a client process runs."""
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=timeout)
    out, err = proc.communicate()
    return proc.returncode, out, err


def test_timbrel_trigger_reaches_the_running_app(qtbot, voiced, socket_name):
    from desktop.ipc import InstanceServer
    from engine.playback import NullOutput, Playback

    win = voiced
    set_playback(win, Playback(output=NullOutput(), events=win.engine.events))
    win.engine.cues.add("greet", "Alice", "Hi there!", emotion="happy")
    server = InstanceServer(win.handle_message, parent=win)
    assert server.listen()
    try:
        qtbot.waitUntil(lambda: win.cues_view.has_cue("greet"), timeout=60_000)
        env = {"TIMBREL_SOCKET": socket_name}
        proc = subprocess.Popen([sys.executable, "-m", "desktop", "trigger", "greet", "--json"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
        with qtbot.waitSignal(win.cues_view.played, timeout=120_000) as blocker:
            rc, out, err = wait_process(qtbot, proc)
        assert rc == 0, err
        assert json.loads(out)["ok"] is True
        assert blocker.args[0] == "greet" and blocker.args[1]["frames"] > 0

        proc = subprocess.Popen([sys.executable, "-m", "desktop", "trigger", "nope"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
        rc, out, err = wait_process(qtbot, proc)
        assert rc == 1 and "no cue named 'nope'" in err and "greet" in err
        assert out == "" and err.count("no cue named 'nope'") == 1      # said once, as the error

        # a cue added by another process (`timbrel cue add`) is found in the catalog and played
        lib = str(win.engine.library_path)
        r = run_cli("--library", lib, "cue", "add", "later", "Alice", "Added from the CLI.")
        assert r.returncode == 0, r.stderr
        assert not win.cues_view.has_cue("later")
        proc = subprocess.Popen([sys.executable, "-m", "desktop", "trigger", "later"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
        with qtbot.waitSignal(win.cues_view.played, timeout=120_000,
                              check_params_cb=lambda name, result: name == "later"):
            rc, out, err = wait_process(qtbot, proc)
        assert rc == 0, err
        qtbot.waitUntil(lambda: win.cues_view.has_cue("later"), timeout=60_000)

        # a second instance asks the first to come forward, then exits
        messages = []
        server.messageReceived.connect(messages.append)
        proc = subprocess.Popen([sys.executable, "-m", "desktop", "app"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, **env, "QT_QPA_PLATFORM": "offscreen"})
        rc, out, err = wait_process(qtbot, proc)
        assert rc == 0, err
        assert "already running" in out
        assert {"cmd": "focus"} in messages
    finally:
        server.close()
    assert win.problems == []


def test_trigger_without_a_running_app_says_so(socket_name):
    r = run_cli("trigger", "hello")
    assert r.returncode == 1
    assert "not running" in r.stderr


def test_cue_cli_add_list_remove(tmp_path):
    lib = str(tmp_path / "lib")
    from engine.api import Engine

    with Engine(library=lib) as eng:
        eng.library.create_voice("Alice")
    r = run_cli("--library", lib, "cue", "add", "hi", "Alice", "Hello!", "--emotion", "开心", "--hotkey", "Ctrl+Alt+H")
    assert r.returncode == 0, r.stderr
    r = run_cli("--library", lib, "cue", "list", "--json")
    (cue,) = json.loads(r.stdout)
    assert (cue["name"], cue["voice"], cue["emotion"], cue["hotkey"]) == ("hi", "Alice", "happy", "Ctrl+Alt+H")
    r = run_cli("--library", lib, "cue", "add", "hi2", "Nobody", "x")
    assert r.returncode == 1 and "no voice named 'Nobody'" in r.stderr
    r = run_cli("--library", lib, "cue", "remove", "hi")
    assert r.returncode == 0
    assert "No cues yet" in run_cli("--library", lib, "cue", "list").stdout


def test_first_run_opens_on_the_demo_library_and_speaks_with_the_preview_voice(qtbot, window):
    """The first-run choice 'add the demo voices' fills an empty library; Speak then produces audible speech in a
    demo voice through the preview backend (no GPT-SoVITS assets anywhere)."""
    from desktop.dialogs import FirstRunDialog
    from engine.playback import NullOutput, Playback
    from engine.settings import Settings

    dialog = FirstRunDialog(Settings(), window.engine.library_path)
    qtbot.addWidget(dialog)
    assert dialog.add_demo   # on by default

    win = window
    played = []
    set_playback(win, Playback(output=NullOutput(sink=lambda block, rate: played.append((block.copy(), rate))),
                               events=win.engine.events))
    win.library_view.install_demo(only_if_empty=True)
    wait_idle(qtbot, win)
    assert len(win.engine.library.voices()) == 4
    win.library_view.install_demo(only_if_empty=True)   # a library with voices is left alone
    wait_idle(qtbot, win)
    assert len(win.engine.library.voices()) == 4 and win.problems == []

    win.start()
    wait_idle(qtbot, win)
    view = win.speak_view
    qtbot.waitUntil(lambda: view.voice.findText("Demo SLT") >= 0, timeout=60_000)
    view.voice.setCurrentText("Demo SLT")
    view.text.setPlainText("Hello, this is the preview voice.")
    with qtbot.waitSignal(view.spoken, timeout=120_000) as blocker:
        qtbot.mouseClick(view.speak_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result["state"] == "done", (result, win.problems)
    audio = np.concatenate([b.reshape(-1) for b, _ in played]) if played else np.zeros(0)
    assert len(audio) > 0.5 * played[0][1]                    # more than half a second of speech
    assert float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) > 0.01
    assert win.problems == []
