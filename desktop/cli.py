"""The ``timbrel`` console script: the engine's commands plus the desktop app's own.

Plain ``timbrel`` opens the window when a display is available (else prints help and says why);
``timbrel app`` opens it or fails with a message; ``timbrel trigger CUE`` plays a cue in the running app
over its local socket. Everything else is :mod:`engine.cli` (the engine never imports this package).
Nothing here imports Qt until a command needs it.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from engine.cli import Context, add_command
from engine.cli import main as engine_main
from engine.api import TimbrelError


def _app_engine_status():
    from . import ipc

    return ipc.remote_engine_status()


def register(sub: argparse._SubParsersAction) -> None:
    from engine.cli import runtime_cmds

    runtime_cmds.REMOTE_STATUS = _app_engine_status   # 'timbrel engine status' asks a running app first
    p = sub.add_parser("app", help="open the desktop app (the same as running 'timbrel' alone)")
    p.set_defaults(func=cmd_app)

    p = add_command(sub, "trigger", cmd_trigger, help="play a cue in the running desktop app (bind this to a key in your desktop settings)")
    p.add_argument("cue", help="cue name")


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
        return "the desktop app is not installed (pip install 'timbrel[desktop]')"
    return None


def no_command(args, parser: argparse.ArgumentParser) -> int:
    """Plain ``timbrel``: open the window, or print help and say why not."""
    problem = display_problem(allow_headless=False)
    if problem is not None:
        parser.print_help()
        print(f"\nThe desktop app was not opened: {problem}. Use the commands above, or run 'timbrel' on a desktop.",
              file=sys.stderr)
        return 0
    from .app import main as app_main

    return app_main(library=getattr(args, "library", None))


def cmd_app(args, ctx: Context) -> int:
    problem = display_problem()
    if problem is not None:
        raise TimbrelError(f"The desktop app cannot open: {problem}.",
                           hint="Run it on a desktop session, or use the other timbrel commands.")
    from .app import main as app_main

    return app_main(library=getattr(args, "library", None))


def cmd_trigger(args, ctx: Context) -> int:
    from . import ipc

    reply = ipc.send({"cmd": "trigger", "cue": args.cue})
    if reply is None:
        raise TimbrelError("The Timbrel app is not running, so there is nothing to trigger.",
                           hint="Start it with 'timbrel', then try again.")
    if not reply.get("ok"):
        if getattr(args, "json", False):
            ctx.emit(reply)
        # printed once, as the error (not also as normal output)
        raise TimbrelError(reply.get("message") or "The app refused the cue.",
                           hint="'timbrel cue list' lists the cues.")
    ctx.emit(reply, reply.get("message", ""))
    return 0



def main(argv: Sequence[str] | None = None) -> int:
    return engine_main(argv, plugins=[sys.modules[__name__]])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
