"""Synthesis controls a GPT-SoVITS user expects (top_k, top_p, temperature, repetition penalty, text split method,
speed, fragment interval, seed, language incl. auto, reference-free mode, extra timbre references), with the voice's
saved defaults.

``SynthesisOptionsWidget.values()`` → ``{"options": {...upstream names...}, "seed": int|None, "language": str|None}``
(what is saved as a voice's defaults); ``say_kwargs()`` → what ``SpeechService.say`` takes (``speed_factor`` becomes
the request's ``speed``). Only controls the user changed from
the shown defaults are sent, so a backend keeps its own default for the rest. ``load_voice(name)`` shows a voice's
saved defaults; *Save as this voice's defaults* stores the current values (table ``voice_synthesis_defaults``).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QListWidget, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from engine.api import synthesis_options as so


class SynthesisOptionsWidget(QGroupBox):
    changed = Signal()
    defaultsSaved = Signal(str)     # voice name

    LANGUAGES = ("", "auto", "zh", "en", "ja", "ko", "yue")

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.voice_name: str | None = None
        self.setTitle(self.tr("Synthesis settings"))
        self.setCheckable(True)
        self.setChecked(False)          # folded: the defaults serve most requests
        spec = so.OPTIONS

        self.top_k = QSpinBox()
        self.top_k.setRange(int(spec["top_k"].low), int(spec["top_k"].high))
        self.top_p = self._double(spec["top_p"], 0.05)
        self.temperature = self._double(spec["temperature"], 0.05)
        self.repetition_penalty = self._double(spec["repetition_penalty"], 0.05)
        self.split = QComboBox()
        split_text = {
            "cut0": self.tr("No split"), "cut1": self.tr("Every four sentences"), "cut2": self.tr("Every 50 characters"),
            "cut3": self.tr("At Chinese full stops (。)"), "cut4": self.tr("At English full stops (.)"),
            "cut5": self.tr("At every punctuation mark"),
        }
        for method in so.SPLIT_METHODS:
            self.split.addItem(f"{method} — {split_text[method]}", method)
        self.speed = self._double(spec["speed_factor"], 0.05)
        self.fragment_interval = self._double(spec["fragment_interval"], 0.05)
        self.seed = QSpinBox()
        self.seed.setRange(-1, 2**31 - 1)
        self.seed.setSpecialValueText(self.tr("random"))
        self.language = QComboBox()
        names = {"": self.tr("the voice's language"), "auto": self.tr("auto (detect)"), "zh": self.tr("Chinese"),
                 "en": self.tr("English"), "ja": self.tr("Japanese"), "ko": self.tr("Korean"), "yue": self.tr("Cantonese")}
        for code in self.LANGUAGES:
            self.language.addItem(names[code], code or None)
        self.ref_free = QCheckBox(self.tr("Reference-free (do not prompt with the clip's transcript)"))
        self.aux_refs = QListWidget()
        self.aux_refs.setMaximumHeight(60)
        self.add_ref = QPushButton(self.tr("Add extra timbre references…"))
        self.clear_refs = QPushButton(self.tr("Clear"))
        self.reset_button = QPushButton(self.tr("Reset to defaults"))
        self.save_button = QPushButton(self.tr("Save as this voice's defaults"))
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Top-k:"), self.top_k)
        form.addRow(self.tr("Top-p:"), self.top_p)
        form.addRow(self.tr("Temperature:"), self.temperature)
        form.addRow(self.tr("Repetition penalty:"), self.repetition_penalty)
        form.addRow(self.tr("Text split:"), self.split)
        form.addRow(self.tr("Speed:"), self.speed)
        form.addRow(self.tr("Pause between pieces (s):"), self.fragment_interval)
        form.addRow(self.tr("Seed:"), self.seed)
        form.addRow(self.tr("Language:"), self.language)
        form.addRow(self.ref_free)
        refs = QHBoxLayout()
        refs.addWidget(self.add_ref)
        refs.addWidget(self.clear_refs)
        refs.addStretch(1)
        form.addRow(self.aux_refs)
        form.addRow(refs)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.body = QWidget()
        inner = QVBoxLayout(self.body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(form)
        inner.addLayout(buttons)
        inner.addWidget(self.saved_label)
        outer = QVBoxLayout(self)
        outer.addWidget(self.body)
        self.body.setVisible(False)
        self.toggled.connect(self.body.setVisible)

        self.reset()
        for w in (self.top_k, self.top_p, self.temperature, self.repetition_penalty, self.speed, self.fragment_interval,
                  self.seed):
            w.valueChanged.connect(self.changed)
        self.split.currentIndexChanged.connect(self.changed)
        self.language.currentIndexChanged.connect(self.changed)
        self.ref_free.toggled.connect(self.changed)
        self.add_ref.clicked.connect(self.choose_refs)
        self.clear_refs.clicked.connect(self.aux_refs.clear)
        self.reset_button.clicked.connect(self.reset)
        self.save_button.clicked.connect(self.save_defaults)

    @staticmethod
    def _double(spec, step: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(spec.low, spec.high)
        box.setSingleStep(step)
        box.setDecimals(2)
        return box

    # -- values ---------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Upstream's defaults (nothing is sent for values left there)."""
        d = {k: s.default for k, s in so.OPTIONS.items()}
        self.set_values({"options": d, "seed": None, "language": None})

    def set_values(self, values: dict) -> None:
        opts = {**{k: s.default for k, s in so.OPTIONS.items()}, **(values.get("options") or {})}
        self.top_k.setValue(int(opts["top_k"]))
        self.top_p.setValue(float(opts["top_p"]))
        self.temperature.setValue(float(opts["temperature"]))
        self.repetition_penalty.setValue(float(opts["repetition_penalty"]))
        self.split.setCurrentIndex(max(0, self.split.findData(opts["text_split_method"])))
        self.speed.setValue(float(opts["speed_factor"]))
        self.fragment_interval.setValue(float(opts["fragment_interval"]))
        self.ref_free.setChecked(bool(opts["ref_free"]))
        self.aux_refs.clear()
        self.aux_refs.addItems([str(p) for p in opts.get("aux_refs") or ()])
        seed = values.get("seed")
        self.seed.setValue(-1 if seed is None else int(seed))
        self.language.setCurrentIndex(max(0, self.language.findData(values.get("language"))))

    def values(self) -> dict:
        """What to pass to ``SpeechService.say``: changed options only (upstream names), seed, language."""
        current = {
            "top_k": self.top_k.value(), "top_p": round(self.top_p.value(), 4),
            "temperature": round(self.temperature.value(), 4),
            "repetition_penalty": round(self.repetition_penalty.value(), 4),
            "text_split_method": self.split.currentData(), "speed_factor": round(self.speed.value(), 4),
            "fragment_interval": round(self.fragment_interval.value(), 4), "ref_free": self.ref_free.isChecked(),
            "aux_refs": [self.aux_refs.item(i).text() for i in range(self.aux_refs.count())],
        }
        opts = {}
        for k, v in current.items():
            if (k == "aux_refs" and v) or (k != "aux_refs" and v != so.OPTIONS[k].default):
                opts[k] = v
        seed = self.seed.value()
        return {"options": so.validate(opts), "seed": None if seed < 0 else seed, "language": self.language.currentData()}

    def say_kwargs(self) -> dict:
        """Keyword arguments for ``SpeechService.say``: options, speed (the request's own), seed, language."""
        v = self.values()
        return {**so.say_arguments(v["options"]), "seed": v["seed"], "language": v["language"]}

    # -- references -----------------------------------------------------------------------------------------
    def choose_refs(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Extra timbre references"), "",
                                                self.tr("Audio (*.wav *.flac *.ogg *.mp3)"))
        self.add_references(files)

    def add_references(self, files) -> None:
        have = {self.aux_refs.item(i).text() for i in range(self.aux_refs.count())}
        self.aux_refs.addItems([f for f in files if f not in have])
        self.changed.emit()

    # -- per-voice defaults ---------------------------------------------------------------------------------
    def load_voice(self, name: str) -> None:
        """Show ``name``'s saved defaults (upstream's when it has none)."""
        self.voice_name = name or None
        if not name:
            return

        def work(task):
            from engine.api import synthesis_defaults

            return synthesis_defaults.get(self.ctx.part("library"), name)

        self.ctx.run(work, label=self.tr("Loading the voice's settings"), pool="io", on_done=self._loaded,
                     on_error=lambda exc: None)   # a voice deleted meanwhile: keep what is shown

    def _loaded(self, d) -> None:
        if d.voice != self.voice_name and (self.voice_name or "").casefold() != d.voice.casefold():
            return
        self.set_values({"options": d.options, "seed": d.seed, "language": d.language})
        self.saved_label.setText(self.tr("Using the settings saved for %1.").replace("%1", d.voice) if not d.empty else
                                 self.tr("%1 has no saved settings: GPT-SoVITS' defaults are shown.").replace("%1", d.voice))

    def save_defaults(self) -> None:
        name = self.voice_name
        if not name:
            self.saved_label.setText(self.tr("Choose a voice first."))
            return
        vals = self.values()

        def work(task):
            from engine.api import synthesis_defaults

            return synthesis_defaults.save(self.ctx.part("library"), name, vals["options"], seed=vals["seed"],
                                           language=vals["language"])

        def done(d) -> None:
            self.saved_label.setText(self.tr("Saved as the defaults of %1.").replace("%1", d.voice))
            self.defaultsSaved.emit(d.voice)

        self.ctx.run(work, label=self.tr("Saving the voice's settings"), pool="io", on_done=done,
                     on_error=self.ctx.report(self.tr("Could not save the settings")))
