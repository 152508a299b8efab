"""The real window under Xvfb: screenshots of every main view and a global hotkey (xdotool) playing a cue.

Screenshots go to $TIMBREL_SCREENSHOTS (default: a temporary folder). The test starts and stops its own
Xvfb; it is skipped when Xvfb, xdotool or pynput are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_testutil import CAPTURE_RATE, HERE

pytestmark = pytest.mark.x11


@pytest.fixture
def xvfb():
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install xvfb xdotool)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()      # Xvfb writes the display number once it accepts clients
        if not number:
            pytest.skip("Xvfb did not start")
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def prepared_library(tmp_path, import_folder):
    from engine.api import Engine
    from engine.backends.tone import create_tone_base

    lib = tmp_path / "lib"
    with Engine(library=lib) as eng:
        eng.importer.import_paths([str(import_folder / "en_flite_awb")], voice="Alice")
        eng.importer.import_paths([str(import_folder / "en_flite_rms")], voice="Bob")
        eng.importer.import_paths([str(import_folder / "cs_festival_dita")], voice="Dita")
        eng.analysis.analyze()
        eng.analysis.cluster(k=2)
        create_tone_base(eng, "tone-x11")
        eng.cues.add("hello", "Alice", "Hello chat!", emotion="happy", hotkey="Ctrl+Alt+H", shortcut="Ctrl+Shift+1")
        eng.cues.add("thanks", "Bob", "Thanks for the follow!", emotion="neutral")
        eng.cues.add("谢谢", "Dita", "谢谢大家", emotion="sad")
    return lib


def test_real_window_screenshots_and_global_hotkey(xvfb, prepared_library, tmp_path):
    import importlib.util

    if importlib.util.find_spec("pynput") is None:     # (importing it needs a display: only look it up)
        pytest.skip("pynput is not installed (global hotkeys)")
    shots = Path(os.environ.get("TIMBREL_SCREENSHOTS") or tmp_path / "screenshots")
    raw = tmp_path / "played.raw"
    conf = tmp_path / "asound.conf"
    conf.write_text((HERE / "alsa_capture.conf.in").read_text().replace("@CAPTURE_FILE@", str(raw))
                    .replace("@RATE@", str(CAPTURE_RATE)))
    result_path = tmp_path / "result.json"
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb", "ALSA_CONFIG_PATH": str(conf),
           "TIMBREL_SOCKET": f"timbrel-x11-{os.getpid()}", "XDG_SESSION_TYPE": "x11"}
    env.pop("WAYLAND_DISPLAY", None)
    app = subprocess.Popen([sys.executable, str(HERE / "x11_app.py"), str(prepared_library), str(shots),
                            str(result_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = ""
        for line in app.stdout:          # wait for readiness, never for a fixed time
            if line.startswith("READY"):
                break
        assert line.startswith("READY"), app.stderr.read()
        assert "hotkeys=1" in line, line
        subprocess.run(["xdotool", "key", "ctrl+alt+h"], env=env, check=True, timeout=30)
        rc = app.wait(timeout=120)
        err = app.stderr.read()
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    assert rc == 0, err
    result = json.loads(result_path.read_text())
    assert result["platform"] == "xcb"
    assert result["activated"] == ["hello"]
    assert result["played"]["cue"] == "hello" and result["played"]["state"] == "done", result
    captured = np.frombuffer(raw.read_bytes(), dtype="<i2").astype(np.float32) / 32768
    assert len(captured) > CAPTURE_RATE * 0.3 and float(np.abs(captured).max()) > 0.05
    # the folder may be shared with other screenshot tests (TIMBREL_SCREENSHOTS), so check ours are all there
    names = ["00-screen.png", "01-library.png", "02-cluster-map.png", "03-emotion-grid.png", "04-speak.png",
             "05-soundboard.png", "06-engine.png", "07-evaluation.png"]
    assert set(names) <= {p.name for p in shots.glob("*.png")}
    from PySide6.QtGui import QImage

    for name in names:
        img = QImage(str(shots / name))
        assert img.width() >= 800 and img.height() >= 500, name
