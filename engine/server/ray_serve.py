"""Scale-out on Ray Serve (``timbrel serve --ray [ADDRESS] [--replicas N] [--gpus-per-replica G]``).

Two deployments in one Serve application:

* **ingress** (``TimbrelIngress``): the same FastAPI app and routes as ``timbrel serve`` (``create_app``),
  with a core (:class:`RayCore`) that resolves voice → base on the library and forwards the synthesis to an
  engine replica with the **multiplexed model id = the base's name**, so Serve routes it to a replica that
  already holds that base;
* **engine** (``TimbrelEngine``, N replicas): each runs the in-process engine (VRAM budget, pool, scheduler,
  batching) over the same library folder. Its ``@serve.multiplexed`` loader is Timbrel's pool: loading a base
  is a prefetch hint to the runtime (it becomes resident under the budget, never evicting a base needed
  sooner), and unloading does nothing — Timbrel's own eviction decides what leaves the device.
  ``max_num_models_per_replica`` is how many bases of the library's typical size fit in the replica's budget.

Replicas never write to the library (the server has no editing route); SQLite serves many readers and the
blobs are immutable, so a replica sees voices and bases added by the one writer (the CLI or the app) on its
next request. A replica that dies before a request's first audio is retried once on another replica; after
audio started the client's stream is cut (an error, never a short "complete" answer). ``/metrics`` adds one
set of engine metrics per replica (``replica`` label), ``/health`` lists the replicas.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import threading
import time
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import InvalidInput, MissingAsset, NotFound, TimbrelError
from .config import ServerConfig
from .core import Job, ServerCore
from .fields import SpeakParams

log = logging.getLogger("timbrel.server.ray")

APP_NAME = "timbrel"
ENGINE = "TimbrelEngine"
INGRESS = "TimbrelIngress"
MB = 2**20


class ReplicaLost(TimbrelError):
    """The engine replica serving a request died."""

    http_status = 503


def require_ray() -> None:
    try:
        import ray  # noqa: F401
        from ray import serve  # noqa: F401
    except ImportError as exc:
        raise MissingAsset(f"Scaling out needs Ray Serve ({exc}).",
                           hint="Install it with: pip install 'timbrel[ray]'") from exc


def _is_replica_failure(exc: BaseException) -> bool:
    names = {c.__name__ for c in type(exc).__mro__}
    return bool(names & {"RayActorError", "ActorDiedError", "ActorUnavailableError", "WorkerCrashedError",
                         "NodeDiedError", "DeploymentUnavailableError", "RequestCancelledError"}) or \
        "actor died" in str(exc).lower() or "unexpectedly" in str(exc).lower()


# -- engine replica ------------------------------------------------------------------------------------------
class EngineReplica:
    """One engine replica (wrapped into a Serve deployment by :func:`build_app`)."""

    def __init__(self, library: str, vram_limit_mb: float | None, config: dict) -> None:
        from ..api import Engine
        from ..torchutil import configure_torch

        configure_torch()
        self.engine = Engine(library=library, vram_limit_mb=vram_limit_mb)
        self.core = ServerCore(self.engine, ServerConfig(**config))
        self.replica_id = _replica_id()
        self.started = time.time()
        self.loads = 0

    # the multiplexed loader's body: make the base resident the runtime's way (a prefetch hint, under the budget)
    async def _load_base(self, base: str):
        self.loads += 1
        rt = self.engine.runtime
        await asyncio.to_thread(rt.hint_prefetch, base)
        deadline = time.monotonic() + 2.0
        while base not in rt.pool.resident() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return _BaseRef(base)

    async def speak(self, params: dict, caller: str, priority: str | None = None):
        """Stream: a metadata dict first (or an error dict), then ``(samples, sample_rate)`` tuples."""
        from ray import serve

        base = serve.get_multiplexed_model_id()
        if base:
            await self.get_base(base)  # noqa: E1101 - added by build_app (the multiplexed loader)
        p = SpeakParams(**params)
        try:
            job = await asyncio.to_thread(self.core.speak, p, caller, priority=priority)
        except TimbrelError as exc:
            yield {"error": {"type": type(exc).__name__, "message": exc.message, "hint": exc.hint}}
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
            yield {"error": {"type": type(exc).__name__, "message": exc.message, "hint": exc.hint}}
        finally:
            if not job.handle.finished:
                job.handle.cancel()

    def stats(self) -> dict:
        return {"replica": self.replica_id, "pid": os.getpid(), "status": _plain(self.engine.runtime.status()),
                "loads": self.loads, "uptime_s": time.time() - self.started}

    def pid(self) -> int:
        return os.getpid()


class _BaseRef:
    """What the multiplexed loader returns: a name. Dropping it (Serve's LRU) unloads nothing — Timbrel's pool
    evicts by its own rule when the budget needs room."""

    def __init__(self, base: str) -> None:
        self.base = base


def _replica_id() -> str:
    try:
        from ray import serve

        ctx = serve.get_replica_context()
        rid = getattr(ctx, "replica_id", None)
        return str(getattr(rid, "unique_id", None) or getattr(ctx, "replica_tag", None) or os.getpid())
    except Exception:  # noqa: BLE001 - outside Serve (tests of the class itself)
        return str(os.getpid())


def _plain(obj: Any) -> Any:
    """Status dicts with only JSON-like values (safe to send between processes)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


# -- ingress side ----------------------------------------------------------------------------------------------
class _RemoteHandle:
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
                    raise _error_of(item["error"])
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


def _error_of(err: dict) -> TimbrelError:
    cls = {"NotFound": NotFound, "InvalidInput": InvalidInput}.get(err.get("type"), InvalidInput)
    return cls(err.get("message", "failed"), hint=err.get("hint") or "")


class RayCore(ServerCore):
    """The ingress' core: resolution on the library, synthesis on an engine replica chosen by base."""

    def __init__(self, engine, config: ServerConfig, handle, *, multiplexed: bool = True) -> None:
        super().__init__(engine, config)
        self.handle = handle
        self.multiplexed = multiplexed
        self.retries = 0

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
            gen = self.handle.options(**opts).speak.remote(params, caller or "", priority)
            try:
                first = next(iter(gen))
            except StopIteration:
                raise ReplicaLost("The engine replica ended the request without an answer.") from None
            except Exception as exc:  # noqa: BLE001
                if not _is_replica_failure(exc):
                    raise
                last = exc
                with self._lock:
                    self.retries += 1
                log.warning("engine replica failed before answering (attempt %d): %s", attempt + 1, exc)
                continue
            if "error" in first:
                raise _error_of(first["error"])
            meta = first["meta"]
            detail = dict(meta.get("detail") or {}, replica=meta.get("replica"))
            clip = _Clip(meta["prompt_clip"]) if meta.get("prompt_clip") is not None else None
            return Job(handle=_RemoteHandle(gen, meta), base=meta["base"], backend=meta["backend"],
                       ignored=list(meta["ignored"]), how=meta["how"], used_clip=clip, preview=bool(meta["preview"]),
                       detail=detail)
        raise ReplicaLost(f"The engine replicas failed twice for this request: {last}",
                          hint="Retry later; Ray restarts failed replicas.")

    # -- per-replica state ----------------------------------------------------------------------------------
    def replica_stats(self, timeout: float = 5.0) -> list[dict]:
        return live_stats(self.handle, timeout)

    def metrics_text(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest

        from .metrics import _EngineCollector

        stats = self.replica_stats()

        class Merged:
            def collect(self_inner):
                fams: dict[str, Any] = {}
                for st in stats:
                    holder = type("M", (), {})()
                    holder._status = lambda s=st: s["status"]
                    holder._const = {"replica": st["replica"]}
                    for fam in _EngineCollector(holder).collect():
                        fam.name = "timbrel_replica_" + fam.name.removeprefix("timbrel_")
                        for i, smp in enumerate(fam.samples):
                            fam.samples[i] = smp._replace(name="timbrel_replica_" + smp.name.removeprefix("timbrel_"))
                        if fam.name in fams:
                            fams[fam.name].samples.extend(fam.samples)
                        else:
                            fams[fam.name] = fam
                yield from fams.values()

        reg = CollectorRegistry(auto_describe=False)
        reg.register(Merged())
        text = generate_latest(reg)
        with self._lock:
            retries = self.retries
        return text + (f"# HELP timbrel_replica_retries Requests retried after an engine replica failed\n"
                       f"# TYPE timbrel_replica_retries counter\ntimbrel_replica_retries_total {retries}\n"
                       f"# HELP timbrel_replicas Engine replicas answering\n# TYPE timbrel_replicas gauge\n"
                       f"timbrel_replicas {len(stats)}\n").encode()

    def health(self) -> dict:
        stats = self.replica_stats()
        return {"replicas": [{"replica": s["replica"], "pid": s["pid"], "resident": s["status"].get("resident"),
                              "loads": s["loads"], "uptime_s": round(s["uptime_s"], 1)} for s in stats]}


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


class _Clip:
    def __init__(self, clip_id: int) -> None:
        self.id = clip_id


def _params(fn) -> set[str]:
    import inspect

    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


# -- application -----------------------------------------------------------------------------------------------
def models_per_replica(library: str, vram_limit_mb: float | None) -> int:
    """How many bases fit in one replica's VRAM limit next to the shared models and a request's workspace:
    (limit − shared models − 2 × the largest workspace) ÷ the median slot size, at least 1, at most the
    number of bases. Slot sizes come from the runtime's own layouts (what a base really occupies)."""
    from ..api import Engine
    from ..backends.base import SynthesisRequest

    eng = Engine(library=library, vram_limit_mb=vram_limit_mb)
    try:
        bases = eng.bases.list()
        if not bases:
            return 1
        slots, shared, work = [], {}, 0
        probe = SynthesisRequest(text="A sentence of ordinary length to size the workspace, like most requests.")
        for b in bases:
            try:
                rb = eng.speech.resolved_base(b)
            except TimbrelError:       # a base this machine cannot load (missing assets): not counted
                continue
            slots.append(rb.spec.packed.nbytes)
            for m in rb.backend.shared_models(rb.manifest, rb.context):
                shared[m.name] = m.nbytes
            work = max(work, rb.backend.workspace_bytes(rb.manifest, probe))
        limit = eng.vram_limit_mb * MB
    finally:
        eng.close()
    if not slots:
        return 1
    typical = sorted(slots)[len(slots) // 2]
    room = limit - sum(shared.values()) - 2 * work
    return max(1, min(len(slots), int(room // max(1, typical))))


def build_app(library: str, config: ServerConfig, *, replicas: int = 1, gpus_per_replica: float = 0.0,
              cpus_per_replica: float = 1.0, vram_limit_mb: float | None = None, multiplexed: bool = True,
              autoscaling: dict | None = None, max_models: int | None = None):
    """The Serve application (ingress + engine deployment), ready for ``serve.run``."""
    require_ray()
    from ray import serve

    library = str(library)
    n_models = max_models or models_per_replica(library, vram_limit_mb)
    cfg = {f.name: getattr(config, f.name) for f in dataclasses.fields(ServerConfig) if f.name not in ("extra",)}
    cfg["allow_dirs"] = tuple(str(d) for d in config.allow_dirs)

    class _Engine(EngineReplica):
        @serve.multiplexed(max_num_models_per_replica=n_models)
        async def get_base(self, base: str):
            return await self._load_base(base)

    engine_opts: dict[str, Any] = {"name": ENGINE, "ray_actor_options": {"num_cpus": cpus_per_replica,
                                                                         "num_gpus": gpus_per_replica},
                                   "max_ongoing_requests": max(8, config.max_active)}
    if autoscaling:
        engine_opts["autoscaling_config"] = autoscaling
    else:
        engine_opts["num_replicas"] = replicas
    engine_dep = serve.deployment(**engine_opts)(_Engine)

    def ingress_builder():
        from ray.serve import get_deployment_handle

        from ..api import Engine
        from .app import create_app as _create

        eng = Engine(library=library, vram_limit_mb=vram_limit_mb)
        handle = get_deployment_handle(ENGINE, app_name=APP_NAME)
        core = RayCore(eng, ServerConfig(**cfg), handle, multiplexed=multiplexed)
        return _create(eng, ServerConfig(**cfg), core=core, extra_metrics=core.metrics_text, extra_health=core.health)

    @serve.deployment(name=INGRESS, ray_actor_options={"num_cpus": 0.1}, max_ongoing_requests=max(64, config.max_active * 2))
    @serve.ingress(ingress_builder)
    class _Ingress:
        def __init__(self, engine_handle) -> None:
            self.engine_handle = engine_handle   # bound so Serve deploys the engine deployment with the app

    return _Ingress.bind(engine_dep.bind(library, vram_limit_mb, cfg))


class RayServer:
    """Start (and stop) the application on a Ray cluster: a local one when ``address`` is None."""

    def __init__(self, library: str, config: ServerConfig, *, address: str | None = None, num_cpus: int | None = None,
                 **app_kw) -> None:
        require_ray()
        self.library = str(library)
        self.config = config
        self.address = address
        self.num_cpus = num_cpus
        self.app_kw = app_kw
        self._started_ray = False

    def start(self) -> "RayServer":
        import ray
        from ray import serve

        if not ray.is_initialized():
            kw: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if self.address:
                kw["address"] = self.address
            else:   # a local instance: enough logical CPUs for the replicas even on a small machine
                need = self.app_kw.get("replicas", 1) * self.app_kw.get("cpus_per_replica", 1.0) + 1
                kw["num_cpus"] = self.num_cpus or max(os.cpu_count() or 1, int(need + 0.999))
            ray.init(**kw)
            self._started_ray = True
        serve.start(http_options={"host": self.config.host, "port": self.config.port})
        serve.run(build_app(self.library, self.config, **self.app_kw), name=APP_NAME, route_prefix="/")
        return self

    @property
    def url(self) -> str:
        host = self.config.host if ":" not in self.config.host else f"[{self.config.host}]"
        return f"http://{host}:{self.config.port}"

    def engine_handle(self):
        from ray import serve

        return serve.get_deployment_handle(ENGINE, app_name=APP_NAME)

    def stop(self) -> None:
        """Shut the application and (when this object started it) the local Ray instance down; idempotent."""
        import ray
        from ray import serve

        if not ray.is_initialized():
            return
        try:
            serve.shutdown()
        finally:
            if self._started_ray:
                ray.shutdown()


def run_ray(config: ServerConfig, *, library, address: str | None, replicas: int, gpus_per_replica: float,
            vram_limit_mb: float | None, info: Callable[[str], None] = print, autoscaling: dict | None = None) -> int:
    """``timbrel serve --ray``: serve until interrupted."""
    srv = RayServer(str(library), config, address=address, replicas=replicas, gpus_per_replica=gpus_per_replica,
                    vram_limit_mb=vram_limit_mb, autoscaling=autoscaling)
    srv.start()
    info(f"serving on Ray Serve at {srv.url} ({replicas if not autoscaling else 'autoscaled'} engine replica(s); "
         f"Ray at {address or 'a local instance'})")
    stop = threading.Event()
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
    return 0


__all__ = ["build_app", "RayServer", "RayCore", "EngineReplica", "ReplicaLost", "run_ray", "models_per_replica"]
