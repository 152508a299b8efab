"""Importing into the library: the file and folder choosers, the import task with its progress bar and summary,
the demo voices, and files or folders dropped on the tab."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from .common import CancelFlag, progress_adapter
from .library_panels import import_summary


class LibraryImports:
    """Mixed into :class:`desktop.views.library.LibraryView` (uses its ``ctx``, ``import_bar``, ``demo_button``,
    ``schedule_refresh`` and ``importFinished``)."""

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Import a folder of voices"))
        if folder:
            self.import_paths([folder])

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Import audio files"), "", self.tr("Audio (*.wav *.flac *.ogg *.mp3 *.list);;All files (*)"))
        if files:
            self.import_paths(files)

    def import_paths(self, paths: list[str]) -> None:
        if self.import_task is not None:
            self.ctx.status.emit(self.tr("An import is already running."))
            return
        self.import_bar.started(len(paths))

        def work(task):
            importer = self.ctx.part("importer")
            return importer.import_paths(list(paths), progress=progress_adapter(task), cancel=CancelFlag(task))

        self.import_task = self.ctx.run(work, label=self.tr("Importing"), on_progress=self._import_progress,
                                        on_done=self._import_done, on_error=self._import_failed)

    def _import_progress(self, done: int, total: int, text: str) -> None:
        self.import_bar.progressed(done, total, Path(text).name if text else "")

    def cancel_import(self) -> None:
        if self.import_task is not None:
            self.import_task.cancel()
            self.import_bar.cancelling()

    def _import_done(self, result) -> None:
        self.import_task = None
        self.import_bar.hide()
        self.last_summary = self.summarize(result)
        self.ctx.status.emit(self.last_summary)
        rejected = list(getattr(result, "rejected", []) or [])
        if rejected:
            lines = [f"{Path(f.path).name}: {f.reason or '-'}" for f in rejected[:12]]
            if len(rejected) > 12:
                lines.append(self.tr("… and %1 more").replace("%1", str(len(rejected) - 12)))
            self.ctx.problem.emit(self.tr("Some files were not imported"), "\n".join([self.last_summary, "", *lines]))
        self.schedule_refresh()
        self.importFinished.emit(result)

    @staticmethod
    def summarize(report) -> str:
        """One sentence about an import (the importer's report)."""
        return import_summary(report)

    def _import_failed(self, exc) -> None:
        self.import_task = None
        self.import_bar.hide()
        self.ctx.report(self.tr("Import failed"))(exc)
        self.schedule_refresh()
        self.importFinished.emit(exc)

    def install_demo(self, only_if_empty: bool = False) -> None:
        """Add the demo voices on a worker thread (``only_if_empty``: the first-run case, a no-op otherwise)."""
        def work(task):
            if only_if_empty:
                return self.ctx.engine.demo.install_if_empty()
            return self.ctx.engine.demo.install()

        self.demo_button.setEnabled(False)
        self.ctx.run(work, label=self.tr("Adding the demo voices"), on_done=self._demo_done,
                     on_error=lambda exc: (self.demo_button.setEnabled(True),
                                           self.ctx.report(self.tr("Could not add the demo voices"))(exc)))

    def _demo_done(self, result) -> None:
        self.demo_button.setEnabled(True)
        if result is not None:
            self.ctx.status.emit(self.tr("Demo voices added."))
        self.schedule_refresh()
        self.importFinished.emit(result)

    # -- drag and drop -----------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)
