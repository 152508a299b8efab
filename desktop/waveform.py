"""Waveform thumbnails: peaks computed off the GUI thread, drawn by a small widget/delegate.

numpy is imported inside the functions that compute (on workers), keeping it out of the window's start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

if TYPE_CHECKING:
    import numpy as np

PEAK_BUCKETS = 160


def compute_peaks(samples: np.ndarray, buckets: int = PEAK_BUCKETS) -> np.ndarray:
    """(buckets, 2) array of min/max per bucket, in [-1, 1]."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if x.size == 0:
        return np.zeros((buckets, 2), dtype=np.float32)
    n = min(buckets, x.size)
    edges = np.linspace(0, x.size, n + 1).astype(int)
    out = np.zeros((n, 2), dtype=np.float32)
    for i in range(n):
        seg = x[edges[i]:max(edges[i + 1], edges[i] + 1)]
        out[i] = (seg.min(), seg.max())
    return np.clip(out, -1.0, 1.0)


def read_peaks(path: str, buckets: int = PEAK_BUCKETS) -> np.ndarray:
    from engine.api import read_audio

    samples, _ = read_audio(path)
    return compute_peaks(samples, buckets)


def paint_peaks(painter: QPainter, rect: QRectF, peaks: np.ndarray | None, color: QColor) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    mid = rect.center().y()
    painter.setPen(QPen(color.darker(140), 1))
    painter.drawLine(QPointF(rect.left(), mid), QPointF(rect.right(), mid))
    if peaks is not None and len(peaks):
        painter.setPen(QPen(color, 1))
        half = rect.height() / 2 - 1
        step = rect.width() / len(peaks)
        for i, (lo, hi) in enumerate(peaks):
            x = rect.left() + (i + 0.5) * step
            painter.drawLine(QPointF(x, mid - hi * half), QPointF(x, mid - lo * half))
    painter.restore()


WAVEFORM_ROLE = Qt.ItemDataRole.UserRole + 10
