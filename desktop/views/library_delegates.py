"""How two Library columns are painted: a voice's emotion coverage as dots, a clip's waveform."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QStyledItemDelegate

from ..qtfix import keep_none_alive
from ..waveform import WAVEFORM_ROLE, paint_peaks
from .emotions import COVERAGE_EMOTIONS, EMOTION_COLORS
from .voice_table import COVERAGE_ROLE

keep_none_alive()   # PySide6 6.12 / Python 3.11 drops references to None in painter calls


class CoverageDelegate(QStyledItemDelegate):
    """Emotion coverage as one dot per emotion: filled when the voice has a clip with it, hollow when not."""

    def paint(self, painter, option, index) -> None:
        from PySide6.QtGui import QBrush, QColor, QPen
        from PySide6.QtWidgets import QStyle

        have = index.data(COVERAGE_ROLE)
        if have is None:
            super().paint(painter, option, index)
            return
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        painter.save()
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        d = min(10.0, option.rect.height() - 8.0)
        y = option.rect.center().y() - d / 2
        x = option.rect.left() + 6.0
        for emo in COVERAGE_EMOTIONS:
            color = QColor(EMOTION_COLORS[emo])
            painter.setPen(QPen(color, 1.5))
            painter.setBrush(QBrush(color) if emo in have else QBrush())
            painter.drawEllipse(QRectF(x, y, d, d))
            x += d + 4.0
        painter.restore()


class WaveformDelegate(QStyledItemDelegate):
    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)
        paint_peaks(painter, QRectF(option.rect).adjusted(2, 3, -2, -3), index.data(WAVEFORM_ROLE),
                    option.palette.highlight().color())
