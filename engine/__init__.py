"""Timbrel engine: voice library, analysis, synthesis backends and the GPU runtime.

The engine never imports Qt. Use :class:`engine.api.Engine` as the entry point;
everything the desktop app does goes through it.
"""

__version__ = "0.1.0"
