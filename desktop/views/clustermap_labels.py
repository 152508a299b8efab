"""Names on the cluster map: cluster names near their centres, voice names beside their dots (small maps), each
where it covers no other label and no dot."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from .clustermap_items import DOT, HIGHLIGHT

CLUSTER_LABELS = 60       # cluster names are written on the map up to this many clusters
NAME_LABELS = 60          # voice names are written next to the dots up to this many voices


def place_labels(scene, points, xy: np.ndarray, names: dict[int, str], text_colour: QColor) -> None:
    """Cluster names near their centres (bold, placed first), then voice names beside their dots when there are
    few voices. Each label tries candidate positions around its anchor and takes the first that covers no other
    label and (when voice names are drawn) no dot; with no free position it is left out (the dot's tooltip and the
    legend still name it). Large libraries (level-of-detail cloud) skip the dot test: there every spot is a dot."""
    taken: list[QRectF] = []
    text_brush = QBrush(text_colour)
    avoid_dots = len(points) <= NAME_LABELS
    r = DOT * HIGHLIGHT / 2 + 1.0           # a dot's half-size when highlighted, with its outline
    px, py = (xy[:, 0], xy[:, 1]) if avoid_dots and len(xy) else (np.empty(0), np.empty(0))
    margin = 1.5

    def covers_dot(rect: QRectF) -> bool:
        if not len(px):
            return False
        return bool(np.any((px + r > rect.left()) & (px - r < rect.right())
                           & (py + r > rect.top()) & (py - r < rect.bottom())))

    def candidates(x: float, y: float, w: float, h: float):
        g = r + 0.5
        for k in (1.0, 2.2):                    # next to the anchor first, then a little further out
            d = g * k
            yield x + d, y - h / 2              # right
            yield x - d - w, y - h / 2          # left
            yield x + d * 0.5, y - d - h        # above right
            yield x - d * 0.5 - w, y - d - h    # above left
            yield x - w / 2, y - d - h          # above
            yield x + d * 0.5, y + d            # below right
            yield x - d * 0.5 - w, y + d        # below left
            yield x - w / 2, y + d              # below

    def place(text: str, x: float, y: float, bold: bool) -> bool:
        item = QGraphicsSimpleTextItem(text)
        if bold:
            f = QFont(item.font())
            f.setBold(True)
            item.setFont(f)
        item.setBrush(text_brush)
        br = item.boundingRect()
        for ox, oy in candidates(x, y, br.width(), br.height()):
            rect = QRectF(ox, oy, br.width(), br.height())
            padded = rect.adjusted(-margin, -margin, margin, margin)
            if covers_dot(rect) or any(padded.intersects(t) for t in taken):
                continue
            taken.append(rect)
            item.setPos(rect.topLeft())
            item.setZValue(2 if bold else 1)
            scene.addItem(item)
            return True
        return False

    members: dict[int, list[int]] = {}
    for i, p in enumerate(points):
        if p.cluster_id is not None:
            members.setdefault(p.cluster_id, []).append(i)
    if len(members) <= CLUSTER_LABELS:
        for cid, ix in sorted(members.items(), key=lambda kv: -len(kv[1])):
            cx, cy = xy[ix].mean(axis=0)
            place(names.get(cid, ""), float(cx), float(cy), True)
    if len(points) <= NAME_LABELS:
        for p, (x, y) in zip(points, xy):
            place(p.voice, float(x), float(y), False)
