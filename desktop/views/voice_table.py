"""The Library tab's voices table model: light rows for every voice (no clips), filtered and sorted in Python and
handed to the view a page at a time, so 10,000 voices open, filter and sort without 10,000 rows of cells."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from engine.api import EMOTIONS

from ..adapters import VoiceRow, cluster_name
from .emotions import COVERAGE_EMOTIONS, emotion_label

FETCH_ROWS = 500          # rows a table receives per fetch (the view asks for more as it scrolls)
COVERAGE_ROLE = Qt.ItemDataRole.UserRole + 2
FILTER_ROLE = Qt.ItemDataRole.UserRole + 1


def summary_row(d: dict, assignment: dict | None = None) -> VoiceRow:
    """A table row from ``Library.voice_summaries()`` (no clips loaded)."""
    row = VoiceRow(id=int(d["id"]), name=str(d["name"]), clips=int(d["clips"]), seconds=float(d["seconds"]),
                   tags=tuple(d.get("tags", ())), languages=tuple(d.get("languages", ())),
                   emotions=tuple(d.get("emotions", ())), version=int(d.get("version", 0)))
    if assignment is not None:
        assign_cluster(row, assignment)
    return row


def assign_cluster(row: VoiceRow, assignment: dict | None) -> None:
    """Put a voice's cluster (``{"cluster_id", "label", "pinned"}``, or None: no cluster) on its row."""
    assignment = assignment or {}
    row.cluster_id = assignment.get("cluster_id")
    row.cluster_label = str(assignment.get("label") or "")
    row.pinned = bool(assignment.get("pinned"))


def search_text(r: VoiceRow) -> str:
    """What the search box matches: name, tags, cluster name and languages."""
    return " ".join([r.name, *r.tags, cluster_name(r.cluster_id, r.cluster_label), *r.languages])


def cluster_text(r: VoiceRow) -> str:
    name = cluster_name(r.cluster_id, r.cluster_label)
    return f"{name} 📌" if name and r.pinned else name


_SORT_KEYS = {
    "name": lambda r: r.name.casefold(),
    "clips": lambda r: r.clips,
    "length": lambda r: r.seconds,
    "tags": lambda r: ", ".join(r.tags).casefold(),
    "cluster": lambda r: (r.cluster_id is None, cluster_name(r.cluster_id, r.cluster_label).casefold()),
    "emotions": lambda r: len(r.emotions),
}


class VoiceModel(QAbstractTableModel):
    """The voices table. Every voice's row is kept sorted (re-sorted only when the order or the rows change); the
    search keeps the matching rows of that sorted list, narrowing the previous result while the user types on, and
    the view receives ``FETCH_ROWS`` rows at a time (``canFetchMore``/``fetchMore``)."""

    COLUMNS = ("name", "clips", "length", "tags", "cluster", "emotions")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.all_rows: list[VoiceRow] = []
        self.rows: list[VoiceRow] = []          # filtered and sorted: what the table shows (fetched or not)
        self.fetched = 0
        self._ordered: list[tuple[str, VoiceRow]] = []     # (search text, row) for every voice, sorted
        self._shown: list[tuple[str, VoiceRow]] = []       # the ones matching the search
        self._filter = ""
        self._sort = (0, Qt.SortOrder.AscendingOrder)

    def headers(self) -> list[str]:
        return [self.tr("Voice"), self.tr("Clips"), self.tr("Length"), self.tr("Tags"), self.tr("Cluster"),
                self.tr("Emotions")]

    # -- rows, search and order --------------------------------------------------------------------
    def set_rows(self, rows: list[VoiceRow]) -> None:
        self.all_rows = rows
        self._resort()

    def rows_changed(self) -> bool:
        """The rows' cluster fields changed in place (clusters arrive after the voices): search text, order and the
        visible cells follow. True when the table was reset (rows came, went or moved), False when only the
        cluster cells were repainted (the selection and scroll position stay)."""
        column, order = self._sort
        if self.COLUMNS[column] == "cluster":
            rows = sorted(self.all_rows, key=_SORT_KEYS["cluster"], reverse=order == Qt.SortOrder.DescendingOrder)
        else:
            rows = [r for _, r in self._ordered]
        ordered = [(search_text(r).casefold(), r) for r in rows]
        f = self._filter
        shown = [p for p in ordered if f in p[0]] if f else ordered
        if len(shown) != len(self.rows) or any(a is not b for (_, a), b in zip(shown, self.rows)):
            self._ordered = ordered
            self._refilter(ordered)
            return True
        self._ordered, self._shown = ordered, list(shown)
        if self.fetched:
            col = self.COLUMNS.index("cluster")
            self.dataChanged.emit(self.index(0, col), self.index(self.fetched - 1, col))
        return False

    def set_filter(self, text: str) -> None:
        text = (text or "").strip().casefold()
        if text == self._filter:
            return
        narrower = bool(self._filter) and self._filter in text     # typing on: search the previous result only
        self._filter = text
        self._refilter(self._shown if narrower else self._ordered)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._resort()
        self.layoutChanged.emit()

    def _resort(self) -> None:
        column, order = self._sort
        key = _SORT_KEYS[self.COLUMNS[column]]
        rows = sorted(self.all_rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self._ordered = [(search_text(r).casefold(), r) for r in rows]
        self._refilter(self._ordered)

    def _refilter(self, candidates: list[tuple[str, VoiceRow]]) -> None:
        f = self._filter
        shown = [p for p in candidates if f in p[0]] if f else list(candidates)
        self.beginResetModel()
        self._shown = shown
        self.rows = [r for _, r in shown]
        self.fetched = min(len(self.rows), FETCH_ROWS)
        self.endResetModel()

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

    # -- Qt model interface ------------------------------------------------------------------------
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
            return self._display(r, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(r, col)
        if role == Qt.ItemDataRole.UserRole:
            return r.name
        if role == COVERAGE_ROLE and col == "emotions":
            return set(r.emotions)
        if role == FILTER_ROLE:
            return search_text(r)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in ("clips", "length"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, r: VoiceRow, col: str):
        if col == "name":
            return r.name
        if col == "clips":
            return r.clips
        if col == "length":
            return self.tr("%1 s").replace("%1", f"{r.seconds:.1f}")
        if col == "tags":
            return ", ".join(r.tags)
        if col == "cluster":
            return cluster_text(r)
        return f"{len(r.emotions)}/{len(EMOTIONS) - 2}  " + " ".join(r.emotions)

    def _tooltip(self, r: VoiceRow, col: str):
        if col == "emotions":
            missing = [emotion_label(e) for e in COVERAGE_EMOTIONS if e not in r.emotions]
            return self.tr("Has: %1\nMissing: %2").replace(
                "%1", ", ".join(emotion_label(e) for e in r.emotions) or "-").replace("%2", ", ".join(missing) or "-")
        if col in ("name", "cluster", "tags"):
            return self._display(r, col) or None
        return None
