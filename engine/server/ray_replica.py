"""One engine replica behind Ray Serve: the in-process engine over the shared library, opened read-only.

Wrapped into the engine deployment by :func:`engine.server.ray_serve.build_app`, which adds the
``@serve.multiplexed`` loader ``get_base``. The loader defers to Timbrel's pool: it resolves the base (a
missing one fails there, plainly) and the request queued right after makes it resident under the replica's
budget by the runtime's own rule (Belady over the queue, then LRU). It issues no prefetch hint of its own:
measured, a hint per load added swaps (it loaded a base ahead of the queue and evicted one the next arrivals
needed). Serve dropping an id from its per-replica LRU list unloads nothing — the pool decides what leaves the
device, so two caches never fight.

The replica opens the library **read-only** (``Engine(read_only=True)``: SQLite ``mode=ro`` + ``query_only``, no
migrations, no files written; a write raises ``ReadOnlyLibrary``). Every request reads the catalog, so voices
and bases the one writer adds show up without a restart.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import numpy as np

from ..errors import TimbrelError
from .config import ServerConfig
from .core import ServerCore
from .fields import SpeakParams


class EngineReplica:
    """One engine replica (wrapped into a Serve deployment by ``build_app``)."""

    def __init__(self, library: str, vram_limit_mb: float | None, config: dict) -> None:
        from ..api import Engine
        from ..torchutil import configure_torch

        configure_torch()
        self.engine = Engine(library=library, vram_limit_mb=vram_limit_mb, read_only=True)
        self.core = ServerCore(self.engine, ServerConfig(**config))
        self.replica_id = replica_id()
        self.started = time.time()
        self.loads = 0

    # the multiplexed loader's body: resolve the base (its manifest and layout, so a missing base fails here
    # plainly); the request queued right after makes it resident by the runtime's own rule
    async def _load_base(self, base: str):
        self.loads += 1
        await asyncio.to_thread(self.engine.speech.resolved_base, base)
        return BaseRef(base)

    async def speak(self, params: dict, caller: str, priority: str | None = None):
        """Stream: a metadata dict first (or an error dict), then ``(samples, sample_rate)`` tuples."""
        from ray import serve

        base = serve.get_multiplexed_model_id()
        try:
            if base:
                await self.get_base(base)  # noqa: E1101 - added by build_app (the multiplexed loader)
            job = await asyncio.to_thread(self.core.speak, SpeakParams(**params), caller, priority=priority)
        except TimbrelError as exc:
            yield _error(exc)
            return
        yield {"meta": {"base": job.base, "backend": job.backend, "ignored": job.ignored, "how": job.how,
                        "preview": job.preview, "prompt_clip": getattr(job.used_clip, "id", None),
                        "request_id": getattr(job.handle, "request_id", None), "replica": self.replica_id,
                        "detail": job.detail}}
        it = job.handle.chunks()
        done = object()
        try:
            while True:
                chunk = await asyncio.to_thread(next, it, done)
                if chunk is done:
                    break
                yield (np.asarray(chunk.samples, dtype=np.float32), int(chunk.sample_rate))
        except TimbrelError as exc:
            yield _error(exc)
        finally:
            if not job.handle.finished:
                job.handle.cancel()

    def stats(self) -> dict:
        return {"replica": self.replica_id, "pid": os.getpid(), "status": plain(self.engine.runtime.status()),
                "loads": self.loads, "uptime_s": time.time() - self.started}

    def pid(self) -> int:
        return os.getpid()


def _error(exc: TimbrelError) -> dict:
    return {"error": {"type": type(exc).__name__, "message": exc.message, "hint": exc.hint}}


class BaseRef:
    """What the multiplexed loader returns: a name. Dropping it (Serve's LRU) unloads nothing — Timbrel's pool
    evicts by its own rule when the budget needs room."""

    def __init__(self, base: str) -> None:
        self.base = base


def replica_id() -> str:
    """This replica's id as Serve's router knows it (``ReplicaID.unique_id``); the pid outside Serve."""
    try:
        from ray import serve

        ctx = serve.get_replica_context()
        rid = getattr(ctx, "replica_id", None)
        return str(getattr(rid, "unique_id", None) or getattr(ctx, "replica_tag", None) or os.getpid())
    except Exception:  # noqa: BLE001 - outside Serve (tests of the class itself)
        return str(os.getpid())


def plain(obj: Any) -> Any:
    """Status dicts with only JSON-like values (safe to send between processes)."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


__all__ = ["EngineReplica", "BaseRef", "replica_id", "plain"]
