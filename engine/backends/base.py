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
* ``synthesize(model, shared, request, references, context)`` — yields :class:`AudioChunk` s;
* ``max_batch_rows(manifest)`` / ``synthesize_batch(model, shared, rows, context, admit)`` — several
  requests for the same base at once (default: one row at a time through ``synthesize``);
* ``unsupported_options(manifest, options)`` — the per-request options this backend ignores.

Everything a backend needs from the engine comes in the :class:`SynthesisContext` (the base's key, a cache
folder, the pretrained assets the engine resolved, the device): no backend reads settings or looks for the
library on disk.

Everything here is plain data except the model objects, which belong to the backend.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, NamedTuple, Sequence

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


#: Upstream-named per-request options (``SynthesisRequest.options``); see CONTRACTS.md.
KNOWN_OPTIONS = frozenset({
    "top_k", "top_p", "temperature", "repetition_penalty", "text_split_method", "speed_factor", "fragment_interval",
    "batch_size", "split_bucket", "parallel_infer", "sample_steps", "super_sampling", "ref_free", "aux_refs",
})


@dataclass(frozen=True)
class SynthesisContext:
    """What the engine resolved for one base, handed to every ``synthesize`` call.

    ``base_key`` is the key the runtime uses for this base (stable while the base's bytes are unchanged:
    backends key per-base caches by it and never hash weights); ``cache_dir`` is a folder the backend may
    cache per-clip / per-base data in; ``assets`` maps pretrained asset names (``"hubert"``, ``"bert"``,
    ``"sv"``, ``"g2pw"``...) to the paths the engine found; ``device`` is the torch device the model lives on.
    """

    base_key: str
    cache_dir: Path
    assets: Mapping[str, Path] = field(default_factory=dict)
    device: Any = None


@dataclass(frozen=True)
class BatchRow:
    """One request inside a batch: ``key`` is an opaque id the runtime chose."""

    key: int
    request: "SynthesisRequest"
    references: References


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
    def layout(self, manifest: Mapping[str, Any], device_kind: str | None = None):
        """``group → name → engine.backends.layout.TensorSpec`` of the base as the runtime holds it on a device of
        ``device_kind`` (``"cuda"``, ``"cpu"``, …; ``None``: as stored). Floating-point tensors are converted on
        copy when the layout's precision differs from the stored one."""

    @abc.abstractmethod
    def build_skeleton(self, manifest: Mapping[str, Any], tensors: Mapping[str, Mapping[str, Any]], device) -> Any:
        """Build the model around ``tensors`` (views into device storage). Called once per slot."""

    #: the ``SynthesisRequest.options`` this backend honours (others are ignored and reported)
    SUPPORTED_OPTIONS: frozenset = frozenset()

    def shared_models(self, manifest: Mapping[str, Any], context: SynthesisContext | None = None) -> list[SharedModel]:
        return []

    def load_shared(self, name: str, device, context: SynthesisContext | None = None) -> Any:
        raise KeyError(name)

    def unsupported_options(self, manifest: Mapping[str, Any], options: Mapping[str, Any] | None) -> list[str]:
        """Options in ``options`` this backend cannot honour (it ignores them)."""
        return sorted(k for k in (options or {}) if k not in self.SUPPORTED_OPTIONS)

    def workspace_bytes(self, manifest: Mapping[str, Any], request: SynthesisRequest) -> int:
        return 0

    def estimate_seconds(self, manifest: Mapping[str, Any], request: SynthesisRequest) -> float:
        """Rough service time, used only for scheduling statistics."""
        return 0.05 + 0.01 * len(request.text)

    @abc.abstractmethod
    def synthesize(self, model: Any, shared: Mapping[str, Any], request: SynthesisRequest,
                   references: References, context: SynthesisContext | None = None) -> Iterator[AudioChunk]:
        """Yield audio chunks (e.g. one per sentence) as they are ready. The runtime always passes ``context``."""

    def max_batch_rows(self, manifest: Mapping[str, Any]) -> int:
        """How many requests for one base this backend can run together (1: no batching)."""
        return 1

    def synthesize_batch(self, model: Any, shared: Mapping[str, Any], rows: Sequence[BatchRow],
                         context: SynthesisContext,
                         admit: Callable[[], list[BatchRow]]) -> Iterator[tuple[int, AudioChunk | None]]:
        """Yield ``(row.key, chunk)`` as each row's chunks are ready and ``(row.key, None)`` once that row is done.

        Between decoding steps the backend may call ``admit()`` to take more waiting rows for the SAME base
        (continuous batching); ``admit()`` returns ``[]`` when none may join. This default runs the rows one
        after another through :meth:`synthesize` and calls ``admit()`` between rows.
        """
        pending = list(rows)
        while pending:
            row = pending.pop(0)
            for chunk in self.synthesize(model, shared, row.request, row.references, context):
                yield row.key, chunk
            yield row.key, None
            pending.extend(admit())
