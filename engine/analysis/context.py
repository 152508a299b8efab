"""What every analysis service shares: the engine, the loaded encoders, the catalog tables, clip reading.

:class:`AnalysisContext` is created once by the facade (:class:`engine.analysis.service.AnalysisService`) and
handed to the embedding, clustering, emotion and grid services, so they load an encoder once and publish
events the same way.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..library.models import Clip, Voice
from .store import AnalysisStore

if TYPE_CHECKING:
    from ..library import Library
    from .encoders.base import TimbreEncoder

Progress = Callable[[int, int], Any]


def cancelled(cancel) -> bool:
    """True when ``cancel`` (None, a ``threading.Event`` or a callable) asks to stop."""
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


class AnalysisContext:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.models: dict[str, Any] = {}      # loaded encoders and emotion models, by name
        self.lock = threading.RLock()

    @property
    def library(self) -> "Library":
        return self.engine.library

    @property
    def store(self) -> AnalysisStore:
        return AnalysisStore(self.library.catalog)

    def publish(self, topic: str, **data: Any) -> None:
        self.engine.events.publish(topic, **data)

    def encoder(self, name: str | None = None) -> "TimbreEncoder":
        """The timbre encoder (default: setting ``analysis.encoder``, else ``ge2e``), loaded once on the engine's device."""
        from .encoders import DEFAULT_ENCODER, get_encoder

        name = name or self.engine.settings.get("analysis.encoder") or DEFAULT_ENCODER
        with self.lock:
            if name not in self.models:
                self.models[name] = get_encoder(name, device=self.engine.device_spec or "cpu", engine=self.engine)
            return self.models[name]

    def cached_model(self, key: str, load: Callable[[], Any]) -> Any:
        """``models[key]``, loaded with ``load()`` on first use (``None`` results are not kept)."""
        with self.lock:
            if key not in self.models:
                model = load()
                if model is None:
                    return None
                self.models[key] = model
            return self.models[key]

    def voice(self, voice: Voice | str | int) -> Voice:
        return voice if isinstance(voice, Voice) else self.library.voice(voice)

    def voices(self, voices=None) -> list[Voice]:
        """``voices`` as Voice objects (default: every voice of the library)."""
        return self.library.voices() if voices is None else [self.voice(v) for v in voices]

    def read(self, clip: Clip) -> tuple[np.ndarray, int]:
        from ..audio.io import read_audio

        return read_audio(self.library.clip_path(clip))

    def close(self) -> None:
        self.models.clear()
