"""The Library tab's voices table model: light rows for every voice (no clips), filtered and sorted in Python and
handed to the view a page at a time, so 10,000 voices open, filter and sort without 10,000 rows of cells."""

from __future__ import annotations

import copy

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from engine.api import EMOTIONS

from ..adapters import VoiceRow, cluster_name
from .emotions import COVERAGE_EMOTIONS, emotion_label

FETCH_ROWS = 500          # rows a table receives per fetch (the view asks for more as it scrolls)
COVERAGE_ROLE = Qt.ItemDataRole.UserRole + 2
FILTER_ROLE = Qt.ItemDataRole.UserRole + 1
_ANSWERED = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ToolTipRole,
                       Qt.ItemDataRole.UserRole, COVERAGE_ROLE, FILTER_ROLE})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def summary_row(d: dict, assignment: dict | None = None) -> VoiceRow:
    """A table row from ``Library.voice_summaries()`` (no clips loaded), with its cluster when one is given."""
    row = VoiceRow(id=int(d["id"]), name=str(d["name"]), clips=int(d["clips"]), seconds=float(d["seconds"]),
                   tags=tuple(d.get("tags", ())), languages=tuple(d.get("languages", ())),
                   emotions=tuple(d.get("emotions", ())), version=int(d.get("version", 0)))
    assign_cluster(row, assignment)
    return row


def assign_cluster(row: VoiceRow, assignment: dict | None) -> None:
    """Put a voice's cluster (``{"cluster_id", "label", "pinned"}``, or None: no cluster) on its row, and the
    search text that goes with it."""
    assignment = assignment or {}
    row.cluster_id = assignment.get("cluster_id")
    row.cluster_label = str(assignment.get("label") or "")
    row.pinned = bool(assignment.get("pinned"))
    row.search = search_text(row).casefold()


def with_clusters(rows: list[VoiceRow], assignments: dict[str, dict]) -> list[VoiceRow]:
    """Copies of ``rows`` (same order) with their clusters (worker thread: the table's rows are not touched)."""
    out = []
    for r in rows:
        new = copy.copy(r)
        assign_cluster(new, assignments.get(r.name))
        out.append(new)
    return out


def longest(texts, n: int = 64) -> list[str]:
    """The ``n`` longest distinct texts (a column is measured on these: 10,000 voices cost no more than 21)."""
    return sorted(set(texts), key=len, reverse=True)[:n]


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
    search keeps the matching rows of that sorted list (each row carries its search text), narrowing the previous
    result while the user types on, and the view receives ``FETCH_ROWS`` rows at a time
    (``canFetchMore``/``fetchMore``)."""

    COLUMNS = ("name", "clips", "length", "tags", "cluster", "emotions")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.all_rows: list[VoiceRow] = []
        self.rows: list[VoiceRow] = []          # filtered and sorted: what the table shows (fetched or not)
        self.fetched = 0
        self.generation = 0                     # changes when the rows or their order change (set_rows, sort)
        self._ordered: list[VoiceRow] = []      # every row, sorted
        self._filter = ""
        self._sort = (0, Qt.SortOrder.AscendingOrder)

    def headers(self) -> list[str]:
        return [self.tr("Voice"), self.tr("Clips"), self.tr("Length"), self.tr("Tags"), self.tr("Cluster"),
                self.tr("Emotions")]

    # -- rows, search and order --------------------------------------------------------------------
    def set_rows(self, rows: list[VoiceRow]) -> None:
        self.all_rows = rows
        self.generation += 1
        self._resort()

    def replace_rows(self, generation: int, rows: list[VoiceRow]) -> bool | None:
        """Take ``rows`` — copies of ``all_rows`` (same order) that a worker gave their clusters — in place of the
        rows. None when the model changed since ``generation`` (the caller updates the rows here instead); True
        when the table was reset (sorted by cluster, or a search is on), False when only the cluster cells were
        repainted (the selection and scroll position stay)."""
        if generation != self.generation or len(rows) != len(self.all_rows):
            return None
        new = {id(old): r for old, r in zip(self.all_rows, rows)}
        self.all_rows = rows
        if self.COLUMNS[self._sort[0]] == "cluster":
            self._resort()
            return True
        self._ordered = [new[id(r)] for r in self._ordered]
        if self._filter:
            self._refilter(self._ordered)
            return True
        self.rows = list(self._ordered)
        self._cluster_cells_changed()
        return False

    def rows_changed(self) -> bool:
        """The rows' cluster fields changed in place (``assign_cluster``): order, search and the visible cells
        follow. True when the table was reset (rows came, went or moved), False when only the cluster cells were
        repainted."""
        column, order = self._sort
        if self.COLUMNS[column] == "cluster":
            self._ordered = sorted(self.all_rows, key=_SORT_KEYS["cluster"], reverse=order == Qt.SortOrder.DescendingOrder)
        f = self._filter
        shown = [r for r in self._ordered if f in r.search] if f else self._ordered
        if len(shown) != len(self.rows) or any(a is not b for a, b in zip(shown, self.rows)):
            self._refilter(self._ordered)
            return True
        self._cluster_cells_changed()
        return False

    def _cluster_cells_changed(self) -> None:
        if self.fetched:
            col = self.COLUMNS.index("cluster")
            self.dataChanged.emit(self.index(0, col), self.index(self.fetched - 1, col))

    def set_filter(self, text: str) -> None:
        text = (text or "").strip().casefold()
        if text == self._filter:
            return
        narrower = bool(self._filter) and self._filter in text     # typing on: search the previous result only
        self._filter = text
        self._refilter(self.rows if narrower else self._ordered)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.generation += 1
        self.layoutAboutToBeChanged.emit()
        self._resort()
        self.layoutChanged.emit()

    def _resort(self) -> None:
        column, order = self._sort
        self._ordered = sorted(self.all_rows, key=_SORT_KEYS[self.COLUMNS[column]],
                               reverse=order == Qt.SortOrder.DescendingOrder)
        self._refilter(self._ordered)

    def _refilter(self, candidates: list[VoiceRow]) -> None:
        f = self._filter
        rows = [r for r in candidates if f in r.search] if f else list(candidates)
        self.beginResetModel()
        self.rows = rows
        self.fetched = min(len(rows), FETCH_ROWS)
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
        # a view asks each visible cell for seven roles per paint; the ones this model never answers return first
        if role not in _ANSWERED:
            return None
        row = index.row()
        if row < 0 or row >= self.fetched:
            return None
        r = self.rows[row]
        col = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if col in ("clips", "length") else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(r, col)
        if role == Qt.ItemDataRole.UserRole:
            return r.name
        if role == COVERAGE_ROLE:
            return set(r.emotions) if col == "emotions" else None
        return search_text(r)           # FILTER_ROLE

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
