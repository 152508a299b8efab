"""``Engine.analysis``: the analysis facade over four services with one job each.

=================  ====================================================  =========================================
attribute          class                                                 what
=================  ====================================================  =========================================
``embeddings``     :class:`engine.analysis.embeddings.EmbeddingService`  clip / voice embeddings, similarity,
                                                                         near-duplicates, the 2-D projection
``clustering``     :class:`engine.analysis.clusters.ClusteringService`   re-clustering with stable ids, pins,
                                                                         labels, incremental assignment, history
``emotions``       :class:`engine.analysis.emotions.EmotionService`      emotion model, predictions, suggestions
``grids``          :class:`engine.analysis.grid.GridService`             the emotion × timbre grid
=================  ====================================================  =========================================

The facade keeps the flat methods the CLI, the server and the desktop call (``analyze``, ``cluster``,
``similar``, ``grid`` ...) and runs ``analyze``, the one job that spans the services: the batched embedding run
(:mod:`engine.analysis.run`), the emotion pass, near-duplicates and the assignment of new voices.
All results live in the catalog (``0002_analysis.sql``); a second run over unchanged clips does no work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..library.models import Voice
from .clusters import DEFAULT_MAX_PER_CLUSTER, ClusteringService
from .context import AnalysisContext, Progress
from .embeddings import EmbeddingService, VoiceRef, VoiceVectors, robust_mean
from .emotions import EmotionService, SuggestionReport
from .grid import GridResult, GridService
from .results import AnalyzeReport, ClusterAssignment, ClusterInfo, ClusterResult
from .run import ANALYZE_BATCH, AnalysisRun
from .store import AnalysisStore

__all__ = ["AnalysisService", "DEFAULT_MAX_PER_CLUSTER", "ANALYZE_BATCH", "VoiceRef", "VoiceVectors", "robust_mean"]


class AnalysisService:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.context = AnalysisContext(engine)
        self.embeddings = EmbeddingService(self.context)
        self.clustering = ClusteringService(self.context, self.embeddings)
        self.emotions = EmotionService(self.context)
        self.grids = GridService(self.context, self.clustering)

    # -- plumbing ----------------------------------------------------------------------------------
    @property
    def library(self):
        return self.engine.library

    @property
    def store(self) -> AnalysisStore:
        return self.context.store

    @property
    def _encoders(self) -> dict[str, Any]:
        """The loaded encoders and emotion models by name (tests share one loaded encoder through it)."""
        return self.context.models

    def encoder(self, name: str | None = None):
        """The timbre encoder (default: setting ``analysis.encoder``, else ``ge2e``), loaded once on the engine's device."""
        return self.context.encoder(name)

    def close(self) -> None:
        self.context.close()

    # -- the analysis run ------------------------------------------------------------------------------
    def analyze(self, voices=None, progress: Progress | None = None, cancel=None, *, encoder: str | None = None,
                prosody: bool = True, assign: bool = True, batch_size: int = ANALYZE_BATCH,
                workers: int | None = None, emotion_progress: Progress | None = None,
                threads: int | None = None) -> AnalyzeReport:
        """Embed (and measure the prosody of) every clip of ``voices`` (default: all) that is not cached yet;
        report near-duplicates of the analysed voices and assign voices new to the current clustering.

        Clips are read, trimmed and measured on ``workers`` threads (default: one per core, at most 4) while
        the encoder embeds the previous batch of ``batch_size`` (one forward pass per batch). Each batch is
        stored in one transaction with the run's progress (``analysis_runs``), so an interrupted run loses at
        most one batch and the next run goes on where it stopped. ``threads``: the encoder's intra-op threads while
        the run lasts (default: the engine's setting, which leaves a core free for the GUI; ``timbrel analyze``,
        which owns its process, uses every core: 1.4× the clips/s of one thread on 2 idle cores).

        With an emotion2vec+ model linked, a second pass stores each clip's emotion probabilities
        (``emotion_progress(done, total)``; ``report.emotions``)."""
        enc = self.encoder(encoder)
        vs = self.context.voices(voices)
        clips = [c for v in vs for c in v.clips]
        report = AnalyzeReport(enc.id, enc.version, voices=len(vs), clips=len(clips))
        try:
            AnalysisRun(self.context, enc, clips, report, prosody=prosody, batch_size=batch_size,
                        workers=workers, threads=threads).run(progress, cancel)
        finally:
            self.embeddings.invalidate()
        report.emotions = self.emotions.analyze(clips, progress=emotion_progress, cancel=cancel)
        analysed = [v for v in vs if v.clips]
        report.duplicates = self.embeddings.duplicates_of(analysed, enc)
        if assign and analysed:
            report.assigned = self.clustering.assign_new(analysed, encoder=enc.id)
        return report

    # -- embeddings ----------------------------------------------------------------------------------
    def pending(self, voices=None, encoder: str | None = None) -> dict[str, int]:
        return self.embeddings.pending(voices, encoder)

    def clip_embeddings(self, voice, encoder: str | None = None) -> np.ndarray:
        return self.embeddings.clip_embeddings(voice, encoder)

    def voice_embedding(self, voice, encoder: str | None = None) -> np.ndarray:
        return self.embeddings.voice_embedding(voice, encoder)

    def similar(self, voice, n: int = 5, encoder: str | None = None) -> list[dict[str, Any]]:
        return self.embeddings.similar(voice, n, encoder)

    def near_duplicates(self, voice=None, encoder: str | None = None) -> list[dict[str, Any]]:
        return self.embeddings.near_duplicates(voice, encoder)

    def projection_2d(self, encoder: str | None = None) -> dict[str, tuple[float, float]]:
        return self.embeddings.projection_2d(encoder)

    def check_new_voice(self, voice, encoder: str | None = None) -> dict[str, Any]:
        """For the importer / desktop after importing ``voice``: near-duplicates, closest voices and the cluster
        it would join (nothing is changed)."""
        enc = self.encoder(encoder)
        v: Voice = self.context.voice(voice)
        me = self.embeddings.voice_embedding(v, enc.id)
        return {"voice": v.name, "duplicates": self.embeddings.duplicates_of([v], enc),
                "similar": self.embeddings.similar(v, 5, enc.id),
                "cluster": self.clustering.nearest_cluster(me, enc, exclude_voice=v.id)}

    # -- clustering ----------------------------------------------------------------------------------
    def cluster(self, k: int | None = None, threshold: float | None = None,
                max_per_cluster: int = DEFAULT_MAX_PER_CLUSTER, encoder: str | None = None) -> ClusterResult:
        return self.clustering.cluster(k, threshold, max_per_cluster, encoder)

    def assign_new(self, voices, encoder: str | None = None) -> list[dict[str, Any]]:
        return self.clustering.assign_new(voices, encoder)

    def clusters(self) -> list[ClusterInfo]:
        return self.clustering.clusters()

    def unassigned(self) -> list[str]:
        return self.clustering.unassigned()

    def cluster_of(self, voice) -> ClusterAssignment | None:
        return self.clustering.cluster_of(voice)

    def history(self) -> list[dict[str, Any]]:
        return self.clustering.history()

    def pin(self, voice, cluster_id: int) -> ClusterAssignment:
        return self.clustering.pin(voice, cluster_id)

    def unpin(self, voice) -> None:
        self.clustering.unpin(voice)

    def label_cluster(self, cluster_id: int, label: str) -> None:
        self.clustering.label_cluster(cluster_id, label)

    # -- emotion and grid ------------------------------------------------------------------------------
    def emotion_model(self):
        return self.emotions.model()

    def suggest_emotions(self, apply: bool = False, min_confidence: float = 0.5) -> dict[str, Any]:
        """:meth:`EmotionService.suggest` as JSON-ready data (``emotions.suggest`` gives the typed report)."""
        report: SuggestionReport = self.emotions.suggest(apply, min_confidence)
        return report.to_dict()

    def clip_emotions(self, clips=None) -> dict[int, Any]:
        return self.emotions.clip_emotions(clips)

    def grid(self) -> GridResult:
        return self.grids.grid()
