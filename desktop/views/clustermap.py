"""Cluster map: a 2-D projection of the voices' timbre embeddings coloured by cluster.

Select a voice (click a dot or pick it in the list), pin it to a cluster, or
re-cluster with a chosen number of groups. All analysis runs on worker threads.
The styles and names live in ``clustermap_style``, the drawn items in ``clustermap_items``, the label placement in
``clustermap_labels``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGraphicsScene, QGraphicsView, QHBoxLayout, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from ..adapters import ClusterInfo, ClusterPoint, cluster_infos, cluster_name, cluster_points
from .clustermap_items import HIGHLIGHT, LOD_POINTS, PointCloud, MapView, SelectionRing, VoiceDot
from .clustermap_labels import place_labels
from .clustermap_style import MARKER_SYMBOLS, PALETTE, display_names, html_escape, style_of  # noqa: F401 (re-exported)
from .common import Latest

SCALE = 400.0
LEGEND_ITEMS = 40         # clusters listed in the legend (the rest are counted)


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
        self._ranks: dict[int, int] = {}
        self.ring: SelectionRing | None = None
        self._wanted: str | None = None     # the voice to select once the map is loaded
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
            return cluster_points(analysis.projection_2d(), raw), cluster_infos(raw)

        self.ctx.run(load, label=self.tr("Loading the cluster map"), on_done=self._latest.wrap(self._show),
                     on_error=self.ctx.report(self.tr("Could not load the cluster map")))

    def _show(self, result) -> None:
        points, clusters = result
        self.points, self.clusters = points, clusters
        self.scene.clear()
        self.dots = {}
        self.cloud = None
        self.view.cloud = None
        self.ring = SelectionRing()
        self.scene.addItem(self.ring)
        self._ranks = {c.id: i for i, c in enumerate(sorted(clusters, key=lambda c: c.id))}
        self.names = display_names(clusters)
        self._index = {p.voice: i for i, p in enumerate(points)}
        if points:
            self.xy = self._scene_positions(points)
            self._draw_points(points, self.xy)
            place_labels(self.scene, points, self.xy, self.names, self.palette().text().color())
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-30, -30, 30, 30))
        self.view.resetTransform()
        self.view.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        keep = self.voice_box.currentText() or self._wanted
        self.voice_box.blockSignals(True)
        self.voice_box.clear()
        self.voice_box.addItems(sorted(p.voice for p in points))
        if keep:
            self.voice_box.setCurrentText(keep)
        self.voice_box.blockSignals(False)
        self.target.clear()
        for c in clusters:
            self.target.addItem(f"{self.names.get(c.id, cluster_name(c.id, c.label))} ({c.size})", c.id)
        self.legend.setText(self._legend_html(clusters))
        if clusters:
            self.k.setValue(min(self.k.maximum(), len(clusters)))
        if not points:
            self.info.setText(self.tr("No voice has been analysed yet: import voices, then press “Analyze new clips”."))
        else:
            self.info.setText(self.tr("%1 voices in %2 clusters. A pinned voice (thick outline) stays in its cluster "
                                      "when you re-cluster.").replace("%1", str(len(points))).replace("%2", str(len(clusters))))
        self._highlight(self.voice_box.currentText())
        self.loaded.emit(len(points))

    @staticmethod
    def _scene_positions(points: list[ClusterPoint]) -> np.ndarray:
        """The projection scaled into a SCALE × SCALE square (y up)."""
        raw = np.array([(p.x, p.y) for p in points], dtype=np.float64)
        lo, hi = raw.min(axis=0), raw.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        xy = np.empty_like(raw)
        xy[:, 0] = (raw[:, 0] - lo[0]) * SCALE / span[0]
        xy[:, 1] = (hi[1] - raw[:, 1]) * SCALE / span[1]
        return xy

    def _draw_points(self, points: list[ClusterPoint], xy: np.ndarray) -> None:
        """One item per voice for small maps; one point cloud (level of detail) above ``LOD_POINTS`` voices."""
        ranks = [self._ranks.get(p.cluster_id) if p.cluster_id is not None else None for p in points]
        if len(points) <= LOD_POINTS:
            for p, (x, y), rank in zip(points, xy, ranks):
                dot = VoiceDot(p, float(x), float(y), rank)
                self.scene.addItem(dot)
                self.dots[p.voice] = dot
            return
        self.cloud = PointCloud(xy, ranks, np.array([p.pinned for p in points], dtype=bool))
        self.scene.addItem(self.cloud)
        self.view.cloud = self.cloud

    def _legend_html(self, clusters: list[ClusterInfo]) -> str:
        legend = []
        for c in clusters[:LEGEND_ITEMS]:
            colour, marker = style_of(self._ranks.get(c.id))
            legend.append(f'<span style="color:{colour.name()}">{MARKER_SYMBOLS[marker]}</span>&nbsp;'
                          f'{html_escape(self.names.get(c.id, "")).replace(" ", "&nbsp;")}&nbsp;({c.size})')  # wraps between entries only
        if len(clusters) > LEGEND_ITEMS:
            legend.append(self.tr("… and %1 more clusters").replace("%1", str(len(clusters) - LEGEND_ITEMS)))
        return "&nbsp;&nbsp; ".join(legend)

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

    def follow_voice(self, name: str | None) -> None:
        """Select ``name`` (the voice another tab selected), now or once the map has loaded."""
        self._wanted = name
        if name:
            self._follow_voice(name)

    def _follow_voice(self, name: str) -> None:
        if name in self._index and self.voice_box.currentText() != name:
            self.voice_box.setCurrentText(name)

    def _highlight(self, name: str) -> None:
        for voice, dot in self.dots.items():
            selected = voice == name
            dot.setScale(HIGHLIGHT if selected else 1.0)
            dot.setZValue(1 if selected else 0)
        if self.cloud is not None:
            i = self._index.get(name)
            self.ring.show_at(None if i is None else self.xy[i])
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
