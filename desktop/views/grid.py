"""The emotion × timbre grid: clips per (cluster, emotion), with the gaps highlighted."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget, QHBoxLayout

from engine.api import EMOTIONS

from ..adapters import GridData, cluster_name, grid_data
from .common import Latest
from .emotions import emotion_label

GAP = QColor("#f4c7c3")
HEARD = QColor("#fbe9b7")     # a gap that emotion2vec+ can fill from unlabelled clips
SHOWN_EMOTIONS = [e for e in EMOTIONS if e not in ("other", "unknown")]


class GridView(QWidget):
    loaded = Signal(int)    # number of gaps

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._latest = Latest()
        self.data: GridData | None = None
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.refresh_button.clicked.connect(self.refresh)

    def refresh(self) -> None:
        def load(task):
            from ..adapters import shown_cluster_names

            analysis = self.ctx.part("analysis")
            data = grid_data(analysis.grid(), SHOWN_EMOTIONS)
            names = shown_cluster_names(analysis)          # the cluster map's names ("Group A"...)
            data.rows = [(cid, names.get(cid, label) if cid is not None else label) for cid, label in data.rows]
            return data

        self.ctx.run(load, label=self.tr("Loading the grid"), on_done=self._latest.wrap(self._show),
                     on_error=self.ctx.report(self.tr("Could not load the emotion grid")))

    def _show(self, data: GridData) -> None:
        self.data = data
        emotions = [e for e in data.emotions if e not in ("other", "unknown")] or SHOWN_EMOTIONS
        self.table.clear()
        self.table.setRowCount(len(data.rows))
        heard = bool(data.tops)
        self.table.setColumnCount(len(emotions) + (1 if heard else 0))
        self.table.setHorizontalHeaderLabels([emotion_label(e) for e in emotions]
                                             + ([self.tr("Heard most (emotion2vec+)")] if heard else []))
        self.table.setVerticalHeaderLabels(
            [cluster_name(cid, label) if cid is not None else self.tr("unclustered") for cid, label in data.rows])
        gaps = 0
        for r, (cid, _label) in enumerate(data.rows):
            for c, emo in enumerate(emotions):
                n = data.count(cid, emo)
                k = data.predicted_count(cid, emo)
                item = QTableWidgetItem((str(n) if n else "—") + (f" +{k}?" if k else ""))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if n == 0:
                    gaps += 1
                    item.setBackground(QBrush(HEARD if k else GAP))
                    item.setToolTip(self.tr("No %1 clip in this cluster: import or label one.").replace("%1", emotion_label(emo)))
                lacking = data.missing.get((cid, emo), [])
                if lacking and n:
                    item.setToolTip(self.tr("Without a %1 clip: %2").replace("%1", emotion_label(emo))
                                    .replace("%2", ", ".join(lacking)))
                if k:
                    item.setToolTip(item.toolTip() + "\n" + self.tr(
                        "emotion2vec+ hears %1 in unlabelled clips of: %2; 'timbrel emotions suggest --apply' labels them.")
                        .replace("%1", emotion_label(emo)).replace("%2", ", ".join(data.predicted[(cid, emo)])))
                item.setData(Qt.ItemDataRole.UserRole, n)
                self.table.setItem(r, c, item)
            if heard:
                top = data.top_emotion(cid)
                cell = QTableWidgetItem("" if top is None else f"{emotion_label(top[0])} {top[1]:.2f}")
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                cell.setToolTip("\n".join(f"{v}: {emotion_label(e)} {p:.2f}" for v, e, p in data.tops.get(cid, [])))
                self.table.setItem(r, len(emotions), cell)
        if data.rows:
            self.summary.setText(self.tr("%1 clusters × %2 emotions, %3 gaps (red).")
                                 .replace("%1", str(len(data.rows))).replace("%2", str(len(emotions))).replace("%3", str(gaps)))
        else:
            self.summary.setText(self.tr("No clusters yet: analyse and cluster the library first (Cluster map)."))
        self.loaded.emit(gaps)
