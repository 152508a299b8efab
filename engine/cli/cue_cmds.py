"""Cue commands: ``timbrel cue add|list|remove`` (cues are saved lines for the soundboard and hotkeys)."""

from __future__ import annotations

import argparse

from . import Context, add_command


def register(sub: argparse._SubParsersAction) -> None:
    cue = sub.add_parser("cue", help="manage cues (saved lines for the soundboard and hotkeys)")
    cue_sub = cue.add_subparsers(dest="cue_command", metavar="ACTION")
    cue.set_defaults(func=lambda args, ctx: (cue.print_help(), 2)[1])

    p = add_command(cue_sub, "add", cmd_cue_add, help="save a cue")
    p.add_argument("name")
    p.add_argument("voice")
    p.add_argument("text")
    p.add_argument("--emotion", help="emotion label (happy, sad, 开心, ...)")
    p.add_argument("--shortcut", help="in-app shortcut, e.g. Ctrl+1")
    p.add_argument("--hotkey", help="global hotkey, e.g. Ctrl+Alt+H (X11, Windows, macOS)")

    add_command(cue_sub, "list", cmd_cue_list, help="list the cues")

    p = add_command(cue_sub, "remove", cmd_cue_remove, help="delete a cue")
    p.add_argument("name")


def cmd_cue_add(args, ctx: Context) -> int:
    cue = ctx.engine.cues.add(args.name, args.voice, args.text, emotion=args.emotion, shortcut=args.shortcut,
                              hotkey=args.hotkey)
    ctx.emit(cue.to_dict(), f"Saved cue '{cue.name}' ({cue.voice}).")
    return 0


def cmd_cue_list(args, ctx: Context) -> int:
    cues = ctx.engine.cues.list()

    def text() -> str:
        if not cues:
            return "No cues yet. Add one with 'timbrel cue add NAME VOICE TEXT'."
        lines = [f"{'cue':20} {'voice':20} {'emotion':9} {'keys':20} text"]
        for c in cues:
            keys = " ".join(k for k in (c.shortcut, c.hotkey) if k) or "-"
            lines.append(f"{c.name[:20]:20} {c.voice[:20]:20} {c.emotion or '-':9} {keys[:20]:20} {c.text[:50]}")
        return "\n".join(lines)

    ctx.emit([c.to_dict() for c in cues], text)
    return 0


def cmd_cue_remove(args, ctx: Context) -> int:
    ctx.engine.cues.remove(args.name)
    ctx.emit({"removed": args.name}, f"Removed cue '{args.name}'.")
    return 0
