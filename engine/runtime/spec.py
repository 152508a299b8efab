"""A base the runtime can serve: what the pool loads plus what the backend is told.

The runtime never reads library records: the speech layer (:mod:`engine.speech`) resolves a stored base into
a :class:`ResolvedBase` and hands that to :meth:`engine.runtime.Runtime.submit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..backends.base import SynthesisContext
from .pool import BaseSpec


@dataclass(frozen=True)
class ResolvedBase:
    spec: BaseSpec            # pool key, architecture, layout, byte source, skeleton builder
    backend: Any              # engine.backends.base.Backend
    manifest: Mapping[str, Any]
    context: SynthesisContext

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def name(self) -> str:
        return self.spec.label or self.spec.key


def default_context(key: str, backend_name: str, cache_root: Path | None = None,
                    assets: Mapping[str, Path] | None = None, device: Any = None) -> SynthesisContext:
    """A context for a base outside the library (tests, benchmarks): the user cache folder, given assets."""
    from ..paths import cache_dir

    root = Path(cache_root) if cache_root is not None else cache_dir()
    return SynthesisContext(base_key=key, cache_dir=root / backend_name, assets=dict(assets or {}), device=device)


__all__ = ["ResolvedBase", "default_context"]
