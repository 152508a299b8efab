#!/usr/bin/env python3
"""Render resources/icons/timbrel.svg to PNG sizes and a Windows .ico (PNG-compressed entries).

Run from the repository root: QT_QPA_PLATFORM=offscreen python resources/icons/make_icons.py
Uses Qt's SVG renderer from PySide6 (already a Timbrel dependency). macOS .icns is made on a Mac with
``iconutil`` from these PNGs (see docs/packaging.md).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = [16, 24, 32, 48, 64, 128, 256, 512]
ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]


def render(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(HERE / "timbrel.svg"))
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data)


def write_ico(path: Path, images: dict[int, bytes]) -> None:
    entries = sorted(images.items())
    header = struct.pack("<HHH", 0, 1, len(entries))
    offset = 6 + 16 * len(entries)
    table = b""
    blobs = b""
    for size, png in entries:
        dim = 0 if size >= 256 else size
        table += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    path.write_bytes(header + table + blobs)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    pngs = {s: render(s) for s in SIZES}
    for s, data in pngs.items():
        (HERE / f"timbrel-{s}.png").write_bytes(data)
    write_ico(HERE / "timbrel.ico", {s: pngs[s] for s in ICO_SIZES})
    print(f"wrote {len(pngs)} PNGs and timbrel.ico to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
