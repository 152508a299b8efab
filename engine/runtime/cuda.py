"""The CUDA device: real device memory, a dedicated copy stream, events and pinned host buffers.

* ``alloc`` cross-checks ``torch.cuda.mem_get_info`` (other programs share the GPU) before
  allocating, so the budget is honoured physically, not only in our books.
* ``copy_async`` issues ``dst.copy_(src, non_blocking=True)`` on the copy stream and records
  an event; ``ready_for_compute`` makes the current (compute) stream wait on that event, so
  compute overlaps copies but never reads half-copied weights. The source buffer must stay
  alive until the event completes (the staging cache holds it until ``done()``).
* Releasing a lease records an event on the compute stream (``record_use``); the next copy into
  that slot waits on it (``before_overwrite``), so a copy never overwrites weights still being read,
  while prefetch copies into *other* slots keep overlapping compute. Slot buffers are marked as used
  on the copy stream (``record_stream``) so the caching allocator never hands them out early.
* ``host_buffer(pinned=True)`` tries ``pin_memory``; when pinning fails (WSL, locked-memory
  limits) it returns pageable memory and says so.
"""

from __future__ import annotations

from typing import Sequence

import torch

from ..errors import ResourceExhausted
from .budget import mb
from .device import CopyHandle, Device

# Keep this much physical memory free beyond our own allocation (CUDA context, fragmentation).
PHYSICAL_MARGIN = 64 * 2**20


class CudaDevice(Device):
    kind = "cuda"

    def __init__(self, device: torch.device | str = "cuda", clock=None) -> None:
        super().__init__(clock)
        self.storage = torch.device(device)
        if self.storage.index is None:
            self.storage = torch.device("cuda", torch.cuda.current_device())
        with torch.cuda.device(self.storage):
            self.copy_stream = torch.cuda.Stream(device=self.storage)

    @property
    def name(self) -> str:
        return torch.cuda.get_device_name(self.storage)

    def mem_get_info(self) -> tuple[int, int]:
        return torch.cuda.mem_get_info(self.storage)

    def check_room(self, nbytes: int) -> None:
        free, total = self.mem_get_info()
        if nbytes + PHYSICAL_MARGIN > free:
            raise ResourceExhausted(
                f"The GPU has only {mb(free)} free of {mb(total)}; {mb(nbytes)} more is needed.",
                hint="Close other programs using the GPU, or lower the VRAM limit so Timbrel plans with less.",
            )

    def alloc(self, nbytes: int) -> torch.Tensor:
        self.check_room(nbytes)
        try:
            return torch.empty(int(nbytes), dtype=torch.uint8, device=self.storage)
        except torch.OutOfMemoryError as exc:
            raise ResourceExhausted(
                f"The GPU could not allocate {mb(nbytes)}.",
                hint="Close other programs using the GPU, or lower the VRAM limit.",
            ) from exc

    def free(self, buffer: torch.Tensor) -> None:
        # The caching allocator keeps the block for the next slot of the same size (no churn).
        del buffer

    def host_buffer(self, nbytes: int, pinned: bool) -> tuple[torch.Tensor, bool]:
        if pinned:
            try:
                return torch.empty(int(nbytes), dtype=torch.uint8, pin_memory=True), True
            except RuntimeError:
                pass  # pinning refused (locked-memory limit, WSL): fall back to pageable memory
        return torch.empty(int(nbytes), dtype=torch.uint8), False

    def release_host(self, buffer: torch.Tensor, pinned: bool) -> None:
        del buffer

    def _record(self, nbytes: int, pinned: bool, path: str, issue) -> CopyHandle:
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        handle = CopyHandle(self, nbytes, pinned, path, self.clock.now(), None)
        with torch.cuda.stream(self.copy_stream):
            start.record(self.copy_stream)
            issue()
            end.record(self.copy_stream)
        handle.event = (start, end)
        return handle

    def record_use(self):
        ev = torch.cuda.Event()
        ev.record(torch.cuda.current_stream(self.storage))
        return ev

    def before_overwrite(self, token) -> None:
        # The copy stream must not overtake compute that still reads the destination slot; waiting on the
        # slot's last-use event (not on the whole compute stream) keeps prefetch copies overlapping compute.
        if token is not None:
            self.copy_stream.wait_event(token)

    def copy_async(self, dst: torch.Tensor, src: torch.Tensor, *, pinned: bool) -> CopyHandle:
        nbytes = src.numel() * src.element_size()
        dst.record_stream(self.copy_stream)
        return self._record(nbytes, pinned, "warm", lambda: dst.copy_(src, non_blocking=pinned))

    def copy_tensors(self, pairs: Sequence[tuple[torch.Tensor, torch.Tensor]], nbytes: int) -> CopyHandle:
        if pairs:
            pairs[0][0].record_stream(self.copy_stream)  # every view shares the slot's storage

        def issue() -> None:
            for dst, src in pairs:
                dst.copy_(src, non_blocking=False)  # pageable mmap pages: synchronous staging by the driver

        return self._record(nbytes, False, "cold", issue)

    def _handle_done(self, h: CopyHandle) -> bool:
        return h.event is None or h.event[1].query()

    def _handle_wait(self, h: CopyHandle) -> None:
        if h.event is None:
            return
        h.event[1].synchronize()
        if h.ready_at is None:
            h.ready_at = h.started_at + h.event[0].elapsed_time(h.event[1]) / 1000.0

    def ready_for_compute(self, handle: CopyHandle | None) -> None:
        if handle is not None and handle.event is not None:
            torch.cuda.current_stream(self.storage).wait_event(handle.event[1])

    def synchronize(self) -> None:
        torch.cuda.synchronize(self.storage)

    def info(self) -> dict:
        free, total = self.mem_get_info()
        return {"kind": self.kind, "name": self.name, "index": self.storage.index, "free_bytes": free, "total_bytes": total}


def measure_h2d_bandwidth(nbytes: int = 256 * 2**20, pinned: bool = True, repeats: int = 5,
                          device: torch.device | str = "cuda") -> float:
    """Best-of-``repeats`` host→device bandwidth in bytes/s, timed with CUDA events."""
    dev = torch.device(device)
    src = torch.empty(nbytes, dtype=torch.uint8, pin_memory=pinned)
    dst = torch.empty(nbytes, dtype=torch.uint8, device=dev)
    best = float("inf")
    for _ in range(repeats):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        dst.copy_(src, non_blocking=pinned)
        b.record()
        b.synchronize()
        best = min(best, a.elapsed_time(b) / 1000.0)
    return nbytes / best
