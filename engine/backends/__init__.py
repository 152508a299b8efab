"""Synthesis backends, looked up by name (imported lazily: importing this package imports no torch)."""

from __future__ import annotations

import importlib
import threading

from ..errors import MissingAsset, NotFound

_REGISTRY: dict[str, str] = {
    "tone": "engine.backends.tone.backend.ToneBackend",
    "gptsovits": "engine.backends.gptsovits.backend.GptSovitsBackend",
    "preview": "engine.backends.preview.backend.PreviewBackend",
}
_instances: dict[str, object] = {}
_lock = threading.Lock()


def backend_names() -> list[str]:
    return sorted(_REGISTRY)


def register_backend(name: str, dotted_path: str) -> None:
    """Add a backend class (``module.Class``) under ``name``."""
    with _lock:
        _REGISTRY[name] = dotted_path
        _instances.pop(name, None)


def get_backend(name: str):
    """The backend instance for ``name`` (one per process)."""
    with _lock:
        if name in _instances:
            return _instances[name]
        path = _REGISTRY.get(name)
        if path is None:
            raise NotFound(f"There is no synthesis backend called '{name}'.",
                           hint="Known backends: " + ", ".join(sorted(_REGISTRY)) + ".")
        module_name, _, cls_name = path.rpartition(".")
        try:
            module = importlib.import_module(module_name)
            cls = getattr(module, cls_name)
        except (ImportError, AttributeError) as exc:
            raise MissingAsset(f"The '{name}' backend is not available in this installation ({exc}).",
                               hint="Reinstall Timbrel, or use a base made with another backend.") from exc
        inst = cls()
        _instances[name] = inst
        return inst
