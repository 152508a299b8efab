"""Desktop app commands: plain ``timbrel`` / ``timbrel app`` (open the window), ``timbrel trigger CUE``,
``timbrel cue add|list|remove``."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import TimbrelError
from . import Context, add_command


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="open the desktop app (the same as running 'timbrel' alone)")
    p.set_defaults(func=cmd_app)

    p = add_command(sub, "trigger", cmd_trigger, help="play a cue in the running desktop app (bind this to a key in your desktop settings)")
    p.add_argument("cue", help="cue name")

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


def display_problem(allow_headless: bool = True) -> str | None:
    """Why no window can be opened here, or None when one can.

    ``allow_headless``: a headless Qt platform (``QT_QPA_PLATFORM=offscreen``...) counts as a display. Plain
    ``timbrel`` passes False, so scripts and tests that inherit ``offscreen`` get the help, not a hidden window.
    """
    if allow_headless and os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in (
            "offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return None
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return "there is no graphical display (DISPLAY and WAYLAND_DISPLAY are not set)"
    try:
        import PySide6  # noqa: F401
    except ImportError:
        return "the desktop app is not installed (pip install PySide6-Essentials)"
    return None


def open_app_or_help(args, parser: argparse.ArgumentParser) -> int:
    problem = display_problem(allow_headless=False)
    if problem is not None:
        parser.print_help()
        print(f"\nThe desktop app was not opened: {problem}. Use the commands above, or run 'timbrel' on a desktop.",
              file=sys.stderr)
        return 0
    from desktop.app import main

    return main(library=getattr(args, "library", None))


def cmd_app(args, ctx: Context) -> int:
    problem = display_problem()
    if problem is not None:
        raise TimbrelError(f"The desktop app cannot open: {problem}.",
                           hint="Run it on a desktop session, or use the other timbrel commands.")
    from desktop.app import main

    return main(library=getattr(args, "library", None))


def cmd_trigger(args, ctx: Context) -> int:
    from desktop import ipc

    reply = ipc.send({"cmd": "trigger", "cue": args.cue})
    if reply is None:
        raise TimbrelError("The Timbrel app is not running, so there is nothing to trigger.",
                           hint="Start it with 'timbrel', then try again.")
    ctx.emit(reply, reply.get("message", ""))
    if not reply.get("ok"):
        raise TimbrelError(reply.get("message") or "The app refused the cue.",
                           hint="'timbrel cue list' lists the cues.")
    return 0


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
