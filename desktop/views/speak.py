"""Speak panel: text, voice, emotion → speak (streamed to the output), stop, save as WAV.

Speaking goes through the engine's one speak path (``engine.speech.speak``): a worker submits the request and
returns at once; the playback's end callback (``on_end``) comes back to the GUI thread as a queued signal. So a
cue can play (mixed, or interrupting) while this tab speaks."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from engine.api import EMOTIONS, TimbrelError

from ..widgets.synthesis_options import SynthesisOptionsWidget
from .common import Latest
from .emotions import emotion_label

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class SpeakView(QWidget):
    spoken = Signal(object)       # dict(state, frames, seconds, sample_rate) after playback ended
    saved = Signal(str)           # path of the written WAV
    prefetched = Signal(object)   # base name hinted to the runtime (None when there was none)
    _ended = Signal(object, object, object)   # playback job, speech handle, key (from the playback thread)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._latest = Latest()
        self.task = None
        self.handle = None
        self.job = None
        self._token = 0
        self._wanted: str | None = None     # the voice to show once the voice list has arrived
        self.last_audio: tuple[tuple, np.ndarray, int] | None = None
        self.last_request: dict | None = None      # what the last Speak sent (text, voice, emotion, say() options)

        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(self.tr("Type what the voice should say…"))
        self.voice = QComboBox()
        self.voice.setMinimumContentsLength(18)
        self.emotion = QComboBox()
        self.emotion.addItem(self.tr("(voice default)"), None)
        for emo in EMOTIONS:
            if emo not in ("other", "unknown"):
                self.emotion.addItem(emotion_label(emo), emo)
        self.served_by = QLabel()         # which base will speak (the one rule), preview said as such
        self.served_by.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Voice:"), self.voice)
        form.addRow(self.tr("Emotion:"), self.emotion)
        form.addRow(self.tr("Spoken by:"), self.served_by)
        self.synthesis = SynthesisOptionsWidget(ctx)
        self.speak_button = QPushButton(self.tr("Speak"))
        self.speak_button.setDefault(True)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setEnabled(False)
        self.save_button = QPushButton(self.tr("Save as WAV…"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.speak_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.state = QLabel()
        self.state.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.synthesis)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.state)

        self._ended.connect(self._spoken, Qt.ConnectionType.QueuedConnection)
        self.speak_button.clicked.connect(self.speak)
        self.stop_button.clicked.connect(self.stop)
        self.save_button.clicked.connect(self.choose_save)
        ctx.voicesChanged.connect(self.refresh_voices)
        ctx.voiceSelected.connect(self._follow_voice)
        self.voice.activated.connect(self._hint_prefetch)   # user picks only (not programmatic changes)
        self.voice.currentTextChanged.connect(self._voice_changed)
        ctx.bridge.event.connect(self._on_event)

    def refresh_voices(self) -> None:
        self.ctx.run(lambda t: self.ctx.part("library").voice_names(), label=self.tr("Loading voices"), pool="io",
                     on_done=self._latest.wrap(self._set_voices))

    def follow_voice(self, name: str | None) -> None:
        """Show ``name`` (the voice another tab selected), now or once the voice list has arrived."""
        self._wanted = name
        if name:
            self._follow_voice(name)

    def _set_voices(self, names: list[str]) -> None:
        keep = self.voice.currentText() or self._wanted
        self.voice.clear()
        self.voice.addItems(names)
        if keep in names:
            self.voice.setCurrentText(keep)

    def _follow_voice(self, name: str) -> None:
        if self.task is None and self.voice.findText(name) >= 0:
            self.voice.setCurrentText(name)

    def _hint_prefetch(self, _index: int = 0) -> None:
        """The user picked a voice: its base will probably be needed soon (runtime prefetch hint)."""
        voice = self.voice.currentText()
        if not voice:
            return

        def hint(task):
            try:
                base = self.ctx.part("speech").resolve_base(self.ctx.part("library").voice(voice))
                self.ctx.part("runtime").hint_prefetch(base)
                return getattr(base, "name", None)
            except TimbrelError as exc:   # best effort: no base yet is fine
                log.info("no prefetch for %r: %s", voice, exc)
                return None

        self.ctx.run(hint, label=self.tr("Prefetching"), pool="io", on_done=self.prefetched.emit)

    def _on_event(self, topic: str, data: dict) -> None:
        if topic in ("bases.changed", "cluster.changed"):
            self._show_serving(self.voice.currentText())

    def _voice_changed(self, name: str) -> None:
        self.synthesis.load_voice(name)           # the voice's saved settings (GPT-SoVITS' defaults when none)
        self._show_serving(name)

    def _show_serving(self, name: str) -> None:
        """Which base will speak ``name`` — ``SpeechService.resolve_base``, the rule every screen uses."""
        if not name:
            self.served_by.setText("")
            return

        def work(task):
            from engine.api import TimbrelError

            try:
                rec = self.ctx.part("speech").resolve_base(name)
            except TimbrelError as exc:
                return name, None, exc.message
            return name, rec.name, rec.backend

        self.ctx.run(work, label=self.tr("Finding the voice's base"), pool="io", on_done=self._serving_shown,
                     on_error=lambda exc: None)

    def _serving_shown(self, result) -> None:
        name, base, backend = result
        if name != self.voice.currentText():
            return
        if base is None:
            self.served_by.setText(self.tr("nothing yet: %1").replace("%1", backend))
        elif backend == "preview":
            self.served_by.setText(self.tr("%1 — the preview voice, a stand-in that is not a clone of this voice")
                                   .replace("%1", base))
        else:
            self.served_by.setText(base)

    def speak_description(self, handle, emotion: str | None) -> str:
        """After speaking: the base (preview said as such), the prompt clip when the emotion had none, ignored options."""
        parts = []
        if getattr(handle, "preview", False):
            parts.append(self.tr("Spoken with the preview voice (%1), not a clone of this voice.")
                         .replace("%1", str(handle.base)))
        elif getattr(handle, "base", None):
            parts.append(self.tr("Spoken by base %1.").replace("%1", str(handle.base)))
        clip = getattr(handle, "used_clip", None)
        if emotion and clip is not None and (clip.emotion or "") != emotion:
            parts.append(self.tr("No %1 clip: prompted with clip #%2 (%3).").replace("%1", emotion_label(emotion))
                         .replace("%2", str(clip.id))
                         .replace("%3", emotion_label(clip.emotion) if clip.emotion else self.tr("no emotion label")))
        ignored = list(getattr(handle, "unsupported_options", None) or [])
        if ignored:
            parts.append(self.tr("This base ignores: %1.").replace("%1", ", ".join(ignored)))
        return " ".join(parts)

    def request(self) -> tuple[str, str, str | None]:
        return self.text.toPlainText().strip(), self.voice.currentText(), self.emotion.currentData()

    # -- speaking ----------------------------------------------------------------------------------
    def speak(self) -> None:
        text, voice, emotion = self.request()
        if not text or not voice:
            self.state.setText(self.tr("Choose a voice and type some text first."))
            return
        if self.task is not None or self.job is not None:
            self.stop()
        self.speak_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.state.setText(self.tr("Speaking…"))
        self._token += 1
        synthesis = self.synthesis.say_kwargs()         # top_k, temperature... as SynthesisRequest options
        self.last_request = {"text": text, "voice": voice, "emotion": emotion, **synthesis}
        key = ((text, voice, emotion, repr(sorted(synthesis.items()))), self._token)

        def work(task):
            # submit and return at once: synthesis runs on the runtime, audio on the playback thread
            box: dict = {}

            def ended(job):
                self._ended.emit(job, box.get("handle"), key)

            handle, job = self.ctx.part("speech").speak(text, voice, emotion=emotion, playback=self.ctx.part("playback"),
                                                        mode="queue", label=text[:40], on_end=ended, **synthesis)
            box["handle"] = handle
            return handle, job

        self.task = self.ctx.run(work, label=self.tr("Speaking"), pool="speech", on_done=self._submitted,
                                 on_error=self._failed)

    def _submitted(self, result) -> None:
        self.task = None
        handle, job = result
        if job.done:       # the end signal may already be queued: _spoken clears the state
            return
        self.handle, self.job = handle, job

    def _spoken(self, job, handle, key) -> None:
        import numpy as np

        key, token = key
        if token != self._token:
            return   # a previous, replaced request
        self.task = self.handle = self.job = None
        self.speak_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        error = job.error
        if error is None and handle is not None and handle.state == "failed":
            error = handle.error
        if error is not None:
            self._failed(error)
            return
        audio, rate = np.zeros(0, np.float32), 0
        if handle is not None and handle.state == "done":
            whole = handle.result(0)
            audio, rate = whole.samples, int(whole.sample_rate)
        seconds = job.frames / rate if rate else 0.0
        if job.state == "done" and audio.size:
            self.last_audio = (key, audio, rate)
            about = self.speak_description(handle, key[2])
            self.state.setText((self.tr("Spoke %1 s.").replace("%1", f"{seconds:.1f}") + " " + about).strip())
        else:
            self.state.setText(self.tr("Stopped."))
        self.spoken.emit({"state": job.state, "frames": job.frames, "sample_rate": rate, "error": None, "key": key,
                          "seconds": seconds})

    def _failed(self, exc) -> None:
        self.task = self.handle = self.job = None
        self.speak_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.state.setText("")
        self.ctx.report(self.tr("Could not speak"))(exc)
        self.spoken.emit({"state": "failed", "frames": 0, "sample_rate": 0, "seconds": 0.0, "error": exc})

    def stop(self) -> None:
        """Stop this tab's speech (cues playing beside it go on). Only flags are set: safe on the GUI thread."""
        handle, job = self.handle, self.job
        if handle is not None:
            handle.cancel()
        playback = self.ctx.engine.__dict__.get("playback")
        if playback is not None and job is not None:
            playback.cancel(job)
        elif playback is not None and self.task is not None:
            playback.stop()   # submitted a moment ago: its job is not known here yet

    # -- saving ------------------------------------------------------------------------------------
    def choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save speech as WAV"), "speech.wav", self.tr("WAV audio (*.wav)"))
        if path:
            self.save_wav(path)

    def save_wav(self, path: str) -> None:
        text, voice, emotion = self.request()
        if not text or not voice:
            self.state.setText(self.tr("Choose a voice and type some text first."))
            return
        synthesis = self.synthesis.say_kwargs()
        key = (text, voice, emotion, repr(sorted(synthesis.items())))
        cached = self.last_audio if self.last_audio and self.last_audio[0] == key else None

        def work(task):
            import numpy as np

            from engine.api import write_wav

            if cached is not None:
                audio, rate = cached[1], cached[2]
            else:
                handle = self.ctx.part("speech").say(text, voice, emotion=emotion, **synthesis)
                parts, rate = [], 0
                for chunk in handle.chunks():
                    if task.is_cancelled():
                        handle.cancel()
                        from engine.api import Cancelled

                        raise Cancelled("Saving was cancelled.")
                    parts.append(np.asarray(chunk.samples, dtype=np.float32))
                    rate = rate or int(chunk.sample_rate)
                audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
            if not audio.size:
                from engine.api import TimbrelError

                raise TimbrelError("The voice produced no audio for this text.")
            write_wav(path, audio, rate)
            return path

        self.state.setText(self.tr("Saving…"))
        self.ctx.run(work, label=self.tr("Saving WAV"), pool="speech", on_done=self._saved,
                     on_error=self.ctx.report(self.tr("Could not save the WAV file")))

    def _saved(self, path: str) -> None:
        self.state.setText(self.tr("Saved %1").replace("%1", path))
        self.saved.emit(path)
