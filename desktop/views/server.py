"""The Engine tab's "HTTP server" section: serve the library on a local port from inside the app.

The same server as ``timbrel serve`` (``engine.server.ServerThread``) over the app's own engine, on
127.0.0.1. Settings: ``server.enabled`` (start it with the app) and ``server.port``. Shows the URL and the
live number of requests in flight (pushed by the server's core, delivered to the GUI thread by a signal).
"""

from __future__ import annotations

import importlib.util

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QCheckBox, QGroupBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

DEFAULT_PORT = 9880


def server_available() -> bool:
    """FastAPI and uvicorn are installed (the ``server`` extra)."""
    return all(importlib.util.find_spec(m) is not None for m in ("fastapi", "uvicorn"))


class ServerPanel(QGroupBox):
    countChanged = Signal(int)          # requests in flight (emitted from server threads)
    stateChanged = Signal(str)          # "running" | "stopped"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("HTTP server"), parent)
        self.ctx = ctx
        self.server = None
        settings = ctx.engine.settings
        self.enabled = QCheckBox(self.tr("Serve on port"))
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText(self.tr("any free port"))
        self.port.setValue(int(settings.get("server.port", DEFAULT_PORT) or 0))
        self.url = QLabel("-")
        self.url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.requests = QLabel("-")
        self.note = QLabel()
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.enabled)
        row.addWidget(self.port)
        row.addWidget(QLabel(self.tr("URL:")))
        row.addWidget(self.url, 1)
        row.addWidget(self.requests)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.note)
        self._served = 0
        self.countChanged.connect(self._show_count)
        if not server_available():
            self.enabled.setEnabled(False)
            self.port.setEnabled(False)
            self.note.setText(self.tr("The HTTP server is not installed (pip install 'timbrel[server]')."))
        else:
            self.note.setText(self.tr("api_v2 clients (GPT-SoVITS' API) and OpenAI speech clients can use this "
                                      "address; only this computer can reach it."))
            self.enabled.toggled.connect(self._toggled)
            app = QApplication.instance()
            if app is not None:
                app.aboutToQuit.connect(self.shutdown)
            if settings.get("server.enabled", False):
                self.enabled.setChecked(True)

    # -- start / stop -----------------------------------------------------------------------------
    def _toggled(self, on: bool) -> None:
        settings = self.ctx.engine.settings
        if settings.get("server.enabled", False) != on:
            settings.set("server.enabled", on)
        if on:
            self.start()
        else:
            self.stop()

    def start(self) -> None:
        if self.server is not None:
            return
        port = self.port.value()
        if self.ctx.engine.settings.get("server.port", DEFAULT_PORT) != port:
            self.ctx.engine.settings.set("server.port", port)
        self.port.setEnabled(False)
        self.url.setText(self.tr("starting…"))

        def work(task):
            from engine.server import ServerConfig, ServerThread   # a front end the app hosts (pyproject: contracts)

            srv = ServerThread(self.ctx.engine, ServerConfig(host="127.0.0.1", port=port))
            srv.core.listeners.append(self.countChanged.emit)
            srv.start()
            return srv

        self.ctx.run(work, label=self.tr("Starting the HTTP server"), pool="io", on_done=self._started,
                     on_error=self._failed)

    def _started(self, srv) -> None:
        if not self.enabled.isChecked():    # switched off while it started
            srv.stop()
            return
        self.server = srv
        self.url.setText(srv.url)
        self._show_count(0)
        self.stateChanged.emit("running")

    def _failed(self, exc: BaseException) -> None:
        self.port.setEnabled(True)
        self.url.setText("-")
        self.enabled.blockSignals(True)
        self.enabled.setChecked(False)
        self.enabled.blockSignals(False)
        self.ctx.report(self.tr("Could not start the HTTP server"))(exc)
        self.stateChanged.emit("stopped")

    def stop(self) -> None:
        srv, self.server = self.server, None
        if srv is not None:
            srv.stop()
        self.port.setEnabled(True)
        self.url.setText("-")
        self.requests.setText("-")
        self.stateChanged.emit("stopped")

    def shutdown(self) -> None:
        srv, self.server = self.server, None
        if srv is not None:
            srv.stop()

    # -- live count -------------------------------------------------------------------------------
    def _show_count(self, active: int) -> None:
        srv = self.server
        done = srv.core.status()["totals"]["requests"] if srv is not None else 0
        self.requests.setText(self.tr("%1 in flight, %2 served").replace("%1", str(active)).replace("%2", str(done)))


__all__ = ["ServerPanel", "server_available"]
