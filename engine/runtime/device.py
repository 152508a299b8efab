"""The device abstraction: where base weights live and how bytes get there.

Three implementations share one interface:

* :class:`CpuDevice` (this module) — the engine on a machine without a GPU: models live in host
  memory, the VRAM limit budgets that memory, "copies" are plain memory copies timed as they
  happen, and nothing is ever pinned (``info()`` says so).
* :class:`SimulatedDevice` (this module) — for tests, the simulator and benchmarks. "Device" storage is
  ordinary CPU memory, tensors are really copied into it (so slot carving, views and
  skeleton binding are exercised), and host→device transfers are *modelled* on a clock:
  ``latency + bytes / bandwidth`` with separate pinned, pageable and disk bandwidths and
  one copy engine (copies queue behind each other). With :class:`SimClock` the model
  runs in virtual time.
* :class:`engine.runtime.cuda.CudaDevice` — real CUDA memory, a dedicated copy stream,
  events, pinned host buffers and a ``torch.cuda.mem_get_info`` cross-check.

:func:`engine.runtime.device_factory.make_device` picks one from a setting (it sits above both modules, so
this one never imports the CUDA device).

Budget accounting is not done here but in :class:`engine.runtime.budget.Budget`
(the pool reserves before it allocates); ``scale`` lets the simulator account a small
real buffer as a large one (e.g. 1 KiB stored = 1 MiB accounted) so full-size traces
run in a few MB of RAM. Reports always print the link parameters, so modelled numbers
are never mistaken for measured ones.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass
from typing import Sequence

import torch

from ..errors import ResourceExhausted
from .clock import MonotonicClock, SimClock


@dataclass(frozen=True)
class LinkModel:
    """Modelled transfer costs (seconds = latency + bytes / bandwidth)."""

    latency_s: float = 0.0
    pinned_bw: float = math.inf      # bytes/s, pinned host → device (PCIe 4.0 x16 ≈ 24e9)
    pageable_bw: float = math.inf    # bytes/s, pageable host → device (≈ 6e9)
    disk_bw: float = math.inf        # bytes/s, disk/page cache → host (NVMe ≈ 3–7e9)

    def h2d_seconds(self, nbytes: int, pinned: bool) -> float:
        if nbytes <= 0:
            return 0.0
        bw = self.pinned_bw if pinned else self.pageable_bw
        return self.latency_s + (nbytes / bw if math.isfinite(bw) else 0.0)

    def disk_seconds(self, nbytes: int) -> float:
        return nbytes / self.disk_bw if nbytes > 0 and math.isfinite(self.disk_bw) else 0.0

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in asdict(self).items()}

    @classmethod
    def pcie4(cls) -> "LinkModel":
        """A desktop with PCIe 4.0 x16 and an NVMe disk (numbers from the runtime notes)."""
        return cls(latency_s=20e-6, pinned_bw=24e9, pageable_bw=6e9, disk_bw=3.5e9)


class CopyHandle:
    """One host→device transfer. ``wait()`` blocks (or, on a simulated clock, jumps) until it is done."""

    def __init__(self, device: "Device", nbytes: int, pinned: bool, path: str, started_at: float, ready_at: float | None) -> None:
        self.device = device
        self.nbytes = nbytes
        self.pinned = pinned
        self.path = path
        self.started_at = started_at
        self.ready_at = ready_at
        self.event = None  # a torch.cuda.Event on CUDA

    def done(self) -> bool:
        return self.device._handle_done(self)

    def wait(self) -> None:
        self.device._handle_wait(self)

    @property
    def seconds(self) -> float:
        """Transfer time: modelled on the simulated device, measured with CUDA events after ``wait()``."""
        if self.ready_at is None:
            return 0.0
        return max(0.0, self.ready_at - self.started_at)


class Device:
    kind = "abstract"
    scale = 1  # accounted bytes per stored byte

    def __init__(self, clock=None) -> None:
        self.clock = clock or MonotonicClock()
        self.storage = torch.device("cpu")

    @property
    def name(self) -> str:
        return self.kind

    def accounted(self, nbytes: int) -> int:
        return int(nbytes) * self.scale

    # allocation ------------------------------------------------------------------------------------
    def alloc(self, nbytes: int) -> torch.Tensor:
        raise NotImplementedError

    def free(self, buffer: torch.Tensor) -> None:
        del buffer

    def host_buffer(self, nbytes: int, pinned: bool) -> tuple[torch.Tensor, bool]:
        raise NotImplementedError

    # copies ------------------------------------------------------------------------------------------
    def copy_async(self, dst: torch.Tensor, src: torch.Tensor, *, pinned: bool) -> CopyHandle:
        raise NotImplementedError

    def copy_tensors(self, pairs: Sequence[tuple[torch.Tensor, torch.Tensor]], nbytes: int) -> CopyHandle:
        raise NotImplementedError

    def ready_for_compute(self, handle: CopyHandle | None) -> None:
        """Make later compute see the copied bytes (CUDA: the compute stream waits on the copy event)."""
        if handle is not None:
            handle.wait()

    def record_use(self):
        """A token marking the compute issued so far (CUDA: an event on the compute stream); see ``before_overwrite``."""
        return None

    def before_overwrite(self, token) -> None:
        """Order the next copy into a slot after the compute that last read it (CUDA: the copy stream waits)."""

    def synchronize(self) -> None:
        pass

    def check_room(self, nbytes: int) -> None:
        """Cross-check against the physical device before allocating (CUDA only)."""

    def info(self) -> dict:
        return {"kind": self.kind, "name": self.name}

    def _handle_done(self, h: CopyHandle) -> bool:
        return True

    def _handle_wait(self, h: CopyHandle) -> None:
        pass


class SimulatedDevice(Device):
    kind = "sim"

    def __init__(
        self,
        clock=None,
        link: LinkModel | None = None,
        *,
        scale: int = 1,
        pin_limit_bytes: int | None = None,
        physical_bytes: int | None = None,
    ) -> None:
        super().__init__(clock or SimClock())
        self.link = link or LinkModel()
        self.scale = int(scale)
        self.pin_limit_bytes = pin_limit_bytes  # None: pinning always succeeds
        self.physical_bytes = physical_bytes    # None: no physical cross-check
        self._lock = threading.Lock()
        self._pinned_bytes = 0
        self._allocated = 0
        self._engine_free_at = 0.0  # the single copy engine
        self.copies: list[tuple[str, int, bool]] = []  # (path, accounted bytes, pinned), for tests and stats

    @property
    def name(self) -> str:
        return "simulated device (modelled transfers, CPU memory)"

    def alloc(self, nbytes: int) -> torch.Tensor:
        self.check_room(self.accounted(nbytes))
        with self._lock:
            self._allocated += self.accounted(nbytes)
        return torch.empty(int(nbytes), dtype=torch.uint8)

    def free(self, buffer: torch.Tensor) -> None:
        with self._lock:
            self._allocated -= self.accounted(buffer.numel())

    def check_room(self, nbytes: int) -> None:
        if self.physical_bytes is not None and self._allocated + nbytes > self.physical_bytes:
            raise ResourceExhausted(
                "The device has less free memory than the VRAM limit allows (other programs are using it).",
                hint="Close other GPU programs or lower the VRAM limit.",
            )

    def host_buffer(self, nbytes: int, pinned: bool) -> tuple[torch.Tensor, bool]:
        ok = False
        if pinned:
            with self._lock:
                acc = self.accounted(nbytes)
                if self.pin_limit_bytes is None or self._pinned_bytes + acc <= self.pin_limit_bytes:
                    self._pinned_bytes += acc
                    ok = True
        return torch.empty(int(nbytes), dtype=torch.uint8), ok

    def release_host(self, buffer: torch.Tensor, pinned: bool) -> None:
        if pinned:
            with self._lock:
                self._pinned_bytes -= self.accounted(buffer.numel())

    def _schedule(self, seconds: float) -> tuple[float, float]:
        now = self.clock.now()
        with self._lock:
            start = max(now, self._engine_free_at)
            ready = start + seconds
            self._engine_free_at = ready
        return now, ready

    # With the real clock the time of the real copy counts too (then the modelled link time is added);
    # with a simulated clock only the model counts.
    def copy_async(self, dst: torch.Tensor, src: torch.Tensor, *, pinned: bool) -> CopyHandle:
        started = self.clock.now()
        dst.copy_(src)
        acc = self.accounted(src.numel() * src.element_size())
        _, ready = self._schedule(self.link.h2d_seconds(acc, pinned))
        self.copies.append(("warm", acc, pinned))
        return CopyHandle(self, acc, pinned, "warm", started, ready)

    def copy_tensors(self, pairs: Sequence[tuple[torch.Tensor, torch.Tensor]], nbytes: int) -> CopyHandle:
        started = self.clock.now()
        for dst, src in pairs:
            dst.copy_(src)
        acc = self.accounted(nbytes)
        # mmap → device: the pages come from disk (or the page cache), then over the pageable path.
        seconds = self.link.disk_seconds(acc) + self.link.h2d_seconds(acc, pinned=False)
        _, ready = self._schedule(seconds)
        self.copies.append(("cold", acc, False))
        return CopyHandle(self, acc, False, "cold", min(started, ready), ready)

    def _handle_done(self, h: CopyHandle) -> bool:
        return h.ready_at is None or self.clock.now() >= h.ready_at

    def _handle_wait(self, h: CopyHandle) -> None:
        if h.ready_at is not None:
            self.clock.sleep_until(h.ready_at)

    def info(self) -> dict:
        return {"kind": self.kind, "name": self.name, "link": self.link.to_dict(), "scale": self.scale,
                "pinned_bytes": self._pinned_bytes, "pin_limit_bytes": self.pin_limit_bytes}


class CpuDevice(SimulatedDevice):
    """The CPU: models in host memory, copies are real memory copies (timed as they happen, no modelled link),
    and host buffers are never pinned (pinning only helps copies to a GPU)."""

    kind = "cpu"

    def __init__(self, clock=None) -> None:
        super().__init__(clock or MonotonicClock(), LinkModel(), scale=1, pin_limit_bytes=0)

    @property
    def name(self) -> str:
        return "CPU (host memory)"

    def host_buffer(self, nbytes: int, pinned: bool) -> tuple[torch.Tensor, bool]:
        return torch.empty(int(nbytes), dtype=torch.uint8), False

    def info(self) -> dict:
        import os

        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            total = None
        return {"kind": self.kind, "name": self.name, "memory": "host", "pinned": False, "total_bytes": total,
                "allocated_bytes": self._allocated}
