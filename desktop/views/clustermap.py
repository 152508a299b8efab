"""Cluster map: a 2-D projection of the voices' timbre embeddings coloured by cluster.

Select a voice (click a dot or pick it in the list), pin it to a cluster, or
re-cluster with a chosen number of groups. All analysis runs on worker threads.
"""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem,
                               QGraphicsScene, QGraphicsSimpleTextItem, QGraphicsView, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ..adapters import ClusterInfo, ClusterPoint, cluster_infos, cluster_name, cluster_points
from .common import Latest
from ..qtfix import keep_none_alive

keep_none_alive()   # PySide6 6.12 / Python 3.11 drops references to None in painter calls

# 18 colours that read as different colours to the eye, not only as different hex values (Sasha Trubetskoy's
# "20 simple, distinct colours" without grey, which means "no cluster" here, and beige, invisible on white).
# Past 18 clusters the marker shape changes too (see _style).
PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#ffe119",
           "#469990", "#9a6324", "#800000", "#808000", "#000075", "#fabed4", "#dcbeff", "#aaffc3", "#ffd8b1"]
SCALE = 400.0
DOT = 12.0
HIGHLIGHT = 1.6          # the selected voice's dot is drawn this much larger
LEGEND_ITEMS = 40         # clusters listed in the legend (the rest are counted)
CLUSTER_LABELS = 60       # cluster names are written on the map up to this many clusters
LOD_POINTS = 400          # above this many voices the map draws one point-cloud item instead of one item per dot
NAME_LABELS = 60          # voice names are written next to the dots up to this many voices
MARKERS = ("circle", "square", "triangle", "diamond")
_DEFAULT_LABEL = re.compile(r"^cluster \d+$")


def style_of(rank: int | None) -> tuple[QColor, str]:
    """Colour and marker of the cluster at ``rank`` (its position among the current clusters). The first 18
    are the fixed palette's distinct colours; beyond, further hues (golden-ratio steps) and, every 18, the
    next marker shape, so no two current clusters are drawn alike whatever their number."""
    if rank is None:
        return QColor("#888888"), "circle"
    marker = MARKERS[(rank // len(PALETTE)) % len(MARKERS)]
    if rank < len(PALETTE):
        return QColor(PALETTE[rank]), marker
    hue = (rank * 0.618033988749895) % 1.0
    sat = 0.55 + 0.35 * ((rank // 7) % 2)
    val = 0.80 - 0.18 * ((rank // 11) % 2)
    return QColor.fromHsvF(hue, sat, val), marker


_ranks: dict[int, int] = {}


def cluster_color(cluster_id: int | None) -> QColor:
    """The colour of a cluster on the current map (grey: no cluster)."""
    if cluster_id is None:
        return QColor("#888888")
    return style_of(_ranks.get(int(cluster_id), int(cluster_id)))[0]


def display_names(clusters) -> dict[int, str]:
    """What the map, the legend and the library call each cluster: the user's label, else "Group A", "Group B"...
    in the order of the clusters (never the raw "cluster 4" of a re-clustering)."""
    from PySide6.QtCore import QCoreApplication

    out = {}
    for rank, c in enumerate(sorted(clusters, key=lambda c: c.id)):
        label = (c.label or "").strip()
        if label and not _DEFAULT_LABEL.match(label):
            out[c.id] = label
        else:
            out[c.id] = QCoreApplication.translate("ClusterMap", "Group %1").replace("%1", group_letter(rank))
    return out


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def group_letter(rank: int) -> str:
    """A, B, ... Z, AA, AB, ..."""
    s = ""
    rank += 1
    while rank:
        rank, r = divmod(rank - 1, 26)
        s = chr(65 + r) + s
    return s


def marker_path(marker: str, size: float) -> QPainterPath:
    path = QPainterPath()
    h = size / 2
    if marker == "square":
        path.addRect(QRectF(-h * 0.9, -h * 0.9, size * 0.9, size * 0.9))
    elif marker == "triangle":
        path.moveTo(0, -h)
        path.lineTo(h, h * 0.8)
        path.lineTo(-h, h * 0.8)
        path.closeSubpath()
    elif marker == "diamond":
        path.moveTo(0, -h)
        path.lineTo(h, 0)
        path.lineTo(0, h)
        path.lineTo(-h, 0)
        path.closeSubpath()
    else:
        path.addEllipse(QRectF(-h, -h, size, size))
    return path


class PointCloud(QGraphicsItem):
    """Thousands of voices in one item: points batched by style and drawn as small squares when zoomed out
    (level of detail), as their cluster's markers when zoomed in; clicks pick the nearest point."""

    def __init__(self, xy: np.ndarray, ranks: list[int | None], pinned: np.ndarray) -> None:
        super().__init__()
        self.xy = xy
        self.pinned = pinned
        self.groups: dict[int | None, np.ndarray] = {}
        for i, r in enumerate(ranks):
            self.groups.setdefault(r, []).append(i)
        self.groups = {r: np.array(ix) for r, ix in self.groups.items()}
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        self._rect = QRectF(lo[0] - DOT, lo[1] - DOT, hi[0] - lo[0] + 2 * DOT, hi[1] - lo[1] + 2 * DOT)
        self.highlight: int | None = None

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        size = max(2.0, min(DOT, 5.0 / max(lod, 1e-6)))        # about 5 px on screen, at most a dot's size
        painter.setPen(Qt.PenStyle.NoPen)
        exposed = option.exposedRect
        for rank, idx in self.groups.items():
            colour, marker = style_of(rank)
            painter.setBrush(QBrush(colour))
            pts = self.xy[idx]
            inside = ((pts[:, 0] >= exposed.left() - size) & (pts[:, 0] <= exposed.right() + size)
                      & (pts[:, 1] >= exposed.top() - size) & (pts[:, 1] <= exposed.bottom() + size))
            pts = pts[inside]
            if lod * size < 6.0 or len(pts) > 3000:        # far out: plain squares (fast)
                h = size / 2
                painter.drawRects([QRectF(x - h, y - h, size, size) for x, y in pts])
            else:
                shape = marker_path(marker, size)
                for x, y in pts:
                    painter.drawPath(shape.translated(x, y))
        if self.pinned.any():
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#202020"), 0))
            for x, y in self.xy[self.pinned]:
                painter.drawEllipse(QPointF(x, y), size * 0.9, size * 0.9)
        if self.highlight is not None:
            x, y = self.xy[self.highlight]
            painter.setPen(QPen(QColor("#000000"), 0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(x, y), size * 1.8, size * 1.8)

    def nearest(self, pos: QPointF, radius: float) -> int | None:
        d = np.hypot(self.xy[:, 0] - pos.x(), self.xy[:, 1] - pos.y())
        i = int(np.argmin(d)) if len(d) else -1
        return i if i >= 0 and d[i] <= radius else None


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


class ClusterMapView(QWidget):
    loaded = Signal(int)            # number of points drawn
    changed = Signal(str)           # "pinned" | "unpinned" | "reclustered" | "analyzed"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._latest = Latest()
        self.points: list[ClusterPoint] = []
        self.clusters: list[ClusterInfo] = []
        self.dots: dict[str, VoiceDot] = {}
        self.cloud: PointCloud | None = None
        self.names: dict[int, str] = {}
        self._index: dict[str, int] = {}
        self.busy = False

        self.scene = QGraphicsScene(self)
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.view = MapView(self.scene)
        self.view.picked.connect(self._on_picked)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.voice_box = QComboBox()
        self.voice_box.setMinimumContentsLength(16)
        self.target = QComboBox()
        self.pin_button = QPushButton(self.tr("Pin to cluster"))
        self.unpin_button = QPushButton(self.tr("Unpin"))
        self.rename_button = QPushButton(self.tr("Rename cluster…"))
        self.k = QSpinBox()
        self.k.setRange(1, 100000)
        self.k.setValue(4)
        self.k.setPrefix(self.tr("groups: "))
        self.auto_k = QCheckBox(self.tr("Automatic"))
        self.auto_k.setToolTip(self.tr("Let the analysis choose the number of groups (the cut whose clips are "
                                       "best separated)"))
        self.auto_k.toggled.connect(lambda on: self.k.setEnabled(not on))
        self.recluster_button = QPushButton(self.tr("Re-cluster"))
        self.analyze_button = QPushButton(self.tr("Analyze new clips"))
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        row1 = QHBoxLayout()
        row1.addWidget(QLabel(self.tr("Voice:")))
        row1.addWidget(self.voice_box)
        row1.addWidget(QLabel(self.tr("→")))
        row1.addWidget(self.target)
        row1.addWidget(self.pin_button)
        row1.addWidget(self.unpin_button)
        row1.addWidget(self.rename_button)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        row2.addWidget(self.analyze_button)
        row2.addWidget(self.auto_k)
        row2.addWidget(self.k)
        row2.addWidget(self.recluster_button)
        row2.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row2)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.legend)
        layout.addLayout(row1)
        layout.addWidget(self.info)

        self.scene.selectionChanged.connect(self._on_scene_selection)
        self.voice_box.currentTextChanged.connect(self._highlight)
        self.pin_button.clicked.connect(self.pin_selected)
        self.unpin_button.clicked.connect(self.unpin_selected)
        self.rename_button.clicked.connect(self.ask_cluster_label)
        self.recluster_button.clicked.connect(self.recluster)
        self.analyze_button.clicked.connect(self.analyze)
        ctx.voiceSelected.connect(self._follow_voice)

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:

        def load(task):
            analysis = self.ctx.part("analysis")
            raw = list(analysis.clusters())
            clusters = cluster_infos(raw)
            points = cluster_points(analysis.projection_2d())
            where = {}
            for c in raw:   # projection gives positions; clusters give membership and pins
                for name in getattr(c, "voices", ()) or ():
                    where[name] = (c.id, name in (getattr(c, "pinned", ()) or ()))
            for p in points:
                if p.cluster_id is None and p.voice in where:
                    p.cluster_id, p.pinned = where[p.voice]
            return points, clusters

        self.ctx.run(load, label=self.tr("Loading the cluster map"), on_done=self._latest.wrap(self._show),
                     on_error=self.ctx.report(self.tr("Could not load the cluster map")))

    def _show(self, result) -> None:
        global _ranks
        points, clusters = result
        self.points, self.clusters = points, clusters
        self.scene.clear()
        self.dots = {}
        self.cloud = None
        self.view.cloud = None
        _ranks = {c.id: i for i, c in enumerate(sorted(clusters, key=lambda c: c.id))}
        self.names = display_names(clusters)
        self._index = {p.voice: i for i, p in enumerate(points)}
        if points:
            raw = np.array([(p.x, p.y) for p in points], dtype=np.float64)
            lo, hi = raw.min(axis=0), raw.max(axis=0)
            span = np.where(hi > lo, hi - lo, 1.0)
            xy = np.empty_like(raw)
            xy[:, 0] = (raw[:, 0] - lo[0]) * SCALE / span[0]
            xy[:, 1] = (hi[1] - raw[:, 1]) * SCALE / span[1]
            self.xy = xy
            ranks = [_ranks.get(p.cluster_id) if p.cluster_id is not None else None for p in points]
            if len(points) <= LOD_POINTS:
                for p, (x, y), rank in zip(points, xy, ranks):
                    dot = VoiceDot(p, float(x), float(y), rank)
                    self.scene.addItem(dot)
                    self.dots[p.voice] = dot
            else:
                self.cloud = PointCloud(xy, ranks, np.array([p.pinned for p in points], dtype=bool))
                self.scene.addItem(self.cloud)
                self.view.cloud = self.cloud
            self._place_labels(points, xy)
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-30, -30, 30, 30))
        self.view.resetTransform()
        self.view.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        keep = self.voice_box.currentText()
        self.voice_box.blockSignals(True)
        self.voice_box.clear()
        self.voice_box.addItems(sorted(p.voice for p in points))
        if keep:
            self.voice_box.setCurrentText(keep)
        self.voice_box.blockSignals(False)
        self.target.clear()
        for c in clusters:
            self.target.addItem(f"{self.names.get(c.id, cluster_name(c.id, c.label))} ({c.size})", c.id)
        sizes = {c.id: c.size for c in clusters}
        shapes = {"circle": "●", "square": "■", "triangle": "▲", "diamond": "◆"}
        legend = []
        for c in clusters[:LEGEND_ITEMS]:
            colour, marker = style_of(_ranks.get(c.id))
            legend.append(f'<span style="color:{colour.name()}">{shapes[marker]}</span>&nbsp;'
                          f'{html_escape(self.names.get(c.id, "")).replace(" ", "&nbsp;")}&nbsp;({sizes.get(c.id, 0)})')  # wraps between entries only
        if len(clusters) > LEGEND_ITEMS:
            legend.append(self.tr("… and %1 more clusters").replace("%1", str(len(clusters) - LEGEND_ITEMS)))
        self.legend.setText("&nbsp;&nbsp; ".join(legend))
        if clusters:
            self.k.setValue(min(self.k.maximum(), len(clusters)))
        if not points:
            self.info.setText(self.tr("No voice has been analysed yet: import voices, then press “Analyze new clips”."))
        else:
            self.info.setText(self.tr("%1 voices in %2 clusters. A pinned voice (thick outline) stays in its cluster "
                                      "when you re-cluster.").replace("%1", str(len(points))).replace("%2", str(len(clusters))))
        self._highlight(self.voice_box.currentText())
        self.loaded.emit(len(points))

    def _place_labels(self, points, xy: np.ndarray) -> None:
        """Cluster names near their centres (bold, placed first), then voice names beside their dots when there are
        few voices. Each label tries candidate positions around its anchor and takes the first that covers no other
        label and (when voice names are drawn) no dot; with no free position it is left out (the dot's tooltip and the
        legend still name it). Large libraries (level-of-detail cloud) skip the dot test: there every spot is a dot."""
        taken: list[QRectF] = []
        text_brush = QBrush(self.palette().text().color())
        avoid_dots = len(points) <= NAME_LABELS
        r = DOT * HIGHLIGHT / 2 + 1.0           # a dot's half-size when highlighted, with its outline
        px, py = (xy[:, 0], xy[:, 1]) if avoid_dots and len(xy) else (np.empty(0), np.empty(0))
        margin = 1.5

        def covers_dot(rect: QRectF) -> bool:
            if not len(px):
                return False
            return bool(np.any((px + r > rect.left()) & (px - r < rect.right())
                               & (py + r > rect.top()) & (py - r < rect.bottom())))

        def candidates(x: float, y: float, w: float, h: float):
            g = r + 0.5
            for k in (1.0, 2.2):                    # next to the anchor first, then a little further out
                d = g * k
                yield x + d, y - h / 2              # right
                yield x - d - w, y - h / 2          # left
                yield x + d * 0.5, y - d - h        # above right
                yield x - d * 0.5 - w, y - d - h    # above left
                yield x - w / 2, y - d - h          # above
                yield x + d * 0.5, y + d            # below right
                yield x - d * 0.5 - w, y + d        # below left
                yield x - w / 2, y + d              # below

        def place(text: str, x: float, y: float, bold: bool) -> bool:
            item = QGraphicsSimpleTextItem(text)
            if bold:
                f = QFont(item.font())
                f.setBold(True)
                item.setFont(f)
            item.setBrush(text_brush)
            br = item.boundingRect()
            for ox, oy in candidates(x, y, br.width(), br.height()):
                rect = QRectF(ox, oy, br.width(), br.height())
                padded = rect.adjusted(-margin, -margin, margin, margin)
                if covers_dot(rect) or any(padded.intersects(t) for t in taken):
                    continue
                taken.append(rect)
                item.setPos(rect.topLeft())
                item.setZValue(2 if bold else 1)
                self.scene.addItem(item)
                return True
            return False

        members: dict[int, list[int]] = {}
        for i, p in enumerate(points):
            if p.cluster_id is not None:
                members.setdefault(p.cluster_id, []).append(i)
        if len(members) <= CLUSTER_LABELS:
            for cid, ix in sorted(members.items(), key=lambda kv: -len(kv[1])):
                cx, cy = xy[ix].mean(axis=0)
                place(self.names.get(cid, ""), float(cx), float(cy), True)
        if len(points) <= NAME_LABELS:
            for p, (x, y) in zip(points, xy):
                place(p.voice, float(x), float(y), False)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self.scene.sceneRect().isEmpty():
            self.view.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    # -- selection ---------------------------------------------------------------------------------
    def _on_scene_selection(self) -> None:
        items = [i for i in self.scene.selectedItems() if isinstance(i, VoiceDot)]
        if len(items) == 1:
            name = items[0].point.voice
            self.voice_box.setCurrentText(name)
            self.ctx.voiceSelected.emit(name)

    def _follow_voice(self, name: str) -> None:
        if name in self._index and self.voice_box.currentText() != name:
            self.voice_box.setCurrentText(name)

    def _highlight(self, name: str) -> None:
        for voice, dot in self.dots.items():
            selected = voice == name
            dot.setScale(HIGHLIGHT if selected else 1.0)
            dot.setZValue(1 if selected else 0)
        if self.cloud is not None:
            self.cloud.highlight = self._index.get(name)
            self.cloud.update()
        i = self._index.get(name)
        point = self.points[i] if i is not None and i < len(self.points) else None
        if point is not None and point.cluster_id is not None:
            j = self.target.findData(point.cluster_id)
            if j >= 0:
                self.target.setCurrentIndex(j)

    def _on_picked(self, i: int) -> None:
        if 0 <= i < len(self.points):
            name = self.points[i].voice
            self.voice_box.setCurrentText(name)
            self.ctx.voiceSelected.emit(name)

    # -- actions -----------------------------------------------------------------------------------
    def _run(self, what: str, fn, label: str, on_progress=None) -> None:
        if self.busy:
            return
        self.busy = True
        self.recluster_button.setEnabled(False)

        def done(_result) -> None:
            self.busy = False
            self.recluster_button.setEnabled(True)
            self.changed.emit(what)
            self.ctx.voicesChanged.emit()
            self.refresh()

        def failed(exc) -> None:
            self.busy = False
            self.recluster_button.setEnabled(True)
            self.ctx.report(label)(exc)

        self.ctx.run(fn, label=label, on_done=done, on_error=failed, on_progress=on_progress)

    def pin_selected(self) -> None:
        voice, cluster_id = self.voice_box.currentText(), self.target.currentData()
        if not voice or cluster_id is None:
            return
        self._run("pinned", lambda t: self.ctx.part("analysis").pin(voice, cluster_id), self.tr("Pinning the voice"))

    def unpin_selected(self) -> None:
        voice = self.voice_box.currentText()
        if voice:
            self._run("unpinned", lambda t: self.ctx.part("analysis").unpin(voice), self.tr("Unpinning the voice"))

    def ask_cluster_label(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        cluster_id = self.target.currentData()
        if cluster_id is None:
            return
        current = next((c.label for c in self.clusters if c.id == cluster_id), "")
        label, ok = QInputDialog.getText(self, self.tr("Rename cluster"), self.tr("Name for cluster #%1:")
                                         .replace("%1", str(cluster_id)), text=current)
        if ok:
            self.label_cluster(cluster_id, label)

    def label_cluster(self, cluster_id: int, label: str) -> None:
        self._run("labelled", lambda t: self.ctx.part("analysis").label_cluster(cluster_id, label),
                  self.tr("Renaming the cluster"))

    def recluster(self) -> None:
        k = None if self.auto_k.isChecked() else self.k.value()
        self._run("reclustered", lambda t: self.ctx.part("analysis").cluster(k=k), self.tr("Re-clustering"))

    def analyze(self) -> None:
        from .common import CancelFlag, progress_adapter

        self._run("analyzed",
                  lambda t: self.ctx.part("analysis").analyze(progress=progress_adapter(t), cancel=CancelFlag(t),
                                                              emotion_progress=progress_adapter(t)),
                  self.tr("Analysing clips"), on_progress=self._analysis_progress)

    def _analysis_progress(self, done: int, total: int, _text: str) -> None:
        import time

        if not total:
            return
        now = time.monotonic()
        if done == 0 or getattr(self, "_progress_start", None) is None:
            self._progress_start = (now, done)
        t0, d0 = self._progress_start
        rate = (done - d0) / (now - t0) if now > t0 and done > d0 else 0.0
        text = self.tr("Analysing clips: %1 of %2").replace("%1", str(done)).replace("%2", str(total))
        if rate > 0:
            left = (total - done) / rate
            text += " — " + self.tr("%1 clips/s, about %2 left").replace("%1", f"{rate:.1f}").replace(
                "%2", format_duration(left))
        self.info.setText(text)
        if done >= total:
            self._progress_start = None


def format_duration(seconds: float) -> str:
    from PySide6.QtCore import QCoreApplication

    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return QCoreApplication.translate("ClusterMap", "%1 s").replace("%1", str(seconds))
    if seconds < 3600:
        return QCoreApplication.translate("ClusterMap", "%1 min %2 s").replace("%1", str(seconds // 60)).replace(
            "%2", str(seconds % 60))
    return QCoreApplication.translate("ClusterMap", "%1 h %2 min").replace("%1", str(seconds // 3600)).replace(
        "%2", str(seconds % 3600 // 60))
