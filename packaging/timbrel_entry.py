"""Entry point of the packaged (PyInstaller) Timbrel app.

    timbrel                 open the desktop app (or print help when there is no display)
    timbrel --selftest      check the installation and print one line (exit 0 when it works)
    timbrel COMMAND ...     any 'timbrel' command-line command
"""

import multiprocessing
import sys


def main() -> int:
    multiprocessing.freeze_support()
    argv = sys.argv[1:]
    if "--selftest" in argv:
        from engine.selftest import main as selftest

        return selftest(argv)
    try:   # the desktop's console script: engine commands + app/trigger, plain 'timbrel' opens the window
        from desktop.cli import main as cli
    except ImportError:   # built with --exclude desktop
        from engine.cli import main as cli

    return cli(argv)


if __name__ == "__main__":
    sys.exit(main())
