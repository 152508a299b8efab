"""The batched analysis run behind ``timbrel analyze``: embed and measure every clip not cached yet.

Clips are read, trimmed and measured (prosody) on worker threads while the encoder embeds the previous batch
(one forward pass per batch), so reading and the network use both cores. Each batch is stored in one
transaction together with the run's progress (``analysis_runs``): an interrupted run loses at most one batch,
and the next run goes on where it stopped.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import Cancelled, TimbrelError
from ..library.models import Clip
from . import prosody as pr
from .context import AnalysisContext, Progress, cancelled
from .results import AnalyzeReport

ANALYZE_BATCH = 32          # clips per encoder forward pass and per stored transaction


@dataclass
class _Prepared:
    """One clip after the worker thread: what the encoder takes, its prosody, or why it failed."""
    sha: str
    prepared: Any = None
    features: np.ndarray | None = None
    error: TimbrelError | None = None


@dataclass
class _Counts:
    done: int = 0
    failed: int = 0
    status: str = "done"
    started: float = field(default_factory=time.perf_counter)


class AnalysisRun:
    """One ``analyze`` pass over ``clips`` with encoder ``enc`` (see the module docstring)."""

    def __init__(self, ctx: AnalysisContext, enc, clips: list[Clip], report: AnalyzeReport, *, prosody: bool,
                 batch_size: int = ANALYZE_BATCH, workers: int | None = None, threads: int | None = None) -> None:
        self.ctx, self.enc, self.report = ctx, enc, report
        self.prosody = prosody
        self.batch_size = max(1, int(batch_size))
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self.threads = threads  # the encoder's intra-op threads while the run lasts (None: as configured)
        self.store = ctx.store
        self.by_sha = {c.sha256: c for c in clips}
        shas = sorted(self.by_sha)
        self.have = self.store.embeddings(shas, enc.id, enc.version)
        self.have_p = self.store.prosody(shas, pr.VERSION) if prosody else {}
        self.todo = [s for s in shas if s not in self.have or (prosody and s not in self.have_p)]
        report.embeddings_cached = sum(1 for s in shas if s in self.have)
        report.prosody_cached = sum(1 for s in shas if s in self.have_p)

    # -- worker thread ----------------------------------------------------------------------------------
    def _prepare(self, sha: str) -> _Prepared:
        """Read the clip, prepare it for the encoder, measure its prosody (one bad clip must not stop the rest)."""
        try:
            samples, sr = self.ctx.read(self.by_sha[sha])
            prepared = self.enc.prepare(samples, sr) if sha not in self.have else None
            feats = pr.extract(samples, sr) if self.prosody and sha not in self.have_p else None
            return _Prepared(sha, prepared, feats)
        except TimbrelError as exc:
            return _Prepared(sha, error=exc)

    # -- main thread ------------------------------------------------------------------------------------
    def run(self, progress: Progress | None = None, cancel=None) -> None:
        total = len(self.todo)
        run_id, previous = self.store.start_run(self.enc.id, self.enc.version, total) if total else (None, None)
        if previous is not None and previous["done"] < previous["total"]:
            self.report.resumed = {"run": previous["id"], "done": previous["done"], "total": previous["total"]}
        self._progress(progress, 0, total)
        counts = _Counts()
        try:
            from ..torchutil import torch_threads

            with torch_threads(self.threads):
                self._batches(counts, run_id, progress, cancel)
        except BaseException:
            if counts.status != "cancelled":
                counts.status = "interrupted"
            raise
        finally:
            self.report.seconds = round(time.perf_counter() - counts.started, 3)
            if run_id is not None:
                self.store.finish_run(run_id, counts.status, counts.done, counts.failed, self.report.seconds)

    def _batches(self, counts: _Counts, run_id: int | None, progress: Progress | None, cancel) -> None:
        """Prepare batch i+1 on the workers while the encoder embeds batch i."""
        batches = [self.todo[lo:lo + self.batch_size] for lo in range(0, len(self.todo), self.batch_size)]
        if not batches:
            return
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="analyze") as pool:
            ahead: list[Future] = [pool.submit(self._prepare, sha) for sha in batches[0]]
            try:
                for i in range(len(batches)):
                    if cancelled(cancel):
                        counts.status = "cancelled"
                        raise Cancelled(f"Analysis cancelled after {counts.done} of {len(self.todo)} clips; what was "
                                        "done is kept and the next run goes on from there.")
                    results = [f.result() for f in ahead]
                    ahead = [pool.submit(self._prepare, sha) for sha in batches[i + 1]] if i + 1 < len(batches) else []
                    self._store_batch(results, counts, run_id)
                    self._progress(progress, counts.done, len(self.todo))
            finally:
                for f in ahead:
                    f.cancel()

    def _store_batch(self, results: list[_Prepared], counts: _Counts, run_id: int | None) -> None:
        ok = [r for r in results if r.error is None and r.prepared is not None]
        vectors = self.enc.embed_prepared([r.prepared for r in ok]) if ok else []
        embeddings = [(r.sha, vectors[i]) for i, r in enumerate(ok)]
        feats = [(r.sha, r.features) for r in results if r.error is None and r.features is not None]
        for r in results:
            if r.error is not None:
                counts.failed += 1
                self.report.failed.append({"clip_sha256": r.sha, "voice_id": self.by_sha[r.sha].voice_id,
                                           "error": r.error.message})
        counts.done += len(results)
        self.store.put_batch(embeddings, self.enc.id, self.enc.version, feats, pr.VERSION, list(pr.FEATURE_NAMES),
                             run_id=run_id, done=counts.done, failed=counts.failed,
                             seconds=time.perf_counter() - counts.started)
        self.report.embedded += len(embeddings)
        self.report.prosody_computed += len(feats)

    def _progress(self, progress: Progress | None, done: int, total: int) -> None:
        self.ctx.publish("analysis.progress", done=done, total=total)
        if progress:
            progress(done, total)
