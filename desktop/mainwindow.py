"""The main window: library, cluster map, emotion grid, evaluation, speak panel, soundboard, engine monitor."""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QProgressBar, QTabWidget, QWidget

from engine.api import TimbrelError

from .bridge import EventBridge
from .context import AppContext
from .lazy_tabs import LazyTabs, build_view
from .menus import build_menus
from .tasks import TaskRunner
from .views.cues import CuesView
from .views.auto_evaluation import start_auto_evaluation
from .views.library import LibraryView

log = logging.getLogger(__name__)

REST_AFTER_MS = 3000       # start-up work besides the library starts at the latest this long after start()


class MainWindow(QMainWindow):
    cueTriggered = Signal(str)
    assetsChecked = Signal(object)     # engine.assets status (or None after unlinking)
    emotionModelLinked = Signal(object)   # the emotion2vec+ asset state (or None after unlinking)
    audioChecked = Signal(str)         # why there is no sound ("" when the output works)

    def __init__(self, engine, parent: QWidget | None = None, *, show_errors: bool = True) -> None:
        super().__init__(parent)
        self.engine = engine
        self.show_errors = show_errors
        self.setWindowTitle(self.tr("Timbrel"))
        self.resize(1100, 720)
        self.runner = TaskRunner(self)
        self.bridge = EventBridge(engine.events, parent=self)
        self.ctx = AppContext(engine, self.runner, self.bridge, self)

        self.library_view = LibraryView(self.ctx)
        self._route_folder_imports()
        self.cues_view = CuesView(self.ctx, shortcut_parent=self)     # built now: hotkeys and 'timbrel trigger'
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        # the other views are built when first shown or used (their modules imported then too): opening the app
        # builds the tab on screen only
        self.lazy = LazyTabs(self.tabs, self)
        self.lazy.add("library", self.tr("Library"), lambda: self.library_view, now=True)
        self.lazy.add("cluster", self.tr("Cluster map"), lambda: build_view(self, "cluster"))
        self.lazy.add("grid", self.tr("Emotion grid"), lambda: build_view(self, "grid"))
        self.lazy.add("evaluation", self.tr("Evaluation"), lambda: build_view(self, "evaluation"))
        self.lazy.add("bases", self.tr("Bases"), lambda: build_view(self, "bases"))
        self.lazy.add("speak", self.tr("Speak"), lambda: build_view(self, "speak"))
        self.lazy.add("cues", self.tr("Soundboard"), lambda: self.cues_view, now=True)
        self.lazy.add("monitor", self.tr("Engine"), lambda: build_view(self, "monitor"))
        self.setCentralWidget(self.tabs)

        self.busy_label = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.hide()
        self.audio_label = QLabel()
        self.audio_label.setObjectName("audioState")
        self.audio_label.hide()
        self.statusBar().addPermanentWidget(self.audio_label)
        # shown when the linked GPT-SoVITS assets make the text frontend differ from upstream (tool tip: how)
        self.assets_label = QLabel(self.tr("⚠ Text frontend differs from GPT-SoVITS"))
        self.assets_label.setObjectName("assetsFrontend")
        self.assets_label.hide()
        self.statusBar().addPermanentWidget(self.assets_label)
        self.statusBar().addPermanentWidget(self.busy_label)
        self.statusBar().addPermanentWidget(self.busy_bar)
        build_menus(self)

        self.ctx.status.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.ctx.problem.connect(self._show_problem)
        self.runner.taskStarted.connect(self._tasks_changed)
        self.runner.taskEnded.connect(self._tasks_changed)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.bridge.event.connect(self._on_event)
        self._loaded: set[str] = set()
        self._rest_started = self._closing = False
        self.auto_evaluation = None          # the automatic re-evaluation, once started (engine AutoEvaluator)
        self._rest_timer = QTimer(self)
        self._rest_timer.setSingleShot(True)
        self._rest_timer.timeout.connect(self._start_rest)
        self._restore_layout()

    # -- the views built on first use ---------------------------------------------------------------
    cluster_view = property(lambda self: self.lazy.view("cluster"), doc="The Cluster map tab (built on first use).")
    grid_view = property(lambda self: self.lazy.view("grid"), doc="The Emotion grid tab (built on first use).")
    evaluation_view = property(lambda self: self.lazy.view("evaluation"), doc="The Evaluation tab.")
    bases_view = property(lambda self: self.lazy.view("bases"), doc="The Bases tab (built on first use).")
    speak_view = property(lambda self: self.lazy.view("speak"), doc="The Speak tab (built on first use).")
    monitor_view = property(lambda self: self.lazy.view("monitor"), doc="The Engine tab (built on first use).")

    # -- start / stop ------------------------------------------------------------------------------
    def start(self) -> None:
        """Load the first data (all on worker threads): the library's voices first; the rest (soundboard, automatic
        evaluation, the HTTP server when it starts with the app, asset and audio checks) once they are on screen
        (or after ``REST_AFTER_MS`` at the latest), so nothing competes with opening the window."""
        self.library_view.voicesLoaded.connect(self._start_rest)
        self._rest_timer.start(REST_AFTER_MS)
        self.library_view.refresh()
        self._tab_changed(self.tabs.currentIndex())

    def _start_rest(self, _n: int = 0) -> None:
        if self._rest_started or self._closing:
            return
        self._rest_started = True
        self._rest_timer.stop()
        self.cues_view.refresh()
        self.ctx.run(lambda t: start_auto_evaluation(self.ctx), label=self.tr("Starting the automatic evaluation"),
                     pool="io", on_done=self._auto_evaluation_started,
                     on_error=self.ctx.report(self.tr("The automatic evaluation could not start")))
        if self.engine.settings.get("server.enabled", False):
            self.lazy.view("monitor")           # its server section starts the server the settings ask for
        self.check_assets()
        self.check_audio()

    def _auto_evaluation_started(self, auto) -> None:
        """The automatic re-evaluation runs (started on a worker; None: turned off in the settings)."""
        if auto is None:
            return
        if self._closing:
            auto.stop()
            return
        self.auto_evaluation = auto
        view = self.lazy.built_view("evaluation")
        if view is not None:
            view.adopt_auto(auto)
        self.ctx.status.emit(QCoreApplication.translate("EvaluationView", "Automatic evaluation is on."))

    def _tab_changed(self, index: int) -> None:
        name = self.lazy.name_at(index)
        if name is None or name in self._loaded:
            return
        self._loaded.add(name)
        view = self.lazy.view(name)
        if name in ("cluster", "grid", "bases", "evaluation", "monitor"):
            view.refresh()

    def _on_event(self, topic: str, data: dict) -> None:
        if topic == "cluster.changed":
            self._loaded.discard("cluster")
            self._loaded.discard("grid")
            self._tab_changed(self.tabs.currentIndex())
        elif topic == "playback.state" and data.get("state") == "playing" and data.get("label"):
            self.statusBar().showMessage(self.tr("Playing: %1").replace("%1", str(data["label"])), 3000)

    def _restore_layout(self) -> None:
        from PySide6.QtCore import QByteArray

        geometry = self.engine.settings.get("ui.window_geometry")
        if isinstance(geometry, str) and geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
        tab = self.engine.settings.get("ui.last_tab")
        if isinstance(tab, int) and 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)

    def save_layout(self) -> None:
        """Remember the window's size/position and the open tab (``ui.window_geometry``, ``ui.last_tab``)."""
        s = self.engine.settings
        geometry = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        if s.get("ui.window_geometry") != geometry:
            s.set("ui.window_geometry", geometry)
        if s.get("ui.last_tab") != self.tabs.currentIndex():
            s.set("ui.last_tab", self.tabs.currentIndex())

    def shutdown(self) -> None:
        """Stop hotkeys, cancel tasks and wait for every worker (idempotent)."""
        self._closing = True
        self._rest_timer.stop()
        self.cues_view.shutdown()
        evaluation = self.lazy.built_view("evaluation")
        if evaluation is not None:
            evaluation.shutdown()
        if self.auto_evaluation is not None:      # stopping twice is harmless
            self.auto_evaluation.stop()
        playback = self.engine.__dict__.get("playback")
        if playback is not None:
            playback.stop()
        self.runner.shutdown()
        self.bridge.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        try:
            self.save_layout()
        except (OSError, TimbrelError) as exc:   # a read-only config folder must not keep the window open
            log.warning("could not save the window layout: %s", exc)
        self.shutdown()
        super().closeEvent(event)

    # -- remote control ----------------------------------------------------------------------------
    def handle_message(self, msg: dict, respond=None) -> dict | None:
        """Messages from ``timbrel trigger`` or a second instance (see desktop.ipc).

        A cue the soundboard does not know yet (added by ``timbrel cue add`` in another process) is looked
        up in the catalog on a worker; the answer then goes out through ``respond``."""
        cmd = msg.get("cmd")
        if cmd == "focus":
            self.bring_to_front()
            return {"ok": True, "message": "focused"}
        if cmd == "quit":
            QTimer.singleShot(0, self.close)
            return {"ok": True, "message": "closing"}
        if cmd == "engine-status":   # 'timbrel engine status' while the app is open (read on a worker)
            import os

            def status(t):
                import json

                return json.loads(json.dumps(self.ctx.part("runtime").status(), default=str))

            reply = lambda st: {"ok": True, "status": st, "pid": os.getpid()}  # noqa: E731
            if respond is None:
                return {"ok": False, "message": "engine status needs an answer channel"}
            self.ctx.run(status, label=self.tr("Reading the runtime"), pool="io", on_done=lambda st: respond(reply(st)),
                         on_error=lambda exc: respond({"ok": False, "message": str(exc)}))
            return None
        if cmd == "trigger":
            name = str(msg.get("cue") or "").strip()
            if self.cues_view.has_cue(name):
                self.cueTriggered.emit(name)
                self.cues_view.play(name)
                return {"ok": True, "message": f"playing '{name}'"}
            if respond is None:
                return self._unknown_cue(name)

            def found(cue) -> None:
                self.cues_view.refresh()
                self.cueTriggered.emit(cue.name)
                self.cues_view.play(cue.name)
                respond({"ok": True, "message": f"playing '{cue.name}'"})

            self.ctx.run(lambda t: self.ctx.part("cues").get(name), label=self.tr("Looking up a cue"), pool="io",
                         on_done=found, on_error=lambda _exc: respond(self._unknown_cue(name)))
            return None
        return {"ok": False, "message": f"unknown command {cmd!r}"}

    def _unknown_cue(self, name: str) -> dict:
        known = ", ".join(sorted(self.cues_view.cues)) or "-"
        return {"ok": False, "message": f"There is no cue named '{name}'. Cues: {known}"}

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    # -- misc --------------------------------------------------------------------------------------
    def _tasks_changed(self, _task=None) -> None:
        running = self.runner.running()
        self.busy_bar.setVisible(bool(running))
        self.busy_label.setText(running[-1].label if running else "")

    def _show_problem(self, title: str, text: str) -> None:
        self.statusBar().showMessage(f"{title}: {text.splitlines()[0] if text else ''}", 8000)
        if self.show_errors:
            box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
            box.setWindowModality(Qt.WindowModality.WindowModal)
            box.open()

    def _route_folder_imports(self) -> None:
        """The Library tab's "Import folder…" buttons go through :meth:`import_folder` too (dataset folders are read
        through their lists; an unclear one asks first)."""
        for button in (self.library_view.import_folder_button, self.library_view.empty_import_button):
            button.clicked.disconnect(self.library_view.choose_folder)
            button.clicked.connect(self.choose_import_folder)

    def choose_import_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self, self.tr("Import a folder of voices"))
        if folder:
            self.import_folder(folder)

    def import_folder(self, folder: str) -> None:
        """A GPT-SoVITS dataset folder imports through its lists; an unclear one asks first (desktop.import_layout)."""
        from .import_layout import import_folder

        import_folder(self.ctx, self.library_view, folder, self)

    def open_settings(self):
        from .dialogs import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(self._settings_applied)
        dialog.open()
        return dialog

    def _settings_applied(self, changed: dict) -> None:
        if "assets.gptsovits_path" in changed:
            self.link_assets(changed["assets.gptsovits_path"])
        if "assets.emotion2vec_path" in changed:
            self.link_emotion_model(changed["assets.emotion2vec_path"])
        if "ui.global_hotkeys" in changed:
            self.cues_view.set_global_hotkeys(bool(changed["ui.global_hotkeys"]))
        if "runtime.vram_limit_mb" in changed:
            self.monitor_view.budget.setValue(int(changed["runtime.vram_limit_mb"]))
            self.monitor_view.apply_budget()
        if "playback.device" in changed:
            device = changed["playback.device"]
            self.ctx.run(lambda t: self.ctx.part("playback").set_device(device), label=self.tr("Switching output"),
                         pool="io", on_done=self._show_audio_state)

    def link_assets(self, path: str | None) -> None:
        """Verify and link a GPT-SoVITS pretrained_models folder (or unlink with None), on a worker."""
        def work(task):
            assets = self.ctx.part("assets")
            if not path:
                assets.unlink()
                return None
            return assets.link(path)

        self.ctx.run(work, label=self.tr("Checking the GPT-SoVITS assets"), on_done=self._assets_linked,
                     on_error=self.ctx.report(self.tr("The GPT-SoVITS assets folder was not linked")))

    def _assets_linked(self, status) -> None:
        if status is None:
            self.ctx.status.emit(self.tr("GPT-SoVITS assets unlinked."))
        else:
            self.ctx.status.emit(self.tr("GPT-SoVITS assets linked: %1").replace("%1", str(status.root)))
            self._frontend_notice(status)
        self.assetsChecked.emit(status)

    def frontend_notes(self, status) -> list[str]:
        """What differs from upstream GPT-SoVITS' text frontend with these assets (empty: nothing)."""
        sources = status.frontend()
        notes = []
        if sources["zh_polyphones"] == "pypinyin":
            notes.append(self.tr("Chinese polyphones are read with pypinyin's dictionary: no usable G2PW model is "
                                 "linked, while GPT-SoVITS always uses G2PW, so some readings differ."))
        elif sources["zh_polyphones"] == "g2pw":
            notes.append(self.tr("Chinese polyphones: G2PW is used without GPT-SoVITS' phrase corrections "
                                 "(polyphonic.rep not found in the linked installation)."))
        if sources["en_dictionary"] != "upstream":
            notes.append(self.tr("English: GPT-SoVITS' own dictionary (cmudict.rep) was not found in the linked "
                                 "installation; a few words are pronounced differently."))
        return notes

    def _frontend_notice(self, status) -> None:
        notes = self.frontend_notes(status)
        self.assets_label.setVisible(bool(notes))
        self.assets_label.setToolTip("\n".join(notes))
        if notes:
            self.ctx.status.emit(notes[0])

    def link_emotion_model(self, path: str | None) -> None:
        """Find, verify and convert an emotion2vec+ model folder (or unlink with None), on a worker."""
        def work(task):
            assets = self.ctx.part("assets")
            if not path:
                assets.unlink_emotion2vec()
                return None
            return assets.link_emotion2vec(path)

        def done(state) -> None:
            if state is None:
                self.ctx.status.emit(self.tr("Emotion model unlinked: emotion suggestions are a weak guess from prosody."))
            else:
                self.ctx.status.emit(self.tr("Emotion model linked: %1. Analyse the library to hear each clip's emotion.")
                                     .replace("%1", str(state.detail)))
            self.emotionModelLinked.emit(state)

        self.ctx.run(work, label=self.tr("Checking the emotion model"), on_done=done,
                     on_error=self.ctx.report(self.tr("The emotion model was not linked")))

    def check_audio(self) -> None:
        """Open the audio output on a worker (imports sounddevice there) and say when there is no sound."""
        self.ctx.run(lambda t: self.ctx.part("playback").reason, label=self.tr("Opening the audio output"), pool="io",
                     on_done=self._show_audio_state)

    def audio_reason_text(self, reason: str) -> str:
        """The engine's no-sound reason (English, from engine.playback) in the user's language; the raw PortAudio
        detail stays in the tooltip."""
        if reason.startswith("PortAudio is not installed"):
            return self.tr("PortAudio is not installed, so Timbrel cannot play sound "
                           "(on Debian/Ubuntu: sudo apt-get install libportaudio2).")
        if reason.startswith("The 'sounddevice' package is not installed"):
            return self.tr("The 'sounddevice' package is not installed, so Timbrel cannot play sound.")
        if reason.startswith("The audio system reported an error"):
            return self.tr("The audio system reported an error.")
        if reason.startswith("There is no default audio output device"):
            return self.tr("There is no default audio output device.")
        match = re.match(r"There is no '(.*)' audio output device", reason)
        if match:
            return self.tr("There is no audio output device named %1.").replace("%1", match.group(1))
        return self.tr("The audio output could not be opened.")

    def _show_audio_state(self, reason: str | None) -> None:
        self.audio_label.setVisible(bool(reason))
        if reason:
            text = self.audio_reason_text(reason)
            self.audio_label.setText(self.tr("🔇 No sound"))
            self.audio_label.setToolTip(self.tr("Audio goes to a silent output: %1").replace("%1", text)
                                        + "\n" + reason)
            self.ctx.status.emit(self.tr("No sound: %1").replace("%1", text))
        self.audioChecked.emit(reason or "")

    def check_assets(self) -> None:
        """At start: say so when a linked assets folder is unusable (missing drive, moved folder)."""
        if not self.engine.settings.get("assets.gptsovits_path"):
            return

        def done(status) -> None:
            if not status.ready:
                bad = [i.name for i in status.items if i.required and not i.ok]
                self.ctx.status.emit(self.tr("The linked GPT-SoVITS assets are incomplete (%1): GPT-SoVITS voices "
                                             "cannot speak until this is fixed in Settings.").replace("%1", ", ".join(bad)))
            else:
                self._frontend_notice(status)
            self.assetsChecked.emit(status)

        self.ctx.run(lambda t: self.ctx.part("assets").status(), label=self.tr("Checking the GPT-SoVITS assets"),
                     pool="io", on_done=done)

    def about(self) -> None:
        from engine.api import __version__

        QMessageBox.about(self, self.tr("About Timbrel"),
                          self.tr("Timbrel %1\nHundreds of cloned voices on one GPU.").replace("%1", __version__))
