"""Bases tab: the stored bases, which base serves each cluster (the one rule, ``SpeechService.resolve_base``),
importing a GPT-SoVITS pair (drag the .ckpt and .pth in), assigning a base to a cluster, base versions with
rollback, fine-tuning a cluster's base (progress, cancel), the consolidation wizard and the "how many bases?" planner.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton, QScrollArea, QSpinBox, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from .bases_data import cluster_title, serving_bases, size_text
from .bases_import import PairImportBox
from .common import Latest, progress_adapter


class BasesView(QWidget):
    loaded = Signal(object)          # the data shown (tests wait on it)
    baseImported = Signal(object)    # BaseRecord
    assigned = Signal(int, object)   # cluster id, base name (None: unassigned)
    rolledBack = Signal(object)      # BaseVersion
    fineTuned = Signal(object)       # BaseRecord, or None when cancelled

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._latest = Latest()
        self.data: dict | None = None
        self.finetune_task = None

        # -- stored bases
        self.bases_table = QTableWidget(0, 4)
        self.bases_table.setHorizontalHeaderLabels([self.tr("Base"), self.tr("Kind"), self.tr("Size"), self.tr("Serves")])
        self._table_defaults(self.bases_table)
        self.pair_box = PairImportBox(ctx)
        box = self.pair_box           # its parts under the names callers use
        self.drop, self.gpt_label, self.sovits_label = box.drop, box.gpt_label, box.sovits_label
        self.base_name, self.choose_button, self.import_button = box.base_name, box.choose_button, box.import_button
        self.plan_button = QPushButton(self.tr("How many bases?…"))
        self.consolidate_button = QPushButton(self.tr("Consolidate…"))
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self._caption(self.tr("Stored bases")))
        ll.addWidget(self.bases_table, 1)
        ll.addWidget(self.pair_box)
        tools = QHBoxLayout()
        tools.addWidget(self.plan_button)
        tools.addWidget(self.consolidate_button)
        tools.addStretch(1)
        ll.addLayout(tools)

        # -- clusters and who serves them
        self.clusters_table = QTableWidget(0, 4)
        self.clusters_table.setHorizontalHeaderLabels(
            [self.tr("Cluster"), self.tr("Voices"), self.tr("Served by"), self.tr("Base version")])
        self._table_defaults(self.clusters_table)
        self.assign_combo = QComboBox()
        self.assign_combo.setMinimumContentsLength(16)
        self.assign_button = QPushButton(self.tr("Assign to cluster"))
        assign_row = QHBoxLayout()
        assign_row.addWidget(QLabel(self.tr("Base:")))
        assign_row.addWidget(self.assign_combo, 1)
        assign_row.addWidget(self.assign_button)
        self.versions_table = QTableWidget(0, 4)
        self.versions_table.setHorizontalHeaderLabels([self.tr("Version"), self.tr("Base"), self.tr("How"), self.tr("When")])
        self._table_defaults(self.versions_table)
        self.rollback_button = QPushButton(self.tr("Roll back to this version"))
        self.rollback_button.setEnabled(False)
        # fine-tune
        self.ft_steps = QSpinBox()
        self.ft_steps.setRange(1, 100_000)
        self.ft_steps.setValue(200)
        self.ft_name = QLineEdit()
        self.ft_name.setPlaceholderText(self.tr("name of the fine-tuned base"))
        self.ft_button = QPushButton(self.tr("Fine-tune this cluster's base"))
        self.ft_cancel = QPushButton(self.tr("Cancel"))
        self.ft_cancel.setEnabled(False)
        self.ft_progress = QProgressBar()
        self.ft_progress.setVisible(False)
        self.ft_state = QLabel()
        self.ft_state.setWordWrap(True)
        ft_box = QGroupBox(self.tr("Fine-tune"))
        ff = QFormLayout(ft_box)
        ff.addRow(self.tr("Steps (GPT and SoVITS):"), self.ft_steps)
        ff.addRow(self.tr("New base:"), self.ft_name)
        ftr = QHBoxLayout()
        ftr.addWidget(self.ft_button)
        ftr.addWidget(self.ft_cancel)
        ff.addRow(ftr)
        ff.addRow(self.ft_progress)
        ff.addRow(self.ft_state)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self._caption(self.tr("Clusters and the base that serves each (the Speak tab and evaluation use the same)")))
        rl.addWidget(self.clusters_table, 2)
        rl.addLayout(assign_row)
        rl.addWidget(self._caption(self.tr("Base versions of the selected cluster")))
        rl.addWidget(self.versions_table, 1)
        rl.addWidget(self.rollback_button)
        rl.addWidget(ft_box)

        self.state = QLabel()
        self.state.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._scrolling(left))
        split.addWidget(self._scrolling(right))
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([480, 720])
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.state)

        self.pair_box.imported.connect(self._pair_imported)
        self.pair_box.message.connect(self.state.setText)
        self.clusters_table.itemSelectionChanged.connect(self._cluster_selected)
        self.versions_table.itemSelectionChanged.connect(
            lambda: self.rollback_button.setEnabled(bool(self.versions_table.selectedItems())))
        self.assign_button.clicked.connect(self.assign_selected)
        self.rollback_button.clicked.connect(self.rollback_selected)
        self.ft_button.clicked.connect(self.finetune_selected)
        self.ft_cancel.clicked.connect(self.cancel_finetune)
        self.consolidate_button.clicked.connect(self.open_consolidation)
        self.plan_button.clicked.connect(self.open_planner)
        ctx.bridge.event.connect(self._on_event)

    @staticmethod
    def _caption(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        return label

    @staticmethod
    def _scrolling(widget: QWidget) -> QScrollArea:
        """A pane that scrolls instead of making the window's minimum size larger."""
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(widget)
        return area

    @staticmethod
    def _table_defaults(table: QTableWidget) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.setWordWrap(False)

    def _on_event(self, topic: str, data: dict) -> None:
        if topic in ("bases.changed", "cluster.changed"):
            self.refresh()

    # -- loading ----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.ctx.run(lambda t: serving_bases(self.ctx.engine), label=self.tr("Loading bases"), pool="io",
                     on_done=self._latest.wrap(self._show), on_error=self.ctx.report(self.tr("Could not load the bases")))

    def _show(self, data: dict) -> None:
        self.data = data
        selected = self.selected_cluster()
        self._show_bases(data)
        self.assign_combo.clear()
        self.assign_combo.addItem(self.tr("(no base)"), None)
        for b in data["bases"]:
            self.assign_combo.addItem(b.name, b.name)
        self._show_clusters(data)
        if not data["clusters"]:
            self.state.setText(self.tr("No clusters yet: analyse and cluster the voices on the Cluster map first."))
        elif not data["bases"]:
            self.state.setText(self.tr("No bases yet: import a GPT-SoVITS pair, or give clusters preview voices."))
        else:
            self.state.setText(self.tr("%1 bases, %2 clusters.").replace("%1", str(len(data["bases"])))
                               .replace("%2", str(len(data["clusters"]))))
        if selected is not None:
            self.select_cluster(selected)
        else:
            self._cluster_selected()
        self.loaded.emit(data)

    def _base_kind(self, b) -> str:
        if b.backend == "preview":
            return self.tr("preview voice (not a clone)")
        if b.backend == "gptsovits":      # the product's own name, as its users write it
            return f"GPT-SoVITS {b.variant}".strip()
        return f"{b.backend} {b.variant}"

    def _show_bases(self, data: dict) -> None:
        """One row per stored base: name, kind, size, and the clusters it serves (assigned, or as the fallback)."""
        fallback: dict[str, int] = {}
        for c in data["clusters"]:
            if c["assigned"] is None and c["serving"]:
                fallback[c["serving"]] = fallback.get(c["serving"], 0) + 1
        shown = {c["id"]: cluster_title(c["id"], c["label"]) for c in data["clusters"]}
        self.bases_table.setRowCount(len(data["bases"]))
        for i, b in enumerate(data["bases"]):
            served = data["served"].get(b.name) or []
            parts = [", ".join(shown.get(c, str(c)) for c in served)] if served else []
            if fallback.get(b.name):
                parts.append(self.tr("fallback for %1 clusters").replace("%1", str(fallback[b.name])))
            cells = [b.name, self._base_kind(b), size_text(b.size_bytes), "; ".join(parts) or self.tr("no cluster")]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.bases_table.setItem(i, j, item)

    def _serving_text(self, c: dict) -> str:
        if c["serving"] is None:
            return self.tr("nothing: these voices cannot speak")
        if c["assigned"] is None:
            return self.tr("%1 (preview fallback; no base assigned)").replace("%1", c["serving"])
        if c["preview"]:
            return self.tr("%1 (preview voice, not a clone)").replace("%1", c["serving"])
        return c["serving"]

    def _show_clusters(self, data: dict) -> None:
        """One row per cluster: its name, its voices, the base serving it and its current base version."""
        self.clusters_table.setRowCount(len(data["clusters"]))
        for i, c in enumerate(data["clusters"]):
            cur = data["current"].get(c["id"])
            version = self.tr("v%1").replace("%1", str(cur.version)) if cur is not None else "-"
            names = ", ".join(c["voices"])
            cells = [cluster_title(c["id"], c["label"]), f"{len(c['voices'])}: {names}", self._serving_text(c), version]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(names if j == 1 else text)
                if j == 0:
                    item.setData(Qt.ItemDataRole.UserRole, c["id"])
                self.clusters_table.setItem(i, j, item)

    def _pair_imported(self, rec) -> None:
        self.baseImported.emit(rec)
        self.refresh()

    # -- selection ----------------------------------------------------------------------------------------
    def selected_cluster(self) -> int | None:
        rows = self.clusters_table.selectionModel().selectedRows() if self.clusters_table.selectionModel() else []
        if not rows:
            return None
        item = self.clusters_table.item(rows[0].row(), 0)
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def select_cluster(self, cluster_id: int) -> bool:
        for i in range(self.clusters_table.rowCount()):
            item = self.clusters_table.item(i, 0)
            if item is not None and int(item.data(Qt.ItemDataRole.UserRole)) == int(cluster_id):
                self.clusters_table.selectRow(i)
                self._cluster_selected()
                return True
        return False

    def _cluster_selected(self) -> None:
        cid = self.selected_cluster()
        hist = (self.data or {}).get("versions", {}).get(cid, []) if cid is not None else []
        self.versions_table.setRowCount(len(hist))
        how = {"adopted": self.tr("adopted from a voice's model"), "pretrained": self.tr("pretrained, zero-shot"),
               "trained": self.tr("fine-tuned"), "assigned": self.tr("assigned"), "rollback": self.tr("rollback")}
        for i, v in enumerate(reversed(hist)):
            cells = [f"v{v.version}", v.base_name, how.get(v.kind, v.kind), v.created_at.replace("T", " ")[:19]]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 0:
                    item.setData(Qt.ItemDataRole.UserRole, v.version)
                self.versions_table.setItem(i, j, item)
        self.rollback_button.setEnabled(False)
        for w in (self.assign_button, self.ft_button):
            w.setEnabled(cid is not None)
        if cid is not None and self.data:
            c = next((c for c in self.data["clusters"] if c["id"] == cid), None)
            if c is not None:
                self.assign_combo.setCurrentIndex(max(0, self.assign_combo.findData(c["assigned"])))

    # -- assign / rollback ----------------------------------------------------------------------------------
    def assign_selected(self) -> None:
        cid = self.selected_cluster()
        if cid is None:
            return
        self.assign(cid, self.assign_combo.currentData())

    def assign(self, cluster_id: int, base: str | None) -> None:
        def work(task):
            eng = self.ctx.engine
            rec = eng.bases.assign(cluster_id, base, note="assigned in the app")
            if rec is not None:
                eng.consolidation.record_version(cluster_id, rec.name, "assigned", {"by": "timbrel app"})
            return rec

        def done(rec) -> None:
            self.assigned.emit(cluster_id, rec.name if rec else None)
            self.refresh()

        self.ctx.run(work, label=self.tr("Assigning a base"), pool="io", on_done=done,
                     on_error=self.ctx.report(self.tr("Could not assign the base")))

    def rollback_selected(self) -> None:
        cid = self.selected_cluster()
        rows = self.versions_table.selectionModel().selectedRows()
        if cid is None or not rows:
            return
        version = int(self.versions_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole))
        self.rollback(cid, version)

    def rollback(self, cluster_id: int, version: int | None) -> None:
        def work(task):
            return self.ctx.engine.consolidation.rollback(cluster_id, version)

        def done(v) -> None:
            self.ctx.status.emit(self.tr("%1 is served by %2 again (version %3).")
                                 .replace("%1", self.tr("Cluster %1").replace("%1", str(v.cluster_id)))
                                 .replace("%2", v.base_name).replace("%3", str(v.version)))
            self.rolledBack.emit(v)
            self.refresh()

        self.ctx.run(work, label=self.tr("Rolling back"), pool="io", on_done=done,
                     on_error=self.ctx.report(self.tr("Could not roll back")))

    # -- fine-tune ------------------------------------------------------------------------------------------
    def finetune_selected(self) -> None:
        cid = self.selected_cluster()
        base = self.assign_combo.currentData()
        if cid is None:
            return
        if not base:
            self.ft_state.setText(self.tr("Choose the base to start from in the Base list above."))
            return
        name = self.ft_name.text().strip() or f"{base}-c{cid}-ft"
        self.finetune(cid, base, name, self.ft_steps.value())

    def finetune(self, cluster_id: int, base: str, name: str, steps: int) -> None:
        if self.finetune_task is not None:
            return
        self.ft_button.setEnabled(False)
        self.ft_cancel.setEnabled(True)
        self.ft_progress.setVisible(True)
        self.ft_progress.setRange(0, 0)
        stage_text = {"prepare": self.tr("Preparing the cluster's clips"), "gpt": self.tr("Training GPT"),
                      "sovits": self.tr("Training SoVITS")}
        self.ft_state.setText(self.tr("Starting…"))

        def work(task):
            from .common import CancelFlag

            report = progress_adapter(task)
            consolidation = self.ctx.engine.consolidation
            settings = consolidation.finetune_settings(gpt_steps=steps, sovits_steps=steps)
            return consolidation.finetune(cluster_id, base, name, settings=settings,
                                    progress=lambda stage, done, total: report(done, total, stage),
                                    cancel=CancelFlag(task))

        def progressed(done: int, total: int, stage: str) -> None:
            if total:
                self.ft_progress.setRange(0, total)
                self.ft_progress.setValue(done)
            self.ft_state.setText(f"{stage_text.get(stage, stage)}: {done}/{total}")

        def finished(rec) -> None:
            self._ft_end()
            self.ft_state.setText(self.tr("Stored %1 as a new base version of the cluster.").replace("%1", rec.name))
            self.fineTuned.emit(rec)
            self.refresh()

        def failed(exc) -> None:
            from engine.api import Cancelled

            self._ft_end()
            if isinstance(exc, Cancelled):
                self.ft_state.setText(self.tr("Fine-tuning was cancelled; its checkpoints are kept for a later resume."))
                self.fineTuned.emit(None)
                return
            self.ft_state.setText(self.tr("Fine-tuning failed."))
            self.ctx.report(self.tr("Could not fine-tune"))(exc)
            self.fineTuned.emit(None)

        self.finetune_task = self.ctx.run(work, label=self.tr("Fine-tuning"), on_done=finished, on_error=failed,
                                          on_progress=progressed)

    def _ft_end(self) -> None:
        self.finetune_task = None
        self.ft_button.setEnabled(self.selected_cluster() is not None)
        self.ft_cancel.setEnabled(False)
        self.ft_progress.setVisible(False)

    def cancel_finetune(self) -> None:
        if self.finetune_task is not None:
            self.finetune_task.cancel()
            self.ft_state.setText(self.tr("Cancelling…"))

    # -- wizards --------------------------------------------------------------------------------------------
    def open_consolidation(self):
        from .consolidation_wizard import ConsolidationWizard

        wiz = ConsolidationWizard(self.ctx, self)
        wiz.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wiz.finished.connect(lambda _r: self.refresh())
        wiz.open()
        return wiz

    def open_planner(self):
        from .planner import PlannerDialog

        dlg = PlannerDialog(self.ctx, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.applied.connect(lambda _k: self.refresh())
        dlg.open()
        return dlg
