"""Settings and first-run dialogs (persisted through ``engine.settings``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from .i18n import LANGUAGES


class FolderField(QWidget):
    def __init__(self, value: str | None, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.edit = QLineEdit(value or "")
        self.browse = QPushButton(self.tr("Browse…"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)
        self.browse.clicked.connect(self._choose)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.title, self.edit.text())
        if folder:
            self.edit.setText(folder)

    def value(self) -> str | None:
        return self.edit.text().strip() or None


class SettingsDialog(QDialog):
    """Library folder, GPT-SoVITS assets, emotion2vec+ model, VRAM limit, audio output, language, hotkeys."""

    applied = Signal(dict)   # the changed settings

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        s = ctx.engine.settings
        self.setWindowTitle(self.tr("Settings"))
        self.library = FolderField(str(ctx.engine.library_path), self.tr("Library folder"))
        self.assets = FolderField(s.get("assets.gptsovits_path"), self.tr("GPT-SoVITS pretrained models folder"))
        self.emotion_model = FolderField(s.get("assets.emotion2vec_path"),
                                         self.tr("emotion2vec+ model folder (or a folder holding one)"))
        self.vram = QSpinBox()
        self.vram.setRange(64, 1024 * 1024)
        self.vram.setSingleStep(256)
        self.vram.setSuffix(" MB")
        self.vram.setValue(int(s.get("runtime.vram_limit_mb") or 4096))
        self.output = QComboBox()
        self.output.addItem(self.tr("System default"), None)
        self.output_note = QLabel()
        self.output_note.setWordWrap(True)
        self.language = QComboBox()
        self.language.addItem(self.tr("Follow the system"), None)
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(s.get("ui.language"))))
        self.global_hotkeys = QCheckBox(self.tr("Enable global hotkeys (X11, Windows, macOS)"))
        self.global_hotkeys.setChecked(bool(s.get("ui.global_hotkeys", True)))
        form = QFormLayout()
        form.addRow(self.tr("Library folder:"), self.library)
        form.addRow(self.tr("GPT-SoVITS assets:"), self.assets)
        form.addRow(self.tr("Emotion model:"), self.emotion_model)
        form.addRow(self.tr("VRAM limit:"), self.vram)
        form.addRow(self.tr("Audio output:"), self.output)
        form.addRow("", self.output_note)
        form.addRow(self.tr("Language:"), self.language)
        form.addRow(self.tr("Hotkeys:"), self.global_hotkeys)
        note = QLabel(self.tr("A new library folder or language takes effect the next time Timbrel starts."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save_and_close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._wanted_output = s.get("playback.device")
        ctx.run(self._list_devices, label=self.tr("Listing audio outputs"), pool="io", on_done=self._show_devices)

    @staticmethod
    def _list_devices(task):
        from engine.api import output_devices

        return output_devices()

    def _show_devices(self, result) -> None:
        names, reason = result
        for name in names:
            self.output.addItem(name, name)
        if self._wanted_output:
            i = self.output.findData(self._wanted_output)
            if i < 0:
                self.output.addItem(self.tr("%1 (not connected)").replace("%1", self._wanted_output), self._wanted_output)
                i = self.output.count() - 1
            self.output.setCurrentIndex(i)
        self.output_note.setText(reason or self.tr("%n output device(s) found.", "", len(names)))

    def values(self) -> dict:
        return {
            "library.path": self.library.value(), "assets.gptsovits_path": self.assets.value(),
            "assets.emotion2vec_path": self.emotion_model.value(),
            "runtime.vram_limit_mb": self.vram.value(), "playback.device": self.output.currentData(),
            "ui.language": self.language.currentData(), "ui.global_hotkeys": self.global_hotkeys.isChecked(),
        }

    def save_and_close(self) -> None:
        s = self.ctx.engine.settings
        changed = {}
        for key, value in self.values().items():
            current = str(self.ctx.engine.library_path) if key == "library.path" else s.get(key)
            if value != current:
                if key not in ("assets.gptsovits_path", "assets.emotion2vec_path"):   # the main window links (verifies) these
                    s.set(key, value)
                changed[key] = value
        self.applied.emit(changed)
        self.accept()


class FirstRunDialog(QDialog):
    """First start: choose the library folder; link GPT-SoVITS pretrained models or skip."""

    def __init__(self, settings, default_library: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("Welcome to Timbrel"))
        intro = QLabel(self.tr("<h3>Welcome to Timbrel</h3><p>Timbrel keeps your cloned voices in a library folder. "
                               "Voices with a similar timbre share one GPT-SoVITS base, so hundreds of voices fit on "
                               "one GPU.</p>"))
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.library = FolderField(str(settings.get("library.path") or default_library), self.tr("Library folder"))
        self.assets = FolderField(settings.get("assets.gptsovits_path"), self.tr("GPT-SoVITS pretrained models folder"))
        assets_note = QLabel(self.tr("Optional: the GPT-SoVITS 'pretrained_models' folder (HuBERT, BERT, base "
                                     "checkpoints). You can skip this and link it later in Settings."))
        assets_note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Library folder:"), self.library)
        form.addRow(self.tr("GPT-SoVITS assets:"), self.assets)
        form.addRow("", assets_note)
        self.demo = QCheckBox(self.tr("Add the demo voices if the library is empty (four small synthetic voices "
                                      "that speak through the preview voice)"))
        self.demo.setChecked(True)
        form.addRow("", self.demo)
        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton(self.tr("Start"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.skip_button = buttons.addButton(self.tr("Skip assets"), QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.finish)
        self.skip_button.clicked.connect(self.skip_assets)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def skip_assets(self) -> None:
        self.assets.edit.clear()
        self.finish()

    def finish(self) -> None:
        self.settings.set("library.path", self.library.value())
        if self.assets.value():
            self.settings.set("assets.gptsovits_path", self.assets.value())
        self.settings.set("ui.first_run_done", True)
        self.accept()

    @property
    def add_demo(self) -> bool:
        return self.demo.isChecked()
