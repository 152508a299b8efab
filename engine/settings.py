"""User settings, persisted as JSON in the config folder.

Settings are a flat mapping of dotted keys to JSON values with declared
defaults. Unknown keys are kept (a newer version may have written them).
Writes are atomic.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from .errors import InvalidInput
from .fsutil import atomic_write_json, read_bounded
from .paths import config_dir

MAX_SETTINGS_BYTES = 1 << 20

DEFAULTS: dict[str, Any] = {
    "library.path": None,            # None: the platformdirs default
    "assets.gptsovits_path": None,   # a linked GPT-SoVITS pretrained_models folder
    "runtime.vram_limit_mb": 4096,   # hard budget for resident bytes on the device
    "runtime.pinned_pool_mb": 1024,  # pinned host staging pool for prefetch
    "runtime.device": "auto",        # auto | cpu | cuda | cuda:N
    "runtime.hold_s": 2.0,           # scheduler: max extra time a resident base keeps serving
    # scheduler: rows of one base served together (capped by the backend's max_batch_rows; 1 = off);
    # None = 8 on a GPU, 1 on a CPU (a lone request decodes faster unbatched there: see README)
    "runtime.max_batch": None,
    "playback.device": None,         # sounddevice output device name; None = system default
    "ui.language": None,             # None = follow the system
    "ui.first_run_done": False,
}


class Settings:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else config_dir() / "settings.json"
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}
        self.reload()

    def reload(self) -> None:
        values: dict[str, Any] = {}
        if self.path.exists():
            try:
                loaded = json.loads(read_bounded(self.path, MAX_SETTINGS_BYTES).decode("utf-8"))
                if isinstance(loaded, dict):
                    values = loaded
            except (OSError, ValueError, RecursionError, InvalidInput):
                values = {}  # a damaged (or absurd) settings file falls back to defaults
        with self._lock:
            self._values = values

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            if key in self._values:
                return self._values[key]
        return DEFAULTS.get(key, default)

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._values[key] = value
            snapshot = dict(self._values)
        atomic_write_json(self.path, snapshot)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            merged = dict(DEFAULTS)
            merged.update(self._values)
            return merged
