"""Measure how long the main window takes to appear (not a test; numbers for docs/desktop.md).

    python tests/desktop/measure_startup.py [--runs 5] [--display :N]

Runs ``python -m desktop app`` on a fresh library with ``TIMBREL_STARTUP_REPORT=1`` (the app prints
``TIMBREL_WINDOW_SHOWN <seconds since process start>`` once the window is shown) and, as the baseline,
a bare PySide6 window in the same way. Prints a table with medians and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

BARE = """
import os, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
from desktop.app import process_age
app = QApplication([])
w = QMainWindow(); w.resize(1100, 720); w.show()
QTimer.singleShot(0, lambda: (print(f"TIMBREL_WINDOW_SHOWN {process_age():.3f}", flush=True), app.quit()))
app.exec()
"""


def run(cmd: list[str], env: dict) -> float:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        for line in proc.stdout:
            if line.startswith("TIMBREL_WINDOW_SHOWN"):
                return float(line.split()[1])
        raise RuntimeError("the window never reported itself")
    finally:
        proc.kill()
        proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--display", help="X display (default: offscreen)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="timbrel-startup-")
    env = {**os.environ, "TIMBREL_STARTUP_REPORT": "1", "TIMBREL_CONFIG_DIR": os.path.join(tmp, "cfg"),
           "TIMBREL_SOCKET": f"timbrel-measure-{os.getpid()}"}
    if args.display:
        env.update(DISPLAY=args.display, QT_QPA_PLATFORM="xcb")
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    bare, app = [], []
    for i in range(args.runs):
        bare.append(run([sys.executable, "-c", BARE], env))
        app.append(run([sys.executable, "-m", "desktop", "--library", os.path.join(tmp, f"lib{i}"), "app"], env))
    b, a = statistics.median(bare), statistics.median(app)
    print(f"{'window':28} {'median s':>9} {'min s':>7} {'max s':>7}")
    print(f"{'bare PySide6 QMainWindow':28} {b:9.3f} {min(bare):7.3f} {max(bare):7.3f}")
    print(f"{'timbrel app (empty library)':28} {a:9.3f} {min(app):7.3f} {max(app):7.3f}")
    print(f"ratio timbrel / bare: {a / b:.2f}  ({env['QT_QPA_PLATFORM']}, {args.runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
