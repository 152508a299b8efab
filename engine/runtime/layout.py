"""Re-export of :mod:`engine.backends.layout` (base parameter layouts and their packing).

The layout vocabulary (``TensorSpec``, ``PackedLayout`` ...) is what a backend describes its bases with, so it lives
with the backend interface, below the runtime; the runtime imports it from there. This module keeps the old
import path working.
"""

from ..backends.layout import (  # noqa: F401
    ALIGN,
    Layout,
    PackedLayout,
    Placement,
    TensorSpec,
    dtype_name,
    dtype_of,
    layout_bytes,
    layout_digest,
    layout_of,
)
