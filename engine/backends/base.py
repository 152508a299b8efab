"""The backend interface: what the runtime needs from a synthesis family.

A *base* is a set of named tensors (grouped, e.g. ``gpt`` and ``sovits``) plus a manifest.
A backend knows, for a manifest:

* ``architecture_key(manifest)`` — bases with the same key have the same tensors (names,
  shapes, dtypes) and can share one resident skeleton;
* ``layout(manifest)`` — ``group → name → TensorSpec``;
* ``build_skeleton(manifest, tensors, device)`` — build the model ONCE around storage the
  runtime allocated (typed views into one device buffer; modules are built on the meta
  device and bound to those views, so no weights are initialised or allocated). A swap
  later only copies new bytes into the same storage;
* ``shared_models(manifest)`` / ``load_shared(name, device)`` — models every base of the
  backend uses and that stay resident once (HuBERT, BERT, SV net...), with byte sizes;
* ``workspace_bytes(manifest, request)`` — an estimate of the activations a request needs;
* ``synthesize(model, shared, request, references)`` — yields :class:`AudioChunk` s.

Everything here is plain data except the model objects, which belong to the backend.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, NamedTuple

import numpy as np


class AudioChunk(NamedTuple):
    """A piece of synthesized audio: mono float32 samples in [-1, 1] at ``sample_rate``."""

    samples: np.ndarray
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / float(self.sample_rate)


@dataclass(frozen=True)
class ReferenceClip:
    """One reference recording handed to a backend."""

    path: Path
    sha256: str
    transcript: str
    language: str | None
    emotion: str | None
    duration: float
    sample_rate: int


@dataclass(frozen=True)
class References:
    """The voice's references for one request: a prompt clip (emotion-matched) and timbre clips."""

    voice: str
    prompt: ReferenceClip
    timbre: tuple[ReferenceClip, ...] = ()


@dataclass(frozen=True)
class SynthesisRequest:
    text: str
    language: str | None = None
    emotion: str | None = None
    seed: int | None = None
    speed: float = 1.0
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SharedModel:
    """A model every base of a backend uses, kept resident once. ``name`` is global (two backends
    naming the same model share it)."""

    name: str
    nbytes: int


class Backend(abc.ABC):
    name: str = "abstract"

    @abc.abstractmethod
    def architecture_key(self, manifest: Mapping[str, Any]) -> str:
        """Bases with equal keys have identical layouts and share a skeleton."""

    @abc.abstractmethod
    def layout(self, manifest: Mapping[str, Any]):
        """``group → name → engine.runtime.layout.TensorSpec``."""

    @abc.abstractmethod
    def build_skeleton(self, manifest: Mapping[str, Any], tensors: Mapping[str, Mapping[str, Any]], device) -> Any:
        """Build the model around ``tensors`` (views into device storage). Called once per slot."""

    def shared_models(self, manifest: Mapping[str, Any]) -> list[SharedModel]:
        return []

    def load_shared(self, name: str, device) -> Any:
        raise KeyError(name)

    def workspace_bytes(self, manifest: Mapping[str, Any], request: SynthesisRequest) -> int:
        return 0

    def estimate_seconds(self, manifest: Mapping[str, Any], request: SynthesisRequest) -> float:
        """Rough service time, used only for scheduling statistics."""
        return 0.05 + 0.01 * len(request.text)

    @abc.abstractmethod
    def synthesize(self, model: Any, shared: Mapping[str, Any], request: SynthesisRequest,
                   references: References) -> Iterator[AudioChunk]:
        """Yield audio chunks (e.g. one per sentence) as they are ready."""
