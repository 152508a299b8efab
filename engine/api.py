"""The engine facade: the one object the CLI, the desktop app and scripts use.

    from engine.api import Engine
    with Engine(library="~/voices") as eng:
        eng.importer.import_paths(["clips/"], voice="Alice")
        print([v.name for v in eng.library.voices()])

Subsystems are created on first use, so opening an Engine is cheap (no torch
import until something needs it). Each subsystem lives in its own package and
only talks to the others through this object:

=================  =========================================  ==========================
attribute          class                                      what
=================  =========================================  ==========================
``library``        :class:`engine.library.Library`            catalog, blobs, history
``importer``       :class:`engine.library.importers.Importer` import / export of voices
``analysis``       :class:`engine.analysis.service.AnalysisService`  embeddings, clustering, emotions, grids
``bases``          :class:`engine.backends.base_store.BaseStore` stored cluster bases
``runtime``        :class:`engine.runtime.Runtime`            device, VRAM budget, base pool, scheduler
``speech``         :class:`engine.speech.SpeechService`       "say this in voice V" → audio chunks
``assets``         :class:`engine.assets.Assets`              linked GPT-SoVITS pretrained models
``cues``           :class:`engine.cues.CueStore`              saved requests (soundboard, hotkeys)
``playback``       :class:`engine.playback.Playback`          audio output queue (sounddevice / null)
``consolidation``  :class:`engine.consolidation.service.ConsolidationService`  plans, versions, evaluation, fine-tuning
``demo``           :class:`engine.demo.DemoService`           the bundled demo voices
``planner``        :class:`engine.analysis.planner.BasePlanner`  how many bases fit the VRAM budget
=================  =========================================  ==========================

This module is also the one door the desktop app uses into the engine (an import-linter contract in
pyproject.toml enforces it): besides :class:`Engine` it re-exports the vocabulary a front end needs (errors,
``EMOTIONS``, settings, paths, the synthesis-option table, per-voice synthesis defaults) and a few plain helpers
(:func:`read_audio`, :func:`write_wav`, :func:`output_devices`, :func:`inspect_folder`) that import their
module on first use.

Every attribute is typed (the classes are imported for type checkers only, and at first use for real), so
go-to-definition and type checkers see each subsystem.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, synthesis_options
from .errors import (
    AlreadyExists,
    AudioError,
    Cancelled,
    ImportFailed,
    InvalidInput,
    MissingAsset,
    NotFound,
    ResourceExhausted,
    StorageError,
    TimbrelError,
    UnsafeFile,
)
from .analysis.grid import GridResult, GridRow, GridVoice
from .analysis.results import AnalyzeReport, ClusterAssignment, ClusterInfo, ClusterResult
from .events import EventBus
from .library import Library, synthesis_defaults
from .library.emotions import EMOTIONS
from .paths import choose_library_dir, default_library_dir, runtime_socket_name
from .runtime.status import BudgetStatus, RuntimeStatus
from .settings import Settings

if TYPE_CHECKING:  # the real imports happen on first use, so `import engine.api` stays cheap
    import numpy as np

    from .analysis.planner import BasePlanner
    from .analysis.service import AnalysisService
    from .library.dataset_folders import FolderLayout
    from .assets import Assets
    from .backends.base_store import BaseStore
    from .consolidation.service import ConsolidationService
    from .cues import CueStore
    from .demo import DemoService
    from .library.importers import Importer
    from .playback import Playback
    from .runtime import Runtime
    from .speech import SpeechService


class Engine:
    def __init__(
        self,
        library: str | os.PathLike | None = None,
        *,
        settings: Settings | None = None,
        events: EventBus | None = None,
        device: str | None = None,
        vram_limit_mb: float | None = None,
        read_only: bool = False,
    ) -> None:
        self.settings = settings or Settings()
        self.read_only = read_only    # open the library as a reader beside its one writer (serving replicas)
        self.events = events or EventBus()
        # --library > $TIMBREL_LIBRARY > settings > default; library_source says which one won
        self.library_path, self.library_source = choose_library_dir(library, self.settings.get("library.path"))
        self.device_spec = device or self.settings.get("runtime.device")
        self._vram_limit_mb = vram_limit_mb
        self._lock = threading.RLock()
        self._closed = False

    # -- subsystems (lazy) -------------------------------------------------------------------------
    @cached_property
    def library(self) -> Library:
        return Library.open(self.library_path, events=self.events, read_only=self.read_only)

    @cached_property
    def importer(self) -> "Importer":
        from .library.importers import Importer

        return Importer(self)

    @cached_property
    def analysis(self) -> "AnalysisService":
        from .analysis.service import AnalysisService

        return AnalysisService(self)

    @cached_property
    def bases(self) -> "BaseStore":
        from .backends.base_store import BaseStore

        return BaseStore(self)

    @cached_property
    def runtime(self) -> "Runtime":
        from .runtime import Runtime

        return Runtime(self)

    @cached_property
    def speech(self) -> "SpeechService":
        from .speech import SpeechService

        return SpeechService(self)

    @cached_property
    def assets(self) -> "Assets":
        from .assets import Assets

        return Assets(self)

    @cached_property
    def cues(self) -> "CueStore":
        from .cues import CueStore

        return CueStore(self)

    @cached_property
    def playback(self) -> "Playback":
        """Audio output queue (``engine.playback.Playback``) on the ``playback.device`` setting."""
        from .playback import Playback

        return Playback(self.settings.get("playback.device"), events=self.events)

    @cached_property
    def consolidation(self) -> "ConsolidationService":
        from .consolidation.service import ConsolidationService

        return ConsolidationService(self)

    @cached_property
    def demo(self) -> "DemoService":
        from .demo import DemoService

        return DemoService(self)

    @cached_property
    def planner(self) -> "BasePlanner":
        from .analysis.planner import BasePlanner

        return BasePlanner(self)

    @property
    def vram_limit_mb(self) -> float:
        if self._vram_limit_mb is not None:
            return float(self._vram_limit_mb)
        return float(self.settings.get("runtime.vram_limit_mb"))

    # -- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Finish or cancel running work, release the device and close the catalog."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for name in ("playback", "speech", "runtime", "analysis"):
            obj = self.__dict__.get(name)
            if obj is not None and hasattr(obj, "close"):
                obj.close()
        lib = self.__dict__.get("library")
        if lib is not None:
            lib.close()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- plain helpers for front ends (their modules import numpy / soundfile / sounddevice on first use) --------------
def read_audio(source: str | os.PathLike | bytes, target_sr: int | None = None) -> "tuple[np.ndarray, int]":
    """Decode an audio file (or bytes) to mono float32 (``engine.audio.io.read_audio``)."""
    from .audio.io import read_audio as _read_audio

    return _read_audio(source, target_sr)


def write_wav(path: str | os.PathLike, samples: "np.ndarray", sample_rate: int) -> None:
    """Write mono float audio as a 16-bit WAV, atomically (``engine.audio.io.write_wav``)."""
    from .audio.io import write_wav as _write_wav

    _write_wav(path, samples, sample_rate)


def output_devices() -> tuple[list[str], str]:
    """The names of the audio outputs, and "" — or no names and the plain reason there are none."""
    from .playback import NoOutputDevice, list_output_devices

    try:
        return [d.name for d in list_output_devices()], ""
    except NoOutputDevice as exc:
        return [], str(exc)


def inspect_folder(folder: str | os.PathLike) -> "FolderLayout":
    """What kind of dataset folder ``folder`` is (``engine.library.dataset_folders.inspect_folder``)."""
    from .library.dataset_folders import inspect_folder as _inspect

    return _inspect(folder)


__all__ = [
    "Engine", "EventBus", "Settings", "Library", "EMOTIONS",
    "TimbrelError", "NotFound", "AlreadyExists", "InvalidInput", "AudioError", "ImportFailed", "UnsafeFile",
    "StorageError", "MissingAsset", "ResourceExhausted", "Cancelled",
    "__version__", "synthesis_options", "synthesis_defaults", "default_library_dir", "runtime_socket_name",
    "read_audio", "write_wav", "output_devices", "inspect_folder",
    "GridResult", "GridRow", "GridVoice", "AnalyzeReport", "ClusterAssignment", "ClusterInfo", "ClusterResult",
    "RuntimeStatus", "BudgetStatus",
]
