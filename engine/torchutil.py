"""Torch set-up shared by the engine (imported lazily: importing this module imports torch)."""

from __future__ import annotations

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


def resolve_device(spec: str | None) -> torch.device:
    """``auto`` → cuda when available, else cpu; otherwise ``torch.device(spec)``."""
    if spec in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(spec)
