"""How many bases? For every number of clusters: the expected fit (how close voices are to their base's timbre),
bases needed, storage and VRAM, with the number recommended for the VRAM limit; applying one re-clusters
(cluster ids stay stable where groups overlap). Uses ``engine.analysis.planner``."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout)


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f}"


class PlannerDialog(QDialog):
    planned = Signal(object)     # BasePlan
    applied = Signal(int)        # k

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.plan = None
        self.setWindowTitle(self.tr("How many bases?"))
        self.resize(760, 560)
        self.vram = QSpinBox()
        self.vram.setRange(256, 1_000_000)
        self.vram.setSuffix(self.tr(" MB"))
        self.vram.setValue(int(ctx.engine.vram_limit_mb))
        self.recompute = QPushButton(self.tr("Recompute"))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("VRAM limit:")))
        top.addWidget(self.vram)
        top.addWidget(self.recompute)
        top.addStretch(1)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([self.tr("Bases"), self.tr("Fit (mean)"), self.tr("Fit (worst voice)"),
                                              self.tr("Storage (MB)"), self.tr("VRAM, all resident (MB)"), self.tr("Note")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.explain = QLabel(self.tr("Fit: each voice's similarity (cosine) to the timbre centre of the other voices "
                                      "in its group; 1 means a voice alone in its group. More bases fit better but "
                                      "take more storage and VRAM."))
        self.explain.setWordWrap(True)
        self.apply_button = QPushButton(self.tr("Re-cluster into the selected number"))
        self.apply_button.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.summary)
        lay.addWidget(self.explain)
        row = QHBoxLayout()
        row.addWidget(self.apply_button)
        row.addStretch(1)
        row.addWidget(buttons)
        lay.addLayout(row)
        self.recompute.clicked.connect(self.compute)
        self.apply_button.clicked.connect(self.apply_selected)
        self.table.itemSelectionChanged.connect(lambda: self.apply_button.setEnabled(self.selected_k() is not None))
        self.compute()

    def compute(self) -> None:
        limit = self.vram.value()
        self.summary.setText(self.tr("Computing…"))

        def work(task):
            return self.ctx.engine.planner.plan(limit)

        self.ctx.run(work, label=self.tr("Planning bases"), on_done=self._show,
                     on_error=lambda exc: self._failed(exc))

    def _failed(self, exc) -> None:
        from desktop.tasks import describe_error

        self.summary.setText(describe_error(exc))

    def _show(self, plan) -> None:
        self.plan = plan
        self.table.setRowCount(len(plan.rows))
        for i, r in enumerate(plan.rows):
            notes = []
            if r.k == plan.recommended_k:
                notes.append(self.tr("recommended"))
            if plan.current_k == r.k:
                notes.append(self.tr("now"))
            if not r.fits_vram:
                notes.append(self.tr("over the VRAM limit: bases swap"))
            cells = [str(r.k), f"{r.fit_mean:.3f}", f"{r.fit_min:.3f}", _mib(r.storage_bytes), _mib(r.vram_bytes),
                     ", ".join(notes)]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j < 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if j == 0:
                    item.setData(Qt.ItemDataRole.UserRole, r.k)
                    item.setToolTip("\n".join(", ".join(g) for g in r.groups))
                self.table.setItem(i, j, item)
            if r.k == plan.recommended_k:
                self.table.selectRow(i)
        source = self.tr("stored bases") if plan.base_bytes_source == "stored bases" else self.tr("a typical GPT-SoVITS v2 pair")
        self.summary.setText(self.tr("%1 voices. One base ≈ %2 MB (%3); the shared models take %4 MB once. Recommended: %5 "
                                "bases.").replace("%1", str(plan.voices)).replace("%2", _mib(plan.base_bytes))
                             .replace("%3", source).replace("%4", _mib(plan.shared_bytes))
                             .replace("%5", str(plan.recommended_k)))
        self.planned.emit(plan)

    def selected_k(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return int(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole))

    def apply_selected(self) -> None:
        k = self.selected_k()
        if k is not None:
            self.apply_k(k)

    def apply_k(self, k: int) -> None:
        self.apply_button.setEnabled(False)

        def work(task):
            return self.ctx.engine.planner.apply(k)

        def done(res) -> None:
            self.summary.setText(self.tr("Re-clustered into %1 groups; %2 clusters kept their ids.")
                                 .replace("%1", str(len(res.clusters))).replace("%2", str(len(res.kept_ids))))
            self.applied.emit(k)
            self.compute()

        self.ctx.run(work, label=self.tr("Re-clustering"), on_done=done,
                     on_error=self.ctx.report(self.tr("Could not re-cluster")))
