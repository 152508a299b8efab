"""Importing a GPT-SoVITS pair on the Bases tab: drop (or choose) the GPT .ckpt and the SoVITS .pth, name the base,
convert it on a worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)


class DropZone(QFrame):
    """Accepts a GPT-SoVITS pair dragged in (a .ckpt and a .pth); click to choose the files."""

    filesDropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(54)
        self.label = QLabel(self.tr("Drop a GPT-SoVITS pair here (GPT .ckpt + SoVITS .pth)"))
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.filesDropped.emit(files)
            event.acceptProposedAction()


class PairImportBox(QGroupBox):
    """The drop zone, the two chosen files, the new base's name and the Import button."""

    imported = Signal(object)     # BaseRecord
    message = Signal(str)         # a plain sentence for the tab's status line

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Import a GPT-SoVITS base"))
        self.ctx = ctx
        self.gpt_path: str | None = None
        self.sovits_path: str | None = None
        self.drop = DropZone()
        self.gpt_label = QLabel()
        self.sovits_label = QLabel()
        self.base_name = QLineEdit()
        self.base_name.setPlaceholderText(self.tr("name for the new base"))
        self.choose_button = QPushButton(self.tr("Choose files…"))
        self.import_button = QPushButton(self.tr("Import pair"))
        self.import_button.setEnabled(False)
        pair = QFormLayout()
        pair.addRow(self.tr("GPT:"), self.gpt_label)
        pair.addRow(self.tr("SoVITS:"), self.sovits_label)
        pair.addRow(self.tr("Name:"), self.base_name)
        row = QHBoxLayout()
        row.addWidget(self.choose_button)
        row.addStretch(1)
        row.addWidget(self.import_button)
        ib = QVBoxLayout(self)
        ib.addWidget(self.drop)
        ib.addLayout(pair)
        ib.addLayout(row)
        self.drop.filesDropped.connect(self.set_pair_files)
        self.choose_button.clicked.connect(self.choose_pair)
        self.import_button.clicked.connect(self.import_pair)
        self.base_name.textChanged.connect(self._update_import_button)

    def choose_pair(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Choose the GPT .ckpt and the SoVITS .pth"), "",
                                                self.tr("GPT-SoVITS weights (*.ckpt *.pth)"))
        if files:
            self.set_pair_files(files)

    def set_pair_files(self, files: list[str]) -> None:
        for f in files:
            suffix = Path(f).suffix.lower()
            if suffix == ".ckpt":
                self.gpt_path = f
            elif suffix == ".pth":
                self.sovits_path = f
            else:
                self.message.emit(self.tr("%1 is not a GPT-SoVITS weights file (.ckpt or .pth).").replace("%1", Path(f).name))
        self.gpt_label.setText(Path(self.gpt_path).name if self.gpt_path else self.tr("(drop or choose the .ckpt)"))
        self.sovits_label.setText(Path(self.sovits_path).name if self.sovits_path else self.tr("(drop or choose the .pth)"))
        if not self.base_name.text().strip() and self.sovits_path:
            self.base_name.setText(Path(self.sovits_path).stem.split("_e")[0])
        self._update_import_button()

    def _update_import_button(self) -> None:
        self.import_button.setEnabled(bool(self.gpt_path and self.sovits_path and self.base_name.text().strip()))

    def import_pair(self) -> None:
        gpt, sovits, name = self.gpt_path, self.sovits_path, self.base_name.text().strip()
        if not (gpt and sovits and name):
            return
        self.import_button.setEnabled(False)

        def work(task):
            return self.ctx.engine.bases.import_gptsovits_pair(name, gpt, sovits, provenance={"made_by": "timbrel app"})

        def done(rec) -> None:
            self.gpt_path = self.sovits_path = None
            self.base_name.clear()
            self.set_pair_files([])
            self.ctx.status.emit(self.tr("Stored base %1.").replace("%1", rec.name))
            self.imported.emit(rec)

        def failed(exc) -> None:
            self._update_import_button()
            self.ctx.report(self.tr("Could not import the base"))(exc)

        self.ctx.run(work, label=self.tr("Converting the GPT-SoVITS pair"), on_done=done, on_error=failed)
