"""Bases tab: the stored bases, which base serves each cluster (the one rule, ``SpeechService.resolve_base``),
importing a GPT-SoVITS pair (drag the .ckpt and .pth in), assigning a base to a cluster, base versions with
rollback, fine-tuning a cluster's base (progress, cancel), the consolidation wizard and the "how many bases?" planner.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QFormLayout, QFrame, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton, QScrollArea, QSpinBox, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from .common import Latest, progress_adapter


def cluster_title(cluster_id: int, label: str | None) -> str:
    """A cluster's name for people: its own label, or "Cluster N" (translated) when it has only the default one."""
    from desktop.adapters import cluster_name

    return cluster_name(cluster_id, label or f"cluster {cluster_id}")


def size_text(n: int) -> str:
    from PySide6.QtCore import QCoreApplication

    if n < 100_000:
        return QCoreApplication.translate("Bases", "%1 kB").replace("%1", f"{n / 1e3:,.1f}")
    return QCoreApplication.translate("Bases", "%1 MB").replace("%1", f"{n / 1e6:,.1f}")


def serving_bases(engine) -> dict:
    """What the Bases tab shows (worker thread): bases, clusters with the base serving each (by the one rule),
    the base versions per cluster."""
    from engine.api import TimbrelError

    bases = engine.bases.list()
    served: dict[str, list[int]] = {}
    for b in bases:
        served[b.name] = engine.bases.clusters_of(b)
    clusters = []
    speech = engine.speech
    from desktop.adapters import shown_cluster_names

    names = shown_cluster_names(engine.analysis)          # the cluster map's names ("Group A"...)
    for info in engine.analysis.clusters():
        assigned = engine.bases.base_for_cluster(info.id)
        serving, preview = None, False
        if info.voices:
            try:
                rec = speech.resolve_base(engine.library.voice(info.voices[0]))
                serving = rec.name
                preview = rec.backend in ("preview", "tone")
            except TimbrelError:
                serving = None
        clusters.append({"id": info.id, "label": names.get(info.id, info.label), "voices": list(info.voices),
                         "assigned": assigned.name if assigned else None, "serving": serving, "preview": preview})
    hist = {}
    for v in engine.consolidation.versions():
        hist.setdefault(v.cluster_id, []).append(v)
    current = {c["id"]: engine.consolidation.current_version(c["id"]) for c in clusters}
    return {"bases": bases, "served": served, "clusters": clusters, "versions": hist, "current": current}


class DropZone(QFrame):
    """Accepts a GPT-SoVITS pair dragged in (a .ckpt and a .pth); click to choose the files."""

    filesDropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(54)
        self.label = QLabel(self.tr("Drop a GPT-SoVITS pair here (GPT .ckpt + SoVITS .pth)"))
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.filesDropped.emit(files)
            event.acceptProposedAction()


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
        self.gpt_path: str | None = None
        self.sovits_path: str | None = None
        self.finetune_task = None

        # -- stored bases
        self.bases_table = QTableWidget(0, 4)
        self.bases_table.setHorizontalHeaderLabels([self.tr("Base"), self.tr("Kind"), self.tr("Size"), self.tr("Serves")])
        self._table_defaults(self.bases_table)
        self.drop = DropZone()
        self.gpt_label = QLabel()
        self.sovits_label = QLabel()
        self.base_name = QLineEdit()
        self.base_name.setPlaceholderText(self.tr("name for the new base"))
        self.choose_button = QPushButton(self.tr("Choose files…"))
        self.import_button = QPushButton(self.tr("Import pair"))
        self.import_button.setEnabled(False)
        pair = QFormLayout()
        pair.addRow(self.tr("GPT:"), self.gpt_label)
        pair.addRow(self.tr("SoVITS:"), self.sovits_label)
        pair.addRow(self.tr("Name:"), self.base_name)
        row = QHBoxLayout()
        row.addWidget(self.choose_button)
        row.addStretch(1)
        row.addWidget(self.import_button)
        import_box = QGroupBox(self.tr("Import a GPT-SoVITS base"))
        ib = QVBoxLayout(import_box)
        ib.addWidget(self.drop)
        ib.addLayout(pair)
        ib.addLayout(row)
        self.plan_button = QPushButton(self.tr("How many bases?…"))
        self.consolidate_button = QPushButton(self.tr("Consolidate…"))
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self._caption(self.tr("Stored bases")))
        ll.addWidget(self.bases_table, 1)
        ll.addWidget(import_box)
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

        self.drop.filesDropped.connect(self.set_pair_files)
        self.choose_button.clicked.connect(self.choose_pair)
        self.import_button.clicked.connect(self.import_pair)
        self.base_name.textChanged.connect(self._update_import_button)
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
        self.bases_table.setRowCount(len(data["bases"]))
        fallback: dict[str, int] = {}
        for c in data["clusters"]:
            if c["assigned"] is None and c["serving"]:
                fallback[c["serving"]] = fallback.get(c["serving"], 0) + 1
        for i, b in enumerate(data["bases"]):
            if b.backend == "preview":
                kind = self.tr("preview voice (not a clone)")
            elif b.backend == "gptsovits":      # the product's own name, as its users write it
                kind = f"GPT-SoVITS {b.variant}".strip()
            else:
                kind = f"{b.backend} {b.variant}"
            served = data["served"].get(b.name) or []
            shown = {c["id"]: cluster_title(c["id"], c["label"]) for c in data["clusters"]}
            parts = [", ".join(shown.get(c, str(c)) for c in served)] if served else []
            if fallback.get(b.name):
                parts.append(self.tr("fallback for %1 clusters").replace("%1", str(fallback[b.name])))
            cells = [b.name, kind, size_text(b.size_bytes), "; ".join(parts) or self.tr("no cluster")]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.bases_table.setItem(i, j, item)
        self.assign_combo.clear()
        self.assign_combo.addItem(self.tr("(no base)"), None)
        for b in data["bases"]:
            self.assign_combo.addItem(b.name, b.name)
        self.clusters_table.setRowCount(len(data["clusters"]))
        for i, c in enumerate(data["clusters"]):
            if c["serving"] is None:
                serving = self.tr("nothing: these voices cannot speak")
            elif c["assigned"] is None:
                serving = self.tr("%1 (preview fallback; no base assigned)").replace("%1", c["serving"])
            elif c["preview"]:
                serving = self.tr("%1 (preview voice, not a clone)").replace("%1", c["serving"])
            else:
                serving = c["serving"]
            cur = data["current"].get(c["id"])
            version = self.tr("v%1").replace("%1", str(cur.version)) if cur is not None else "-"
            names = ", ".join(c["voices"])
            cells = [cluster_title(c["id"], c["label"]), f"{len(c['voices'])}: {names}", serving, version]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(names if j == 1 else text)
                if j == 0:
                    item.setData(Qt.ItemDataRole.UserRole, c["id"])
                self.clusters_table.setItem(i, j, item)
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

    # -- import a pair --------------------------------------------------------------------------------------
    def choose_pair(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Choose the GPT .ckpt and the SoVITS .pth"), "",
                                                self.tr("GPT-SoVITS weights (*.ckpt *.pth)"))
        if files:
            self.set_pair_files(files)

    def set_pair_files(self, files: list[str]) -> None:
        for f in files:
            suffix = Path(f).suffix.lower()
            if suffix == ".ckpt":
                self.gpt_path = f
            elif suffix == ".pth":
                self.sovits_path = f
            else:
                self.state.setText(self.tr("%1 is not a GPT-SoVITS weights file (.ckpt or .pth).").replace("%1", Path(f).name))
        self.gpt_label.setText(Path(self.gpt_path).name if self.gpt_path else self.tr("(drop or choose the .ckpt)"))
        self.sovits_label.setText(Path(self.sovits_path).name if self.sovits_path else self.tr("(drop or choose the .pth)"))
        if not self.base_name.text().strip() and self.sovits_path:
            self.base_name.setText(Path(self.sovits_path).stem.split("_e")[0])
        self._update_import_button()

    def _update_import_button(self) -> None:
        self.import_button.setEnabled(bool(self.gpt_path and self.sovits_path and self.base_name.text().strip()))

    def import_pair(self) -> None:
        gpt, sovits, name = self.gpt_path, self.sovits_path, self.base_name.text().strip()
        if not (gpt and sovits and name):
            return
        self.import_button.setEnabled(False)

        def work(task):
            return self.ctx.engine.bases.import_gptsovits_pair(name, gpt, sovits, provenance={"made_by": "timbrel app"})

        def done(rec) -> None:
            self.gpt_path = self.sovits_path = None
            self.base_name.clear()
            self.set_pair_files([])
            self.ctx.status.emit(self.tr("Stored base %1.").replace("%1", rec.name))
            self.baseImported.emit(rec)
            self.refresh()

        def failed(exc) -> None:
            self._update_import_button()
            self.ctx.report(self.tr("Could not import the base"))(exc)

        self.ctx.run(work, label=self.tr("Converting the GPT-SoVITS pair"), on_done=done, on_error=failed)

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
