"""The ASGI application (FastAPI): api_v2 routes, the OpenAI speech route, catalog/health/metrics routes.

Every synthesis request is admitted (``ServerCore.admit``: 429 + Retry-After when too many are queued),
resolved and queued on the engine, then its chunks are pumped from the engine's thread into the event loop.
A client that disconnects cancels its request — while it waits for the first audio (polled here) and while
audio streams out (Starlette cancels the response, the pump's handle is cancelled in ``finally``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ..errors import Cancelled, MissingAsset, NotFound, TimbrelError
from . import audio as audio_mod
from .config import ServerConfig
from .core import Busy, Job, ServerCore, caller_id
from .fields import FieldError, SpeakParams, openai_params, tts_params

log = logging.getLogger("timbrel.server")

OPENAI_MODEL_ALIASES = {"timbrel", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"}
_END = object()


# -- plain ASGI guard: auth and body cap, before FastAPI sees the request ------------------------------------
class Guard:
    def __init__(self, app, config: ServerConfig, on_refuse: Callable[[str, int], None] | None = None) -> None:
        self.app = app
        self.config = config
        self.on_refuse = on_refuse

    async def _reply(self, send, status: int, payload: dict, headers: list | None = None) -> None:
        body = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                    + (headers or [])})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        token = self.config.token
        if token:
            got = headers.get("authorization", "")
            if not hmac.compare_digest(got.encode(), f"Bearer {token}".encode()):
                if self.on_refuse:
                    self.on_refuse(scope.get("path", ""), 401)
                return await self._reply(send, 401, {"message": "missing or wrong token",
                                                     "hint": "Send 'Authorization: Bearer TOKEN'."},
                                         [(b"www-authenticate", b"Bearer")])
        limit = self.config.max_body_bytes
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            if self.on_refuse:
                self.on_refuse(scope.get("path", ""), 413)
            return await self._reply(send, 413, {"message": f"request body over {limit} bytes"})
        # Read the whole body first (it is small: JSON under the cap), refusing it as soon as it is too big;
        # the app then gets it back in one message, and later receive() calls go to the client (disconnects).
        body = bytearray()
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                if len(body) > limit:
                    if self.on_refuse:
                        self.on_refuse(scope.get("path", ""), 413)
                    return await self._reply(send, 413, {"message": f"request body over {limit} bytes"})
                if not message.get("more_body", False):
                    break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class _StreamFailed(Exception):
    """A request failed after its audio started streaming."""


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

    # -- the pump: engine chunks → asyncio queue ------------------------------------------------------
    def start_pump(job: Job) -> asyncio.Queue:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue = asyncio.Queue()

        def put(item):
            try:
                loop.call_soon_threadsafe(q.put_nowait, item)
            except RuntimeError:  # the loop has closed (server shutting down)
                job.handle.cancel()

        def pump():
            try:
                for chunk in job.handle.chunks():
                    put(chunk)
                put(_END)
            except BaseException as exc:  # noqa: BLE001 - handed to the request's task
                put(exc)

        loop.run_in_executor(pool, pump)
        return q

    async def next_item(q: asyncio.Queue, request: Request, job: Job, checked: list[float]):
        """The next chunk / _END / exception; cancels the job when the client goes away meanwhile (checked at
        least every 0.25 s, also while chunks keep arriving)."""
        while True:
            now = time.monotonic()
            if now - checked[0] >= 0.25:
                checked[0] = now
                if await request.is_disconnected():
                    job.handle.cancel()
                    raise Cancelled("The client disconnected.")
            try:
                return await asyncio.wait_for(q.get(), timeout=0.25)
            except asyncio.TimeoutError:
                continue

    def finish(route: str, job: Job | None, t0: float, state: str, status: int, ttfb: float | None = None) -> None:
        seconds = time.monotonic() - t0
        core.release(state, seconds)
        metrics.observe(route, status, seconds if state == "done" else None, ttfb)

    def job_headers(job: Job, fmt: str, sample_rate: int | None) -> dict:
        h = {"X-Timbrel-Base": job.base, "X-Timbrel-Backend": job.backend, "X-Timbrel-Resolved": job.how,
             "X-Timbrel-Request-Id": str(getattr(job.handle, "request_id", getattr(job.handle, "id", "")))}
        if sample_rate:
            h["X-Sample-Rate"] = str(audio_mod.output_rate(fmt, sample_rate))
        if job.ignored:
            h["X-Timbrel-Ignored-Fields"] = ",".join(job.ignored)
        if job.preview:
            h["X-Timbrel-Preview"] = "1"
        if job.used_clip is not None and getattr(job.used_clip, "id", None) is not None:
            h["X-Timbrel-Prompt-Clip"] = str(job.used_clip.id)
        if job.detail.get("replica"):
            h["X-Timbrel-Replica"] = str(job.detail["replica"])
        return h

    async def synthesize(request: Request, route: str, params: SpeakParams, err: Callable[[Exception], tuple[int, dict]],
                         *, wav_header: str):
        """Admit, resolve, queue, then answer with the whole file or a stream."""
        try:
            audio_mod.require(params.fmt)
        except MissingAsset as exc:
            status, payload = err(exc)
            metrics.observe(route, status)
            return JSONResponse(payload, status_code=status)
        try:
            core.admit()
        except Busy as exc:
            metrics.observe(route, 429)
            status, payload = err(exc)
            return JSONResponse(payload, status_code=429, headers={"Retry-After": str(exc.retry_after)})
        t0 = time.monotonic()
        try:
            job = await run_sync(core.speak, params, caller(request))
        except Exception as exc:  # noqa: BLE001 - any failure is this request's, never the server's
            finish(route, None, t0, "failed", 400)
            if not isinstance(exc, TimbrelError):
                log.exception("request failed before synthesis")
            status, payload = err(exc)
            return JSONResponse(payload, status_code=status)
        q = start_pump(job)
        checked = [time.monotonic()]
        try:
            first = await next_item(q, request, job, checked)
        except Cancelled:
            finish(route, job, t0, "cancelled", 499)
            return Response(status_code=499)
        except BaseException:
            job.handle.cancel()
            finish(route, job, t0, "cancelled", 499)
            raise
        if isinstance(first, BaseException):
            finish(route, job, t0, "failed", 400)
            status, payload = err(first)
            return JSONResponse(payload, status_code=status)
        if first is _END:      # no audio at all (e.g. text of only punctuation)
            finish(route, job, t0, "done", 200)
            body = audio_mod.encode(params.fmt, _empty(), 16000) if params.fmt != "raw" else b""
            return Response(body, media_type=audio_mod.CONTENT_TYPES[params.fmt], headers=job_headers(job, params.fmt, None))
        ttfb = time.monotonic() - t0
        sr = int(first.sample_rate)
        headers = job_headers(job, params.fmt, sr)
        media = f"audio/{params.fmt}" if route == "tts" else audio_mod.CONTENT_TYPES[params.fmt]

        if not params.streaming:
            chunks = [first.samples]
            try:
                while True:
                    item = await next_item(q, request, job, checked)
                    if item is _END:
                        break
                    if isinstance(item, BaseException):
                        raise item
                    chunks.append(item.samples)
            except Cancelled:
                finish(route, job, t0, "cancelled", 499)
                return Response(status_code=499)
            except Exception as exc:  # noqa: BLE001
                finish(route, job, t0, "failed", 400)
                status, payload = err(exc)
                return JSONResponse(payload, status_code=status)
            except BaseException:
                job.handle.cancel()
                finish(route, job, t0, "cancelled", 499)
                raise
            import numpy as np

            samples = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
            body = await run_sync(audio_mod.encode, params.fmt, samples, sr)
            finish(route, job, t0, "done", 200, ttfb)
            return Response(body, media_type=media, headers=headers)

        encoder = audio_mod.StreamEncoder(params.fmt, sr, wav_header=wav_header)

        async def stream() -> AsyncIterator[bytes]:
            state, status = "cancelled", 499
            try:
                data = await run_sync(encoder.feed, first.samples)
                if data:
                    yield data
                while True:
                    item = await q.get()
                    if item is _END:
                        break
                    if isinstance(item, BaseException):
                        # headers are gone: abort the response (the client sees a cut stream, never a short
                        # "complete" one)
                        log.warning("request %s failed while streaming: %s", headers["X-Timbrel-Request-Id"], item)
                        state, status = "failed", 500
                        raise _StreamFailed(str(item)) from item
                    data = await run_sync(encoder.feed, item.samples)
                    if data:
                        yield data
                tail = await run_sync(encoder.finish)
                if tail:
                    yield tail
                state, status = "done", 200
            finally:
                if state != "done":
                    job.handle.cancel()
                finish(route, job, t0, state, status, ttfb if state == "done" else None)

        return StreamingResponse(stream(), media_type=media, headers=headers)

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


def _empty():
    import numpy as np

    return np.zeros(0, dtype=np.float32)


def _version() -> str:
    from .. import __version__

    return __version__


__all__ = ["create_app", "Guard"]
