"""Runtime commands: ``timbrel engine status`` and ``timbrel base create-tone``.

``timbrel engine status`` shows what the running desktop app's engine is doing when the app is open (asked over
its local socket through :data:`REMOTE_STATUS`, which the desktop's console script sets: the engine never imports
the desktop), else this process's own engine; it says which. ``--local`` skips the app.
"""

from __future__ import annotations

import argparse
from typing import Callable

from . import Context, add_command

MB = 2**20

#: ``() -> dict | None``: the running app's ``runtime.status()`` (with ``"pid"``), or None when no app answers.
REMOTE_STATUS: Callable[[], dict | None] | None = None


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("engine", help="the synthesis runtime: device, VRAM budget, resident bases, queue")
    esub = p.add_subparsers(dest="engine_command", metavar="ACTION", required=True)
    q = add_command(esub, "status", cmd_status, help="device, VRAM budget, resident bases, queue and swap statistics")
    q.add_argument("--vram-limit", type=float, metavar="MB", help="use this VRAM limit (default: the setting; "
                   "implies --local)")
    q.add_argument("--local", action="store_true", help="this process's engine, even when the desktop app is open")

    # 'timbrel base create-tone NAME' joins the 'base' command when the bases module made one.
    base = sub.choices.get("base")
    bsub = _subparsers(base) if base is not None else None
    if bsub is None:
        base = sub.add_parser("base", help="stored bases")
        bsub = base.add_subparsers(dest="base_command", metavar="ACTION")
    t = add_command(bsub, "create-tone", cmd_create_tone, help="make a small 'tone' test base (fast, synthetic voice; for tests and demos)")
    t.add_argument("name")
    t.add_argument("--seed", type=int, help="weights seed (default: from the name)")
    t.add_argument("--cluster", type=int, help="also assign it to this cluster")


def format_status(s: dict) -> str:
    """``timbrel engine status`` as text: one labelled line per part of ``Runtime.status()``."""
    return "\n".join(_source_lines(s) + _device_lines(s) + _staging_lines(s) + _scheduler_lines(s)
                     + _metrics_lines(s))


def _source_lines(s: dict) -> list[str]:
    src = s.get("source") or {}
    if not src:
        return []
    return ["engine      " + (f"the running desktop app (pid {src.get('pid')})" if src.get("where") == "app"
                              else "this command's own engine (no desktop app is running)"
                              if src.get("app") is False else "this command's own engine")]


def _device_lines(s: dict) -> list[str]:
    b, dev = s["budget"], s["device"]
    lines = [f"device      {dev.get('name', dev.get('kind'))} ({dev.get('kind')})"]
    if dev.get("kind") == "cpu":
        lines.append("memory      host memory (no GPU); nothing is pinned")
    if "free_bytes" in dev:
        lines.append(f"gpu memory  {dev['free_bytes'] / MB:.0f} MB free of {dev['total_bytes'] / MB:.0f} MB")
    pending = "" if b["target_bytes"] == b["limit_bytes"] else f" (lowering to {b['target_bytes'] / MB:.0f} MB)"
    kinds = ", ".join(f"{k} {v / MB:.1f}" for k, v in b["by_kind"].items() if v)
    lines.append(f"vram limit  {b['limit_bytes'] / MB:.0f} MB{pending}; used {b['used_bytes'] / MB:.1f} MB"
                 + (f" ({kinds})" if kinds else "") + f"; peak {b['peak_bytes'] / MB:.1f} MB")
    lines.append("resident    " + (", ".join(s["resident"]) or "-"))
    return lines


def _staging_lines(s: dict) -> list[str]:
    st = s.get("staging")
    if not st:
        return []
    kind = "pinned" if st["pinned"] else ("pageable" if st["pinned"] is False else "not allocated yet")
    if s["device"].get("kind") == "cpu" and st["pinned"] is not None:
        kind = "host memory (not pinned: no GPU)"
    return [f"staging     {st['capacity_bytes'] / MB:.0f} MB {kind}; staged: {', '.join(st['staged']) or '-'}"
            + (f" ({st['fallback']})" if st.get("fallback") else "")]


def _scheduler_lines(s: dict) -> list[str]:
    sch = s["scheduler"]
    queue = ", ".join(f"{k}: {v}" for k, v in sch["queue"].items()) or "empty"
    lines = [f"queue       {queue}; hold {sch['hold_s']:.1f} s (interactive {sch['interactive_hold_s']:.1f} s)"
             + (f"; batches up to {sch['max_batch']}" if sch.get("max_batch") else "")]
    running = sch.get("running_batch") or ([sch["running"]] if sch.get("running") else [])
    if running:
        lines.append("running     " + ", ".join(f"#{r['request_id']} {r['base']} ({r['priority']})" for r in running))
    return lines


def _metrics_lines(s: dict) -> list[str]:
    m = s["metrics"]
    lines = [f"swaps       {m['swaps']} ({m['swap_bytes'] / MB:.1f} MB, {m['swap_seconds']:.3f} s); "
             f"prefetch hits {m['prefetch']['hits']}, misses {m['prefetch']['misses']}"]
    w = m["wait_s"]
    if w["p50"] is not None:
        lines.append(f"wait        p50 {w['p50']:.3f} s, p95 {w['p95']:.3f} s, max {w['max']:.3f} s")
    reqs = ", ".join(f"{k} {v}" for k, v in m["requests"].items()) or "none yet"
    lines.append(f"requests    {reqs}")
    return lines


def cmd_status(args, ctx: Context) -> int:
    local = args.local or args.vram_limit is not None
    if not local and REMOTE_STATUS is not None:
        remote = REMOTE_STATUS()
        if remote is not None:
            s = {**remote, "source": {"where": "app", "pid": remote.get("pid"), "app": True}}
            s.pop("pid", None)
            ctx.emit(s, lambda: format_status(s))
            return 0
    eng = ctx.engine
    rt = eng.runtime
    if args.vram_limit is not None:
        rt.set_vram_limit(args.vram_limit)
    s = {**rt.status(), "source": {"where": "local", "pid": None,
                                   "app": None if local or REMOTE_STATUS is None else False}}
    ctx.emit(s, lambda: format_status(s))
    return 0


def cmd_create_tone(args, ctx: Context) -> int:
    from ..backends.tone import create_tone_base

    rec = create_tone_base(ctx.engine, args.name, seed=args.seed, assign_cluster=args.cluster)
    ctx.emit(rec.to_dict(), f"Created tone base '{rec.name}' ({rec.size_bytes / 1024:.0f} KB)"
             + (f", serving cluster {args.cluster}" if args.cluster is not None else "") + ".")
    return 0
