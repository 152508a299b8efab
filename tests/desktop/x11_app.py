"""Run the real app window on an X display for test_desktop_x11.py (not a test module itself).

    python tests/desktop/x11_app.py LIBRARY SCREENSHOT_DIR RESULT_JSON

Opens the window exactly as ``timbrel`` does (``desktop.app.create_application`` +
``open_window``), saves a screenshot of each main view once its data is loaded, prints
``READY hotkeys=<0|1>`` when the global hotkeys listen, then waits for a cue to be played
(by the global hotkey the test fires with xdotool) and writes what happened to RESULT_JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    library, shots, result_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    shots.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QTimer

    from desktop.app import create_application, open_window
    from engine.api import Engine

    app, settings = create_application()
    engine = Engine(library=library, settings=settings)
    window, server = open_window(engine)
    result: dict = {"platform": app.platformName(), "activated": [], "played": None, "shots": []}

    def idle() -> bool:
        return not window.runner.busy()

    def settle(then) -> None:
        """Run ``then`` once every background task ended (polling the event loop, no fixed sleeps)."""
        def check() -> None:
            if idle():
                QTimer.singleShot(50, lambda: then() if idle() else settle(then))
            else:
                QTimer.singleShot(20, check)
        QTimer.singleShot(0, check)

    names = ["library", "cluster-map", "emotion-grid", "speak", "soundboard"]   # "engine" after the cue played
    views = [window.library_view, window.cluster_view, window.grid_view, window.speak_view, window.cues_view]

    def shoot(i: int) -> None:
        if i == 3:
            window.speak_view.voice.setCurrentText("Alice")
            window.speak_view.text.setPlainText("Hello chat! Thanks for the follow. 谢谢关注！")
        path = shots / f"{i + 1:02d}-{names[i]}.png"
        window.grab().save(str(path))
        result["shots"].append(str(path))
        if i + 1 < len(names):
            window.tabs.setCurrentWidget(views[i + 1])
            settle(lambda: shoot(i + 1))
        else:
            app.primaryScreen().grabWindow(0).save(str(shots / "00-screen.png"))
            window.tabs.setCurrentWidget(window.cues_view)
            settle(ready)

    def ready() -> None:
        print(f"READY hotkeys={int(window.cues_view.hotkeys.active)} reason={window.cues_view.hotkeys.reason!r}",
              flush=True)

    def played(name: str, outcome) -> None:
        result["played"] = {"cue": name, **(outcome if isinstance(outcome, dict) else {"error": str(outcome)})}
        window.tabs.setCurrentWidget(window.monitor_view)   # the monitor now shows the base and its swap
        settle(finish)

    def finish() -> None:
        path = shots / "06-engine.png"
        window.grab().save(str(path))
        result["shots"].append(str(path))
        window.tabs.setCurrentWidget(window.evaluation_view)
        settle(last)

    def last() -> None:
        path = shots / "07-evaluation.png"
        window.grab().save(str(path))
        result["shots"].append(str(path))
        result_path.write_text(json.dumps(result))
        app.quit()

    window.cues_view.hotkeys.activated.connect(lambda name: result["activated"].append(name))
    window.cues_view.played.connect(played)
    QTimer.singleShot(120_000, app.quit)   # the test gives up long before; never hang CI
    def first() -> None:
        window.library_view.select_voice("Alice")
        window.library_view.load_clips("Alice")   # its clips and waveforms, then the first screenshot
        settle(lambda: shoot(0))

    settle(first)
    try:
        rc = app.exec()
    finally:
        server.close()
        window.shutdown()
        engine.close()
    if result["played"] is None:
        result_path.write_text(json.dumps(result))
    return rc


if __name__ == "__main__":
    sys.exit(main())
