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
    """Emotion coverage as one dot per emotion: filled when the voice has a clip with it, hollow when not. Each
    (coverage, height) is drawn once into a pixmap and then copied, so painting thousands of rows while scrolling
    or searching costs one copy per row."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._pixmaps: dict[tuple, object] = {}

    def paint(self, painter, option, index) -> None:
        from PySide6.QtWidgets import QStyle

        have = index.data(COVERAGE_ROLE)
        if have is None:
            super().paint(painter, option, index)
            return
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        d = min(10.0, option.rect.height() - 8.0)
        pixmap = self._dots(frozenset(have), d, painter.device().devicePixelRatioF())
        painter.drawPixmap(int(option.rect.left() + 6), int(round(option.rect.center().y() - d / 2 - 1)), pixmap)

    def _dots(self, have: frozenset, d: float, ratio: float):
        key = (have, d, ratio)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = self._pixmaps[key] = draw_coverage(have, d, ratio)
        return pixmap


def draw_coverage(have: frozenset, d: float, ratio: float = 1.0):
    """The coverage dots on a transparent pixmap (``d``: a dot's diameter; ``ratio``: the screen's pixel ratio)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap

    step = d + 4.0
    width, height = step * len(COVERAGE_EMOTIONS), d + 2.0
    pixmap = QPixmap(max(1, int(width * ratio + 0.5)), max(1, int(height * ratio + 0.5)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    x = 1.0
    for emo in COVERAGE_EMOTIONS:
        color = QColor(EMOTION_COLORS[emo])
        p.setPen(QPen(color, 1.5))
        p.setBrush(QBrush(color) if emo in have else QBrush())
        p.drawEllipse(QRectF(x, 1.0, d, d))
        x += step
    p.end()
    return pixmap


class WaveformDelegate(QStyledItemDelegate):
    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)
        paint_peaks(painter, QRectF(option.rect).adjusted(2, 3, -2, -3), index.data(WAVEFORM_ROLE),
                    option.palette.highlight().color())
