"""Torch set-up shared by the engine (imported lazily: importing this module imports torch)."""

from __future__ import annotations

import contextlib
import os

import torch

_configured = False


def configure_torch() -> None:
    """Apply the thread count once per process.

    ``TIMBREL_TORCH_THREADS`` sets torch's intra-op threads; by default the engine
    leaves one core free for the GUI and the audio callback on small machines.
    """
    global _configured
    if _configured:
        return
    _configured = True
    env = os.environ.get("TIMBREL_TORCH_THREADS")
    if env:
        n = max(1, int(env))
    else:
        n = max(1, (os.cpu_count() or 2) - 1)
    torch.set_num_threads(n)


@contextlib.contextmanager
def torch_threads(n: int | None):
    """Run a block with ``n`` intra-op threads (``None``: as configured), restoring the count afterwards. For work
    that owns the process (a CLI run): the engine's default leaves a core free for the GUI."""
    if not n:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def resolve_device(spec: str | None) -> torch.device:
    """``auto`` → cuda when available, else cpu; otherwise ``torch.device(spec)``."""
    if spec in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(spec)
