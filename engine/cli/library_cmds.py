"""Library commands: voices, show, history, revert (import/export/stats/doctor join here)."""

from __future__ import annotations

import argparse

from . import Context, add_json_flag


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("voices", help="list the voices in the library")
    add_json_flag(p)
    p.set_defaults(func=cmd_voices)

    p = sub.add_parser("show", help="show one voice with its clips")
    p.add_argument("voice")
    add_json_flag(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("history", help="list the versions of a voice")
    p.add_argument("voice")
    add_json_flag(p)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("revert", help="make a voice look as it did at an earlier version (recorded as a new version)")
    p.add_argument("voice")
    p.add_argument("version", type=int)
    add_json_flag(p)
    p.set_defaults(func=cmd_revert)


def cmd_voices(args, ctx: Context) -> int:
    lib = ctx.engine.library
    voices = lib.voices()
    data = [v.to_dict() for v in voices]

    def text() -> str:
        if not voices:
            return "The library is empty. Add voices with 'timbrel import PATH'."
        lines = [f"{'voice':32} {'clips':>5} {'seconds':>8}  languages  tags"]
        for v in voices:
            lines.append(f"{v.name[:32]:32} {len(v.clips):5d} {v.total_seconds:8.1f}  {','.join(v.languages) or '-':9}  {','.join(v.tags)}")
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def cmd_show(args, ctx: Context) -> int:
    v = ctx.engine.library.voice(args.voice)

    def text() -> str:
        lines = [f"{v.name}  (version {v.version}, {len(v.clips)} clips, {v.total_seconds:.1f} s)"]
        if v.tags:
            lines.append("tags: " + ", ".join(v.tags))
        for c in v.clips:
            emo = c.emotion or "-"
            lines.append(f"  #{c.id:<5} {c.duration:5.2f}s {c.language or '-':4} {emo:9} {c.transcript[:70]}")
        return "\n".join(lines)

    ctx.emit(v.to_dict(), text)
    return 0


def cmd_history(args, ctx: Context) -> int:
    hist = ctx.engine.library.history(args.voice)
    data = [h.to_dict() for h in hist]
    ctx.emit(data, lambda: "\n".join(f"v{h.version:<4} {h.created_at}  {h.action:10} {h.summary}" for h in hist))
    return 0


def cmd_revert(args, ctx: Context) -> int:
    v = ctx.engine.library.revert(args.voice, args.version)
    ctx.emit(v.to_dict(), f"'{v.name}' now matches version {args.version} (saved as version {v.version}).")
    return 0
