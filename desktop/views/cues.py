"""Soundboard: cues (saved requests) as buttons, each with an in-app shortcut and a global hotkey."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QHBoxLayout,
                               QKeySequenceEdit, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton,
                               QScrollArea, QVBoxLayout, QWidget)

from engine.api import EMOTIONS, TimbrelError

from ..hotkeys import GlobalHotkeys
from .common import Latest
from .emotions import emotion_label

COLUMNS = 4

log = logging.getLogger(__name__)


class CueEditor(QDialog):
    """Add or edit a cue. ``values()`` gives the fields for ``engine.cues.add/update``."""

    def __init__(self, voices: list[str], cue=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit cue") if cue else self.tr("New cue"))
        self.name = QLineEdit(cue.name if cue else "")
        self.voice = QComboBox()
        self.voice.addItems(voices)
        if cue:
            self.voice.setCurrentText(cue.voice)
        self.emotion = QComboBox()
        self.emotion.addItem(self.tr("(voice default)"), None)
        for emo in EMOTIONS:
            if emo not in ("other", "unknown"):
                self.emotion.addItem(emotion_label(emo), emo)
        if cue and cue.emotion:
            self.emotion.setCurrentIndex(max(0, self.emotion.findData(cue.emotion)))
        self.text = QPlainTextEdit(cue.text if cue else "")
        self.shortcut = QKeySequenceEdit(QKeySequence(cue.shortcut or "") if cue else QKeySequence())
        self.hotkey = QKeySequenceEdit(QKeySequence(cue.hotkey or "") if cue else QKeySequence())
        for edit in (self.shortcut, self.hotkey):
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
        self.mode = QComboBox()
        self.mode.addItem(self.tr("Overlap (mix with what is playing)"), "overlap")
        self.mode.addItem(self.tr("Interrupt (stop what is playing)"), "interrupt")
        if cue:
            self.mode.setCurrentIndex(max(0, self.mode.findData(getattr(cue, "mode", "overlap"))))
        form = QFormLayout(self)
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Voice:"), self.voice)
        form.addRow(self.tr("Emotion:"), self.emotion)
        form.addRow(self.tr("Text:"), self.text)
        form.addRow(self.tr("In-app shortcut:"), self.shortcut)
        form.addRow(self.tr("Global hotkey:"), self.hotkey)
        form.addRow(self.tr("When it plays:"), self.mode)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        return {
            "name": self.name.text().strip(), "voice": self.voice.currentText(), "text": self.text.toPlainText().strip(),
            "emotion": self.emotion.currentData(),
            "shortcut": self.shortcut.keySequence().toString(QKeySequence.SequenceFormat.PortableText) or None,
            "hotkey": self.hotkey.keySequence().toString(QKeySequence.SequenceFormat.PortableText) or None,
            "mode": self.mode.currentData(),
        }


class CueButton(QPushButton):
    hovered = Signal(str)

    def __init__(self, cue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cue = cue
        keys = " · ".join(k for k in (cue.shortcut, cue.hotkey) if k)
        emo = f" ({emotion_label(cue.emotion)})" if cue.emotion else ""
        self.setText(f"{cue.name}\n{cue.voice}{emo}" + (f"\n{keys}" if keys else ""))
        self.setToolTip(cue.text)
        self.setMinimumSize(150, 72)
        self.setObjectName(f"cue-{cue.name}")

    def enterEvent(self, event) -> None:  # noqa: N802
        self.hovered.emit(self.cue.name)
        super().enterEvent(event)


class CuesView(QWidget):
    """The soundboard. Cue names come from the catalog; playing runs on the speech worker."""

    played = Signal(str, object)       # cue name, dict(state, frames, started_frame, mode) or the error
    _cue_ended = Signal(str, object)   # from the playback thread
    cuesLoaded = Signal(int)

    def __init__(self, ctx, shortcut_parent: QWidget | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._latest = Latest()
        self.cues: dict[str, object] = {}
        self.voices: list[str] = []
        self.shortcuts: list[QShortcut] = []
        self.shortcut_parent = shortcut_parent or self
        self.hotkeys = GlobalHotkeys(self)
        self.hotkeys.activated.connect(self.play)
        self._cue_ended.connect(self._ended, Qt.ConnectionType.QueuedConnection)
        self.global_enabled = bool(ctx.engine.settings.get("ui.global_hotkeys", True))
        self.selected: str | None = None

        self.add_button = QPushButton(self.tr("New cue…"))
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the sound and drop the queued cues"))
        self.skip_button = QPushButton(self.tr("Skip"))
        self.skip_button.setToolTip(self.tr("End the sound playing now; queued cues go on"))
        top = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.remove_button):
            top.addWidget(b)
        top.addStretch(1)
        top.addWidget(self.skip_button)
        top.addWidget(self.stop_button)
        self.board = QWidget()
        self.grid = QGridLayout(self.board)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.board)
        self.hotkey_state = QLabel()
        self.hotkey_state.setWordWrap(True)
        self.empty = QLabel(self.tr("No cues yet. A cue is a saved line (voice, emotion, text) you can play with one "
                                    "click, a shortcut, a global hotkey, or 'timbrel trigger NAME'."))
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.hotkey_state)

        self.add_button.clicked.connect(self.add_cue)
        self.edit_button.clicked.connect(self.edit_cue)
        self.remove_button.clicked.connect(self.remove_cue)
        self.stop_button.clicked.connect(self.stop)
        self.skip_button.clicked.connect(self.skip)
        ctx.bridge.event.connect(self._on_event)
        ctx.voicesChanged.connect(self.refresh)

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        def load(task):
            return self.ctx.part("cues").list(), self.ctx.part("library").voice_names()

        self.ctx.run(load, label=self.tr("Loading cues"), pool="io", on_done=self._latest.wrap(self._show),
                     on_error=self.ctx.report(self.tr("Could not load the cues")))

    def _on_event(self, topic: str, data: dict) -> None:
        if topic == "cues.changed":
            self.refresh()

    def _show(self, result) -> None:
        cues, self.voices = result
        self.cues = {c.name: c for c in cues}
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for i, cue in enumerate(cues):
            button = CueButton(cue)
            button.clicked.connect(lambda _=False, n=cue.name: self._clicked(n))
            button.hovered.connect(self.prefetch)
            self.grid.addWidget(button, i // COLUMNS, i % COLUMNS)
        self.empty.setVisible(not cues)
        self._bind_hotkeys(cues)
        self._bind_shortcuts(cues)
        self.cuesLoaded.emit(len(cues))

    def button(self, name: str) -> CueButton | None:
        return self.board.findChild(CueButton, f"cue-{name}")

    def _bind_shortcuts(self, cues) -> None:
        for sc in self.shortcuts:
            sc.setEnabled(False)
            sc.deleteLater()
        self.shortcuts = []
        # a key that is also an active global hotkey would play twice while Timbrel has the focus
        global_keys = {k.lower() for k in self.hotkeys.bindings} if self.hotkeys.active else set()
        for cue in cues:
            if cue.shortcut and cue.shortcut.lower() not in global_keys:
                sc = QShortcut(QKeySequence(cue.shortcut), self.shortcut_parent)
                sc.setContext(Qt.ShortcutContext.ApplicationShortcut)
                sc.activated.connect(lambda n=cue.name: self.play(n))
                self.shortcuts.append(sc)

    def _bind_hotkeys(self, cues) -> None:
        bindings = {c.hotkey: c.name for c in cues if c.hotkey} if self.global_enabled else {}
        if not bindings:
            self.hotkeys.set_bindings({})
            self.hotkey_state.setText(self.tr("Global hotkeys are off.") if not self.global_enabled else "")
            return
        if self.hotkeys.bindings == bindings and self.hotkeys.active:
            return
        ok = self.hotkeys.set_bindings(bindings)
        if ok and self.hotkeys.active:
            text = self.tr("%n global hotkey(s) active.", "", len(self.hotkeys.bindings))
        else:
            text = self.tr("Global hotkeys are unavailable here: %1").replace("%1", self.hotkeys.reason)
        if self.hotkeys.rejected:
            text += " " + self.tr("Not usable: %1").replace("%1", ", ".join(self.hotkeys.rejected))
        self.hotkey_state.setText(text + " " + self.tr("Any desktop can bind 'timbrel trigger NAME' to a key."))

    def set_global_hotkeys(self, enabled: bool) -> None:
        self.global_enabled = enabled
        self._bind_hotkeys(list(self.cues.values()))

    # -- playing -----------------------------------------------------------------------------------
    def _clicked(self, name: str) -> None:
        self.selected = name
        self.play(name)

    def has_cue(self, name: str) -> bool:
        return any(n.lower() == name.strip().lower() for n in self.cues)

    def prefetch(self, name: str) -> None:
        def hint(task):
            try:
                return self.ctx.part("cues").hint_prefetch(name)
            except TimbrelError as exc:   # a hint is best effort: no cluster or base yet is fine
                log.info("no prefetch for cue %r: %s", name, exc)
                return None

        self.ctx.run(hint, label=self.tr("Prefetching"), pool="io")

    def play(self, name: str) -> None:
        """Play a cue in its mode (overlap / interrupt) through the engine's speak path: a worker submits and
        returns at once; ``played`` is emitted when its audio ended."""
        self.ctx.status.emit(self.tr("Playing cue “%1”").replace("%1", name))

        def work(task):
            cues = self.ctx.part("cues")
            handle, job = cues.play(name, playback=self.ctx.part("playback"),
                                    on_end=lambda job: self._cue_ended.emit(name, job))
            return job

        self.ctx.run(work, label=self.tr("Playing a cue"), pool="speech",
                     on_error=lambda e: (self.ctx.report(self.tr("Could not play the cue"))(e), self.played.emit(name, e)))

    def _ended(self, name: str, job) -> None:
        if job.error is not None:
            self.ctx.report(self.tr("Could not play the cue"))(job.error)
            self.played.emit(name, job.error)
            return
        self.played.emit(name, {"state": job.state, "frames": job.frames, "started_frame": job.started_frame,
                                "mode": job.mode})

    def stop(self) -> None:
        playback = self.ctx.engine.__dict__.get("playback")   # only flags are set: safe on the GUI thread
        if playback is not None:
            playback.stop()

    def skip(self) -> None:
        playback = self.ctx.engine.__dict__.get("playback")
        if playback is not None:
            playback.skip()

    # -- editing -----------------------------------------------------------------------------------
    def add_cue(self) -> None:
        if not self.voices:
            QMessageBox.information(self, self.tr("New cue"), self.tr("Import a voice first."))
            return
        dialog = CueEditor(self.voices, None, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.save_cue(None, dialog.values())

    def edit_cue(self) -> None:
        cue = self.cues.get(self.selected or "")
        if cue is None:
            self.ctx.status.emit(self.tr("Click a cue first."))
            return
        dialog = CueEditor(self.voices, cue, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.save_cue(cue.name, dialog.values())

    def save_cue(self, old_name: str | None, values: dict) -> None:
        def work(task):
            cues = self.ctx.part("cues")
            if old_name is None:
                return cues.add(values["name"], values["voice"], values["text"], emotion=values["emotion"],
                                shortcut=values["shortcut"], hotkey=values["hotkey"], mode=values.get("mode"))
            return cues.update(old_name, **values)

        self.ctx.run(work, label=self.tr("Saving the cue"), on_error=self.ctx.report(self.tr("Could not save the cue")))

    def remove_cue(self) -> None:
        name = self.selected
        if not name:
            self.ctx.status.emit(self.tr("Click a cue first."))
            return
        self.selected = None
        self.ctx.run(lambda t: self.ctx.part("cues").remove(name), label=self.tr("Removing the cue"),
                     on_error=self.ctx.report(self.tr("Could not remove the cue")))

    def shutdown(self) -> None:
        self.hotkeys.stop()
