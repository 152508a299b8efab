"""The ingress side of the Ray path: a :class:`ServerCore` that resolves on the library and synthesises on an
engine replica chosen by base, plus the replicas' state for ``/health`` and ``/metrics``.

``RayCore.speak`` resolves voice → base exactly as ``timbrel serve`` does, then calls the engine deployment
with Serve's **multiplexed model id = the base's name** (the engine deployment's router,
:class:`engine.server.ray_router.BaseAffinityRouter`, sends it to the base's home replica). A replica that dies
before the request's first answer is retried once (nothing had been sent to the client yet); once audio has
started, a failure cuts the client's stream — an error, never a short "complete" answer.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Iterator

import numpy as np

from ..errors import InvalidInput, NotFound, TimbrelError
from .config import ServerConfig
from .core import Job, ServerCore
from .fields import SpeakParams

log = logging.getLogger("timbrel.server.ray")

_FAILURE_TYPES = {"RayActorError", "ActorDiedError", "ActorUnavailableError", "WorkerCrashedError", "NodeDiedError",
                  "DeploymentUnavailableError", "RequestCancelledError"}


class ReplicaLost(TimbrelError):
    """The engine replica serving a request died."""

    http_status = 503


def is_replica_failure(exc: BaseException) -> bool:
    names = {c.__name__ for c in type(exc).__mro__}
    return bool(names & _FAILURE_TYPES) or "actor died" in str(exc).lower() or "unexpectedly" in str(exc).lower()


class RemoteHandle:
    """A request running on an engine replica, with the local handle's interface (``chunks``, ``cancel``)."""

    def __init__(self, gen, meta: dict) -> None:
        self._gen = gen
        self.request_id = meta.get("request_id")
        self.state = "running"
        self._cancelled = False

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def chunks(self) -> Iterator:
        from ..backends.base import AudioChunk

        try:
            for item in self._gen:
                if isinstance(item, dict) and "error" in item:
                    self.state = "failed"
                    raise error_of(item["error"])
                samples, sr = item
                yield AudioChunk(np.asarray(samples, dtype=np.float32), int(sr))
        except TimbrelError:
            raise
        except Exception as exc:  # noqa: BLE001
            if self._cancelled:
                from ..errors import Cancelled

                self.state = "cancelled"
                raise Cancelled("The request was cancelled.") from None
            self.state = "failed"
            raise ReplicaLost(f"The engine replica serving this request failed: {exc}",
                              hint="Retry the request; Ray restarts the replica.") from exc
        self.state = "done"

    def cancel(self) -> None:
        self._cancelled = True
        try:
            self._gen.cancel()
        except Exception:  # noqa: BLE001 - already finished
            pass


def error_of(err: dict) -> TimbrelError:
    cls = {"NotFound": NotFound, "InvalidInput": InvalidInput}.get(err.get("type"), InvalidInput)
    return cls(err.get("message", "failed"), hint=err.get("hint") or "")


class _Clip:
    def __init__(self, clip_id: int) -> None:
        self.id = clip_id


class RayCore(ServerCore):
    """The ingress' core: resolution on the library, synthesis on an engine replica chosen by base."""

    def __init__(self, engine, config: ServerConfig, handle, *, multiplexed: bool = True) -> None:
        super().__init__(engine, config)
        self.handle = handle
        self.multiplexed = multiplexed
        self.retries = 0
        # A DeploymentHandle creates its router on first use, and threads racing there each get their own router
        # (each with its own placement of bases): initialise it once here, derive per-request handles one at a time.
        self._handle_lock = threading.Lock()
        with self._handle_lock:
            handle.options(stream=True)

    def speak(self, p: SpeakParams, caller: str | None = None, *, priority: str | None = None) -> Job:
        r = self.resolve(p, caller)
        record = self._base_record(r)
        params = dataclasses.asdict(p)
        if r.base is not None:
            params["base"] = r.base
        opts: dict = {"stream": True}
        if self.multiplexed:
            opts["multiplexed_model_id"] = record.name
        last: BaseException | None = None
        for attempt in range(2):          # a replica that dies before the first answer: once more elsewhere
            with self._handle_lock:
                h = self.handle.options(**opts)
            gen = h.speak.remote(params, caller or "", priority)
            try:
                first = next(iter(gen))
            except StopIteration:
                raise ReplicaLost("The engine replica ended the request without an answer.") from None
            except Exception as exc:  # noqa: BLE001
                if not is_replica_failure(exc):
                    raise
                last = exc
                with self._lock:
                    self.retries += 1
                log.warning("engine replica failed before answering (attempt %d): %s", attempt + 1, exc)
                continue
            if "error" in first:
                raise error_of(first["error"])
            return _job(gen, first["meta"])
        raise ReplicaLost(f"The engine replicas failed twice for this request: {last}",
                          hint="Retry later; Ray restarts failed replicas.")

    # -- per-replica state ----------------------------------------------------------------------------------
    def replica_stats(self, timeout: float = 5.0) -> list[dict]:
        return live_stats(self.handle, timeout)

    def metrics_text(self) -> bytes:
        with self._lock:
            retries = self.retries
        return replica_metrics(self.replica_stats(), retries)

    def health(self) -> dict:
        stats = self.replica_stats()
        return {"replicas": [{"replica": s["replica"], "pid": s["pid"], "resident": s["status"].get("resident"),
                              "loads": s["loads"], "uptime_s": round(s["uptime_s"], 1)} for s in stats]}


def _job(gen, meta: dict) -> Job:
    detail = dict(meta.get("detail") or {}, replica=meta.get("replica"))
    clip = _Clip(meta["prompt_clip"]) if meta.get("prompt_clip") is not None else None
    return Job(handle=RemoteHandle(gen, meta), base=meta["base"], backend=meta["backend"], ignored=list(meta["ignored"]),
               how=meta["how"], used_clip=clip, preview=bool(meta["preview"]), detail=detail)


def replica_metrics(stats: list[dict], retries: int) -> bytes:
    """Prometheus text: one set of engine metrics per replica (``replica`` label, ``timbrel_replica_*``), the
    number of replicas answering and the requests retried after a replica failed."""
    from prometheus_client import CollectorRegistry, generate_latest

    from .metrics import EngineCollector

    reg = CollectorRegistry(auto_describe=False)
    reg.register(EngineCollector(lambda: [({"replica": s["replica"]}, s["status"]) for s in stats],
                                 prefix="timbrel_replica_"))
    return generate_latest(reg) + (
        f"# HELP timbrel_replica_retries Requests retried after an engine replica failed\n"
        f"# TYPE timbrel_replica_retries counter\ntimbrel_replica_retries_total {retries}\n"
        f"# HELP timbrel_replicas Engine replicas answering\n# TYPE timbrel_replicas gauge\n"
        f"timbrel_replicas {len(stats)}\n").encode()


def live_stats(handle, timeout: float = 5.0) -> list[dict]:
    """``stats()`` of every engine replica that answers (a dead or restarting one is left out)."""
    try:
        resp = handle.broadcast("stats")
        kw = {k: v for k, v in (("timeout_s", timeout), ("return_exceptions", True)) if k in _params(resp.results)}
        out = resp.results(**kw)
    except Exception as exc:  # noqa: BLE001 - state reading never fails a scrape or a health check
        log.warning("could not read the replicas' state: %s", exc)
        return []
    return [r for r in out if isinstance(r, dict)]


def _params(fn) -> set[str]:
    import inspect

    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


__all__ = ["RayCore", "ReplicaLost", "RemoteHandle", "live_stats", "replica_metrics", "is_replica_failure"]
