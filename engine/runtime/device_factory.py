"""``make_device(spec)``: the device a ``runtime.device`` setting names (above :mod:`.device` and :mod:`.cuda`,
which it chooses between)."""

from __future__ import annotations

import torch

from ..errors import InvalidInput, ResourceExhausted
from .clock import MonotonicClock
from .cuda import CudaDevice
from .device import CpuDevice, Device, SimulatedDevice


def make_device(spec: str | None, clock=None) -> Device:
    """``auto`` → CUDA when available, else the CPU; ``cpu``; ``sim`` (the simulated device, for tests);
    ``cuda``/``cuda:N``."""
    spec = (spec or "auto").strip().lower()
    if spec == "auto":
        spec = "cuda" if torch.cuda.is_available() else "cpu"
    if spec == "cpu":
        return CpuDevice(clock)
    if spec in ("sim", "simulated"):
        return SimulatedDevice(clock or MonotonicClock())
    if spec.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ResourceExhausted(
                f"The device '{spec}' was asked for, but this machine has no usable CUDA GPU.",
                hint="Set 'runtime.device' to 'auto' or 'cpu', or install a CUDA build of PyTorch.",
            )
        return CudaDevice(torch.device(spec), clock=clock)
    raise InvalidInput(f"Unknown device '{spec}'.", hint="Use auto, cpu, cuda or cuda:N.")
