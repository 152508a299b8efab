"""Start the desktop app: single instance, translations, first run, main window, local control socket.

``timbrel`` (no command) and ``timbrel app`` call :func:`main`. A second start
sends ``focus`` to the running app and exits; ``timbrel trigger CUE`` sends
``trigger``. Set ``TIMBREL_STARTUP_REPORT=1`` to print how long the window
took to appear (measured from process start).
"""

from __future__ import annotations

import os
import sys
import time

_T0 = time.perf_counter()


def process_age() -> float:
    """Seconds since this process started (Linux: /proc; elsewhere since this module was imported)."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _T0


def create_application(argv: list[str] | None = None):
    """The QApplication with names and the translation chosen by the ``ui.language`` setting."""
    from PySide6.QtWidgets import QApplication

    from engine.api import Settings

    from . import i18n

    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("Timbrel")
    app.setOrganizationName("Timbrel")
    app.setApplicationDisplayName("Timbrel")
    settings = Settings()
    i18n.install(app, settings.get("ui.language"))
    return app, settings


def open_window(engine):
    """Show the main window and start listening on the control socket. Returns (window, server)."""
    import os as _os

    from PySide6.QtCore import QTimer

    from . import ipc
    from .mainwindow import MainWindow

    window = MainWindow(engine)
    server = ipc.InstanceServer(window.handle_message, parent=window)
    if not server.listen():
        print(f"timbrel: the control socket could not be opened ({server.error_string()}); "
              "'timbrel trigger' will not reach this window.", file=sys.stderr)
    window.show()
    window.start()
    if _os.environ.get("TIMBREL_STARTUP_REPORT"):
        QTimer.singleShot(0, lambda: print(f"TIMBREL_WINDOW_SHOWN {process_age():.3f}", flush=True))
    if _os.environ.get("TIMBREL_READY_FILE"):
        path = _os.environ["TIMBREL_READY_FILE"]
        window.cues_view.cuesLoaded.connect(lambda _n: _write_ready(path, window))
    return window, server


def main(argv: list[str] | None = None, *, library: str | None = None) -> int:
    from PySide6.QtCore import QTimer

    from . import ipc

    app, settings = create_application(argv)   # before any socket use: ipc.send would make a QCoreApplication
    if ipc.send({"cmd": "focus"}, timeout_ms=1000) is not None:
        print("Timbrel is already running; its window was brought to the front.")
        return 0

    add_demo = False
    if not settings.get("ui.first_run_done") and library is None and not os.environ.get("TIMBREL_LIBRARY"):
        from engine.api import default_library_dir

        from .dialogs import FirstRunDialog

        dialog = FirstRunDialog(settings, default_library_dir())
        if os.environ.get("TIMBREL_AUTOSTART"):   # scripted starts accept the defaults
            QTimer.singleShot(0, dialog.finish)
        if not dialog.exec():
            return 0
        add_demo = dialog.add_demo

    from engine.api import Engine

    engine = Engine(library=library, settings=settings)
    window, server = open_window(engine)
    if add_demo:   # a fresh install opens on the demo library, ready to speak through the preview voice
        window.library_view.install_demo(only_if_empty=True)
    try:
        return int(app.exec())
    finally:
        server.close()
        window.shutdown()
        engine.close()


def _write_ready(path: str, window) -> None:
    """Tell a waiting test/script the window is up with its cues loaded (and whether global hotkeys listen)."""
    hk = window.cues_view.hotkeys
    with open(path + ".tmp", "w") as f:
        f.write(f"ready hotkeys={int(hk.active)} pid={os.getpid()}\n")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
