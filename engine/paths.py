"""Where Timbrel keeps things on disk.

The library folder is chosen in this order: an explicit path (``--library``),
the ``TIMBREL_LIBRARY`` environment variable, then
``platformdirs.user_data_dir("timbrel")/library``. Settings live in
``user_config_dir("timbrel")`` (``TIMBREL_CONFIG_DIR`` overrides it).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "timbrel"
LIBRARY_ENV = "TIMBREL_LIBRARY"
CONFIG_ENV = "TIMBREL_CONFIG_DIR"


def default_library_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "library"


def resolve_library_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return Path(env).expanduser()
    return default_library_dir()


def config_dir() -> Path:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


def runtime_socket_name() -> str:
    """Name of the local socket a running desktop app listens on (per user)."""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    return f"timbrel-{user}"
