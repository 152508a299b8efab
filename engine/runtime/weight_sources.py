"""Where a base's bytes come from: safetensors files (mmap), the library's base store, or memory."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, Mapping

import torch


class TensorSource:
    """Tensors already in memory (tests, freshly created bases)."""

    def __init__(self, groups: Mapping[str, Mapping[str, torch.Tensor]]) -> None:
        self.groups = groups

    @contextlib.contextmanager
    def open(self) -> Iterator[Iterator[tuple[str, str, torch.Tensor]]]:
        yield ((g, n, t) for g, ts in self.groups.items() for n, t in ts.items())


class SafetensorsSource:
    """One ``.safetensors`` file per group, read through safetensors' mmap (no pickle, no full read)."""

    def __init__(self, paths: Mapping[str, str | Path]) -> None:
        self.paths = {g: Path(p) for g, p in paths.items()}

    @contextlib.contextmanager
    def open(self):
        from safetensors import safe_open

        with contextlib.ExitStack() as stack:
            handles = {g: stack.enter_context(safe_open(str(p), framework="pt")) for g, p in self.paths.items()}
            yield ((g, n, h.get_tensor(n)) for g, h in handles.items() for n in h.keys())


class StoreSource:
    """A base stored in the library (``engine.bases.open_tensors`` gives a safetensors mmap handle per group)."""

    def __init__(self, store, record) -> None:
        self.store = store
        self.record = record

    @contextlib.contextmanager
    def open(self):
        with contextlib.ExitStack() as stack:
            handles = {}
            for group in self.record.groups:
                h = self.store.open_tensors(self.record, group)
                if hasattr(h, "__enter__"):
                    h = stack.enter_context(h)
                handles[group] = h
            yield ((g, n, h.get_tensor(n)) for g, h in handles.items() for n in h.keys())
