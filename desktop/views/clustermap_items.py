"""What the cluster map draws: one item per voice for small libraries, one point-cloud item (level of detail,
cached as a picture between zooms) for large ones, the ring around the selected voice, and the zoomable view."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem, QGraphicsView

from ..adapters import ClusterPoint
from ..qtfix import keep_none_alive
from .clustermap_style import marker_path, style_of

keep_none_alive()   # PySide6 6.12 / Python 3.11 drops references to None in painter calls

DOT = 12.0
HIGHLIGHT = 1.6          # the selected voice's dot is drawn this much larger
LOD_POINTS = 400         # above this many voices the map draws one point-cloud item instead of one item per dot
MARKER_POINTS = 3000     # zoomed in, at most this many visible points are drawn as their cluster's marker shapes


def on_screen_size(lod: float) -> float:
    """A point's size in scene units at a zoom level: about 5 px on screen, at most a dot's size."""
    return max(2.0, min(DOT, 5.0 / max(lod, 1e-6)))


class PointCloud(QGraphicsItem):
    """Thousands of voices in one item. Zoomed out, each cluster's points are one ``drawPoints`` call (square points
    of the cluster's colour); zoomed in, visible points get their cluster's marker. The picture is cached in device
    coordinates, so repaints without a zoom change cost a copy; the selected voice's ring is its own item
    (:class:`SelectionRing`) and never invalidates that cache. Clicks pick the nearest point."""

    def __init__(self, xy: np.ndarray, ranks: list[int | None], pinned: np.ndarray) -> None:
        super().__init__()
        self.xy = xy
        self.pinned = pinned
        groups: dict[int | None, list[int]] = {}
        for i, r in enumerate(ranks):
            groups.setdefault(r, []).append(i)
        self.groups = {r: np.array(ix) for r, ix in groups.items()}
        # one polygon of points per cluster, built once: painting hands each to Qt in one call
        self.polygons = {r: QPolygonF([QPointF(float(x), float(y)) for x, y in xy[ix]]) for r, ix in self.groups.items()}
        self.styles = {r: style_of(r) for r in self.groups}
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        self._rect = QRectF(lo[0] - DOT, lo[1] - DOT, hi[0] - lo[0] + 2 * DOT, hi[1] - lo[1] + 2 * DOT)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        size = on_screen_size(lod)
        exposed = option.exposedRect
        if lod * size < 6.0 or self._visible(exposed, size).sum() > MARKER_POINTS:
            self._paint_squares(painter, size)
        else:
            self._paint_markers(painter, exposed, size)
        if self.pinned.any():
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#202020"), 0))
            for x, y in self.xy[self.pinned]:
                painter.drawEllipse(QPointF(x, y), size * 0.9, size * 0.9)

    def _visible(self, exposed: QRectF, size: float) -> np.ndarray:
        pts = self.xy
        return ((pts[:, 0] >= exposed.left() - size) & (pts[:, 0] <= exposed.right() + size)
                & (pts[:, 1] >= exposed.top() - size) & (pts[:, 1] <= exposed.bottom() + size))

    def _paint_squares(self, painter: QPainter, size: float) -> None:
        """Far out: every point a plain square, one call per cluster (fast at any number of points)."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for rank, polygon in self.polygons.items():
            pen = QPen(self.styles[rank][0], size)
            pen.setCapStyle(Qt.PenCapStyle.SquareCap)
            painter.setPen(pen)
            painter.drawPoints(polygon)
        painter.restore()

    def _paint_markers(self, painter: QPainter, exposed: QRectF, size: float) -> None:
        """Zoomed in: the visible points as their cluster's marker shapes."""
        painter.setPen(Qt.PenStyle.NoPen)
        visible = self._visible(exposed, size)
        for rank, idx in self.groups.items():
            colour, marker = self.styles[rank]
            painter.setBrush(QBrush(colour))
            shape = marker_path(marker, size)
            for x, y in self.xy[idx[visible[idx]]]:
                painter.drawPath(shape.translated(x, y))

    def nearest(self, pos: QPointF, radius: float) -> int | None:
        d = np.hypot(self.xy[:, 0] - pos.x(), self.xy[:, 1] - pos.y())
        i = int(np.argmin(d)) if len(d) else -1
        return i if i >= 0 and d[i] <= radius else None


class SelectionRing(QGraphicsItem):
    """The ring around the selected voice on a point cloud (sized like the cloud's points at the current zoom)."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(3)
        self.hide()

    def boundingRect(self) -> QRectF:  # noqa: N802
        r = 2.0 * DOT
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        size = on_screen_size(option.levelOfDetailFromTransform(painter.worldTransform()))
        painter.setPen(QPen(QColor("#000000"), 0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(0.0, 0.0), size * 1.8, size * 1.8)

    def show_at(self, xy) -> None:
        if xy is None:
            self.hide()
            return
        self.setPos(float(xy[0]), float(xy[1]))
        self.show()


class MapView(QGraphicsView):
    """The map's view: wheel zooms, a click on the point cloud picks a voice."""

    picked = Signal(int)

    def __init__(self, scene) -> None:
        super().__init__(scene)
        self.cloud: PointCloud | None = None

    def wheelEvent(self, event) -> None:  # noqa: N802
        f = 1.2 if event.angleDelta().y() > 0 else 1 / 1.2
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.scale(f, f)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self.cloud is not None and event.button() == Qt.MouseButton.LeftButton:
            radius = 8.0 / max(self.transform().m11(), 1e-6)
            i = self.cloud.nearest(self.mapToScene(event.position().toPoint()), radius)
            if i is not None:
                self.picked.emit(i)
                return
        super().mousePressEvent(event)


class VoiceDot(QGraphicsEllipseItem):
    def __init__(self, point: ClusterPoint, x: float, y: float, rank: int | None = None) -> None:
        super().__init__(-DOT / 2, -DOT / 2, DOT, DOT)
        self.point = point
        self.setPos(x, y)
        colour, marker = style_of(rank)
        self.marker = marker
        if marker != "circle":      # the ellipse stays for hit-testing; the marker shape is drawn over it
            shape = QGraphicsPathItem(marker_path(marker, DOT), self)
            shape.setBrush(QBrush(colour))
            shape.setPen(QPen(Qt.PenStyle.NoPen))
            self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setBrush(QBrush(colour))
        self.setPen(QPen(QColor("#202020"), 2.0 if point.pinned else 0.5))
        self.setFlag(QGraphicsEllipseItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setToolTip(point.voice)
        self.setData(0, point.voice)
