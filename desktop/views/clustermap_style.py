"""How the cluster map tells clusters apart and names them: colours and marker shapes by rank, the names shown for
clusters ("Group A" for the engine's default labels), and marker outlines. Shared with the library and Bases tabs
(they show the same cluster names)."""

from __future__ import annotations

import re

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainterPath

# 18 colours that read as different colours to the eye, not only as different hex values (Sasha Trubetskoy's
# "20 simple, distinct colours" without grey, which means "no cluster" here, and beige, invisible on white).
# Past 18 clusters the marker shape changes too (see style_of).
PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#ffe119",
           "#469990", "#9a6324", "#800000", "#808000", "#000075", "#fabed4", "#dcbeff", "#aaffc3", "#ffd8b1"]
MARKERS = ("circle", "square", "triangle", "diamond")
MARKER_SYMBOLS = {"circle": "●", "square": "■", "triangle": "▲", "diamond": "◆"}
_DEFAULT_LABEL = re.compile(r"^cluster \d+$")


def style_of(rank: int | None) -> tuple[QColor, str]:
    """Colour and marker of the cluster at ``rank`` (its position among the current clusters). The first 18
    are the fixed palette's distinct colours; beyond, further hues (golden-ratio steps) and, every 18, the
    next marker shape, so no two current clusters are drawn alike whatever their number."""
    if rank is None:
        return QColor("#888888"), "circle"
    marker = MARKERS[(rank // len(PALETTE)) % len(MARKERS)]
    if rank < len(PALETTE):
        return QColor(PALETTE[rank]), marker
    hue = (rank * 0.618033988749895) % 1.0
    sat = 0.55 + 0.35 * ((rank // 7) % 2)
    val = 0.80 - 0.18 * ((rank // 11) % 2)
    return QColor.fromHsvF(hue, sat, val), marker


def display_names(clusters) -> dict[int, str]:
    """What the map, the legend and the library call each cluster: the user's label, else "Group A", "Group B"...
    in the order of the clusters (never the raw "cluster 4" of a re-clustering)."""
    from PySide6.QtCore import QCoreApplication

    out = {}
    for rank, c in enumerate(sorted(clusters, key=lambda c: c.id)):
        label = (c.label or "").strip()
        if label and not _DEFAULT_LABEL.match(label):
            out[c.id] = label
        else:
            out[c.id] = QCoreApplication.translate("ClusterMap", "Group %1").replace("%1", group_letter(rank))
    return out


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def group_letter(rank: int) -> str:
    """A, B, ... Z, AA, AB, ..."""
    s = ""
    rank += 1
    while rank:
        rank, r = divmod(rank - 1, 26)
        s = chr(65 + r) + s
    return s


def marker_path(marker: str, size: float) -> QPainterPath:
    path = QPainterPath()
    h = size / 2
    if marker == "square":
        path.addRect(QRectF(-h * 0.9, -h * 0.9, size * 0.9, size * 0.9))
    elif marker == "triangle":
        path.moveTo(0, -h)
        path.lineTo(h, h * 0.8)
        path.lineTo(-h, h * 0.8)
        path.closeSubpath()
    elif marker == "diamond":
        path.moveTo(0, -h)
        path.lineTo(h, 0)
        path.lineTo(0, h)
        path.lineTo(-h, 0)
        path.closeSubpath()
    else:
        path.addEllipse(QRectF(-h, -h, size, size))
    return path
