"""Evaluation: how well each cluster's base serves its voices.

The table shows the latest evaluation of every voice (``evaluations`` table, newest row per voice): the base
and base version it was synthesized with, the similarity to the voice's own references, the best other voice
of the cluster and the margin, and the verdict (ok / move → cluster / poorly served / split).

*Evaluate now* runs ``Evaluator(engine).run`` as a cancellable background task (all clusters or the one
picked in the combo box). With *Re-evaluate automatically after changes* (setting ``ui.auto_evaluate``,
on by default) an :class:`engine.consolidation.background.AutoEvaluator` re-evaluates a cluster when it
gets another base and every cluster after re-clustering; its runs publish ``consolidation.evaluated``,
which reaches the view through the event bridge and reloads the table. *Apply move* pins the selected
voice to the proposed cluster (``evaluate.apply_moves``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QListWidget, QProgressBar, QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ..adapters import cluster_name
from .auto_evaluation import SETTING, auto_evaluation_wanted
from .common import CancelFlag, Latest, progress_adapter
FLAGGED = QColor("#f4c7c3")
MOVE = QColor("#fde7b0")


@dataclass
class EvaluationData:
    """What the view shows, gathered on a worker."""
    rows: list[dict] = field(default_factory=list)          # latest evaluation per voice (evaluate.history rows)
    clusters: list[tuple[int, str, str | None]] = field(default_factory=list)   # (id, label, base name or None)
    versions: dict[int, int] = field(default_factory=dict)  # base_versions.id → version number
    previewed: dict[int, str] = field(default_factory=dict)  # cluster → preview base serving it (never scored)

    @property
    def unserved(self) -> list[tuple[int, str]]:
        return [(cid, label) for cid, label, base in self.clusters if base is None]


def load_evaluation_data(engine, limit: int = 100_000) -> EvaluationData:
    """The newest evaluation of each voice, the clusters and their bases (worker thread)."""
    data = EvaluationData()
    seen: set[str] = set()
    for row in engine.consolidation.evaluation_history(None, limit):
        if row["voice"] not in seen:
            seen.add(row["voice"])
            data.rows.append(row)
    data.rows.sort(key=lambda r: (r["cluster"], r["voice"].casefold()))
    serving = engine.consolidation.evaluator().serving_base     # the one rule: SpeechService.resolve_base
    from ..adapters import shown_cluster_names

    names = shown_cluster_names(engine.analysis)          # the cluster map's names ("Group A"...)
    for info in engine.analysis.clusters():
        rec = serving([engine.library.voice(n) for n in info.voices[:1]])
        data.clusters.append((info.id, names.get(info.id, info.label or ""), None if rec is None else rec.name))
        if rec is not None and rec.backend == "preview":
            data.previewed[info.id] = rec.name
    ids = sorted({r["base_version_id"] for r in data.rows if r["base_version_id"] is not None})
    if ids:
        marks = ",".join("?" * len(ids))
        for r in engine.library.catalog.query(f"SELECT id, version FROM base_versions WHERE id IN ({marks})", tuple(ids)):
            data.versions[int(r["id"])] = int(r["version"])
    return data


def apply_move(engine, row: dict) -> list[dict]:
    """Carry out one evaluation row's move proposal (``Engine.consolidation.apply_history_move``)."""
    return engine.consolidation.apply_history_move(row)


class EvaluationView(QWidget):
    loaded = Signal(int)          # rows shown
    evaluated = Signal(object)    # an EvaluationRun started from this view finished
    moved = Signal(object)        # apply_moves' result for the selected voice

    COLUMNS = 7

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.engine = ctx.engine
        self._latest = Latest()
        self._history_latest = Latest()
        self.data = EvaluationData()
        self.last_run = None
        self.task = None          # the running "Evaluate now" task
        self.auto = None          # AutoEvaluator while the checkbox is on and the view started

        self.scope = QComboBox()
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope.setMinimumContentsLength(14)
        self.evaluate_button = QPushButton(self.tr("Evaluate now"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.auto_box = QCheckBox(self.tr("Re-evaluate automatically after changes"))
        self.auto_box.setToolTip(self.tr("When a cluster gets another base, or the library is re-clustered, "
                                         "evaluate again in the background."))
        self.auto_box.setChecked(self._auto_setting())
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Clusters:")))
        top.addWidget(self.scope)
        top.addWidget(self.evaluate_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.progress)
        top.addStretch(1)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("evaluationHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("QLabel#evaluationHint { background: #fff4ce; border: 1px solid #e0c36c; padding: 4px; }")
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.hide()

        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setHorizontalHeaderLabels([
            self.tr("Voice"), self.tr("Cluster"), self.tr("Base (version)"), self.tr("Similarity to own references"),
            self.tr("Best other in cluster / margin"), self.tr("Verdict"), self.tr("Evaluated")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.apply_button = QPushButton(self.tr("Apply move"))
        self.apply_button.setEnabled(False)
        self.apply_button.setToolTip(self.tr("Pin the selected voice to the cluster the evaluation proposes."))
        self.history_label = QLabel(self.tr("History of the selected voice"))
        self.history = QListWidget()

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.history_label, 1)
        row.addWidget(self.apply_button)
        lower_layout.addLayout(row)
        lower_layout.addWidget(self.history, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.auto_box)
        layout.addWidget(self.summary)
        layout.addWidget(self.hint)
        layout.addWidget(split, 1)

        self.evaluate_button.clicked.connect(self.evaluate_now)
        self.cancel_button.clicked.connect(self.cancel)
        self.auto_box.toggled.connect(self.set_auto)
        self.apply_button.clicked.connect(self.apply_selected_move)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        ctx.bridge.event.connect(self._on_event)
        self._fill_scope()
        self.summary.setText(self.tr("No evaluation yet: press “Evaluate now”."))

    # -- lifetime ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the automatic re-evaluation when the setting asks for it."""
        if self.auto_box.isEnabled() and self.auto_box.isChecked():
            self._start_auto()

    def shutdown(self) -> None:
        """Cancel a running evaluation and stop the automatic one (its thread is joined)."""
        if self.task is not None:
            self.task.cancel()
        self._stop_auto()

    def _auto_setting(self) -> bool:
        return auto_evaluation_wanted(self.engine.settings)

    def adopt_auto(self, auto) -> None:
        """Take over the automatic evaluation the window started (stopped at once if the box was turned off)."""
        if self.auto is auto:
            return
        if self.auto is None and self.auto_box.isEnabled() and self.auto_box.isChecked():
            self.auto = auto
        else:
            auto.stop()

    def set_auto(self, on: bool) -> None:
        on = bool(on)
        if self._auto_setting() != on or self.engine.settings.get(SETTING) is None:
            self.engine.settings.set(SETTING, on)
        if on:
            self._start_auto()
        else:
            self._stop_auto()

    def _start_auto(self) -> None:
        if self.auto is not None or not self.auto_box.isEnabled():
            return
        self.auto = self.engine.consolidation.auto_evaluator(self._evaluator).start()
        self.ctx.status.emit(self.tr("Automatic evaluation is on."))

    def _evaluator(self, engine):
        """An Evaluator, with the engine parts it uses created under the desktop's lock (worker threads only)."""
        for name in ("library", "analysis", "bases", "speech"):
            self.ctx.part(name)
        return engine.consolidation.evaluator()

    def _stop_auto(self) -> None:
        auto, self.auto = self.auto, None
        if auto is not None:
            auto.stop()

    # -- data ----------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.ctx.run(lambda t: load_evaluation_data(self.engine), label=self.tr("Loading the evaluations"), pool="io",
                     on_done=self._latest.wrap(self._show),
                     on_error=self.ctx.report(self.tr("Could not load the evaluations")))

    def _on_event(self, topic: str, data: dict) -> None:
        if topic in ("consolidation.evaluated", "bases.changed", "cluster.changed"):
            self.refresh()

    def _fill_scope(self) -> None:
        current = self.scope.currentData()
        self.scope.blockSignals(True)
        self.scope.clear()
        self.scope.addItem(self.tr("All clusters"), None)
        for cid, label, base in self.data.clusters:
            text = cluster_name(cid, label)
            text += f" — {base}" if base else " — " + self.tr("no base")
            self.scope.addItem(text, cid)
        index = self.scope.findData(current)
        self.scope.setCurrentIndex(max(index, 0))
        self.scope.blockSignals(False)

    def _verdict_text(self, row: dict) -> str:
        verdict = row["verdict"]
        if verdict == "move" and row["proposal"].get("to_cluster") is not None:
            to = int(row["proposal"]["to_cluster"])
            label = next((lb for cid, lb, _ in self.data.clusters if cid == to), "")
            return self.tr("move → %1").replace("%1", cluster_name(to, label))
        if verdict == "poorly-served":
            return self.tr("poorly served")
        if verdict == "split":
            return self.tr("split")
        if verdict == "ok":
            return self.tr("ok")
        return str(verdict)

    def _base_text(self, row: dict) -> str:
        version = self.data.versions.get(row["base_version_id"]) if row["base_version_id"] is not None else None
        return row["base"] if version is None else self.tr("%1 (v%2)").replace("%1", row["base"]).replace("%2", str(version))

    def _show(self, data: EvaluationData) -> None:
        selected = self.selected_voice()
        self.data = data
        self._fill_scope()
        labels = {cid: label for cid, label, _ in data.clusters}
        self.table.blockSignals(True)
        self.table.clearContents()
        self.table.setRowCount(len(data.rows))
        for r, row in enumerate(data.rows):
            best = "—" if row["margin"] is None else f"{row['sim_own'] - row['margin']:.3f} / {row['margin']:+.3f}"
            cells = [row["voice"], cluster_name(row["cluster"], labels.get(row["cluster"], "")), self._base_text(row),
                     f"{row['sim_own']:.3f}", best, self._verdict_text(row), _when(row["created_at"])]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, row)
                if c in (3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row["flagged"]:
                    item.setBackground(QBrush(MOVE if row["verdict"] == "move" else FLAGGED))
                why = row["proposal"].get("why") or row["proposal"].get("action")
                if why:
                    item.setToolTip(str(why))
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        if selected is not None:
            self.select_voice(selected)
        self._selection_changed()
        flagged = sum(1 for r in data.rows if r["flagged"])
        if data.rows:
            self.summary.setText(self.tr("%1 voices evaluated, %2 flagged.").replace("%1", str(len(data.rows)))
                                 .replace("%2", str(flagged)))
        elif not data.clusters:
            self.summary.setText(self.tr("No clusters yet: analyse and cluster the library first (Cluster map)."))
        elif self.last_run is not None:
            self.summary.setText(self.tr("The last evaluation scored no voice: no cluster has a real (non-preview) "
                                         "base yet."))
        else:
            self.summary.setText(self.tr("No evaluation yet: press “Evaluate now”."))
        unserved = data.unserved
        hints = []
        if unserved:
            names = ", ".join(cluster_name(cid, label) for cid, label in unserved)
            hints.append(self.tr("Clusters without a base cannot be evaluated (their voices cannot speak): %1. "
                                 "Assign a base on the Bases tab.").replace("%1", names))
        if data.previewed:
            labels = {cid: label for cid, label, _ in data.clusters}
            names = ", ".join(cluster_name(cid, labels.get(cid, "")) for cid in sorted(data.previewed))
            hints.append(self.tr("Not scored — these clusters speak through the preview voice, which is not a clone, so "
                                 "its similarity says nothing about a real base: %1. Assign a GPT-SoVITS base on the "
                                 "Bases tab to evaluate them.").replace("%1", names))
        self.hint.setVisible(bool(hints))
        self.hint.setText("\n".join(hints))
        self.loaded.emit(len(data.rows))

    # -- evaluate ------------------------------------------------------------------------------------------
    def evaluate_now(self) -> None:
        if self.task is not None:
            return
        cluster = self.scope.currentData()

        def work(task):
            return self._evaluator(self.engine).run(cluster=cluster, progress=progress_adapter(task),
                                                    cancel=CancelFlag(task))

        label = self.tr("Evaluating") if cluster is None else \
            self.tr("Evaluating cluster %1").replace("%1", str(cluster))
        self.progress.setRange(0, 0)
        self.progress.show()
        self.evaluate_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.task = self.ctx.run(work, label=label, on_done=self._evaluated, on_progress=self._progressed,
                                 on_error=self.ctx.report(self.tr("The evaluation failed")))
        self.task.ended.connect(self._task_ended)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)

    def _progressed(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(min(done, total) if total else 0)
        self.progress.setFormat(f"%v/%m {text}" if text else "%v/%m")

    def _evaluated(self, run) -> None:
        self.last_run = run
        if run.voices:
            self.ctx.status.emit(self.tr("Evaluation finished: %1 voices scored, %2 flagged.")
                                 .replace("%1", str(len(run.voices))).replace("%2", str(len(run.flagged))))
        else:
            self.ctx.status.emit(self.tr("Evaluation finished without scoring any voice: %1 clusters speak through the "
                                         "preview voice, %2 have no base.")
                                 .replace("%1", str(len(getattr(run, "previewed", {}) or {})))
                                 .replace("%2", str(len(getattr(run, "unserved", []) or []))))
        self.refresh()
        self.evaluated.emit(run)

    def _task_ended(self) -> None:
        self.task = None
        self.progress.hide()
        self.evaluate_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    # -- selection, history, moves -------------------------------------------------------------------------
    def selected_row(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def selected_voice(self) -> str | None:
        row = self.selected_row()
        return None if row is None else row["voice"]

    def select_voice(self, name: str) -> bool:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.text() == name:
                self.table.selectRow(r)
                return True
        return False

    def _selection_changed(self) -> None:
        row = self.selected_row()
        movable = row is not None and row["verdict"] == "move" and row["proposal"].get("to_cluster") is not None
        self.apply_button.setEnabled(bool(movable))
        if row is None:
            self.history.clear()
            return
        voice = row["voice"]
        self.ctx.run(lambda t: self._load_history(voice), label=self.tr("Loading the evaluation history"), pool="io",
                     on_done=self._history_latest.wrap(self._show_history),
                     on_error=self.ctx.report(self.tr("Could not load the evaluation history")))

    def _load_history(self, voice: str) -> list[dict]:
        return self.engine.consolidation.evaluation_history(voice, 50)

    def _show_history(self, rows: list[dict]) -> None:
        self.history.clear()
        for h in rows:
            version = self.data.versions.get(h["base_version_id"]) if h["base_version_id"] is not None else None
            base = h["base"] if version is None else f"{h['base']} v{version}"
            self.history.addItem(self.tr("%1  run %2  cluster %3  %4  similarity %5  %6")
                                 .replace("%1", _when(h["created_at"])).replace("%2", str(h["run"]))
                                 .replace("%3", str(h["cluster"])).replace("%4", base)
                                 .replace("%5", f"{h['sim_own']:.3f}").replace("%6", self._verdict_text(h)))

    def apply_selected_move(self) -> None:
        row = self.selected_row()
        if row is None or row["verdict"] != "move":
            return
        self.apply_button.setEnabled(False)
        self.ctx.run(lambda t: apply_move(self.engine, row), label=self.tr("Moving %1").replace("%1", row["voice"]),
                     on_done=self._moved, on_error=self.ctx.report(self.tr("The voice was not moved")))

    def _moved(self, done: list[dict]) -> None:
        for m in done:
            self.ctx.status.emit(self.tr("%1 moved to cluster %2 (pinned).").replace("%1", m["voice"])
                                 .replace("%2", str(m["to_cluster"])))
        self.ctx.voicesChanged.emit()
        self.moved.emit(done)
        self.refresh()


def _when(stamp: str) -> str:
    """'2026-11-24T02:10:11Z' → '2026-11-24 02:10' (UTC, as recorded)."""
    text = str(stamp or "").replace("T", " ")
    return text[:16] if len(text) >= 16 else text
