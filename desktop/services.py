"""Safe access to engine subsystems from the desktop.

Subsystems are created lazily by the Engine (importing torch and friends), so
the GUI thread never touches one: worker threads reach them through :func:`part`,
which serialises creation so two workers never build the same subsystem twice.
"""

from __future__ import annotations

import threading

_create_lock = threading.RLock()


def part(engine, name: str):
    """``engine.<name>``, created under a lock (call from worker threads: creation may import torch)."""
    cached = engine.__dict__.get(name)
    if cached is not None:
        return cached
    with _create_lock:
        return getattr(engine, name)

