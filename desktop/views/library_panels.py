"""The Library tab's smaller panels: the empty-library invitation and the import progress bar, and the sentence
that sums up an import."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget


class EmptyLibrary(QWidget):
    """Shown instead of the tables while the library has no voice: how to import, or add the demo voices."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        el = QVBoxLayout(self)
        el.addStretch(1)
        msg = QLabel(self.tr("Your library is empty.\nDrop audio files or folders here, or import a folder "
                             "(one sub-folder per voice; emotion names like happy/ or 开心/ become labels)."))
        msg.setAlignment(Qt.AlignmentFlag.AlignCenter)
        msg.setWordWrap(True)
        self.import_button = QPushButton(self.tr("Import a folder…"))
        self.demo_button = QPushButton(self.tr("Add the demo voices"))
        self.demo_button.setToolTip(self.tr("Four small synthetic voices to try the app with."))
        el.addWidget(msg)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.import_button)
        row.addWidget(self.demo_button)
        row.addStretch(1)
        el.addLayout(row)
        el.addStretch(2)


class ImportBar(QWidget):
    """What an import is doing (the file it reads), how far it is, and a Cancel button; hidden when idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bl = QHBoxLayout(self)
        bl.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.progress = QProgressBar()
        self.cancel = QPushButton(self.tr("Cancel"))
        bl.addWidget(self.label, 1)
        bl.addWidget(self.progress, 2)
        bl.addWidget(self.cancel)
        self.hide()

    def started(self, items: int) -> None:
        self.label.setText(self.tr("Importing %n item(s)…", "", items))
        self.progress.setRange(0, 0)
        self.show()

    def progressed(self, done: int, total: int, name: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        if name:
            self.label.setText(self.tr("Importing %1").replace("%1", name))

    def cancelling(self) -> None:
        self.label.setText(self.tr("Cancelling…"))


def import_summary(report) -> str:
    """One sentence about an import (the importer's report)."""
    clips = int(getattr(report, "clips_added", 0) or 0)
    voices = len([v for v in getattr(report, "voices", []) or [] if getattr(v, "clips_added", 0)])
    dups = int(getattr(report, "duplicates", 0) or 0)
    bad = len(getattr(report, "rejected", []) or [])
    text = QCoreApplication.translate("ImportSummary", "Imported %1 clip(s) into %2 voice(s).")
    text = text.replace("%1", str(clips)).replace("%2", str(voices))
    if dups:
        text += " " + QCoreApplication.translate("ImportSummary", "%1 duplicate(s) skipped.").replace("%1", str(dups))
    if bad:
        text += " " + QCoreApplication.translate("ImportSummary", "%1 file(s) rejected.").replace("%1", str(bad))
    if getattr(report, "cancelled", False):
        text += " " + QCoreApplication.translate("ImportSummary",
                                                 "Cancelled: voices finished before the cancel were kept.")
    return text
