"""The consolidation part of the engine facade (``Engine.consolidation``).

One typed entry point for everything the app, the CLI and scripts do with consolidation: import existing
GPT-SoVITS models as candidates, plan one base per cluster, apply / revert / purge a plan, base versions and
rollback, evaluation (now, in the background, automatically after changes), fine-tuning and export. Each
method delegates to the module that does the work, so the modules stay small and this class stays thin.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .archive import Archive, StorageReport
    from .background import AutoEvaluator, EvaluationJob
    from .consolidate import Plan
    from .evaluate import EvaluationRun, Evaluator
    from .importer import GsvImportReport
    from .train.finetune import FineTuneSettings
    from .versions import BaseVersion


class ConsolidationService:
    def __init__(self, engine) -> None:
        self.engine = engine

    # -- candidates from an existing GPT-SoVITS installation -----------------------------------------------
    def import_gptsovits(self, root: str | Path, *, progress=None,
                         cancel: threading.Event | None = None) -> "GsvImportReport":
        from .importer import import_gptsovits

        return import_gptsovits(self.engine, root, progress=progress, cancel=cancel)

    # -- plans ----------------------------------------------------------------------------------------------
    def plan(self, *, choose: str = "central", pretrained: str | None = None, prefer_pretrained: bool = False,
             clusters: list[int] | None = None, progress=None, cancel=None) -> "Plan":
        from .consolidate import make_plan

        return make_plan(self.engine, choose=choose, pretrained=pretrained, prefer_pretrained=prefer_pretrained,
                         clusters=clusters, progress=progress, cancel=cancel)

    def storage_report(self, retire: set[str]) -> "StorageReport":
        from .archive import storage_report

        return storage_report(self.engine, retire)

    def apply(self, plan: "Plan") -> "Archive":
        from .archive import apply_plan

        return apply_plan(self.engine, plan)

    def revert(self, archive_id: int | None = None) -> "Archive":
        from .archive import revert

        return revert(self.engine, archive_id)

    def purge(self, archive_id: int | None = None) -> dict[str, Any]:
        from .archive import purge

        return purge(self.engine, archive_id)

    def archives(self) -> list["Archive"]:
        from .archive import archives

        return archives(self.engine)

    # -- base versions ----------------------------------------------------------------------------------------
    def versions(self, cluster_id: int | None = None) -> list["BaseVersion"]:
        from .versions import history

        return history(self.engine, cluster_id)

    def current_version(self, cluster_id: int) -> "BaseVersion | None":
        from .versions import current

        return current(self.engine, cluster_id)

    def rollback(self, cluster_id: int, version: int | None = None) -> "BaseVersion":
        from .archive import rollback

        return rollback(self.engine, cluster_id, version)

    def record_version(self, cluster_id: int, base, kind: str, provenance: dict | None = None) -> "BaseVersion":
        """Record that ``base`` now serves ``cluster_id`` (``kind``: "assigned", "consolidated", ...)."""
        from .versions import record

        return record(self.engine, cluster_id, base, kind, provenance)

    # -- evaluation -------------------------------------------------------------------------------------------
    def evaluator(self, **kwargs: Any) -> "Evaluator":
        from .evaluate import Evaluator

        return Evaluator(self.engine, **kwargs)

    def evaluate(self, cluster: int | None = None, progress=None, cancel=None) -> "EvaluationRun":
        return self.evaluator().run(cluster=cluster, progress=progress, cancel=cancel)

    def start_evaluation(self, cluster: int | None = None,
                         progress: Callable[[int, int, str], None] | None = None, evaluator=None) -> "EvaluationJob":
        from .background import start_evaluation

        return start_evaluation(self.engine, cluster, progress=progress, evaluator=evaluator)

    def auto_evaluator(self, evaluator_factory: Callable[[Any], Any] | None = None) -> "AutoEvaluator":
        from .background import AutoEvaluator

        return AutoEvaluator(self.engine, evaluator_factory)

    def evaluation_history(self, voice=None, limit: int = 50) -> list[dict[str, Any]]:
        from .evaluate import history

        return history(self.engine, voice, limit)

    def apply_moves(self, run: "EvaluationRun") -> list[dict[str, Any]]:
        from .evaluate import apply_moves

        return apply_moves(self.engine, run)

    def apply_history_move(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """Carry out the move proposal of one :meth:`evaluation_history` row (the voice moves to the proposed
        cluster), through :meth:`apply_moves`."""
        from .evaluate import EvaluationRun, VoiceEvaluation

        voice = self.engine.library.voice(row["voice"])
        ve = VoiceEvaluation(row["voice"], voice.id, int(row["cluster"]), row["base"], row["base_version_id"],
                             row["sim_own"], row["sim_others"], row["margin"], None, row["flagged"], row["verdict"],
                             dict(row["proposal"]))
        return self.apply_moves(EvaluationRun(int(row["run"]), row["created_at"], "", "", [ve], []))

    # -- fine-tuning and export ---------------------------------------------------------------------------------
    @staticmethod
    def finetune_settings(**fields: Any) -> "FineTuneSettings":
        """A :class:`FineTuneSettings` (``gpt_steps``, ``sovits_steps``, ...) for :meth:`finetune`."""
        from .train.finetune import FineTuneSettings

        return FineTuneSettings(**fields)

    def finetune(self, cluster_id: int, base, name: str, *, settings: "FineTuneSettings | None" = None,
                 parts: tuple[str, ...] = ("gpt", "sovits"), resume: bool = False, assign: bool = True,
                 models: dict[str, Any] | None = None, progress: Callable[[str, int, int], None] | None = None,
                 cancel: threading.Event | None = None):
        from .train.finetune import finetune_cluster

        return finetune_cluster(self.engine, cluster_id, base, name, settings=settings, parts=parts, resume=resume,
                                assign=assign, models=models, progress=progress, cancel=cancel)

    def export_base(self, base: Any, folder: str | Path, *, name: str | None = None, epoch: int = 0, step: int = 0,
                    overwrite: bool = False) -> dict[str, Path]:
        from .export import export_base

        return export_base(self.engine, base, folder, name=name, epoch=epoch, step=step, overwrite=overwrite)
