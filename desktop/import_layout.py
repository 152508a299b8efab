"""Importing a folder from the app: a GPT-SoVITS dataset folder (one with ``.list`` files, or upstream's
``slicer_opt`` + ``asr_opt``) imports through its lists; a folder whose lists and audio do not fit together gets a
dry-run summary and a question (:class:`LayoutQuestion`) instead of a silent merge
(``engine.library.dataset_folders``)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QVBoxLayout

from .views.common import CancelFlag, progress_adapter


def import_folder(ctx, library_view, folder: str, parent=None) -> None:
    """Inspect ``folder`` on a worker; a clear layout goes to the library's own import, an unclear one to the user."""
    def inspect(task):
        from engine.api import inspect_folder

        return inspect_folder(folder)

    def decide(layout) -> None:
        if layout.kind == "unclear":
            dlg = LayoutQuestion(ctx, layout, parent)
            dlg.open()
            if parent is not None:
                parent.layout_question = dlg
        else:
            library_view.import_paths([folder])

    ctx.run(inspect, label=QCoreApplication.translate("ImportLayout", "Reading the folder"), pool="io", on_done=decide,
            on_error=ctx.report(QCoreApplication.translate("ImportLayout", "Could not read the folder")))


class LayoutQuestion(QDialog):
    """What the folder holds, and how to read it: through its lists, one voice per sub-folder, or not at all."""

    imported = Signal(object)     # ImportReport

    def __init__(self, ctx, layout, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.layout_info = layout
        self.setWindowTitle(self.tr("How should this folder be imported?"))
        self.resize(640, 380)
        intro = QLabel(self.tr("This folder holds GPT-SoVITS lists and audio that do not fit together, so Timbrel "
                               "will not guess. Nothing has been imported yet."))
        intro.setWordWrap(True)
        self.summary = QPlainTextEdit(layout.describe())
        self.summary.setReadOnly(True)
        self.lists_button = QPushButton(self.tr("Through the lists (one voice per speaker)"))
        self.folders_button = QPushButton(self.tr("One voice per sub-folder"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.progress = QProgressBar()
        self.progress.hide()
        self.state = QLabel()
        self.state.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.lists_button)
        row.addWidget(self.folders_button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.summary, 1)
        lay.addWidget(self.progress)
        lay.addWidget(self.state)
        lay.addLayout(row)
        self.lists_button.clicked.connect(lambda: self.run_import("lists"))
        self.folders_button.clicked.connect(lambda: self.run_import("folders"))
        self.cancel_button.clicked.connect(self.reject)
        self.task = None

    def run_import(self, layout: str) -> None:
        folder = self.layout_info.folder
        for b in (self.lists_button, self.folders_button):
            b.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()

        def work(task):
            return self.ctx.part("importer").import_paths([folder], layout=layout, progress=progress_adapter(task),
                                                          cancel=CancelFlag(task))

        def progressed(done: int, total: int, text: str) -> None:
            if total:
                self.progress.setRange(0, total)
                self.progress.setValue(done)

        def done(report) -> None:
            self.task = None
            self.ctx.voicesChanged.emit()
            self.ctx.status.emit(self.tr("Imported %1 clips into %2 voices.").replace("%1", str(report.clips_added))
                                 .replace("%2", str(len(report.voices))))
            self.imported.emit(report)
            self.accept()

        def failed(exc) -> None:
            self.task = None
            self.progress.hide()
            for b in (self.lists_button, self.folders_button):
                b.setEnabled(True)
            self.ctx.report(self.tr("Import failed"))(exc)

        self.task = self.ctx.run(work, label=self.tr("Importing"), on_done=done, on_error=failed, on_progress=progressed)

    def reject(self) -> None:
        if self.task is not None:
            self.task.cancel()
        super().reject()
