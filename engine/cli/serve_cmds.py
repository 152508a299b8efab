"""``timbrel serve``: the local HTTP API (api_v2-compatible, OpenAI speech, metrics)."""

from __future__ import annotations

import argparse
import os
import sys

from . import Context, add_command


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "serve", cmd_serve,
                    help="serve the library over HTTP (GPT-SoVITS api_v2 routes, OpenAI /v1/audio/speech, /metrics)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; others need --token)")
    p.add_argument("--port", type=int, default=9880, help="port (default 9880, api_v2's)")
    p.add_argument("--token", default=None,
                   help="require 'Authorization: Bearer TOKEN' (default: $TIMBREL_SERVE_TOKEN; required off loopback)")
    p.add_argument("--allow-control", action="store_true", help="let clients call /control (exit, restart)")
    p.add_argument("--allow-dir", action="append", default=[], metavar="DIR",
                   help="a folder whose audio files clients may name as ref_audio_path (repeatable)")
    p.add_argument("--max-text", type=int, default=5000, metavar="CHARS", help="longest text per request")
    p.add_argument("--max-queued", type=int, default=64, metavar="N", help="requests in flight before 429")
    p.add_argument("--max-body", type=int, default=1 << 20, metavar="BYTES", help="largest request body")
    p.add_argument("--priority", choices=("interactive", "batch"), default="interactive",
                   help="scheduler priority of HTTP requests")
    p.add_argument("--vram-limit", type=float, metavar="MB", help="VRAM limit for this server (default: the setting)")
    p.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="serve on Ray Serve (a local Ray instance, or the cluster at ADDRESS); needs timbrel[ray]")
    p.add_argument("--replicas", type=int, default=1, metavar="N", help="engine replicas (with --ray)")
    p.add_argument("--gpus-per-replica", type=float, default=0.0, metavar="G", help="GPUs per engine replica (with --ray)")
    p.add_argument("--autoscaling", metavar="JSON", default=None,
                   help="Ray Serve autoscaling_config for the engine replicas, e.g. "
                        "'{\"min_replicas\": 1, \"max_replicas\": 4}' (with --ray; replaces --replicas)")


def _config(args):
    from ..server import ServerConfig

    token = args.token if args.token is not None else os.environ.get("TIMBREL_SERVE_TOKEN")
    return ServerConfig(host=args.host, port=args.port, token=token, allow_control=args.allow_control,
                        allow_dirs=tuple(args.allow_dir), max_text_chars=args.max_text, max_active=args.max_queued,
                        max_body_bytes=args.max_body, priority=args.priority)


def cmd_serve(args, ctx: Context) -> int:
    from ..server import check_bind

    config = _config(args)
    check_bind(config)          # before opening anything: a refused bind exits 1 at once
    if args.ray is not None:
        from ..server.ray_serve import run_ray

        import json

        from ..errors import InvalidInput

        try:
            autoscaling = json.loads(args.autoscaling) if args.autoscaling else None
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"--autoscaling is not JSON ({exc}).",
                               hint="For example: '{\"min_replicas\": 1, \"max_replicas\": 4}'.") from None
        return int(run_ray(config, library=ctx.engine.library_path, address=None if args.ray == "local" else args.ray,
                           replicas=args.replicas, gpus_per_replica=args.gpus_per_replica,
                           vram_limit_mb=args.vram_limit, info=ctx.info, autoscaling=autoscaling) or 0)
    from ..server import serve

    if args.vram_limit is not None:
        from ..api import Engine

        ctx._engine = Engine(library=getattr(args, "library", None), vram_limit_mb=args.vram_limit)
    eng = ctx.engine
    voices = len(eng.library.voices())
    bases = len(eng.bases.list())

    def started(url: str) -> None:
        ctx.info(f"serving {voices} voices and {bases} bases at {url}"
                 + (" (token required)" if config.token else "")
                 + (f"; reference folders: {', '.join(map(str, config.allow_dirs))}" if config.allow_dirs else ""))

    result = serve(eng, config, on_started=started)
    if result == "restart":
        ctx.close()
        os.execv(sys.executable, [sys.executable, "-m", "desktop.cli" if "desktop" in sys.modules else "engine"]
                 + sys.argv[1:])
    return 0
