"""Library view: voices (search, tags, cluster, emotion coverage), a voice's clips, drag-and-drop import."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QSplitter, QStackedWidget, QStyledItemDelegate,
                               QTableView, QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout, QWidget)

from engine.api import EMOTIONS, TimbrelError

from ..adapters import VoiceRow, cluster_name
from ..waveform import WAVEFORM_ROLE, paint_peaks, read_peaks
from .common import CancelFlag, Latest, progress_adapter
from ..qtfix import keep_none_alive

keep_none_alive()   # PySide6 6.12 / Python 3.11 drops references to None in painter calls

log = logging.getLogger(__name__)


FETCH_ROWS = 500          # rows a table receives per fetch (the view asks for more as it scrolls)
POLL_MS = 1500            # how often the library tab checks whether another process changed the catalog


def summary_row(d: dict, assignment: dict | None = None) -> VoiceRow:
    """A table row from ``Library.voice_summaries()`` (no clips loaded)."""
    row = VoiceRow(id=int(d["id"]), name=str(d["name"]), clips=int(d["clips"]), seconds=float(d["seconds"]),
                   tags=tuple(d.get("tags", ())), languages=tuple(d.get("languages", ())),
                   emotions=tuple(d.get("emotions", ())), version=int(d.get("version", 0)))
    if assignment is not None:
        row.cluster_id = assignment.get("cluster_id")
        row.cluster_label = str(assignment.get("label") or "")
        row.pinned = bool(assignment.get("pinned"))
    return row


class VoiceModel(QAbstractTableModel):
    """The voices table. Holds light rows for every voice (no clips), filters and sorts them itself, and hands
    the view ``FETCH_ROWS`` rows at a time (``canFetchMore``/``fetchMore``), so 10,000 voices open, filter and
    sort without creating 10,000 rows of cells up front."""

    COLUMNS = ("name", "clips", "length", "tags", "cluster", "emotions")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.all_rows: list[VoiceRow] = []
        self.rows: list[VoiceRow] = []          # filtered and sorted: what the table shows (fetched or not)
        self.fetched = 0
        self._needles: list[str] = []
        self._filter = ""
        self._sort = (0, Qt.SortOrder.AscendingOrder)

    def headers(self) -> list[str]:
        return [self.tr("Voice"), self.tr("Clips"), self.tr("Length"), self.tr("Tags"), self.tr("Cluster"),
                self.tr("Emotions")]

    def set_rows(self, rows: list[VoiceRow]) -> None:
        self.all_rows = rows
        self._needles = [" ".join([r.name, *r.tags, cluster_name(r.cluster_id, r.cluster_label), *r.languages]).casefold()
                         for r in rows]
        self._apply()

    def set_filter(self, text: str) -> None:
        text = (text or "").strip().casefold()
        if text != self._filter:
            self._filter = text
            self._apply()

    def _sort_key(self, column: int):
        col = self.COLUMNS[column]
        return {
            "name": lambda r: r.name.casefold(),
            "clips": lambda r: r.clips,
            "length": lambda r: r.seconds,
            "tags": lambda r: ", ".join(r.tags).casefold(),
            "cluster": lambda r: (r.cluster_id is None, cluster_name(r.cluster_id, r.cluster_label).casefold()),
            "emotions": lambda r: len(r.emotions),
        }[col]

    def _apply(self) -> None:
        self.beginResetModel()
        if self._filter:
            f = self._filter
            rows = [r for r, n in zip(self.all_rows, self._needles) if f in n]
        else:
            rows = list(self.all_rows)
        column, order = self._sort
        rows.sort(key=self._sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder)
        self.rows = rows
        self.fetched = min(len(rows), FETCH_ROWS)
        self.endResetModel()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._apply()
        self.layoutChanged.emit()

    def row_of(self, name: str) -> int | None:
        """Row of a voice in the current (filtered) list, fetching rows up to it."""
        for i, r in enumerate(self.rows):
            if r.name == name:
                if i >= self.fetched:
                    self.beginInsertRows(QModelIndex(), self.fetched, i)
                    self.fetched = i + 1
                    self.endInsertRows()
                return i
        return None

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and self.fetched < len(self.rows)

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802
        if parent.isValid():
            return
        more = min(FETCH_ROWS, len(self.rows) - self.fetched)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self.fetched, self.fetched + more - 1)
        self.fetched += more
        self.endInsertRows()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self.fetched

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= self.fetched:
            return None
        r = self.rows[index.row()]
        col = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "name":
                return r.name
            if col == "clips":
                return r.clips
            if col == "length":
                return self.tr("%1 s").replace("%1", f"{r.seconds:.1f}")
            if col == "tags":
                return ", ".join(r.tags)
            if col == "cluster":
                name = cluster_name(r.cluster_id, r.cluster_label)
                return f"{name} 📌" if name and r.pinned else name
            if col == "emotions":
                return f"{len(r.emotions)}/{len(EMOTIONS) - 2}  " + " ".join(r.emotions)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == "emotions":
                missing = [emotion_label(e) for e in COVERAGE_EMOTIONS if e not in r.emotions]
                return self.tr("Has: %1\nMissing: %2").replace(
                    "%1", ", ".join(emotion_label(e) for e in r.emotions) or "-").replace("%2", ", ".join(missing) or "-")
            if col in ("name", "cluster", "tags"):
                return self.data(index, Qt.ItemDataRole.DisplayRole) or None
        if role == Qt.ItemDataRole.UserRole:
            return r.name
        if role == COVERAGE_ROLE and col == "emotions":
            return set(r.emotions)
        if role == Qt.ItemDataRole.UserRole + 1:  # filter text: name + tags + cluster
            return " ".join([r.name, *r.tags, cluster_name(r.cluster_id, r.cluster_label), *r.languages])
        if role == Qt.ItemDataRole.TextAlignmentRole and col in ("clips", "length"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


COVERAGE_EMOTIONS = tuple(e for e in EMOTIONS if e not in ("other", "unknown"))
EMOTION_COLORS = {"angry": "#d62728", "disgusted": "#8c564b", "fearful": "#9467bd", "happy": "#f2b600",
                  "neutral": "#7f7f7f", "sad": "#1f77b4", "surprised": "#17becf"}
COVERAGE_ROLE = Qt.ItemDataRole.UserRole + 2


class CoverageDelegate(QStyledItemDelegate):
    """Emotion coverage as one dot per emotion: filled when the voice has a clip with it, hollow when not."""

    def paint(self, painter, option, index) -> None:
        from PySide6.QtGui import QBrush, QColor, QPen
        from PySide6.QtWidgets import QStyle

        have = index.data(COVERAGE_ROLE)
        if have is None:
            super().paint(painter, option, index)
            return
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        painter.save()
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        d = min(10.0, option.rect.height() - 8.0)
        y = option.rect.center().y() - d / 2
        x = option.rect.left() + 6.0
        for emo in COVERAGE_EMOTIONS:
            color = QColor(EMOTION_COLORS[emo])
            painter.setPen(QPen(color, 1.5))
            painter.setBrush(QBrush(color) if emo in have else QBrush())
            painter.drawEllipse(QRectF(x, y, d, d))
            x += d + 4.0
        painter.restore()


class WaveformDelegate(QStyledItemDelegate):
    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)
        paint_peaks(painter, QRectF(option.rect).adjusted(2, 3, -2, -3), index.data(WAVEFORM_ROLE),
                    option.palette.highlight().color())


class ClipTable(QTableWidget):
    PLAY, WAVE, TRANSCRIPT, EMOTION, LANGUAGE, LENGTH, HEARD = range(7)


class LibraryView(QWidget):
    """Voices on the left, the selected voice's clips on the right; drop files or folders anywhere to import."""

    importFinished = Signal(object)     # the importer's result
    clipsShown = Signal(str)            # voice name, after its clips are on screen
    clipEdited = Signal(int)            # clip id, after the change is saved
    voicesLoaded = Signal(int)          # number of voices shown
    voiceRenamed = Signal(str, str)     # old name, new name
    voiceDeleted = Signal(str)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._latest_clips = Latest()
        self.setAcceptDrops(True)
        self.current_voice: str | None = None
        self.clips: list = []
        self.import_task = None
        self.last_summary = ""
        self._clips_version: tuple[str, int] | None = None
        self._loading = False

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
        self.voices = QTableView()
        self.voices.setModel(self.proxy)
        self.voices.setSortingEnabled(True)
        self.voices.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.voices.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.voices.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.voices.verticalHeader().hide()
        self.voices.horizontalHeader().setStretchLastSection(True)
        self.voices.setAlternatingRowColors(True)
        self.voices.setWordWrap(False)
        self.voices.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.voices.verticalHeader().setDefaultSectionSize(self.voices.fontMetrics().height() + 8)

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
        self.clip_table = ClipTable(0, 7)
        self.clip_table.setHorizontalHeaderLabels(
            ["", self.tr("Waveform"), self.tr("Transcript"), self.tr("Emotion"), self.tr("Language"), self.tr("Length"),
             self.tr("Heard as")])
        self.clip_table.setItemDelegateForColumn(ClipTable.WAVE, WaveformDelegate(self.clip_table))
        self.clip_table.verticalHeader().hide()
        header = self.clip_table.horizontalHeader()
        # the transcript takes the room; the other columns are as narrow as their content allows
        header.setStretchLastSection(False)
        header.setSectionResizeMode(ClipTable.TRANSCRIPT, QHeaderView.ResizeMode.Stretch)
        hfm = header.fontMetrics()

        def fit(col: int, content: int) -> None:
            label = self.clip_table.horizontalHeaderItem(col).text()
            self.clip_table.setColumnWidth(col, max(content, hfm.horizontalAdvance(label) + 16))

        cfm = self.clip_table.fontMetrics()
        fit(ClipTable.PLAY, 36)
        fit(ClipTable.WAVE, 100)
        fit(ClipTable.EMOTION, max(cfm.horizontalAdvance(t) for t in [self.tr("(none)"), *map(emotion_label, EMOTIONS)]) + 40)
        fit(ClipTable.LANGUAGE, cfm.horizontalAdvance("yue") + 16)
        fit(ClipTable.LENGTH, cfm.horizontalAdvance("00.00 s") + 16)
        fit(ClipTable.HEARD, 64)
        self.clip_table.setWordWrap(False)
        self.clip_table.verticalHeader().setDefaultSectionSize(40)
        self.clip_table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                        | QAbstractItemView.EditTrigger.EditKeyPressed)
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
        self.voices.horizontalHeader().setDefaultSectionSize(64)
        self.voices.setColumnWidth(0, 130)
        self.voices.setColumnWidth(1, 48)
        self.voices.setColumnWidth(VoiceModel.COLUMNS.index("emotions"), 112)
        self.voices.setItemDelegateForColumn(VoiceModel.COLUMNS.index("emotions"), CoverageDelegate(self.voices))

        # empty library
        self.empty = QWidget()
        el = QVBoxLayout(self.empty)
        el.addStretch(1)
        msg = QLabel(self.tr("Your library is empty.\nDrop audio files or folders here, or import a folder "
                             "(one sub-folder per voice; emotion names like happy/ or 开心/ become labels)."))
        msg.setAlignment(Qt.AlignmentFlag.AlignCenter)
        msg.setWordWrap(True)
        self.empty_import_button = QPushButton(self.tr("Import a folder…"))
        self.demo_button = QPushButton(self.tr("Add the demo voices"))
        self.demo_button.setToolTip(self.tr("Four small synthetic voices to try the app with."))
        el.addWidget(msg)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.empty_import_button)
        row.addWidget(self.demo_button)
        row.addStretch(1)
        el.addLayout(row)
        el.addStretch(2)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(split)

        # import progress
        self.import_bar = QWidget()
        bl = QHBoxLayout(self.import_bar)
        bl.setContentsMargins(0, 0, 0, 0)
        self.import_label = QLabel()
        self.import_progress = QProgressBar()
        self.import_cancel = QPushButton(self.tr("Cancel"))
        bl.addWidget(self.import_label, 1)
        bl.addWidget(self.import_progress, 2)
        bl.addWidget(self.import_cancel)
        self.import_bar.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.import_bar)

        self.voices.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
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
        ctx.voicesChanged.connect(self.schedule_refresh)
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

        def load(task):
            lib = self.ctx.part("library")
            summaries = lib.voice_summaries()       # aggregates only: no clip objects for 10,000 voices
            assignments = {}
            try:   # one read of the current clustering instead of a query per voice
                from .clustermap import display_names

                infos = list(self.ctx.part("analysis").clusters())
                names = display_names(infos)       # the same names as the cluster map ("Group A" ...)
                for c in infos:
                    pinned = set(getattr(c, "pinned", ()) or ())
                    for name in getattr(c, "voices", ()) or ():
                        assignments[name] = {"cluster_id": c.id, "label": names.get(c.id, c.label),
                                             "pinned": name in pinned}
            except TimbrelError as exc:  # a plain analysis problem: the voices still show, the log says why
                log.warning("voice list without clusters: %s", exc)
                assignments = {}
            return [summary_row(d, assignments.get(d["name"])) for d in summaries]

        self.ctx.run(load, label=self.tr("Loading voices"), pool="io", on_done=self._show_voices,
                     on_error=self._load_failed)

    def _load_failed(self, exc) -> None:
        self._loading = False
        self.ctx.report(self.tr("Could not read the library"))(exc)

    def _show_voices(self, rows: list[VoiceRow]) -> None:
        self._loading = False
        keep = self.current_voice
        self.model.set_rows(rows)
        self.stack.setCurrentIndex(1 if rows else 0)
        self._fit_columns(rows)
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

    def _fit_columns(self, rows: list[VoiceRow]) -> None:
        """Name and cluster columns wide enough for their longest text (measured on the longest 64 strings,
        so 10,000 voices cost no more than 21), within limits that keep the clip pane usable."""
        fm = self.voices.fontMetrics()
        pad = 24

        def widest(texts, lo, hi):
            longest = sorted(set(texts), key=len, reverse=True)[:64]
            return max(lo, min(hi, max((fm.horizontalAdvance(t) for t in longest), default=0) + pad))

        self.voices.setColumnWidth(0, widest([r.name for r in rows], 130, 280))
        cluster_col = VoiceModel.COLUMNS.index("cluster")
        self.voices.setColumnWidth(cluster_col, widest(
            [cluster_name(r.cluster_id, r.cluster_label) + (" 📌" if r.pinned else "") for r in rows], 64, 220))
        self.voices.setColumnWidth(VoiceModel.COLUMNS.index("tags"), widest([", ".join(r.tags) for r in rows], 64, 240))
        if rows and not self._split_fitted:
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
        except Exception:   # the library is closing or not reachable: try again at the next tick
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

    def _voice_menu(self, pos) -> None:
        from PySide6.QtWidgets import QMenu

        index = self.voices.indexAt(pos)
        name = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        if not name:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Rename…"), lambda: self.ask_rename(name))
        menu.addAction(self.tr("Delete…"), lambda: self.ask_delete(name))
        menu.popup(self.voices.viewport().mapToGlobal(pos))

    def ask_rename(self, name: str) -> None:
        from PySide6.QtWidgets import QInputDialog

        new, ok = QInputDialog.getText(self, self.tr("Rename voice"), self.tr("New name for “%1”:").replace("%1", name),
                                       text=name)
        if ok and new.strip() and new.strip() != name:
            self.rename_voice(name, new.strip())

    def rename_voice(self, name: str, new: str) -> None:
        def work(task):
            with self.ctx.part("library").edit(name, action="rename", summary=f"renamed to {new}") as ed:
                ed.rename(new)
            return new

        def done(result: str) -> None:
            if self.current_voice == name:
                self.current_voice = result
            self.schedule_refresh()
            self.voiceRenamed.emit(name, result)

        self.ctx.run(work, label=self.tr("Renaming the voice"), on_done=done,
                     on_error=self.ctx.report(self.tr("Could not rename the voice")))

    def ask_delete(self, name: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self, self.tr("Delete voice"),
            self.tr("Delete “%1” with its clips and cues? Its history is deleted too; clip audio other voices use "
                    "is kept.").replace("%1", name))
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_voice(name)

    def delete_voice(self, name: str) -> None:
        def done(_result) -> None:
            if self.current_voice == name:
                self.current_voice = None
                self.detail_stack.setCurrentIndex(0)
            self.schedule_refresh()
            self.voiceDeleted.emit(name)

        self.ctx.run(lambda t: self.ctx.part("library").delete_voice(name), label=self.tr("Deleting the voice"),
                     on_done=done, on_error=self.ctx.report(self.tr("Could not delete the voice")))

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
        table = self.clip_table
        table.blockSignals(True)
        table.setRowCount(len(self.clips))
        for row, clip in enumerate(self.clips):
            play = QToolButton()
            play.setText("▶")
            play.setToolTip(self.tr("Play this clip"))
            play.setObjectName(f"play-{clip.id}")
            play.clicked.connect(lambda _=False, c=clip, p=paths[row]: self.play_clip(c, p))
            table.setCellWidget(row, ClipTable.PLAY, play)
            wave = QTableWidgetItem()
            wave.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            table.setItem(row, ClipTable.WAVE, wave)
            text = QTableWidgetItem(clip.transcript)
            text.setToolTip(clip.transcript)
            text.setData(Qt.ItemDataRole.UserRole, clip.id)
            table.setItem(row, ClipTable.TRANSCRIPT, text)
            combo = QComboBox()
            combo.addItem(self.tr("(none)"), None)
            for emo in EMOTIONS:
                combo.addItem(emotion_label(emo), emo)
            combo.setCurrentIndex(max(0, combo.findData(clip.emotion)) if clip.emotion else 0)
            combo.setToolTip(self.tr("Emotion label (source: %1)").replace("%1", clip.emotion_source or "-"))
            combo.currentIndexChanged.connect(lambda _i, c=clip, w=combo: self.set_emotion(c.id, w.currentData()))
            table.setCellWidget(row, ClipTable.EMOTION, combo)
            for col, value in ((ClipTable.LANGUAGE, clip.language or ""), (ClipTable.LENGTH, f"{clip.duration:.2f} s")):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                table.setItem(row, col, item)
            table.setItem(row, ClipTable.HEARD, self._heard_item(heard.get(clip.id)))
        table.blockSignals(False)
        self.detail_stack.setCurrentIndex(1)
        self.clipsShown.emit(voice.name)
        name = voice.name
        self.ctx.run(lambda t: [read_peaks(p) for p in paths], label=self.tr("Drawing waveforms"), pool="io",
                     on_done=lambda peaks: self._show_peaks(name, peaks))

    def _show_peaks(self, name: str, peaks) -> None:
        if name != self.current_voice or len(peaks) != self.clip_table.rowCount():
            return
        self.clip_table.blockSignals(True)
        for row, pk in enumerate(peaks):
            item = self.clip_table.item(row, ClipTable.WAVE)
            if item is not None:
                item.setData(WAVEFORM_ROLE, pk)
        self.clip_table.blockSignals(False)

    def _heard_item(self, pred) -> QTableWidgetItem:
        """The emotion emotion2vec+ hears in the clip, with its confidence (empty before analysis / without a model)."""
        item = QTableWidgetItem("" if pred is None else f"{emotion_label(pred.top)} {pred.confidence:.2f}")
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        if pred is not None:
            best = sorted(pred.probabilities.items(), key=lambda kv: -kv[1])[:3]
            item.setToolTip(self.tr("emotion2vec+ (%1): %2").replace("%1", pred.model_id)
                            .replace("%2", ", ".join(f"{emotion_label(e)} {p:.2f}" for e, p in best)))
        return item

    def emotion_combo(self, row: int) -> QComboBox:
        return self.clip_table.cellWidget(row, ClipTable.EMOTION)

    def play_button(self, row: int) -> QToolButton:
        return self.clip_table.cellWidget(row, ClipTable.PLAY)

    def set_emotion(self, clip_id: int, emotion: str | None) -> None:
        voice = self.current_voice

        def save(task):
            with self.ctx.part("library").edit(voice, action="label", summary=f"clip {clip_id} emotion → {emotion}") as ed:
                ed.update_clip(clip_id, emotion=emotion, emotion_source="user" if emotion else None)
            return clip_id

        self.ctx.run(save, label=self.tr("Saving label"), on_done=self.clipEdited.emit,
                     on_error=self.ctx.report(self.tr("Could not change the label")))

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != ClipTable.TRANSCRIPT:
            return
        clip_id = item.data(Qt.ItemDataRole.UserRole)
        text, voice = item.text(), self.current_voice

        def save(task):
            with self.ctx.part("library").edit(voice, action="edit", summary=f"clip {clip_id} transcript") as ed:
                ed.update_clip(clip_id, transcript=text)
            return clip_id

        self.ctx.run(save, label=self.tr("Saving transcript"), on_done=self.clipEdited.emit,
                     on_error=self.ctx.report(self.tr("Could not change the transcript")))

    def _save_tags(self) -> None:
        voice = self.current_voice
        if not voice:
            return
        tags = [t.strip() for t in self.tags_edit.text().replace("，", ",").split(",") if t.strip()]

        def save(task):
            with self.ctx.part("library").edit(voice, action="tags", summary="tags") as ed:
                ed.set_tags(tags)

        self.ctx.run(save, label=self.tr("Saving tags"), on_error=self.ctx.report(self.tr("Could not save the tags")))

    def play_clip(self, clip, path: str) -> None:
        def play(task):
            from engine.api import read_audio

            samples, rate = read_audio(path)
            return self.ctx.part("playback").play(samples, rate, label=f"clip {clip.id}")

        self.ctx.run(play, label=self.tr("Playing"), pool="io", on_error=self.ctx.report(self.tr("Could not play the clip")))

    # -- importing ---------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Import a folder of voices"))
        if folder:
            self.import_paths([folder])

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Import audio files"), "", self.tr("Audio (*.wav *.flac *.ogg *.mp3 *.list);;All files (*)"))
        if files:
            self.import_paths(files)

    def import_paths(self, paths: list[str]) -> None:
        if self.import_task is not None:
            self.ctx.status.emit(self.tr("An import is already running."))
            return
        self.import_label.setText(self.tr("Importing %n item(s)…", "", len(paths)))
        self.import_progress.setRange(0, 0)
        self.import_bar.show()

        def work(task):
            importer = self.ctx.part("importer")
            return importer.import_paths(list(paths), progress=progress_adapter(task), cancel=CancelFlag(task))

        self.import_task = self.ctx.run(work, label=self.tr("Importing"), on_progress=self._import_progress,
                                        on_done=self._import_done, on_error=self._import_failed)

    def _import_progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.import_progress.setRange(0, total)
            self.import_progress.setValue(min(done, total))
        if text:
            self.import_label.setText(self.tr("Importing %1").replace("%1", Path(text).name))

    def cancel_import(self) -> None:
        if self.import_task is not None:
            self.import_task.cancel()
            self.import_label.setText(self.tr("Cancelling…"))

    def _import_done(self, result) -> None:
        self.import_task = None
        self.import_bar.hide()
        self.last_summary = self.summarize(result)
        self.ctx.status.emit(self.last_summary)
        rejected = list(getattr(result, "rejected", []) or [])
        if rejected:
            lines = [f"{Path(f.path).name}: {f.reason or '-'}" for f in rejected[:12]]
            if len(rejected) > 12:
                lines.append(self.tr("… and %1 more").replace("%1", str(len(rejected) - 12)))
            self.ctx.problem.emit(self.tr("Some files were not imported"), "\n".join([self.last_summary, "", *lines]))
        self.schedule_refresh()
        self.importFinished.emit(result)

    def summarize(self, report) -> str:
        """One sentence about an import (the importer's report)."""
        clips = int(getattr(report, "clips_added", 0) or 0)
        voices = len([v for v in getattr(report, "voices", []) or [] if getattr(v, "clips_added", 0)])
        dups = int(getattr(report, "duplicates", 0) or 0)
        bad = len(getattr(report, "rejected", []) or [])
        text = self.tr("Imported %1 clip(s) into %2 voice(s).").replace("%1", str(clips)).replace("%2", str(voices))
        if dups:
            text += " " + self.tr("%1 duplicate(s) skipped.").replace("%1", str(dups))
        if bad:
            text += " " + self.tr("%1 file(s) rejected.").replace("%1", str(bad))
        if getattr(report, "cancelled", False):
            text += " " + self.tr("Cancelled: voices finished before the cancel were kept.")
        return text

    def _import_failed(self, exc) -> None:
        self.import_task = None
        self.import_bar.hide()
        self.ctx.report(self.tr("Import failed"))(exc)
        self.schedule_refresh()
        self.importFinished.emit(exc)

    def install_demo(self, only_if_empty: bool = False) -> None:
        """Add the demo voices on a worker thread (``only_if_empty``: the first-run case, a no-op otherwise)."""
        def work(task):
            if only_if_empty:
                return self.ctx.engine.demo.install_if_empty()
            return self.ctx.engine.demo.install()

        self.demo_button.setEnabled(False)
        self.ctx.run(work, label=self.tr("Adding the demo voices"), on_done=self._demo_done,
                     on_error=lambda exc: (self.demo_button.setEnabled(True),
                                           self.ctx.report(self.tr("Could not add the demo voices"))(exc)))

    def _demo_done(self, result) -> None:
        self.demo_button.setEnabled(True)
        if result is not None:
            self.ctx.status.emit(self.tr("Demo voices added."))
        self.schedule_refresh()
        self.importFinished.emit(result)

    # -- drag and drop -----------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)


def heard_as(ctx, clips) -> dict:
    """clip id → stored emotion2vec+ prediction (worker thread)."""
    return ctx.part("analysis").clip_emotions(clips)


def emotion_label(emotion: str) -> str:
    from PySide6.QtCore import QCoreApplication

    names = {
        "angry": QCoreApplication.translate("Emotion", "angry"),
        "disgusted": QCoreApplication.translate("Emotion", "disgusted"),
        "fearful": QCoreApplication.translate("Emotion", "fearful"),
        "happy": QCoreApplication.translate("Emotion", "happy"),
        "neutral": QCoreApplication.translate("Emotion", "neutral"),
        "other": QCoreApplication.translate("Emotion", "other"),
        "sad": QCoreApplication.translate("Emotion", "sad"),
        "surprised": QCoreApplication.translate("Emotion", "surprised"),
        "unknown": QCoreApplication.translate("Emotion", "unknown"),
    }
    return names.get(emotion, emotion)
