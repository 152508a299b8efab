"""Test set-up shared by every test.

* Qt runs offscreen (set before anything can import Qt).
* Every test gets private config/data/cache folders, so nothing touches the
  user's real library or settings.
* ``shared`` is the read-only ``../shared`` folder beside the checkout (corpus,
  GPT-SoVITS fixtures); ``TIMBREL_SHARED`` overrides its location.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TIMBREL_TORCH_THREADS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TIMBREL_SHARED", REPO.parent / "shared")).resolve()


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.delenv("TIMBREL_LIBRARY", raising=False)
    monkeypatch.setenv("TIMBREL_CONFIG_DIR", str(home / "config" / "timbrel"))
    yield


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared folder is missing at {SHARED} (set TIMBREL_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def corpus(shared) -> Path:
    return shared / "corpus"


@pytest.fixture(scope="session")
def gsv_fixtures(shared) -> Path:
    return shared / "fixtures" / "gptsovits"


@pytest.fixture
def library(tmp_path):
    from engine.library import Library

    lib = Library.open(tmp_path / "lib")
    yield lib
    lib.close()


@pytest.fixture
def engine(tmp_path):
    from engine.api import Engine

    eng = Engine(library=tmp_path / "lib")
    yield eng
    eng.close()
