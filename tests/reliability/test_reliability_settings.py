"""Case 3 — which library a command uses: --library > $TIMBREL_LIBRARY > settings > default, and every
command can say which one it uses (stats, doctor, --verbose)."""

from __future__ import annotations

import json

import pytest

from engine.paths import FROM_DEFAULT, FROM_ENV, FROM_OPTION, FROM_SETTINGS, choose_library_dir
from rel_helpers import cli


@pytest.fixture
def settings_library(tmp_path, monkeypatch):
    from engine.settings import Settings

    configured = tmp_path / "from-settings"
    Settings().set("library.path", str(configured))   # the test's private config folder (tests/conftest.py)
    return configured


def test_environment_beats_settings(settings_library, tmp_path, monkeypatch, capsys):
    env_lib = tmp_path / "from-env"
    monkeypatch.setenv("TIMBREL_LIBRARY", str(env_lib))
    rc, out, err = cli(["-v", "stats", "--json"], capsys)
    assert rc == 0, err
    data = json.loads(out)
    assert data["library"] == str(env_lib) and data["library_source"] == FROM_ENV
    assert f"library {env_lib} (from {FROM_ENV})" in err          # --verbose says it too
    assert (env_lib / "catalog.sqlite").exists() and not settings_library.exists()  # nothing written elsewhere


def test_option_beats_environment_and_settings_beat_default(settings_library, tmp_path, monkeypatch, capsys):
    opt = tmp_path / "from-option"
    monkeypatch.setenv("TIMBREL_LIBRARY", str(tmp_path / "from-env"))
    rc, out, _ = cli(["--library", str(opt), "doctor", "--json"], capsys)
    assert rc == 0 and json.loads(out)["library_source"] == FROM_OPTION and json.loads(out)["library"] == str(opt)

    monkeypatch.delenv("TIMBREL_LIBRARY")
    rc, out, _ = cli(["stats"], capsys)
    assert rc == 0 and out.splitlines()[0] == f"library {settings_library} (from {FROM_SETTINGS})"


def test_choice_function(tmp_path, monkeypatch):
    monkeypatch.delenv("TIMBREL_LIBRARY", raising=False)
    assert choose_library_dir(None, None)[1] == FROM_DEFAULT
    assert choose_library_dir(None, 123)[1] == FROM_DEFAULT          # a hostile settings value is ignored
    assert choose_library_dir(None, str(tmp_path)) == (tmp_path, FROM_SETTINGS)
    monkeypatch.setenv("TIMBREL_LIBRARY", str(tmp_path / "e"))
    assert choose_library_dir(None, str(tmp_path)) == (tmp_path / "e", FROM_ENV)
    assert choose_library_dir(tmp_path / "o", str(tmp_path)) == (tmp_path / "o", FROM_OPTION)


def test_damaged_or_absurd_settings_fall_back_to_defaults(tmp_path, monkeypatch):
    from engine.settings import Settings

    p = tmp_path / "settings.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    assert Settings(p).get("runtime.vram_limit_mb") == 4096
    p.write_bytes(b"{" + b" " * (2 << 20) + b"}")                   # larger than settings ever are
    assert Settings(p).get("library.path") is None
