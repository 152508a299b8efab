"""A local HTTP API over the in-process engine (``timbrel serve``; the desktop's "serve on port N").

* api_v2 compatibility (GPT-SoVITS' own server): ``GET/POST /tts``, ``/set_gpt_weights``,
  ``/set_sovits_weights``, ``/set_refer_audio``, ``/control`` (only with ``--allow-control``);
* OpenAI: ``POST /v1/audio/speech``, ``GET /v1/models``;
* ``GET /voices``, ``/bases``, ``/health``, ``/metrics`` (Prometheus text).

Parts: ``config`` (settings, bind safety), ``fields`` (request fields), ``references`` (what a request
speaks with), ``core`` (admission, sessions, submitting through ``engine.speech``), ``audio`` (encoders),
``metrics``, ``app`` (the FastAPI routes). FastAPI and uvicorn come with the ``server`` extra.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from ..errors import MissingAsset
from .config import DEFAULT_PORT, ServerConfig, check_bind, is_loopback


def _require_deps() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise MissingAsset(f"The HTTP server needs FastAPI and uvicorn ({exc}).",
                           hint="Install them with: pip install 'timbrel[server]'") from exc


def create_app(engine, config: ServerConfig | None = None, **kw):
    _require_deps()
    from .app import create_app as _create

    return _create(engine, config, **kw)


class ServerThread:
    """Run the server on a background thread (the desktop app, tests): ``start()`` returns once it listens;
    ``port`` is the bound port (pass ``port=0`` for an ephemeral one); ``stop()`` shuts it down."""

    def __init__(self, engine, config: ServerConfig, *, control: Callable[[str], None] | None = None,
                 log_level: str = "warning") -> None:
        check_bind(config)
        _require_deps()
        import uvicorn

        from .app import create_app as _create

        self.config = config
        self.app = _create(engine, config, control=control or self._control)
        self.core = self.app.app.state.core
        self._server = uvicorn.Server(uvicorn.Config(self.app, host=config.host, port=config.port, log_level=log_level,
                                                     lifespan="on", timeout_graceful_shutdown=5))
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def _control(self, command: str) -> None:
        self._server.should_exit = True

    def _run(self) -> None:
        try:
            self._server.run()
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self.error = exc

    def start(self, timeout: float = 30.0) -> "ServerThread":
        self._thread = threading.Thread(target=self._run, name="timbrel-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self.error is not None or not self._thread.is_alive():
                raise self.error or RuntimeError("the server stopped while starting")
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not start in time")
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        for srv in getattr(self._server, "servers", []) or []:
            for sock in srv.sockets:
                return int(sock.getsockname()[1])
        return int(self.config.port)

    @property
    def url(self) -> str:
        host = self.config.host if ":" not in self.config.host else f"[{self.config.host}]"
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)


def serve(engine, config: ServerConfig, *, log_level: str = "info", on_started: Callable[[str], None] | None = None) -> str | None:
    """Serve until stopped (Ctrl-C or /control exit). Returns "restart" when /control asked for a restart."""
    check_bind(config)
    _require_deps()
    import uvicorn

    from .app import create_app as _create

    asked: dict[str, str] = {}
    server: uvicorn.Server | None = None

    def control(command: str) -> None:
        asked["command"] = command
        if server is not None:
            server.should_exit = True

    app = _create(engine, config, control=control)
    server = uvicorn.Server(uvicorn.Config(app, host=config.host, port=config.port, log_level=log_level, lifespan="on",
                                           timeout_graceful_shutdown=5))
    if on_started is not None:
        on_started(config.url)
    server.run()
    return asked.get("command") if asked.get("command") == "restart" else None


__all__ = ["ServerConfig", "ServerThread", "serve", "create_app", "check_bind", "is_loopback", "DEFAULT_PORT"]
