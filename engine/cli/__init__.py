"""The ``timbrel`` command line.

Each module in this package that defines ``register(subparsers)`` adds its
subcommands; a subcommand's handler is ``func(args, ctx) -> int | None``.
Exit status: 0 ok, 1 a user-facing error (message and hint on stderr),
2 a usage error. ``--json`` on a command prints machine-readable output on stdout; when the
command fails it prints ``{"ok": false, "error": {"type", "message", "hint"}}`` there instead
(plus ``"report"`` when an import got part of the way). ``--verbose`` says which library is used
and why (``--library`` > ``$TIMBREL_LIBRARY`` > settings > default). Text that comes from files
(names, paths, transcripts) is printed with control characters escaped.

The engine never imports the desktop: the ``timbrel`` console script is
:func:`desktop.cli.main`, which adds the app's own commands (``app``,
``trigger``) as a plugin and decides what plain ``timbrel`` does (open the
window when a display is available, else print help). ``python -m engine``
runs the engine's commands alone.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from types import ModuleType
from typing import Any, Callable, Sequence

from .. import __version__
from ..errors import TimbrelError

# Command modules, in the order their commands appear in --help.
COMMAND_MODULES = [
    "library_cmds",
    "analysis_cmds",
    "bases_cmds",
    "speech_cmds",
    "runtime_cmds",
    "assets_cmds",
    "cue_cmds",
    "consolidation_cmds",
]


class Context:
    """What a command handler gets besides its arguments: the engine (opened on first use) and output helpers."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from ..api import Engine

            self._engine = Engine(library=getattr(self.args, "library", None))
            if getattr(self.args, "verbose", False):
                self.info(f"timbrel: library {self._engine.library_path} (from {self._engine.library_source})")
        return self._engine

    def library_info(self) -> dict[str, str]:
        """Which library this command uses and why (for stats, doctor...)."""
        eng = self.engine
        return {"library": str(eng.library_path), "library_source": eng.library_source}

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()

    def emit(self, data: Any, text: str | Callable[[], str] | None = None) -> None:
        """Print ``data`` as JSON with ``--json``, else ``text`` (a string or a function returning one)."""
        if getattr(self.args, "json", False):
            # indented for people; a long list (voices --json of a large library) compact, because json's
            # C encoder only runs without indent (10x faster: 80,000 clips in well under a second)
            big = isinstance(data, list) and len(data) > 500
            print(json.dumps(data, ensure_ascii=False, indent=None if big else 2, default=str))
        else:
            if callable(text):
                text = text()
            if text is None:
                text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
            print(_printable(text))

    @staticmethod
    def info(message: str) -> None:
        print(_printable(message), file=sys.stderr)


def _printable(text: str) -> str:
    from ..library.text import printable

    return printable(text, keep_newlines=True)


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def add_command(sub: argparse._SubParsersAction, name: str, func: Callable, **kwargs: Any) -> argparse.ArgumentParser:
    """Add subcommand ``name`` handled by ``func(args, ctx)``, with ``--json``; ``kwargs`` go to ``add_parser``
    (``help``, ``description``...). Returns the parser so the command's own arguments can be added."""
    parser = sub.add_parser(name, **kwargs)
    add_json_flag(parser)
    parser.set_defaults(func=func)
    return parser


def _command_modules() -> list[str]:
    present = {m.name for m in pkgutil.iter_modules(__path__)}
    return [m for m in COMMAND_MODULES if m in present] + sorted(present - set(COMMAND_MODULES) - {"__main__"})


def build_parser(plugins: Sequence[ModuleType] = ()) -> argparse.ArgumentParser:
    """The ``timbrel`` parser: the engine's own command modules, then ``plugins`` (modules outside the engine,
    such as the desktop app's commands, each with ``register(subparsers)``)."""
    parser = argparse.ArgumentParser(
        prog="timbrel",
        description="Timbrel: hundreds of cloned voices on one GPU."
        + (" Run without a command to open the app." if any(hasattr(p, "no_command") for p in plugins) else ""),
    )
    parser.add_argument("--version", action="version", version=f"timbrel {__version__}")
    parser.add_argument("--library", metavar="PATH",
                        help="library folder (default: $TIMBREL_LIBRARY, else the library.path setting, else the user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="say which library is used, and why")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [importlib.import_module(f"{__name__}.{name}") for name in _command_modules()] + list(plugins)
    for module in modules:
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None, plugins: Sequence[ModuleType] = ()) -> int:
    """Run one ``timbrel`` command. ``plugins``: command modules from outside the engine; the first one with a
    ``no_command(args, parser)`` function decides what plain ``timbrel`` does (the desktop opens its window)."""
    parser = build_parser(plugins)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        for plugin in plugins:
            if hasattr(plugin, "no_command"):
                return int(plugin.no_command(args, parser) or 0)
        parser.print_help()
        return 0
    ctx = Context(args)
    try:
        return int(args.func(args, ctx) or 0)
    except TimbrelError as exc:
        return _fail(args, type(exc).__name__, exc.message, exc.hint, getattr(exc, "report", None))
    except KeyboardInterrupt:
        print("timbrel: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `timbrel voices | head`: the reader left; no traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    # Safety nets: errors that should have become a TimbrelError further down still end in a
    # plain message and exit 1, never a traceback.
    except OSError as exc:
        import errno

        if exc.errno == errno.ENOSPC:
            return _fail(args, "StorageError", "The disk is full; this command's change was not saved.",
                         "Free some space and try again; changes saved before are kept.")
        return _fail(args, "StorageError", f"A file could not be read or written: {exc.strerror or exc}"
                     + (f" ({exc.filename})" if exc.filename else "") + ".", None)
    except (RecursionError, MemoryError) as exc:
        return _fail(args, "InvalidInput", f"The input is too large or too deeply nested to handle ({type(exc).__name__}).",
                     "Check that the file is what you meant to give.")
    finally:
        ctx.close()


def _fail(args: argparse.Namespace, kind: str, message: str, hint: str | None, report: Any = None) -> int:
    """Report a failed command: message and hint on stderr; with --json also an error object on stdout."""
    from ..library.text import printable

    message = printable(message, keep_newlines=True)
    print(f"timbrel: {message}", file=sys.stderr)
    if hint:
        print(f"  hint: {printable(hint)}", file=sys.stderr)
    if getattr(args, "json", False):
        data: dict[str, Any] = {"ok": False, "error": {"type": kind, "message": message, "hint": hint}}
        if report is not None and hasattr(report, "to_dict"):
            data["report"] = report.to_dict()
        try:
            # indented for people; a long list (voices --json of a large library) compact, because json's
            # C encoder only runs without indent (10x faster: 80,000 clips in well under a second)
            big = isinstance(data, list) and len(data) > 500
            print(json.dumps(data, ensure_ascii=False, indent=None if big else 2, default=str))
        except BrokenPipeError:
            pass
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
