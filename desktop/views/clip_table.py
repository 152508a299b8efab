"""The Library tab's clip table: one row per clip of the selected voice (play, waveform, transcript, emotion label,
language, length, and the emotion emotion2vec+ hears)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QTableWidgetItem, QToolButton

from engine.api import EMOTIONS

from ..waveform import WAVEFORM_ROLE
from .emotions import emotion_label
from .library_delegates import WaveformDelegate


class ClipTable(QTableWidget):
    PLAY, WAVE, TRANSCRIPT, EMOTION, LANGUAGE, LENGTH, HEARD = range(7)

    def __init__(self, parent=None) -> None:
        super().__init__(0, 7, parent)
        self.setHorizontalHeaderLabels(
            ["", self.tr("Waveform"), self.tr("Transcript"), self.tr("Emotion"), self.tr("Language"), self.tr("Length"),
             self.tr("Heard as")])
        self.setItemDelegateForColumn(self.WAVE, WaveformDelegate(self))
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        # the transcript takes the room; the other columns are as narrow as their content allows
        header.setStretchLastSection(False)
        header.setSectionResizeMode(self.TRANSCRIPT, QHeaderView.ResizeMode.Stretch)
        cfm = self.fontMetrics()
        self._fit(self.PLAY, 36)
        self._fit(self.WAVE, 100)
        self._fit(self.EMOTION, max(cfm.horizontalAdvance(t) for t in [self.tr("(none)"), *map(emotion_label, EMOTIONS)])
                  + 40)
        self._fit(self.LANGUAGE, cfm.horizontalAdvance("yue") + 16)
        self._fit(self.LENGTH, cfm.horizontalAdvance("00.00 s") + 16)
        self._fit(self.HEARD, 64)
        self.setWordWrap(False)
        self.verticalHeader().setDefaultSectionSize(40)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)

    def _fit(self, col: int, content: int) -> None:
        label = self.horizontalHeaderItem(col).text()
        self.setColumnWidth(col, max(content, self.horizontalHeader().fontMetrics().horizontalAdvance(label) + 16))

    def show_clips(self, clips: list, paths: list[str], heard: dict, play: Callable, set_emotion: Callable) -> None:
        """One row per clip; ``play(clip, path)`` and ``set_emotion(clip id, emotion)`` answer the row's controls."""
        self.blockSignals(True)
        self.setRowCount(len(clips))
        for row, clip in enumerate(clips):
            button = QToolButton()
            button.setText("▶")
            button.setToolTip(self.tr("Play this clip"))
            button.setObjectName(f"play-{clip.id}")
            button.clicked.connect(lambda _=False, c=clip, p=paths[row]: play(c, p))
            self.setCellWidget(row, self.PLAY, button)
            wave = QTableWidgetItem()
            wave.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.setItem(row, self.WAVE, wave)
            text = QTableWidgetItem(clip.transcript)
            text.setToolTip(clip.transcript)
            text.setData(Qt.ItemDataRole.UserRole, clip.id)
            self.setItem(row, self.TRANSCRIPT, text)
            self.setCellWidget(row, self.EMOTION, self._emotion_combo(clip, set_emotion))
            for col, value in ((self.LANGUAGE, clip.language or ""), (self.LENGTH, f"{clip.duration:.2f} s")):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.setItem(row, col, item)
            self.setItem(row, self.HEARD, self._heard_item(heard.get(clip.id)))
        self.blockSignals(False)

    def _emotion_combo(self, clip, set_emotion: Callable) -> QComboBox:
        combo = QComboBox()
        combo.addItem(self.tr("(none)"), None)
        for emo in EMOTIONS:
            combo.addItem(emotion_label(emo), emo)
        combo.setCurrentIndex(max(0, combo.findData(clip.emotion)) if clip.emotion else 0)
        combo.setToolTip(self.tr("Emotion label (source: %1)").replace("%1", clip.emotion_source or "-"))
        combo.currentIndexChanged.connect(lambda _i, c=clip, w=combo: set_emotion(c.id, w.currentData()))
        return combo

    def show_peaks(self, peaks) -> None:
        self.blockSignals(True)
        for row, pk in enumerate(peaks):
            item = self.item(row, self.WAVE)
            if item is not None:
                item.setData(WAVEFORM_ROLE, pk)
        self.blockSignals(False)

    def _heard_item(self, pred) -> QTableWidgetItem:
        """The emotion emotion2vec+ hears in the clip, with its confidence (empty before analysis / without a model)."""
        item = QTableWidgetItem("" if pred is None else f"{emotion_label(pred.top)} {pred.confidence:.2f}")
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        if pred is not None:
            best = sorted(pred.probabilities.items(), key=lambda kv: -kv[1])[:3]
            item.setToolTip(self.tr("emotion2vec+ (%1): %2").replace("%1", pred.model_id)
                            .replace("%2", ", ".join(f"{emotion_label(e)} {p:.2f}" for e, p in best)))
        return item

    def emotion_combo(self, row: int) -> QComboBox:
        return self.cellWidget(row, self.EMOTION)

    def play_button(self, row: int) -> QToolButton:
        return self.cellWidget(row, self.PLAY)
