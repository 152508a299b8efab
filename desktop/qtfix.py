"""Work-around for a reference-counting bug in PySide6 6.12 on Python 3.11.

Every call of a C++ method that returns ``void`` (``QPainter.setPen``, ``drawRect``, ``save`` ...) drops one
reference to ``None`` instead of none. Python starts with a few thousand references to ``None``, so an app that
paints (the library's emotion dots, waveforms, the cluster map) aborts with "Fatal Python error: none_dealloc"
after a few thousand painter calls — scrolling a long library was enough. Python 3.12 made ``None`` immortal,
which is what this does for older versions: it adds 2**40 references, far more than any session drops.
(``tests/desktop/test_desktop_scale.py`` paints a 2,000-voice table to the end and would abort without it.)
"""

from __future__ import annotations

import sys

_BALLAST = 1 << 40


def keep_none_alive() -> None:
    """Make ``None`` effectively immortal on CPython < 3.12 (no-op elsewhere and when already done)."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    ref = ctypes.c_ssize_t.from_address(id(None))
    if ref.value < _BALLAST:
        ref.value += _BALLAST
