"""The installation self-test (unfrozen here; CI runs it again on the PyInstaller build)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.selftest import main, run_selftest

REPO = Path(__file__).resolve().parents[2]


def test_selftest_passes_and_prints_one_line(capsys, tmp_path):
    assert main(["--selftest", "--demo", "--workdir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("SELFTEST OK")
    assert "tone:" in lines[0] and "null output" in lines[0] and "demo: 4 voices/16 clips" in lines[0]


def test_selftest_preview_step_speaks(tmp_path, monkeypatch):
    pytest.importorskip("espeakng_loader")
    monkeypatch.setenv("TIMBREL_PREVIEW_ENGINE", "espeak")
    res = run_selftest(workdir=tmp_path, preview=True)
    assert res.ok, res.summary()
    assert res.steps["preview"]["audio_s"] > 0.5 and "preview (eSpeak NG" in res.summary()


def test_selftest_reports_each_step(tmp_path):
    res = run_selftest(workdir=tmp_path)
    assert res.ok, res.summary()
    assert list(res.steps) == ["imports", "library", "voice", "analysis", "synthesis"]
    syn = res.steps["synthesis"]
    assert syn["frames_played"] >= syn["audio_s"] * 8000 and syn["rms"] > 0


def test_selftest_fails_when_schema_files_are_missing(tmp_path, monkeypatch):
    import engine.library.catalog as catalog

    monkeypatch.setattr(catalog, "available_migrations", lambda: [])
    res = run_selftest(workdir=tmp_path)
    assert not res.ok and res.failed_step == "library"
    assert res.summary().startswith("SELFTEST FAILED at library:")


def test_selftest_fails_plainly_for_an_unknown_backend(tmp_path):
    res = run_selftest(workdir=tmp_path, backend="nope")
    assert not res.ok and res.failed_step == "synthesis" and "nope" in res.error


def test_frozen_entry_dispatches_selftest_and_cli(tmp_path):
    env = dict(os.environ, TIMBREL_TORCH_THREADS="1")
    entry = REPO / "packaging" / "timbrel_entry.py"
    ver = subprocess.run([sys.executable, str(entry), "--version"], capture_output=True, text=True, env=env, timeout=120)
    assert ver.returncode == 0 and ver.stdout.startswith("timbrel ")
    lib = tmp_path / "lib"
    res = subprocess.run([sys.executable, str(entry), "--library", str(lib), "demo", "list", "--json"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert len(json.loads(res.stdout)["voices"]) == 4


@pytest.mark.package
@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TIMBREL_BUILD_TESTS") != "1",
                    reason="builds the PyInstaller app (minutes); set TIMBREL_BUILD_TESTS=1 (CI builds via .ci/run)")
def test_build_one_folder_app_and_run_its_selftest():
    pytest.importorskip("PyInstaller")
    res = subprocess.run([sys.executable, str(REPO / "packaging" / "build.py"), "--onedir", "--selftest"],
                         capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    report = json.loads((REPO / "build" / "packaging-report.json").read_text())
    assert report["selftest"].startswith("SELFTEST OK")
    assert (REPO / "dist" / "timbrel" / "_internal" / "engine" / "library" / "schema" / "0001_core.sql").is_file()
    assert (REPO / "dist" / "timbrel" / "_internal" / "resources" / "demo" / "demo.json").is_file()
