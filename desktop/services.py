"""Safe access to engine subsystems from the desktop.

Subsystems are created lazily by the Engine (importing torch and friends), so
the GUI thread only asks *whether* a part is installed (:func:`available`, a
module lookup without importing it) and touches the subsystem itself from
worker threads through :func:`part`, which serialises creation so two workers
never build the same subsystem twice.
"""

from __future__ import annotations

import importlib.util
import threading

# Engine attribute → the module that must exist for it to work.
MODULES = {
    "library": "engine.library",
    "importer": "engine.library.importers",
    "analysis": "engine.analysis.service",
    "bases": "engine.backends.store",
    "runtime": "engine.runtime",
    "speech": "engine.speech",
    "assets": "engine.assets",
    "cues": "engine.cues",
    "playback": "engine.playback",
}

_create_lock = threading.RLock()


def available(name: str) -> bool:
    """True when the engine part ``name`` is installed (checked without importing it)."""
    module = MODULES[name]
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def part(engine, name: str):
    """``engine.<name>``, created under a lock (call from worker threads: creation may import torch)."""
    cached = engine.__dict__.get(name)
    if cached is not None:
        return cached
    with _create_lock:
        return getattr(engine, name)

