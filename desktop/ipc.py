"""Single instance and remote control over a local socket (QLocalServer / QLocalSocket).

The running app listens on a per-user socket (``engine.paths.runtime_socket_name()``,
or ``$TIMBREL_SOCKET``). Messages are one JSON object per line, each answered by
one JSON line:

* ``{"cmd": "focus"}``              → raise the window (a second ``timbrel`` sends this and exits)
* ``{"cmd": "trigger", "cue": N}``  → play cue N (``timbrel trigger N``; bind it in the desktop's shortcut settings)
* ``{"cmd": "ping"}``               → ``{"ok": true, "pid": ...}``
* ``{"cmd": "engine-status"}``      → ``{"ok": true, "status": <the app engine's runtime.status()>, "pid": ...}``
  (``timbrel engine status`` asks this first: :func:`remote_engine_status`)
* ``{"cmd": "quit"}``               → close the window (scripts, tests)

Replies: ``{"ok": bool, "message": str}``.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

SOCKET_ENV = "TIMBREL_SOCKET"
MAX_LINE = 64 * 1024


def socket_name() -> str:
    from engine.api import runtime_socket_name

    return os.environ.get(SOCKET_ENV) or runtime_socket_name()


def send(message: dict[str, Any], name: str | None = None, timeout_ms: int = 3000) -> dict[str, Any] | None:
    """Send one message to a running app; its reply, or None when no app is listening.

    Works without a running event loop (blocking waits), so the CLI can use it.
    """
    from PySide6.QtCore import QCoreApplication

    if QCoreApplication.instance() is None:
        _keep_app.append(QCoreApplication([]))
    sock = QLocalSocket()
    sock.connectToServer(name or socket_name())
    if not sock.waitForConnected(timeout_ms):
        return None
    try:
        sock.write((json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8"))
        if not sock.waitForBytesWritten(timeout_ms):
            return None
        buf = b""
        while b"\n" not in buf:
            if not sock.waitForReadyRead(timeout_ms):
                return None
            buf += bytes(sock.readAll().data())
            if len(buf) > MAX_LINE:
                return None
        try:
            reply = json.loads(buf.split(b"\n", 1)[0].decode("utf-8"))
        except ValueError:
            return None
        return reply if isinstance(reply, dict) else None
    finally:
        sock.disconnectFromServer()


_keep_app: list = []


def remote_engine_status(name: str | None = None, timeout_ms: int = 20000) -> dict | None:
    """The running app's engine status (``runtime.status()`` plus ``pid``), or None when no app answers."""
    try:
        reply = send({"cmd": "engine-status"}, name, timeout_ms)
    except ImportError:   # no Qt here: no app can be asked
        return None
    if not reply or not reply.get("ok") or not isinstance(reply.get("status"), dict):
        return None
    return {**reply["status"], "pid": reply.get("pid")}


class InstanceServer(QObject):
    """Listens for messages from other processes.

    ``handler(msg, respond) -> dict | None`` runs on the GUI thread: it returns the reply, or None and calls
    ``respond(reply)`` later (after background work), also on the GUI thread.
    """

    messageReceived = Signal(dict)

    def __init__(self, handler: Callable[[dict], dict], name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or socket_name()
        self.handler = handler
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening. A stale socket left by a crashed app is removed first (call only when ``send`` got no answer)."""
        if self.server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        return self.server.listen(self.name)

    def error_string(self) -> str:
        return self.server.errorString()

    def close(self) -> None:
        for sock in list(self._buffers):
            sock.abort()
        self._buffers.clear()
        self.server.close()

    @Slot()
    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            self._buffers[sock] = b""
            sock.readyRead.connect(self._on_ready_read)
            sock.disconnected.connect(self._on_disconnected)

    @Slot()
    def _on_ready_read(self) -> None:
        sock = self.sender()
        if sock not in self._buffers:
            return
        buf = self._buffers[sock] + bytes(sock.readAll().data())
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            reply = self._handle(line, self._responder(sock))
            if reply is not None:
                self._send(sock, reply)
        if len(buf) > MAX_LINE:
            sock.abort()
            self._buffers.pop(sock, None)
            return
        self._buffers[sock] = buf

    def _send(self, sock: QLocalSocket, reply: dict) -> None:
        if sock in self._buffers and sock.state() == QLocalSocket.LocalSocketState.ConnectedState:
            sock.write((json.dumps(reply, ensure_ascii=False) + "\n").encode("utf-8"))
            sock.flush()

    def _responder(self, sock: QLocalSocket) -> Callable[[dict], None]:
        """For a handler that answers later (it returned None): call with the reply, on the GUI thread."""
        return lambda reply: self._send(sock, reply)

    def _handle(self, line: bytes, respond: Callable[[dict], None]) -> dict | None:
        try:
            msg = json.loads(line.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return {"ok": False, "message": "not a JSON message"}
        if not isinstance(msg, dict):
            return {"ok": False, "message": "not a JSON object"}
        if msg.get("cmd") == "ping":
            return {"ok": True, "message": "pong", "pid": os.getpid()}
        self.messageReceived.emit(msg)
        try:
            reply = self.handler(msg, respond)
        except Exception as exc:  # never let a bad message crash the app: the sender gets the error, the log the trace
            log.exception("control message %r failed", msg.get("cmd"))
            return {"ok": False, "message": str(exc)}
        return reply   # None: the handler answers later through ``respond``

    @Slot()
    def _on_disconnected(self) -> None:
        sock = self.sender()
        self._buffers.pop(sock, None)
        if sock is not None:
            sock.deleteLater()
