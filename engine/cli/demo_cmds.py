"""Demo library and installation check: ``timbrel demo install|list``, ``timbrel selftest``."""

from __future__ import annotations

import argparse

from . import Context, add_json_flag


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the bundled demo voices (install them into an empty library)")
    dsub = p.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    q = dsub.add_parser("install", help="add the 4 demo voices (and a preview base so they can speak)")
    q.add_argument("--force", action="store_true", help="add them even though the library has other voices")
    q.add_argument("--no-base", action="store_true", help="do not register the preview base")
    add_json_flag(q)
    q.set_defaults(func=cmd_demo_install)
    q = dsub.add_parser("preview-bases", help="give every cluster without a base its own preview base (after 'timbrel cluster')")
    add_json_flag(q)
    q.set_defaults(func=cmd_preview_bases)
    q = dsub.add_parser("list", help="list the demo voices and their clips")
    add_json_flag(q)
    q.set_defaults(func=cmd_demo_list)

    p = sub.add_parser("selftest", help="check that this installation works (prints one line)")
    p.add_argument("--demo", action="store_true", help="also check the bundled demo files")
    p.add_argument("--backend", default="tone", choices=["tone", "preview"], help="backend for the synthesis step")
    p.add_argument("--preview", action="store_true", help="also speak with the preview backend")
    add_json_flag(p)
    p.set_defaults(func=cmd_selftest)


def cmd_demo_install(args, ctx: Context) -> int:
    from ..demo import install_demo_library

    res = install_demo_library(ctx.engine, force=args.force, with_preview_base=not args.no_base)

    def text() -> str:
        lines = [f"Added {len(res.voices)} demo voice(s) with {res.clips} clips: {', '.join(res.voices) or '-'}"]
        if res.skipped:
            lines.append(f"Already there: {', '.join(res.skipped)}")
        if res.bases:
            lines.append(f"Preview base: {', '.join(res.bases)} (try: timbrel say \"Hello\" --voice \"{(res.voices or res.skipped)[0]}\" --out hello.wav)")
        elif res.base_note:
            lines.append(res.base_note)
        return "\n".join(lines)

    ctx.emit(res.to_dict(), text)
    return 0


def cmd_preview_bases(args, ctx: Context) -> int:
    from ..backends.preview.bases import assign_cluster_bases

    done = assign_cluster_bases(ctx.engine)
    clustered = any(ctx.engine.analysis.cluster_of(name) for name in ctx.engine.library.voice_names())
    if not done and not clustered:
        if not ctx.engine.bases.list():
            from ..errors import InvalidInput

            raise InvalidInput("No voice is in a cluster yet, so there is nothing to give a preview base to.",
                               hint="Run 'timbrel analyze' and 'timbrel cluster' first, then this command again.")
        ctx.emit({}, "No voice is in a cluster yet: nothing to do (voices speak with the library's base until you "
                     "run 'timbrel analyze' and 'timbrel cluster').")
        return 0
    ctx.emit({str(k): v for k, v in done.items()},
             lambda: "\n".join(f"cluster {k}: {v}" for k, v in done.items()) or "Every cluster already has a base.")
    return 0


def cmd_demo_list(args, ctx: Context) -> int:
    from ..demo import demo_manifest

    man = demo_manifest()

    def text() -> str:
        lines = []
        for v in man["voices"]:
            lines.append(f"{v['name']}: {len(v['clips'])} clips ({', '.join(c['emotion'] for c in v['clips'])}) — {v['notes']}")
        return "\n".join(lines)

    ctx.emit(man, text)
    return 0


def cmd_selftest(args, ctx: Context) -> int:
    from ..selftest import run_selftest

    res = run_selftest(demo=args.demo, backend=args.backend, preview=args.preview)
    ctx.emit({"ok": res.ok, "summary": res.summary(), "steps": res.steps, "failed_step": res.failed_step,
              "error": res.error}, res.summary())
    return 0 if res.ok else 1
