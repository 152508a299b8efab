"""Helpers shared by the desktop tests (a uniquely named module: `conftest` is ambiguous across test folders)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CAPTURE_RATE = 22050
SPEAKERS = ("en_flite_awb", "en_flite_rms", "cs_festival_dita")
EMOTION_DIRS = ("happy", "sad", "neutral")


def wait_idle(qtbot, win, timeout=60_000):
    """Wait until no background task is running (their GUI-side callbacks have run when this returns)."""
    qtbot.waitUntil(lambda: not win.runner.busy(), timeout=timeout)


def set_playback(win, playback):
    """Give the window's engine another playback (null output with a sink, or a chosen device); the one the
    app opened at start is closed so its thread ends."""
    wait_idle_plain(win)
    old = win.engine.__dict__.get("playback")
    if old is not None:
        old.close()
    win.engine.__dict__["playback"] = playback
    return playback


def wait_idle_plain(win):
    from PySide6.QtWidgets import QApplication

    while win.runner.busy():
        QApplication.processEvents()
        win.runner.running()[0].wait(0.05)
