"""Where Timbrel keeps things on disk.

The library folder is chosen in this order (:func:`choose_library_dir`): an explicit path
(``--library``), the ``TIMBREL_LIBRARY`` environment variable, the ``library.path`` setting,
then ``platformdirs.user_data_dir("timbrel")/library``. Settings live in
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


#: Where the library folder came from, as :func:`choose_library_dir` reports it.
FROM_OPTION = "--library"
FROM_ENV = "$" + LIBRARY_ENV
FROM_SETTINGS = "settings (library.path)"
FROM_DEFAULT = "default"


def choose_library_dir(explicit: str | os.PathLike | None = None,
                       configured: str | os.PathLike | None = None) -> tuple[Path, str]:
    """(library folder, where it came from): ``--library`` > ``$TIMBREL_LIBRARY`` > the
    ``library.path`` setting (``configured``) > the user data folder."""
    if explicit:
        return Path(explicit).expanduser(), FROM_OPTION
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return Path(env).expanduser(), FROM_ENV
    if isinstance(configured, (str, os.PathLike)) and str(configured).strip():
        return Path(configured).expanduser(), FROM_SETTINGS
    return default_library_dir(), FROM_DEFAULT


def resolve_library_dir(explicit: str | os.PathLike | None = None) -> Path:
    return choose_library_dir(explicit)[0]


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
