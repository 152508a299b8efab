"""Scale-out on Ray Serve (``timbrel serve --ray [ADDRESS] [--replicas N] [--gpus-per-replica G]``).

Two deployments in one Serve application:

* **ingress** (``TimbrelIngress``): the same FastAPI app and routes as ``timbrel serve`` (``create_app``),
  with a core (:class:`engine.server.ray_ingress.RayCore`) that resolves voice → base on the library and
  forwards the synthesis to an engine replica with the **multiplexed model id = the base's name**;
* **engine** (``TimbrelEngine``, N replicas, :class:`engine.server.ray_replica.EngineReplica`): each runs the
  in-process engine (VRAM budget, pool, scheduler, batching) over the same library folder, opened read-only.
  Its ``@serve.multiplexed`` loader is Timbrel's pool (a prefetch hint; Serve's LRU unloads nothing), and its
  request router (:class:`engine.server.ray_router.BaseAffinityRouter`) keeps each base on one home replica.
  ``max_num_models_per_replica`` is how many bases of the library's typical size fit in the replica's budget.

``routing`` chooses how requests find a replica (the benchmark compares them on one trace): ``"base"`` (the
default: model id + the base-affinity router), ``"serve-multiplexed"`` (model id + Serve's stock router, which
only prefers replicas holding the id) and ``"base-blind"`` (no model id, Serve's stock router).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from typing import Any, Callable

from ..errors import InvalidInput, MissingAsset, TimbrelError
from .config import ServerConfig
from .ray_ingress import RayCore, ReplicaLost, live_stats
from .ray_replica import EngineReplica

log = logging.getLogger("timbrel.server.ray")

APP_NAME = "timbrel"
ENGINE = "TimbrelEngine"
INGRESS = "TimbrelIngress"
MB = 2**20
ROUTINGS = ("base", "serve-multiplexed", "base-blind")


def require_ray() -> None:
    try:
        import ray  # noqa: F401
        from ray import serve  # noqa: F401
    except ImportError as exc:
        raise MissingAsset(f"Scaling out needs Ray Serve ({exc}).",
                           hint="Install it with: pip install 'timbrel[ray]'") from exc


# -- application -----------------------------------------------------------------------------------------------
def models_per_replica(library: str, vram_limit_mb: float | None) -> int:
    """How many bases stay resident on one replica while a request runs: (limit − shared models − the largest
    workspace of an ordinary request) ÷ the median slot size, at least 1, at most the number of bases. Slot
    sizes come from the runtime's own layouts (what a base really occupies)."""
    from ..api import Engine
    from ..backends.base import SynthesisRequest

    eng = Engine(library=library, vram_limit_mb=vram_limit_mb, read_only=True)
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
    room = limit - sum(shared.values()) - work
    return max(1, min(len(slots), int(room // max(1, typical))))


def build_app(library: str, config: ServerConfig, *, replicas: int = 1, gpus_per_replica: float = 0.0,
              cpus_per_replica: float = 1.0, vram_limit_mb: float | None = None, routing: str = "base",
              autoscaling: dict | None = None, max_models: int | None = None):
    """The Serve application (ingress + engine deployment), ready for ``serve.run``."""
    require_ray()
    from ray import serve

    if routing not in ROUTINGS:
        raise InvalidInput(f"Unknown routing {routing!r}.", hint=f"Use one of: {', '.join(ROUTINGS)}.")

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
    if routing == "base":
        from ray.serve.config import RequestRouterConfig

        from .ray_router import BaseAffinityRouter

        engine_opts["request_router_config"] = RequestRouterConfig(request_router_class=BaseAffinityRouter)
    if autoscaling:
        engine_opts["autoscaling_config"] = autoscaling
    else:
        engine_opts["num_replicas"] = replicas
    engine_dep = serve.deployment(**engine_opts)(_Engine)

    def ingress_builder():
        from ray.serve import get_deployment_handle

        from ..api import Engine
        from .app import create_app as _create

        eng = Engine(library=library, vram_limit_mb=vram_limit_mb, read_only=True)
        handle = get_deployment_handle(ENGINE, app_name=APP_NAME)
        core = RayCore(eng, ServerConfig(**cfg), handle, multiplexed=routing != "base-blind")
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


__all__ = ["build_app", "RayServer", "RayCore", "EngineReplica", "ReplicaLost", "run_ray", "models_per_replica",
           "live_stats", "ROUTINGS"]
