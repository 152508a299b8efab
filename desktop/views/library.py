"""Library view: voices (search, tags, cluster, emotion coverage), a voice's clips, drag-and-drop import.

The pieces live beside it: the voices table model (``voice_table``), its painted columns (``library_delegates``),
the clip table (``clip_table``) and the empty-library / import-progress panels (``library_panels``).
"""

from __future__ import annotations

import logging
import sqlite3

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSplitter,
                               QStackedWidget, QTableView, QToolButton, QVBoxLayout, QWidget)

from engine.api import TimbrelError

from ..adapters import VoiceRow
from ..waveform import read_peaks
from .clip_table import ClipTable
from .common import Latest
from .emotions import emotion_label  # noqa: F401  (re-exported: other modules and tests name it from here)
from .library_delegates import CoverageDelegate
from .library_edits import LibraryEdits
from .library_import import LibraryImports
from .library_panels import EmptyLibrary, ImportBar
from .voice_table import (COVERAGE_ROLE, FETCH_ROWS, VoiceModel, assign_cluster, cluster_text,  # noqa: F401
                          longest, summary_row, with_clusters)

log = logging.getLogger(__name__)

POLL_MS = 1500            # how often the library tab checks whether another process changed the catalog


def voice_rows(ctx, assignments: dict[str, dict]) -> tuple[list[VoiceRow], dict[str, list[str]]]:
    """Every voice as a light table row with the clusters known so far (worker thread; aggregates only, no clip
    objects), and the longest texts of the columns sized to fit (see ``column_texts``)."""
    rows = [summary_row(d, assignments.get(d["name"])) for d in ctx.part("library").voice_summaries()]
    return rows, column_texts(rows)


def column_texts(rows: list[VoiceRow]) -> dict[str, list[str]]:
    """Per fitted column, the longest texts its width is measured on."""
    return {"name": longest(r.name for r in rows), "tags": longest(", ".join(r.tags) for r in rows),
            "cluster": longest(cluster_text(r) for r in rows)}


def clustered_rows(ctx, generation: int, rows: list[VoiceRow]):
    """The current clustering read once, and copies of the table's rows with it (worker thread)."""
    assignments = cluster_assignments(ctx)
    new = with_clusters(rows, assignments)
    return generation, assignments, new, longest(cluster_text(r) for r in new)


def cluster_assignments(ctx) -> dict[str, dict]:
    """voice name → {"cluster_id", "label" (the name the cluster map shows), "pinned"}: one read of the current
    clustering (worker thread). A plain analysis problem leaves the voices without clusters and says why in the log."""
    from .clustermap_style import display_names

    try:
        infos = list(ctx.part("analysis").clusters())
    except TimbrelError as exc:
        log.warning("voice list without clusters: %s", exc)
        return {}
    names = display_names(infos)       # the same names as the cluster map ("Group A" ...)
    out = {}
    for c in infos:
        pinned = set(c.pinned or ())
        for name in c.voices or ():
            out[name] = {"cluster_id": c.id, "label": names.get(c.id, c.label), "pinned": name in pinned}
    return out


class LibraryView(LibraryEdits, LibraryImports, QWidget):
    """Voices on the left, the selected voice's clips on the right; drop files or folders anywhere to import.

    Opening is quick at any size: the voices arrive first (one aggregate query), their clusters a moment later
    (``clustersLoaded``), and a voice's clips only when it is shown."""

    importFinished = Signal(object)     # the importer's result
    clipsShown = Signal(str)            # voice name, after its clips are on screen
    clipEdited = Signal(int)            # clip id, after the change is saved
    voicesLoaded = Signal(int)          # number of voices shown
    clustersLoaded = Signal(int)        # number of voices in a cluster, after the cluster column is filled
    voiceRenamed = Signal(str, str)     # old name, new name
    voiceDeleted = Signal(str)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._latest_clips = Latest()
        self._latest_clusters = Latest()
        self.setAcceptDrops(True)
        self.current_voice: str | None = None
        self.clips: list = []
        self.import_task = None
        self.last_summary = ""
        self._clips_version: tuple[str, int] | None = None
        self._loading = False
        self._assignments: dict[str, dict] = {}

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search voices, tags, clusters…"))
        self.search.setClearButtonEnabled(True)
        self.import_folder_button = QPushButton(self.tr("Import folder…"))
        self.import_files_button = QPushButton(self.tr("Import files…"))
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.import_files_button)
        top.addWidget(self.import_folder_button)

        self.model = VoiceModel(self)
        self.proxy = self.model          # the model filters and sorts itself (kept under this name for callers)
        self.voices = self._voices_table()

        # detail panel
        self.voice_title = QLabel()
        self.voice_title.setObjectName("voiceTitle")
        font = self.voice_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.voice_title.setFont(font)
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText(self.tr("tags, separated by commas"))
        tags_row = QHBoxLayout()
        tags_row.addWidget(QLabel(self.tr("Tags:")))
        tags_row.addWidget(self.tags_edit, 1)
        self.clip_table = ClipTable()
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.voice_title)
        dl.addLayout(tags_row)
        dl.addWidget(self.clip_table, 1)
        self.detail_stack = QStackedWidget()
        self.no_voice = QLabel(self.tr("Select a voice to see its clips."))
        self.no_voice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_stack.addWidget(self.no_voice)
        self.detail_stack.addWidget(detail)

        split = QSplitter()
        split.addWidget(self.voices)
        split.addWidget(self.detail_stack)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([640, 560])
        self.split = split
        self._split_fitted = False

        self.empty = EmptyLibrary()
        self.empty_import_button = self.empty.import_button
        self.demo_button = self.empty.demo_button
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)
        self.import_bar = ImportBar()
        self.import_label, self.import_progress = self.import_bar.label, self.import_bar.progress
        self.import_cancel = self.import_bar.cancel

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.import_bar)
        self._connect()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        # another process (the CLI, a second window) may change the library: SQLite's data_version says so
        self._data_version = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.poll_changes)
        self._poll.start()

    def _voices_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().hide()
        table.horizontalHeader().setStretchLastSection(True)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.horizontalHeader().setDefaultSectionSize(64)
        table.setColumnWidth(0, 130)
        table.setColumnWidth(1, 48)
        emotions = VoiceModel.COLUMNS.index("emotions")
        table.setColumnWidth(emotions, 112)
        table.setItemDelegateForColumn(emotions, CoverageDelegate(table))
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        return table

    def _connect(self) -> None:
        self.voices.customContextMenuRequested.connect(self._voice_menu)
        self.search.textChanged.connect(self.model.set_filter)
        self.voices.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.voices.clicked.connect(self._on_clicked)
        self.import_folder_button.clicked.connect(self.choose_folder)
        self.empty_import_button.clicked.connect(self.choose_folder)
        self.demo_button.clicked.connect(self.install_demo)
        self.import_files_button.clicked.connect(self.choose_files)
        self.import_cancel.clicked.connect(self.cancel_import)
        self.tags_edit.editingFinished.connect(self._save_tags)
        self.clip_table.itemChanged.connect(self._on_item_changed)
        self.ctx.voicesChanged.connect(self.schedule_refresh)

    # -- loading voices ----------------------------------------------------------------------------
    @Slot()
    def schedule_refresh(self) -> None:
        self._refresh_timer.start()

    @Slot()
    def refresh(self) -> None:
        if self._loading:
            self._refresh_timer.start()   # one more after the running load
            return
        self._loading = True
        assignments = self._assignments
        self.ctx.run(lambda t: voice_rows(self.ctx, assignments), label=self.tr("Loading voices"), pool="io",
                     on_done=self._show_voices, on_error=self._load_failed)

    def _load_failed(self, exc) -> None:
        self._loading = False
        self.ctx.report(self.tr("Could not read the library"))(exc)

    def _show_voices(self, result: tuple[list[VoiceRow], dict[str, list[str]]]) -> None:
        rows, texts = result
        self._loading = False
        keep = self.current_voice
        self.model.set_rows(rows)       # with the clusters known so far, until the fresh ones arrive (no blinking)
        self.stack.setCurrentIndex(1 if rows else 0)
        self._fit_columns(texts, first=bool(rows))
        if keep is not None and not self.select_voice(keep, load=False):
            self.current_voice = None
            self.detail_stack.setCurrentIndex(0)
        elif keep is not None:
            row = next((r for r in rows if r.name == keep), None)
            if row is not None and self._clips_version != (keep, row.version):
                self.load_clips(keep)   # only when the voice changed: never rebuild the table under the user
        if self.current_voice is None and self.model.rows:
            # never leave the clip pane empty beside a full table: show the first voice
            first = self.model.rows[0].name
            if self.select_voice(first):
                self.ctx.voiceSelected.emit(first)
        self.voicesLoaded.emit(len(rows))
        generation, snapshot = self.model.generation, list(self.model.all_rows)
        self.ctx.run(lambda t: clustered_rows(self.ctx, generation, snapshot), label=self.tr("Loading voices"),
                     pool="io", on_done=self._latest_clusters.wrap(self._show_clusters),
                     on_error=self._load_failed_quietly)

    def _load_failed_quietly(self, exc) -> None:
        log.warning("voice list without clusters: %s", exc)

    def _show_clusters(self, result) -> None:
        """The clusters arrived (prepared on a worker): the cluster column fills in place."""
        generation, assignments, rows, texts = result
        self._assignments = assignments
        reset = self.model.replace_rows(generation, rows)
        if reset is None:               # the table changed meanwhile (a sort, a new load): update its own rows
            for r in self.model.all_rows:
                assign_cluster(r, assignments.get(r.name))
            reset = self.model.rows_changed()
            texts = longest(cluster_text(r) for r in self.model.all_rows)
        if reset and self.current_voice is not None:
            self.select_voice(self.current_voice, load=False)
        self._fit_columns({"cluster": texts})
        self.clustersLoaded.emit(len(assignments))

    def _fit_columns(self, texts: dict[str, list[str]], first: bool = False) -> None:
        """Columns wide enough for their longest texts (``texts``: column → the longest ones), within limits that
        keep the clip pane usable; ``first``: the first voices arrived (the splitter is fitted once)."""
        fm = self.voices.fontMetrics()
        limits = {"name": (130, 280), "tags": (64, 240), "cluster": (64, 220)}
        for column, candidates in texts.items():
            lo, hi = limits[column]
            width = max((fm.horizontalAdvance(t) for t in candidates), default=0) + 24
            self.voices.setColumnWidth(VoiceModel.COLUMNS.index(column), max(lo, min(hi, width)))
        if first and not self._split_fitted:
            # once, when the first voices arrive: the table as wide as its columns, the clip pane the rest
            header = self.voices.horizontalHeader()
            last = header.count() - 1
            need = (sum(header.sectionSize(i) for i in range(last)) + 112 + 2 * self.voices.frameWidth()
                    + self.voices.verticalScrollBar().sizeHint().width())
            total = sum(self.split.sizes())
            if total > 0:
                self._split_fitted = True
                if total - need >= 480:
                    self.split.setSizes([need, total - need])

    @Slot()
    def poll_changes(self) -> None:
        """Refresh when another process changed the catalog (``Library.data_version()``)."""
        try:
            version = self.ctx.part("library").data_version()
        except (sqlite3.Error, TimbrelError) as exc:   # the library is closing or not reachable: next tick
            log.debug("library change check skipped: %s", exc)
            return
        if self._data_version is not None and version != self._data_version:
            self.schedule_refresh()
        self._data_version = version

    def voice_names(self) -> list[str]:
        """Every voice the table lists with the current search (fetched into the view or not)."""
        return [r.name for r in self.model.rows]

    def select_voice(self, name: str, load: bool = True) -> bool:
        """Select a voice in the table (fetching rows up to it) and show its clips."""
        r = self.model.row_of(name)
        if r is None:
            return False
        idx = self.model.index(r, 0)
        self.voices.selectionModel().blockSignals(True)
        self.voices.setCurrentIndex(idx)
        self.voices.selectionModel().blockSignals(False)
        self.voices.scrollTo(idx)
        self.current_voice = name
        if load and (self._clips_version is None or self._clips_version[0] != name
                     or self.detail_stack.currentIndex() != 1):
            self.load_clips(name)
        return True

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        name = current.data(Qt.ItemDataRole.UserRole) if current.isValid() else None
        if name and name != self.current_voice:
            self.current_voice = name
            self.ctx.voiceSelected.emit(name)
            self.load_clips(name)

    def _on_clicked(self, index: QModelIndex) -> None:
        """A click on the voice already shown (e.g. the first voice, shown at start) reloads its clips."""
        name = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        if name and name == self.current_voice:
            self.load_clips(name)

    # -- a voice's clips ---------------------------------------------------------------------------
    def load_clips(self, name: str) -> None:
        def load(task):
            lib = self.ctx.part("library")
            voice = lib.voice(name)
            return voice, [str(lib.clip_path(c)) for c in voice.clips], heard_as(self.ctx, voice.clips)

        self.ctx.run(load, label=self.tr("Loading clips"), pool="io", on_done=self._latest_clips.wrap(self._show_clips),
                     on_error=self.ctx.report(self.tr("Could not read the voice")))

    def _show_clips(self, result) -> None:
        voice, paths, heard = result
        if voice.name != self.current_voice:
            return
        self.clips = list(voice.clips)
        self._clips_version = (voice.name, voice.version)
        self.voice_title.setText(voice.name)
        self.tags_edit.setText(", ".join(voice.tags))
        self.clip_table.show_clips(self.clips, paths, heard, self.play_clip, self.set_emotion)
        self.detail_stack.setCurrentIndex(1)
        self.clipsShown.emit(voice.name)
        name = voice.name
        self.ctx.run(lambda t: [read_peaks(p) for p in paths], label=self.tr("Drawing waveforms"), pool="io",
                     on_done=lambda peaks: self._show_peaks(name, peaks))

    def _show_peaks(self, name: str, peaks) -> None:
        if name != self.current_voice or len(peaks) != self.clip_table.rowCount():
            return
        self.clip_table.show_peaks(peaks)

    def emotion_combo(self, row: int) -> QComboBox:
        return self.clip_table.emotion_combo(row)

    def play_button(self, row: int) -> QToolButton:
        return self.clip_table.play_button(row)



def heard_as(ctx, clips) -> dict:
    """clip id → stored emotion2vec+ prediction (worker thread)."""
    return ctx.part("analysis").clip_emotions(clips)
