"""One synthesis request over HTTP: admit, resolve and queue it, then answer with the whole file or a stream.

The engine's chunks are pumped from a worker thread into the event loop. A client that disconnects cancels its
request — while it waits for the first audio (polled here, at least every 0.25 s) and while audio streams out
(Starlette cancels the response; the handle is cancelled in ``finally``). A failure after the headers went out
cuts the stream (the client sees an error, never a short "complete" answer).
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import AsyncIterator, Callable

from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ..errors import Cancelled, MissingAsset, TimbrelError
from . import audio as audio_mod
from .core import Busy, Job, ServerCore
from .fields import SpeakParams

log = logging.getLogger("timbrel.server")

_END = object()
ErrorShape = Callable[[Exception], "tuple[int, dict]"]


class _StreamFailed(Exception):
    """A request failed after its audio started streaming."""


class Synthesis:
    def __init__(self, core: ServerCore, metrics, pool: ThreadPoolExecutor, caller: Callable[[Request], str]) -> None:
        self.core = core
        self.metrics = metrics
        self.pool = pool
        self.caller = caller

    async def run_sync(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    # -- the pump: engine chunks → asyncio queue ------------------------------------------------------------
    def start_pump(self, job: Job) -> asyncio.Queue:
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

        loop.run_in_executor(self.pool, pump)
        return q

    @staticmethod
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

    def finish(self, route: str, t0: float, state: str, status: int, ttfb: float | None = None) -> None:
        seconds = time.monotonic() - t0
        self.core.release(state, seconds)
        self.metrics.observe(route, status, seconds if state == "done" else None, ttfb)

    # -- one request ------------------------------------------------------------------------------------------
    async def __call__(self, request: Request, route: str, params: SpeakParams, err: ErrorShape, *, wav_header: str):
        """Admit, resolve, queue, then answer with the whole file or a stream."""
        try:
            audio_mod.require(params.fmt)
        except MissingAsset as exc:
            status, payload = err(exc)
            self.metrics.observe(route, status)
            return JSONResponse(payload, status_code=status)
        try:
            self.core.admit()
        except Busy as exc:
            self.metrics.observe(route, 429)
            status, payload = err(exc)
            return JSONResponse(payload, status_code=429, headers={"Retry-After": str(exc.retry_after)})
        t0 = time.monotonic()
        try:
            job = await self.run_sync(self.core.speak, params, self.caller(request))
        except Exception as exc:  # noqa: BLE001 - any failure is this request's, never the server's
            self.finish(route, t0, "failed", 400)
            if not isinstance(exc, TimbrelError):
                log.exception("request failed before synthesis")
            status, payload = err(exc)
            return JSONResponse(payload, status_code=status)
        q = self.start_pump(job)
        checked = [time.monotonic()]
        try:
            first = await self.next_item(q, request, job, checked)
        except Cancelled:
            self.finish(route, t0, "cancelled", 499)
            return Response(status_code=499)
        except BaseException:
            job.handle.cancel()
            self.finish(route, t0, "cancelled", 499)
            raise
        if isinstance(first, BaseException):
            self.finish(route, t0, "failed", 400)
            status, payload = err(first)
            return JSONResponse(payload, status_code=status)
        if first is _END:      # no audio at all (e.g. text of only punctuation)
            self.finish(route, t0, "done", 200)
            body = audio_mod.encode(params.fmt, _empty(), 16000) if params.fmt != "raw" else b""
            return Response(body, media_type=audio_mod.CONTENT_TYPES[params.fmt],
                            headers=job_headers(job, params.fmt, None))
        ttfb = time.monotonic() - t0
        sr = int(first.sample_rate)
        headers = job_headers(job, params.fmt, sr)
        media = f"audio/{params.fmt}" if route == "tts" else audio_mod.CONTENT_TYPES[params.fmt]
        if not params.streaming:
            return await self._whole(request, route, params, err, job, q, first, (t0, ttfb, checked), headers, media)
        return StreamingResponse(self._stream(route, params, job, q, first, (t0, ttfb), headers, wav_header),
                                 media_type=media, headers=headers)

    async def _whole(self, request, route, params, err, job, q, first, timing, headers, media):
        t0, ttfb, checked = timing
        chunks = [first.samples]
        try:
            while True:
                item = await self.next_item(q, request, job, checked)
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                chunks.append(item.samples)
        except Cancelled:
            self.finish(route, t0, "cancelled", 499)
            return Response(status_code=499)
        except Exception as exc:  # noqa: BLE001
            self.finish(route, t0, "failed", 400)
            status, payload = err(exc)
            return JSONResponse(payload, status_code=status)
        except BaseException:
            job.handle.cancel()
            self.finish(route, t0, "cancelled", 499)
            raise
        import numpy as np

        samples = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
        body = await self.run_sync(audio_mod.encode, params.fmt, samples, int(first.sample_rate))
        self.finish(route, t0, "done", 200, ttfb)
        return Response(body, media_type=media, headers=headers)

    async def _stream(self, route, params, job, q, first, timing, headers, wav_header) -> AsyncIterator[bytes]:
        t0, ttfb = timing
        encoder = audio_mod.StreamEncoder(params.fmt, int(first.sample_rate), wav_header=wav_header)
        state, status = "cancelled", 499
        try:
            data = await self.run_sync(encoder.feed, first.samples)
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
                data = await self.run_sync(encoder.feed, item.samples)
                if data:
                    yield data
            tail = await self.run_sync(encoder.finish)
            if tail:
                yield tail
            state, status = "done", 200
        finally:
            if state != "done":
                job.handle.cancel()
            self.finish(route, t0, state, status, ttfb if state == "done" else None)


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


def _empty():
    import numpy as np

    return np.zeros(0, dtype=np.float32)


__all__ = ["Synthesis", "job_headers"]
