"""Consolidation wizard: one base per cluster — choose how, read the plan (storage before/after and what happens to
each voice), apply it, and revert it if it was a mistake (``engine.consolidation``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QHeaderView, QLabel, QPushButton,
                               QRadioButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWizard, QWizardPage)

from .bases import cluster_title, size_text


def _table(columns: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setHorizontalHeaderLabels(columns)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    t.setWordWrap(False)
    return t


def plan_with_voices(engine, **kw):
    """The plan and, per voice, the base serving it now (the one rule) and the base that will serve it."""
    from engine.api import TimbrelError

    plan = engine.consolidation.plan(**kw)
    rows = []
    for cp in plan.clusters:
        for name in cp.voices:
            try:
                now = engine.speech.resolve_base(engine.library.voice(name)).name
            except TimbrelError:
                now = None
            rows.append({"voice": name, "cluster": cp.cluster_id, "now": now, "after": cp.base, "kind": cp.kind})
    from desktop.adapters import shown_cluster_names

    return plan, rows, shown_cluster_names(engine.analysis)


class OptionsPage(QWizardPage):
    def __init__(self, wizard) -> None:
        super().__init__()
        self.setTitle(self.tr("How to choose each cluster's base"))
        self.setSubTitle(self.tr("Every cluster gets one base; the per-voice models it replaces are archived, not "
                                 "deleted, until you purge them."))
        self.central = QRadioButton(self.tr("The model of the voice nearest the cluster's timbre centre (fast)"))
        self.evaluate = QRadioButton(self.tr("The model whose synthesis sounds most like the cluster's voices (slow)"))
        self.central.setChecked(True)
        self.pretrained = QComboBox()
        self.prefer = QCheckBox(self.tr("Use this base for every cluster, even those with their own models"))
        form = QFormLayout()
        form.addRow(self.tr("Base for clusters without a model of their own:"), self.pretrained)
        lay = QVBoxLayout(self)
        lay.addWidget(self.central)
        lay.addWidget(self.evaluate)
        lay.addLayout(form)
        lay.addWidget(self.prefer)
        lay.addStretch(1)

    def set_bases(self, names: list[str]) -> None:
        self.pretrained.clear()
        self.pretrained.addItem(self.tr("(none: they keep what they have)"), None)
        for n in names:
            self.pretrained.addItem(n, n)

    def options(self) -> dict:
        return {"choose": "evaluate" if self.evaluate.isChecked() else "central",
                "pretrained": self.pretrained.currentData(), "prefer_pretrained": self.prefer.isChecked()
                and self.pretrained.currentData() is not None}


class PlanPage(QWizardPage):
    def __init__(self, wizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("The plan"))
        self.setSubTitle(self.tr("Nothing has changed yet. Check what happens to each cluster and voice, then apply."))
        self.storage = QLabel()
        self.storage.setWordWrap(True)
        self.clusters = _table([self.tr("Cluster"), self.tr("Voices"), self.tr("Base after"), self.tr("Why")])
        self.voices = _table([self.tr("Voice"), self.tr("Cluster"), self.tr("Served now by"), self.tr("Served after by")])
        self.retire = QLabel()
        self.retire.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.storage)
        lay.addWidget(self.clusters, 1)
        lay.addWidget(self.voices, 1)
        lay.addWidget(self.retire)
        self.plan = None

    def initializePage(self) -> None:  # noqa: N802
        self.plan = None
        self.storage.setText(self.tr("Planning…"))
        self.clusters.setRowCount(0)
        self.voices.setRowCount(0)
        self.completeChanged.emit()
        opts = self.wiz.options_page.options()
        self.wiz.ctx.run(lambda t: plan_with_voices(self.wiz.ctx.engine, **opts), label=self.tr("Planning the consolidation"),
                         on_done=self._show, on_error=self._failed)

    def _failed(self, exc) -> None:
        from desktop.tasks import describe_error

        self.storage.setText(self.tr("No plan: %1").replace("%1", describe_error(exc)))
        self.wiz.planFailed.emit(exc)

    def _show(self, result) -> None:
        plan, rows, names = result
        self.plan = plan
        s = plan.storage
        self.storage.setText(
            self.tr("Storage: %1 bases, %2 now → %3 bases, %4 after (%5% less). Archived until purged: %6.")
            .replace("%1", str(s.bases_before)).replace("%2", size_text(s.bytes_before))
            .replace("%3", str(s.bases_after)).replace("%4", size_text(s.bytes_after))
            .replace("%5", f"{100 * s.reduction:.0f}").replace("%6", size_text(s.bytes_archived)))
        kinds = {"adopted": self.tr("adopt a voice's model"), "pretrained": self.tr("pretrained base, zero-shot"),
                 "assigned": self.tr("keep its base")}
        self.clusters.setRowCount(len(plan.clusters))
        for i, cp in enumerate(plan.clusters):
            base = cp.base or self.tr("no base")
            cells = [cluster_title(cp.cluster_id, names.get(cp.cluster_id)), str(len(cp.voices)), base,
                     f"{kinds.get(cp.kind, cp.kind)}: {cp.reason}" if cp.base else
                     self.tr("no model of its own and no base chosen: it keeps speaking through the preview fallback")]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if j != 1 else ", ".join(cp.voices))
                self.clusters.setItem(i, j, item)
        self.voices.setRowCount(len(rows))
        for i, r in enumerate(rows):
            after = r["after"] or (r["now"] and self.tr("%1 (unchanged)").replace("%1", r["now"])) or self.tr("nothing")
            cells = [r["voice"], cluster_title(r["cluster"], names.get(r["cluster"])), r["now"] or self.tr("nothing"), after]
            for j, text in enumerate(cells):
                self.voices.setItem(i, j, QTableWidgetItem(text))
        self.retire.setText(self.tr("Archived: %1").replace("%1", ", ".join(plan.retire)) if plan.retire
                            else self.tr("No per-voice model is archived."))
        self.completeChanged.emit()
        self.wiz.planned.emit(plan)

    def isComplete(self) -> bool:  # noqa: N802
        return self.plan is not None and any(cp.base for cp in self.plan.clusters)


class ApplyPage(QWizardPage):
    def __init__(self, wizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("Applied"))
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.revert_button = QPushButton(self.tr("Revert this consolidation"))
        self.revert_button.setEnabled(False)
        lay = QVBoxLayout(self)
        lay.addWidget(self.result)
        lay.addWidget(self.revert_button)
        lay.addStretch(1)
        self.archive = None
        self.revert_button.clicked.connect(self.revert)

    def initializePage(self) -> None:  # noqa: N802
        plan = self.wiz.plan_page.plan
        self.result.setText(self.tr("Applying…"))
        self.archive = None
        self.completeChanged.emit()

        def work(task):
            return self.wiz.ctx.engine.consolidation.apply(plan)

        self.wiz.ctx.run(work, label=self.tr("Applying the consolidation"), on_done=self._applied,
                         on_error=self._failed)

    def _failed(self, exc) -> None:
        from desktop.tasks import describe_error

        self.result.setText(self.tr("Not applied: %1").replace("%1", describe_error(exc)))
        self.completeChanged.emit()

    def _applied(self, archive) -> None:
        self.archive = archive
        served = sum(1 for cp in self.wiz.plan_page.plan.clusters if cp.base)
        self.result.setText(self.tr("Consolidation #%1 applied: %2 clusters have their base; %3 models archived. "
                                    "Revert brings the previous bases back.")
                            .replace("%1", str(archive.id)).replace("%2", str(served)).replace("%3", str(len(archive.bases))))
        self.revert_button.setEnabled(True)
        self.completeChanged.emit()
        self.wiz.applied.emit(archive)

    def revert(self) -> None:
        if self.archive is None:
            return
        arch_id = self.archive.id
        self.revert_button.setEnabled(False)

        def work(task):
            return self.wiz.ctx.engine.consolidation.revert(arch_id)

        def done(a) -> None:
            self.result.setText(self.tr("Consolidation #%1 reverted: the clusters have their previous bases and the "
                                        "archived models are back.").replace("%1", str(a.id)))
            self.wiz.reverted.emit(a)

        self.wiz.ctx.run(work, label=self.tr("Reverting the consolidation"), on_done=done,
                         on_error=self.wiz.ctx.report(self.tr("Could not revert")))

    def isComplete(self) -> bool:  # noqa: N802
        return self.archive is not None


class ConsolidationWizard(QWizard):
    planned = Signal(object)
    planFailed = Signal(object)
    applied = Signal(object)
    reverted = Signal(object)

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Consolidate: one base per cluster"))
        self.resize(900, 640)
        self.options_page = OptionsPage(self)
        self.plan_page = PlanPage(self)
        self.apply_page = ApplyPage(self)
        self.addPage(self.options_page)
        self.addPage(self.plan_page)
        self.addPage(self.apply_page)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Next"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("Back"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Done"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))
        self.plan_page.setCommitPage(True)
        self.plan_page.setButtonText(QWizard.WizardButton.CommitButton, self.tr("Apply"))
        ctx.run(lambda t: [b.name for b in ctx.engine.bases.list()], label=self.tr("Loading bases"), pool="io",
                on_done=self.options_page.set_bases)
