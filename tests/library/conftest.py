"""Fixtures for the library tests (helpers live in library_helpers.py)."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="module")
def corpus_engine(tmp_path_factory, corpus):
    """An engine whose library holds the whole shared corpus (imported once per test module)."""
    from engine.api import Engine
    from engine.settings import Settings

    root = tmp_path_factory.mktemp("corpuslib")
    eng = Engine(library=root / "lib", settings=Settings(root / "settings.json"))
    report = eng.importer.import_paths([corpus / "dataset.list"])
    eng.corpus_report = report
    yield eng
    eng.close()


@pytest.fixture
def speaker_dir(tmp_path, corpus):
    """A copy of two corpus speakers' clips (tests may modify it)."""
    dst = tmp_path / "src"
    for spk in ("en_flite_awb", "zh_espeak_steph"):
        shutil.copytree(corpus / "clips" / spk, dst / spk)
    return dst
