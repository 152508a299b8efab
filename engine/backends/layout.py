"""Parameter layouts and how a base's tensors are packed into one flat buffer.

A backend describes a base as groups of named tensors (``group → name → TensorSpec``).
The runtime packs them, each at a 256-byte aligned offset, into ONE flat byte buffer:
device slots and host staging buffers use the same packing, so a warm swap is a single
large copy, and the model skeleton holds typed views into the slot's buffer (no module
construction and no allocation when the bytes change).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterable, Mapping

import torch

from ..errors import InvalidInput

ALIGN = 256

_DTYPES = {
    "float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64,
    "int8": torch.int8, "uint8": torch.uint8, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64,
    "bool": torch.bool,
}


def dtype_of(name: str | torch.dtype) -> torch.dtype:
    if isinstance(name, torch.dtype):
        return name
    try:
        return _DTYPES[str(name).replace("torch.", "")]
    except KeyError:
        raise InvalidInput(f"Unsupported tensor type '{name}' in a base layout.") from None


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


@dataclass(frozen=True)
class TensorSpec:
    shape: tuple[int, ...]
    dtype: str

    @property
    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= int(s)
        return n

    @property
    def nbytes(self) -> int:
        return self.numel * torch.empty((), dtype=dtype_of(self.dtype)).element_size()

    @classmethod
    def of(cls, tensor: torch.Tensor) -> "TensorSpec":
        return cls(tuple(int(s) for s in tensor.shape), dtype_name(tensor.dtype))


Layout = Mapping[str, Mapping[str, TensorSpec]]


def layout_of(groups: Mapping[str, Mapping[str, torch.Tensor]]) -> dict[str, dict[str, TensorSpec]]:
    return {g: {n: TensorSpec.of(t) for n, t in tensors.items()} for g, tensors in groups.items()}


def layout_bytes(layout: Layout) -> int:
    return sum(spec.nbytes for g in layout.values() for spec in g.values())


def layout_digest(layout: Layout) -> str:
    items = sorted((g, n, list(s.shape), s.dtype) for g, specs in layout.items() for n, s in specs.items())
    return hashlib.sha1(json.dumps(items).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Placement:
    group: str
    name: str
    offset: int
    spec: TensorSpec


class PackedLayout:
    """Offsets of every tensor of a layout inside one flat, 256-byte aligned byte buffer."""

    def __init__(self, layout: Layout, align: int = ALIGN) -> None:
        self.layout = {g: dict(specs) for g, specs in layout.items()}
        placements: list[Placement] = []
        offset = 0
        for group in sorted(self.layout):
            for name in sorted(self.layout[group]):
                spec = self.layout[group][name]
                placements.append(Placement(group, name, offset, spec))
                offset += -(-spec.nbytes // align) * align if spec.nbytes else 0
        self.placements = tuple(placements)
        self.nbytes = offset  # padded size of the flat buffer
        self.payload_bytes = layout_bytes(self.layout)
        self.digest = layout_digest(self.layout)

    def views(self, buffer: torch.Tensor) -> dict[str, dict[str, torch.Tensor]]:
        """Typed views (group → name → tensor) into ``buffer`` (a flat uint8 tensor of at least ``nbytes``)."""
        if buffer.dtype != torch.uint8 or buffer.dim() != 1 or buffer.numel() < self.nbytes:
            raise ValueError("buffer must be a flat uint8 tensor large enough for the layout")
        out: dict[str, dict[str, torch.Tensor]] = {g: {} for g in self.layout}
        for p in self.placements:
            raw = buffer[p.offset: p.offset + p.spec.nbytes]
            typed = raw.view(dtype_of(p.spec.dtype)) if p.spec.nbytes else torch.empty(0, dtype=dtype_of(p.spec.dtype), device=buffer.device)
            out[p.group][p.name] = typed.view(p.spec.shape)
        return out

    def check_tensor(self, group: str, name: str, tensor: torch.Tensor) -> None:
        spec = self.layout.get(group, {}).get(name)
        if spec is None:
            raise InvalidInput(f"The base has an unexpected tensor '{group}/{name}'.",
                               hint="The base does not match its architecture; re-import it.")
        # a floating-point tensor may fill a floating-point slot of another precision: it is converted on copy
        # (a backend may compute in another precision than it stores, e.g. GPT-SoVITS in float32 on a CPU)
        converts = tensor.dtype.is_floating_point and dtype_of(spec.dtype).is_floating_point
        if tuple(tensor.shape) != spec.shape or (dtype_name(tensor.dtype) != spec.dtype and not converts):
            raise InvalidInput(
                f"Tensor '{group}/{name}' is {dtype_name(tensor.dtype)}{list(tensor.shape)}, expected {spec.dtype}{list(spec.shape)}.",
                hint="The base file does not match its architecture; re-import it.",
            )

    def names(self) -> Iterable[tuple[str, str]]:
        return ((p.group, p.name) for p in self.placements)
