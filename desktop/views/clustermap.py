"""Cluster map: a 2-D projection of the voices' timbre embeddings coloured by cluster.

Select a voice (click a dot or pick it in the list), pin it to a cluster, or
re-cluster with a chosen number of groups. All analysis runs on worker threads.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (QComboBox, QGraphicsEllipseItem, QGraphicsScene, QGraphicsSimpleTextItem,
                               QGraphicsView, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ..adapters import ClusterInfo, ClusterPoint, cluster_infos, cluster_name, cluster_points
from .common import Latest

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
SCALE = 400.0
DOT = 12.0


def cluster_color(cluster_id: int | None) -> QColor:
    if cluster_id is None:
        return QColor("#888888")
    return QColor(PALETTE[int(cluster_id) % len(PALETTE)])


class VoiceDot(QGraphicsEllipseItem):
    def __init__(self, point: ClusterPoint, x: float, y: float) -> None:
        super().__init__(-DOT / 2, -DOT / 2, DOT, DOT)
        self.point = point
        self.setPos(x, y)
        self.setBrush(QBrush(cluster_color(point.cluster_id)))
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
        self.busy = False

        self.scene = QGraphicsScene(self)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.voice_box = QComboBox()
        self.voice_box.setMinimumContentsLength(16)
        self.target = QComboBox()
        self.pin_button = QPushButton(self.tr("Pin to cluster"))
        self.unpin_button = QPushButton(self.tr("Unpin"))
        self.rename_button = QPushButton(self.tr("Rename cluster…"))
        self.k = QSpinBox()
        self.k.setRange(1, 200)
        self.k.setValue(4)
        self.k.setPrefix(self.tr("groups: "))
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
        if not ctx.available("analysis"):
            self.info.setText(self.tr("Timbre analysis is not available in this build yet."))
            for w in (self.pin_button, self.unpin_button, self.rename_button, self.recluster_button, self.analyze_button):
                w.setEnabled(False)

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        if not self.ctx.available("analysis"):
            return

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
        points, clusters = result
        self.points, self.clusters = points, clusters
        self.scene.clear()
        self.dots = {}
        if points:
            xs = [p.x for p in points]
            ys = [p.y for p in points]
            x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
            sx = SCALE / (x1 - x0) if x1 > x0 else 1.0
            sy = SCALE / (y1 - y0) if y1 > y0 else 1.0
            for p in points:
                dot = VoiceDot(p, (p.x - x0) * sx, (y1 - p.y) * sy)
                self.scene.addItem(dot)
                self.dots[p.voice] = dot
                if len(points) <= 60:
                    label = QGraphicsSimpleTextItem(p.voice)
                    label.setPos(dot.pos() + QPointF(DOT * 0.7, -DOT * 0.7))
                    label.setBrush(QBrush(self.palette().text().color()))
                    self.scene.addItem(label)
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-30, -30, 30, 30))
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
            self.target.addItem(f"{cluster_name(c.id, c.label)} ({c.size})", c.id)
        sizes = {c.id: c.size for c in clusters}
        legend = [f'<span style="color:{cluster_color(c.id).name()}">●</span> {cluster_name(c.id, c.label)} '
                  f'({sizes.get(c.id, 0)})' for c in clusters]
        self.legend.setText("&nbsp;&nbsp; ".join(legend))
        if clusters:
            self.k.setValue(len(clusters))
        if not points:
            self.info.setText(self.tr("No voice has been analysed yet: import voices, then press “Analyze new clips”."))
        else:
            self.info.setText(self.tr("%1 voices in %2 clusters. A pinned voice (thick outline) stays in its cluster "
                                      "when you re-cluster.").replace("%1", str(len(points))).replace("%2", str(len(clusters))))
        self._highlight(self.voice_box.currentText())
        self.loaded.emit(len(points))

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
        if name in self.dots and self.voice_box.currentText() != name:
            self.voice_box.setCurrentText(name)

    def _highlight(self, name: str) -> None:
        for voice, dot in self.dots.items():
            selected = voice == name
            dot.setScale(1.6 if selected else 1.0)
            dot.setZValue(1 if selected else 0)
        point = next((p for p in self.points if p.voice == name), None)
        if point is not None and point.cluster_id is not None:
            i = self.target.findData(point.cluster_id)
            if i >= 0:
                self.target.setCurrentIndex(i)

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
        k = self.k.value()
        self._run("reclustered", lambda t: self.ctx.part("analysis").cluster(k=k), self.tr("Re-clustering"))

    def analyze(self) -> None:
        from .common import CancelFlag, progress_adapter

        self._run("analyzed",
                  lambda t: self.ctx.part("analysis").analyze(progress=progress_adapter(t), cancel=CancelFlag(t)),
                  self.tr("Analysing clips"), on_progress=self._analysis_progress)

    def _analysis_progress(self, done: int, total: int, _text: str) -> None:
        if total:
            self.info.setText(self.tr("Analysing clips: %1 of %2").replace("%1", str(done)).replace("%2", str(total)))
