"""Fixtures for the desktop and playback tests.

* ``alsa_capture``: points ALSA's default PCM at a raw file (tests/desktop/alsa_capture.conf.in), so
  sounddevice playback really runs through PortAudio and the played samples can be read back.
* ``app_engine``: an Engine on a private library for the GUI tests, closed afterwards.
* ``window``: the main window with its engine; every worker thread is stopped at teardown.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from desktop_testutil import CAPTURE_RATE, EMOTION_DIRS, HERE, SPEAKERS  # noqa: E402,F401


class Capture:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> np.ndarray:
        """Samples of the last stream played (the file is truncated at each stream open)."""
        if not self.path.exists():
            return np.zeros(0, dtype=np.float32)
        return np.frombuffer(self.path.read_bytes(), dtype="<i2").astype(np.float32) / 32768.0


@pytest.fixture(scope="session")
def alsa_capture(tmp_path_factory):
    try:
        import sounddevice as sd
    except OSError as exc:
        pytest.skip(f"PortAudio (libportaudio2) is not installed: {exc}")
    folder = tmp_path_factory.mktemp("alsa")
    raw = folder / "played.raw"
    conf = folder / "asound.conf"
    template = (HERE / "alsa_capture.conf.in").read_text()
    conf.write_text(template.replace("@CAPTURE_FILE@", str(raw)).replace("@RATE@", str(CAPTURE_RATE)))
    old = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = str(conf)
    sd._terminate()   # PortAudio scans devices at initialisation: rescan with the capture config
    sd._initialize()
    yield Capture(raw)
    if old is None:
        os.environ.pop("ALSA_CONFIG_PATH", None)
    else:
        os.environ["ALSA_CONFIG_PATH"] = old
    sd._terminate()
    sd._initialize()


@pytest.fixture(autouse=True)
def _no_thread_left_behind():
    before = {t.ident for t in threading.enumerate()}
    yield
    left = [t.name for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert not left, f"threads left running: {left}"


@pytest.fixture
def import_folder(corpus, tmp_path) -> Path:
    """voices/<speaker>/<emotion>/<nn>.flac: 3 voices × 3 clips, one per emotion (copied from the shared corpus)."""
    import shutil

    root = tmp_path / "voices"
    for speaker in SPEAKERS:
        for i, emo in enumerate(EMOTION_DIRS):
            dst = root / speaker / emo
            dst.mkdir(parents=True)
            shutil.copy(corpus / "clips" / speaker / f"0{i + 1}.flac", dst / f"0{i + 1}.flac")
    return root


@pytest.fixture(scope="session")
def fake_gsv_assets(tmp_path_factory) -> Path:
    """A fake GPT-SoVITS ``pretrained_models`` folder (tiny random HuBERT / BERT / SV), made by the synthesis tests'
    builder, so tiny real-format bases can speak, be evaluated and be fine-tuned here."""
    import importlib.util

    builder = HERE.parent / "synthesis" / "conftest.py"
    if not builder.is_file():
        pytest.skip("the synthesis tests' fake-asset builder is not in this checkout")
    spec = importlib.util.spec_from_file_location("timbrel_synthesis_conftest_desktop", builder)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_fake_pretrained(tmp_path_factory.mktemp("gsvassets") / "pretrained_models")


@pytest.fixture
def app_engine(tmp_path):
    from engine.api import Engine

    eng = Engine(library=tmp_path / "lib")
    yield eng
    eng.close()


@pytest.fixture
def window(qtbot, app_engine):
    """The main window on a fresh library. Problems shown to the user are collected in ``window.problems``."""
    from desktop.mainwindow import MainWindow

    win = MainWindow(app_engine, show_errors=False)
    win.problems = []
    win.ctx.problem.connect(lambda title, text: win.problems.append((title, text)))
    win.show()
    qtbot.waitExposed(win)
    try:
        yield win
    finally:
        win.shutdown()
        win.close()
        win.deleteLater()
