"""Engine monitor: VRAM budget control, resident bases, swap log, prefetch state, request queues."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QListWidget, QPlainTextEdit,
                               QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ..adapters import RuntimeState, residency_state, runtime_state
from .common import Latest
from .server import ServerPanel

MAX_LOG_LINES = 500


class MonitorView(QWidget):
    updated = Signal(object)     # RuntimeState after each refresh / event

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._latest = Latest()
        self.state = RuntimeState()
        self.budget = QSpinBox()
        self.budget.setRange(64, 1024 * 1024)
        self.budget.setSingleStep(256)
        self.budget.setSuffix(" MB")
        self.budget.setValue(int(ctx.engine.vram_limit_mb))
        self.apply_button = QPushButton(self.tr("Apply budget"))
        self.usage = QProgressBar()
        self.device = QLabel("-")
        self.prefetch = QLabel("-")
        self.queue = QLabel("-")
        self.resident = QListWidget()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(MAX_LOG_LINES)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("VRAM budget:")))
        top.addWidget(self.budget)
        top.addWidget(self.apply_button)
        top.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("Device:"), self.device)
        form.addRow(self.tr("In use:"), self.usage)
        form.addRow(self.tr("Prefetch:"), self.prefetch)
        form.addRow(self.tr("Queue:"), self.queue)
        res_box = QGroupBox(self.tr("Resident bases"))
        QVBoxLayout(res_box).addWidget(self.resident)
        log_box = QGroupBox(self.tr("Swap log"))
        QVBoxLayout(log_box).addWidget(self.log)
        lower = QHBoxLayout()
        lower.addWidget(res_box, 1)
        lower.addWidget(log_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addLayout(lower, 1)
        self.server_panel = ServerPanel(ctx)     # the HTTP server section (desktop/views/server.py)
        layout.addWidget(self.server_panel)

        self.apply_button.clicked.connect(self.apply_budget)
        ctx.bridge.event.connect(self._on_event)

    # -- state -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.ctx.run(lambda t: runtime_state(self.ctx.part("runtime").status()), label=self.tr("Reading the runtime"),
                     pool="io", on_done=self._latest.wrap(self._show), on_error=self.ctx.report(self.tr("Could not read the runtime")))

    def _show(self, state: RuntimeState) -> None:
        self.state = state
        self.device.setText(state.device or "-")
        budget = max(1, int(round(state.budget_mb)))
        self.usage.setRange(0, budget)
        self.usage.setValue(min(budget, int(round(state.used_mb))))
        self.usage.setFormat(self.tr("%1 of %2 MB").replace("%1", f"{state.used_mb:.1f}").replace("%2", str(budget)))
        self.resident.clear()
        self.resident.addItems(state.resident)
        self.prefetch.setText(", ".join(state.prefetch) or self.tr("idle"))
        self.queue.setText(", ".join(f"{k}: {v}" for k, v in state.queue.items()) or self.tr("empty"))
        if not self.budget.hasFocus():
            self.budget.setValue(budget)
        self.updated.emit(state)

    def apply_budget(self) -> None:
        mb = self.budget.value()

        def work(task):
            runtime = self.ctx.part("runtime")
            runtime.set_vram_limit(mb)
            self.ctx.engine.settings.set("runtime.vram_limit_mb", mb)
            return runtime_state(runtime.status())

        self.ctx.run(work, label=self.tr("Changing the VRAM budget"), on_done=self._budget_applied,
                     on_error=self.ctx.report(self.tr("Could not change the VRAM budget")))

    def _budget_applied(self, state: RuntimeState) -> None:
        self._append(self.tr("budget set to %1 MB").replace("%1", str(int(round(state.budget_mb)))))
        self._show(state)

    # -- events ------------------------------------------------------------------------------------
    def _append(self, line: str) -> None:
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  {line}")

    def _on_event(self, topic: str, data: dict) -> None:
        if not topic.startswith("runtime."):
            return
        if topic == "runtime.swap":
            evicted = data.get("evicted") or []
            if isinstance(evicted, str):
                evicted = [evicted]
            mb = (data.get("bytes") or 0) / (1024 * 1024)
            self._append(self.tr("loaded %1 (%2 MB, %3 s, %4)%5")
                         .replace("%1", str(data.get("base")))
                         .replace("%2", f"{mb:.0f}")
                         .replace("%3", f"{float(data.get('seconds') or 0):.2f}")
                         .replace("%4", str(data.get("cause") or "-"))
                         .replace("%5", self.tr("; evicted %1").replace("%1", ", ".join(map(str, evicted))) if evicted else ""))
        elif topic == "runtime.prefetch":
            hit = data.get("hit")
            what = self.tr("hit") if hit else (self.tr("miss") if hit is not None else self.tr("staging"))
            self.state.prefetch = [f"{data.get('base')} ({what})"]
            self.prefetch.setText(self.state.prefetch[0])
            self._append(self.tr("prefetch %1: %2").replace("%1", str(data.get("base"))).replace("%2", what))
        elif topic == "runtime.queue":
            lengths = data.get("lengths") or {}
            self.state.queue = {str(k): int(v) for k, v in lengths.items()}
            self.queue.setText(", ".join(f"{k}: {v}" for k, v in self.state.queue.items()) or self.tr("empty"))
        elif topic == "runtime.residency":
            self._show(residency_state(data, self.state))
            return
        self.updated.emit(self.state)
