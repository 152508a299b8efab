"""Timbrel desktop app (PySide6).

A thin shell over :class:`engine.api.Engine`: every engine call runs on a
worker thread (:mod:`desktop.tasks`), engine events reach widgets through
:class:`desktop.bridge.EventBridge` on the GUI thread, and heavy modules
(torch, sounddevice, pynput) are imported only when something needs them.
Start it with ``timbrel`` (or ``timbrel app``); see :func:`desktop.app.main`.
"""
