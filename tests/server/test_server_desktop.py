"""The desktop's "serve on port N" setting: the Engine tab starts the same server inside the app, shows its URL
and the live request count, and stops it."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def window(qtbot, tmp_path, corpus):
    from desktop.mainwindow import MainWindow
    from engine.api import Engine
    from engine.backends.tone import create_tone_base

    eng = Engine(library=tmp_path / "lib", vram_limit_mb=64)
    eng.importer.import_paths([corpus / "clips" / "en_flite_rms" / "01.flac"], voice="Alice", language="en")
    create_tone_base(eng, "tone-a")
    eng.settings.set("server.port", 0)          # any free port
    win = MainWindow(eng, show_errors=False)
    win.problems = []
    win.ctx.problem.connect(lambda title, text: win.problems.append((title, text)))
    try:
        yield win
    finally:
        win.monitor_view.server_panel.shutdown()
        win.shutdown()
        win.close()
        win.deleteLater()
        eng.close()


def test_engine_tab_serves_and_counts_requests(qtbot, window):
    panel = window.monitor_view.server_panel
    assert panel.enabled.isEnabled() and panel.url.text() == "-"
    with qtbot.waitSignal(panel.stateChanged, timeout=30000) as sig:
        panel.enabled.setChecked(True)
    assert sig.args == ["running"] and not window.problems
    url = panel.url.text()
    assert url.startswith("http://127.0.0.1:") and window.ctx.engine.settings.get("server.enabled") is True
    with httpx.Client(base_url=url, timeout=60) as c:
        r = c.get("/tts", params={"text": "Served from the app.", "text_lang": "en", "voice": "Alice"})
        assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    qtbot.waitUntil(lambda: panel.requests.text() == panel.tr("%1 in flight, %2 served").replace("%1", "0")
                    .replace("%2", "1"), timeout=10000)
    with qtbot.waitSignal(panel.stateChanged, timeout=30000):
        panel.enabled.setChecked(False)
    assert panel.server is None and panel.url.text() == "-"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/health", timeout=5)
