"""The ASGI application (FastAPI): api_v2 routes, the OpenAI speech route, catalog/health/metrics routes.

Every synthesis request is admitted (``ServerCore.admit``: 429 + Retry-After when too many are queued),
resolved and queued on the engine and answered by :class:`engine.server.synthesis.Synthesis`; the token and
body cap are checked before FastAPI by :class:`engine.server.guard.Guard`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from ..errors import NotFound, TimbrelError
from .config import ServerConfig
from .core import ServerCore, caller_id
from .fields import FieldError, openai_params, tts_params
from .guard import Guard
from .synthesis import Synthesis

log = logging.getLogger("timbrel.server")

OPENAI_MODEL_ALIASES = {"timbrel", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"}


# -- the application ------------------------------------------------------------------------------------------
def _status_of(exc: Exception) -> int | None:
    return getattr(exc, "http_status", None)


def _tts_error(exc: Exception) -> tuple[int, dict]:
    if isinstance(exc, FieldError):
        return 400, {"message": str(exc)}
    if isinstance(exc, TimbrelError):
        payload = {"message": "tts failed", "Exception": exc.message if hasattr(exc, "message") else str(exc)}
        if getattr(exc, "hint", None):
            payload["hint"] = exc.hint
        return _status_of(exc) or 400, payload
    return 400, {"message": "tts failed", "Exception": str(exc)}


def _openai_error(exc: Exception) -> tuple[int, dict]:
    status = _status_of(exc) or (404 if isinstance(exc, NotFound) else 400)
    message = getattr(exc, "message", None) or str(exc)
    err = {"message": message, "type": "invalid_request_error", "param": None,
           "code": "not_found" if status == 404 else None}
    if getattr(exc, "hint", None):
        err["hint"] = exc.hint
    return status, {"error": err}


def create_app(engine, config: ServerConfig | None = None, *, core: ServerCore | None = None,
               control: Callable[[str], None] | None = None, metric_labels: dict | None = None,
               extra_metrics: Callable[[], bytes] | None = None, extra_health: Callable[[], dict] | None = None):
    """The ASGI app for ``engine``. ``control(command)`` carries out /control (exit, restart) when allowed.
    ``core``: the engine side (a ``ServerCore``; the Ray ingress passes one that forwards to engine replicas),
    ``extra_metrics`` / ``extra_health``: more Prometheus text / health fields (per-replica state on Ray)."""
    from .metrics import ServerMetrics

    config = config or ServerConfig()
    core = core or ServerCore(engine, config)
    pool = ThreadPoolExecutor(max_workers=config.max_active + 8, thread_name_prefix="timbrel-serve")

    def runtime_status():
        rt = engine.__dict__.get("runtime")
        return rt.status() if rt is not None else None

    metrics = ServerMetrics(runtime_status, core.status, labels=metric_labels)

    async def lifespan(app):
        yield
        pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="Timbrel", version=_version(), docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.core = core
    app.state.metrics = metrics
    app.state.config = config

    def caller(request: Request) -> str:
        auth = request.headers.get("authorization")
        return caller_id(request.client.host if request.client else None, auth)

    async def run_sync(fn, *args):
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)

    synthesize = Synthesis(core, metrics, pool, caller)

    # -- api_v2 ---------------------------------------------------------------------------------------------
    async def tts(request: Request, raw: dict):
        try:
            params = tts_params(raw, max_text_chars=config.max_text_chars)
        except FieldError as exc:
            metrics.observe("tts", 400)
            return JSONResponse({"message": str(exc)}, status_code=400)
        return await synthesize(request, "tts", params, _tts_error, wav_header="empty")

    def query_dict(request: Request) -> dict:
        qp = request.query_params
        raw: dict[str, Any] = {k: qp.get(k) for k in qp.keys()}
        aux = qp.getlist("aux_ref_audio_paths")
        if len(aux) > 1:
            raw["aux_ref_audio_paths"] = aux
        return raw

    async def json_body(request: Request) -> dict:
        body = await request.body()
        if not body.strip():
            return {}
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FieldError(f"the body is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise FieldError("the body must be a JSON object")
        return data

    @app.get("/tts")
    async def tts_get(request: Request):
        return await tts(request, query_dict(request))

    @app.post("/tts")
    async def tts_post(request: Request):
        try:
            raw = await json_body(request)
        except FieldError as exc:
            metrics.observe("tts", 400)
            return JSONResponse({"message": str(exc)}, status_code=400)
        return await tts(request, raw)

    # SillyTavern's "GPT-SoVITS-V2 (unofficial)" provider posts the /tts body to "/" and lists voices at /speakers
    @app.post("/")
    async def tts_post_root(request: Request):
        return await tts_post(request)

    @app.get("/speakers")
    async def speakers():
        voices = await run_sync(core.voices)
        return [{"name": v["name"], "voice_id": v["name"]} for v in voices]

    async def _weights(request: Request, kind: str, weights_path: str | None):
        try:
            chosen = await run_sync(core.select_weights, caller(request), kind, weights_path or "")
        except TimbrelError as exc:
            metrics.observe(f"set_{kind}_weights", 400)
            payload = {"message": f"change {kind} weight failed", "Exception": exc.message}
            if kind == "gpt" and not weights_path:
                payload = {"message": "gpt weight path is required"}
            elif kind == "sovits" and not weights_path:
                payload = {"message": "sovits weight path is required"}
            else:
                payload["bases"] = [b["name"] for b in await run_sync(core.bases)]
            return JSONResponse(payload, status_code=400)
        metrics.observe(f"set_{kind}_weights", 200)
        return JSONResponse({"message": "success", "base": chosen})

    @app.get("/set_gpt_weights")
    async def set_gpt_weights(request: Request, weights_path: str | None = None):
        return await _weights(request, "gpt", weights_path)

    @app.get("/set_sovits_weights")
    async def set_sovits_weights(request: Request, weights_path: str | None = None):
        return await _weights(request, "sovits", weights_path)

    @app.get("/set_refer_audio")
    async def set_refer_audio(request: Request, refer_audio_path: str | None = None, prompt_text: str = "",
                              prompt_lang: str | None = None):
        try:
            info = await run_sync(core.set_refer_audio, caller(request), refer_audio_path, prompt_text, prompt_lang)
        except TimbrelError as exc:
            metrics.observe("set_refer_audio", 400)
            return JSONResponse({"message": "set refer audio failed", "Exception": exc.message}, status_code=400)
        metrics.observe("set_refer_audio", 200)
        return JSONResponse({"message": "success", **info})

    async def _control(command: str | None):
        if not config.allow_control or control is None:
            return JSONResponse({"message": "control is disabled on this server",
                                 "hint": "Start it with 'timbrel serve --allow-control'."}, status_code=403)
        if command not in ("exit", "restart"):
            return JSONResponse({"message": "command is required" if not command else f"unknown command {command!r}"},
                                status_code=400)
        asyncio.get_running_loop().call_later(0.05, control, command)
        return JSONResponse({"message": "success", "command": command})

    @app.get("/control")
    async def control_get(command: str | None = None):
        return await _control(command)

    @app.post("/control")
    async def control_post(request: Request):
        try:
            raw = await json_body(request)
        except FieldError as exc:
            return JSONResponse({"message": str(exc)}, status_code=400)
        return await _control(raw.get("command"))

    # -- OpenAI ---------------------------------------------------------------------------------------------
    @app.post("/v1/audio/speech")
    async def openai_speech(request: Request):
        try:
            raw = await json_body(request)
            params, model = openai_params(raw, max_text_chars=config.max_text_chars)
            if model and model not in OPENAI_MODEL_ALIASES:
                await run_sync(engine.bases.get, model)
                params.base = model
            elif model and model != "timbrel":
                params.ignored.append("model")
        except (FieldError, TimbrelError) as exc:
            status, payload = _openai_error(exc)
            metrics.observe("speech", status)
            return JSONResponse(payload, status_code=status)
        return await synthesize(request, "speech", params, _openai_error, wav_header="unknown")

    @app.get("/v1/models")
    async def openai_models():
        bases = await run_sync(core.bases)
        data = [{"id": "timbrel", "object": "model", "created": 0, "owned_by": "timbrel"}]
        data += [{"id": b["name"], "object": "model", "created": 0, "owned_by": "timbrel", "backend": b["backend"]}
                 for b in bases]
        return {"object": "list", "data": data}

    # -- catalog, health, metrics ------------------------------------------------------------------------------
    @app.get("/voices")
    async def voices():
        return await run_sync(core.voices)

    @app.get("/bases")
    async def bases():
        return await run_sync(core.bases)

    @app.get("/health")
    async def health():
        st = core.status()
        rt = runtime_status()
        out = {"status": "ok", "version": _version(), "active": st["active"], "totals": st["totals"],
               "engine": None if rt is None else {"resident": rt.get("resident"), "used_mb": rt.get("used_mb"),
                                                   "vram_limit_mb": rt.get("vram_limit_mb")}}
        if extra_health is not None:
            out.update(await run_sync(extra_health))
        return out

    @app.get("/metrics")
    async def metrics_route():
        body, ctype = await run_sync(metrics.render)
        if extra_metrics is not None:
            body += await run_sync(extra_metrics)
        return Response(body, media_type=ctype)

    @app.exception_handler(TimbrelError)
    async def timbrel_error(request: Request, exc: TimbrelError):
        status = 404 if isinstance(exc, NotFound) else 400
        return JSONResponse({"message": exc.message, "hint": exc.hint}, status_code=status)

    @app.exception_handler(Exception)
    async def any_error(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse({"message": "internal error", "Exception": str(exc)}, status_code=500)

    return Guard(app, config, on_refuse=lambda path, status: metrics.observe("auth" if status == 401 else "body", status))


def _version() -> str:
    from .. import __version__

    return __version__


__all__ = ["create_app", "Guard"]
